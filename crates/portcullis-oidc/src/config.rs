//! Provider configuration: which issuers, clients, algorithms and claims are
//! trusted, in the `provider.json` shape of the CLI contract.

use std::collections::BTreeMap;

use jsonwebtoken::{Algorithm, AlgorithmFamily};
use serde::{Deserialize, Deserializer};

use crate::error::Error;

/// Default `leeway_seconds`: clock skew tolerated on `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY_SECONDS: u64 = 60;
/// Default `max_token_bytes` (16 KiB).
pub const DEFAULT_MAX_TOKEN_BYTES: usize = 16 * 1024;
/// Upper bound accepted for `max_token_bytes` (1 MiB), so a typo cannot make
/// the validator decode megabytes of attacker input.
pub const MAX_MAX_TOKEN_BYTES: usize = 1024 * 1024;
/// Default username claim.
pub const DEFAULT_CLAIM_USERNAME: &str = "preferred_username";
/// Default display-name claim.
pub const DEFAULT_CLAIM_NAME: &str = "name";
/// Default groups claim.
pub const DEFAULT_CLAIM_GROUPS: &str = "groups";

/// One trusted identity provider (issuer) and the clients accepted from it.
///
/// Deserializes from the CLI contract's `provider.json` keys; unknown keys are
/// refused so a misspelt security setting is never silently ignored.
///
/// ```
/// use portcullis_oidc::ProviderConfig;
/// let p = ProviderConfig::new("https://idp.example.org/realms/mail")
///     .with_audiences(["bulwark", "stalwart-webui"]);
/// assert_eq!(p.leeway_seconds, 60);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ProviderConfig {
    /// The issuer, compared with `iss` and the discovery `issuer` exactly.
    pub issuer: String,
    /// Accepted client ids: the token's `aud` (string or array) must contain one.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// Accepted authorized parties: a token whose `azp` is listed is accepted
    /// even when `aud` lists no configured client (Keycloak puts the client in
    /// `azp` and `aud` is often `"account"`). Also spelt `authorized_party`.
    #[serde(
        default,
        alias = "authorized_party",
        deserialize_with = "string_or_seq"
    )]
    pub authorized_parties: Vec<String>,
    /// Scopes that must all be present (`scope` or `scp`).
    #[serde(default)]
    pub require_scopes: Vec<String>,
    /// Claim holding the username (default `preferred_username`); `email` is
    /// the fallback. A username taken from `email` (as this claim or as the
    /// fallback) needs `email_verified: true` unless
    /// [`danger_allow_unverified_email`](Self::danger_allow_unverified_email).
    #[serde(default = "default_claim_username")]
    pub claim_username: String,
    /// Domain appended as `@domain` to a username without `@`.
    #[serde(default)]
    pub username_domain: Option<String>,
    /// Claim holding the display name (default `name`).
    #[serde(default = "default_claim_name")]
    pub claim_name: String,
    /// How a groups claim that holds one string instead of an array is
    /// read (default: refused, see [`GroupsAsString`]).
    #[serde(default)]
    pub groups_as_string: GroupsAsString,
    /// Claim holding the group names (default `groups`).
    #[serde(default = "default_claim_groups")]
    pub claim_groups: String,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default 60).
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    /// Allowed JOSE algorithms (default: every asymmetric algorithm
    /// jsonwebtoken supports). HMAC algorithms are refused in configuration:
    /// a JWKS public key must never become an HMAC secret.
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    /// Largest token accepted, checked before any decoding (default 16 KiB).
    #[serde(default = "default_max_token_bytes")]
    pub max_token_bytes: usize,
    /// IdP group name → portcullis role names, resolved by the facade.
    #[serde(default)]
    pub group_roles: BTreeMap<String, Vec<String>>,
    /// Discovery document URL (default: the issuer plus
    /// `/.well-known/openid-configuration`). Used by the `fetch` feature.
    #[serde(default)]
    pub discovery_url: Option<String>,
    /// JWKS URL; when set, discovery is skipped. Used by the `fetch` feature.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// Key store timing.
    #[serde(default)]
    pub key_store: KeyStoreConfig,
    /// DANGER: accept any audience. Only for a provider that issues tokens
    /// for this server alone; off by default.
    #[serde(default)]
    pub danger_accept_any_audience: bool,
    /// DANGER: take a username from `email` even when the token does not
    /// say `email_verified: true` (absent counts as unverified). Off by
    /// default: on an IdP where users edit their own profile, an unverified
    /// address is whatever the user typed, e.g. an administrator's. Only for
    /// a provider that never lets an address in unverified.
    #[serde(default)]
    pub danger_allow_unverified_email: bool,
}

/// How a groups claim that holds a single string, not an array of strings,
/// is read. The standard form (and what Keycloak, Entra ID, Okta and
/// Authentik send) is an array; a provider that sends a string may mean
/// one group, or several joined by a separator the token does not name.
///
/// ```
/// use portcullis_oidc::{GroupsAsString, ProviderConfig};
/// let p = ProviderConfig::new("https://idp.example.org");
/// assert_eq!(p.groups_as_string, GroupsAsString::Refuse);
/// let p = p.with_groups_as_string(GroupsAsString::OneGroup);
/// assert_eq!(p.groups_as_string, GroupsAsString::OneGroup);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum GroupsAsString {
    /// The token is refused as malformed (`bad-claims`): guessing what the
    /// string holds could map a group to roles the provider never meant
    /// (a `"staff,admins"` string read as one group matches nothing, split
    /// at the comma it might match an admin group). The default, so a
    /// provider's unusual form shows up as a refusal, not as wrong roles.
    #[default]
    Refuse,
    /// The string is one group name, as some providers send a user's only
    /// group.
    OneGroup,
}

/// Key store timing, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[non_exhaustive]
pub struct KeyStoreConfig {
    /// Periodic refresh interval (default 3600).
    pub refresh_seconds: u64,
    /// At most one refresh per this interval is triggered by unknown `kid`s
    /// and by signatures that fail with stale keys (default 60): a flood of
    /// forged `kid`s or signatures cannot storm the IdP. Keys whose fetch
    /// began less than this long ago count as fresh: a signature they
    /// refuse is a bad signature, not a reason to refetch.
    pub unknown_kid_refresh_seconds: u64,
    /// First retry delay after a failed fetch (default 2); doubles per
    /// consecutive failure.
    pub backoff_initial_seconds: u64,
    /// Largest retry delay (default 300). Also the negative-cache TTL.
    pub backoff_max_seconds: u64,
    /// How long keys that disappeared from the JWKS keep verifying (default
    /// 600), so tokens signed just before a rotation stay valid.
    pub rotation_grace_seconds: u64,
}

impl Default for KeyStoreConfig {
    fn default() -> Self {
        Self {
            refresh_seconds: 3600,
            unknown_kid_refresh_seconds: 60,
            backoff_initial_seconds: 2,
            backoff_max_seconds: 300,
            rotation_grace_seconds: 600,
        }
    }
}

fn default_claim_username() -> String {
    DEFAULT_CLAIM_USERNAME.to_owned()
}
fn default_claim_name() -> String {
    DEFAULT_CLAIM_NAME.to_owned()
}
fn default_claim_groups() -> String {
    DEFAULT_CLAIM_GROUPS.to_owned()
}
const fn default_leeway() -> u64 {
    DEFAULT_LEEWAY_SECONDS
}
const fn default_max_token_bytes() -> usize {
    DEFAULT_MAX_TOKEN_BYTES
}
fn default_algorithms() -> Vec<String> {
    [
        "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect()
}

fn string_or_seq<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(value) => vec![value],
        OneOrMany::Many(values) => values,
    })
}

impl ProviderConfig {
    /// A provider with the given issuer and safe defaults. It accepts no
    /// audience until [`with_audiences`](Self::with_audiences) is called.
    #[must_use]
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audiences: Vec::new(),
            authorized_parties: Vec::new(),
            require_scopes: Vec::new(),
            claim_username: default_claim_username(),
            username_domain: None,
            claim_name: default_claim_name(),
            claim_groups: default_claim_groups(),
            leeway_seconds: DEFAULT_LEEWAY_SECONDS,
            algorithms: default_algorithms(),
            max_token_bytes: DEFAULT_MAX_TOKEN_BYTES,
            group_roles: BTreeMap::new(),
            discovery_url: None,
            jwks_uri: None,
            key_store: KeyStoreConfig::default(),
            danger_accept_any_audience: false,
            danger_allow_unverified_email: false,
            groups_as_string: GroupsAsString::default(),
        }
    }

    /// Sets the accepted client ids (`aud`).
    #[must_use]
    pub fn with_audiences<I, S>(mut self, audiences: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.audiences = audiences.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the accepted authorized parties (`azp`).
    #[must_use]
    pub fn with_authorized_parties<I, S>(mut self, parties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.authorized_parties = parties.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the required scopes.
    #[must_use]
    pub fn with_required_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.require_scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the allowed algorithms (JOSE names).
    #[must_use]
    pub fn with_algorithms<I, S>(mut self, algorithms: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.algorithms = algorithms.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the domain appended to usernames without `@`.
    #[must_use]
    pub fn with_username_domain(mut self, domain: impl Into<String>) -> Self {
        self.username_domain = Some(domain.into());
        self
    }

    /// Maps an IdP group to portcullis role names.
    #[must_use]
    pub fn with_group_roles<I, S>(mut self, group: impl Into<String>, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.group_roles
            .insert(group.into(), roles.into_iter().map(Into::into).collect());
        self
    }

    /// DANGER: takes a username from an unverified `email` (see
    /// [`danger_allow_unverified_email`](Self::danger_allow_unverified_email)).
    #[must_use]
    pub const fn with_danger_allow_unverified_email(mut self, allow: bool) -> Self {
        self.danger_allow_unverified_email = allow;
        self
    }

    /// Sets how a groups claim holding one string is read.
    #[must_use]
    pub const fn with_groups_as_string(mut self, rule: GroupsAsString) -> Self {
        self.groups_as_string = rule;
        self
    }

    /// Sets the key store timing.
    #[must_use]
    pub fn with_key_store(mut self, key_store: KeyStoreConfig) -> Self {
        self.key_store = key_store;
        self
    }

    /// The discovery URL: the configured one, or the issuer plus
    /// `/.well-known/openid-configuration` (OpenID Connect Discovery §4).
    #[must_use]
    pub fn discovery_url(&self) -> String {
        self.discovery_url
            .clone()
            .unwrap_or_else(|| crate::discovery::openid_configuration_url(&self.issuer))
    }

    /// Checks the configuration and parses the algorithm names.
    ///
    /// # Errors
    /// [`Error::Config`] for an empty issuer, no accepted audience (unless
    /// `danger_accept_any_audience`), an unknown or HMAC algorithm, an empty
    /// claim name or a `max_token_bytes` of 0 or above [`MAX_MAX_TOKEN_BYTES`].
    pub fn checked_algorithms(&self) -> Result<Vec<Algorithm>, Error> {
        if self.issuer.is_empty() {
            return Err(Error::Config("issuer must not be empty".into()));
        }
        if self.audiences.is_empty()
            && self.authorized_parties.is_empty()
            && !self.danger_accept_any_audience
        {
            return Err(Error::Config(format!(
                "provider {}: set `audiences` (or `authorized_parties`); \
                 `danger_accept_any_audience` skips the check",
                self.issuer
            )));
        }
        if self.max_token_bytes == 0 || self.max_token_bytes > MAX_MAX_TOKEN_BYTES {
            return Err(Error::Config(format!(
                "max_token_bytes must be between 1 and {MAX_MAX_TOKEN_BYTES}"
            )));
        }
        if self.claim_username.is_empty()
            || self.claim_name.is_empty()
            || self.claim_groups.is_empty()
        {
            return Err(Error::Config("claim names must not be empty".into()));
        }
        if self.algorithms.is_empty() {
            return Err(Error::Config("algorithms must not be empty".into()));
        }
        let mut out = Vec::with_capacity(self.algorithms.len());
        for name in &self.algorithms {
            let alg = parse_algorithm(name).ok_or_else(|| {
                Error::Config(format!("unknown or unsupported algorithm {name:?}"))
            })?;
            if alg.family() == AlgorithmFamily::Hmac {
                return Err(Error::Config(format!(
                    "algorithm {name} is symmetric: HMAC is never accepted with published keys"
                )));
            }
            if !out.contains(&alg) {
                out.push(alg);
            }
        }
        Ok(out)
    }
}

/// Parses a JOSE algorithm name (RFC 7518 §3.1). `none` and unknown names
/// give `None`.
#[must_use]
pub fn parse_algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EdDSA" => Algorithm::EdDSA,
        _ => return None,
    })
}

/// Every trusted provider: deserializes from one provider object or from
/// `{"providers": [ ... ]}`.
///
/// ```
/// use portcullis_oidc::OidcConfig;
/// let one = OidcConfig::from_json(r#"{"issuer":"https://a","audiences":["x"]}"#)?;
/// let two = OidcConfig::from_json(
///     r#"{"providers":[{"issuer":"https://a","audiences":["x"]},
///                      {"issuer":"https://b","audiences":["y"]}]}"#,
/// )?;
/// assert_eq!((one.providers.len(), two.providers.len()), (1, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OidcConfig {
    /// The providers, in order of preference when several share an issuer.
    pub providers: Vec<ProviderConfig>,
}

impl OidcConfig {
    /// A configuration with these providers.
    #[must_use]
    pub fn new(providers: Vec<ProviderConfig>) -> Self {
        Self { providers }
    }

    /// Parses either JSON shape.
    ///
    /// # Errors
    /// [`Error::Config`] when the JSON is invalid or has unknown keys.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        serde_json::from_str(json).map_err(|e| Error::Config(e.to_string()))
    }
}

impl<'de> Deserialize<'de> for OidcConfig {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Many {
            providers: Vec<ProviderConfig>,
        }
        let value = serde_json::Value::deserialize(deserializer)?;
        let many = value
            .as_object()
            .is_some_and(|object| object.contains_key("providers"));
        if many {
            let parsed: Many = serde_json::from_value(value).map_err(serde::de::Error::custom)?;
            Ok(Self {
                providers: parsed.providers,
            })
        } else {
            let parsed: ProviderConfig =
                serde_json::from_value(value).map_err(serde::de::Error::custom)?;
            Ok(Self {
                providers: vec![parsed],
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_aliases() {
        let config = OidcConfig::from_json(
            r#"{"issuer":"https://kc/realms/r","authorized_party":"bulwark"}"#,
        )
        .unwrap();
        let p = &config.providers[0];
        assert_eq!(p.authorized_parties, vec!["bulwark".to_owned()]);
        assert_eq!(p.claim_username, "preferred_username");
        assert_eq!(p.max_token_bytes, 16384);
        assert_eq!(p.checked_algorithms().unwrap().len(), 9);
    }

    #[test]
    fn refuses_hmac_unknown_keys_and_no_audience() {
        let hs = ProviderConfig::new("https://i")
            .with_audiences(["a"])
            .with_algorithms(["HS256"]);
        assert!(matches!(hs.checked_algorithms(), Err(Error::Config(_))));
        let none = ProviderConfig::new("https://i")
            .with_audiences(["a"])
            .with_algorithms(["none"]);
        assert!(none.checked_algorithms().is_err());
        assert!(
            ProviderConfig::new("https://i")
                .checked_algorithms()
                .is_err()
        );
        assert!(OidcConfig::from_json(r#"{"issuer":"https://i","audience":"typo"}"#).is_err());
    }
}
