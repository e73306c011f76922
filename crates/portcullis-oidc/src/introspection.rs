//! Opaque access tokens: RFC 7662 introspection and OpenID Connect userinfo.
//!
//! Google and Microsoft access tokens are opaque to third-party servers,
//! which must ask the IdP about them. The host implements
//! [`TokenIntrospector`] and/or [`UserInfoSource`] (the HTTP call); this
//! module judges the answer, maps it with the provider's claim rules, and
//! caches the result until the token's `exp` (bounded).
//!
//! ```
//! use portcullis_oidc::ProviderConfig;
//! use portcullis_oidc::introspection::OpaqueTokenValidator;
//! use time::OffsetDateTime;
//!
//! let provider = ProviderConfig::new("https://accounts.example").with_audiences(["mail"]);
//! let opaque = OpaqueTokenValidator::new(provider)?;
//! let now = OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
//! let body = br#"{"active":true,"client_id":"mail","sub":"42","username":"Alice@Example.org",
//!                 "scope":"mail","exp":1800000600,"iss":"https://accounts.example"}"#;
//! let principal = opaque.accept_introspection("opaque-token", body, now)?;
//! assert_eq!(principal.username, "alice@example.org");
//! // The repeat is answered from the cache.
//! assert!(opaque.cached("opaque-token", now).is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::claims::ClaimSet;
use crate::config::ProviderConfig;
use crate::error::Error;
use crate::principal::Principal;
use crate::refusal::Refusal;
use crate::validator::{audience_ok, groups_and_roles, map_username, scopes};

/// Largest introspection or userinfo response accepted (64 KiB).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;
/// Default cache lifetime for answers without `exp` (userinfo), in seconds.
pub const DEFAULT_TTL_WITHOUT_EXP: i64 = 300;
/// Default number of cached opaque tokens.
pub const DEFAULT_OPAQUE_CACHE_ENTRIES: usize = 10_000;

/// Why the IdP could not vouch for an opaque token.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpaqueError {
    /// Peer: the IdP rejected the token (e.g. userinfo answered 401).
    #[error("identity provider rejected the token")]
    Rejected,
    /// Environment: the IdP could not be asked (network, 5xx, timeout).
    #[error("identity provider unavailable: {0}")]
    Unavailable(String),
}

/// RFC 7662 token introspection, implemented by the host's HTTP client.
pub trait TokenIntrospector: Send + Sync {
    /// POSTs `token` to the introspection endpoint and returns the JSON body.
    fn introspect(&self, token: &str) -> impl Future<Output = Result<Vec<u8>, OpaqueError>> + Send;
}

/// OpenID Connect userinfo (Core §5.3), implemented by the host's HTTP client.
pub trait UserInfoSource: Send + Sync {
    /// GETs the userinfo endpoint with `token` as bearer and returns the JSON
    /// body.
    fn userinfo(&self, token: &str) -> impl Future<Output = Result<Vec<u8>, OpaqueError>> + Send;
}

struct Entry {
    principal: Arc<Principal>,
    valid_until: i64,
}

/// Judges introspection/userinfo answers for one provider and caches them
/// by SHA-256 of the token (the token itself is never stored).
pub struct OpaqueTokenValidator {
    config: ProviderConfig,
    ttl_without_exp: i64,
    max_entries: usize,
    cache: Mutex<HashMap<[u8; 32], Entry>>,
}

impl std::fmt::Debug for OpaqueTokenValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpaqueTokenValidator")
            .field("issuer", &self.config.issuer)
            .finish_non_exhaustive()
    }
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl OpaqueTokenValidator {
    /// A validator for one provider's opaque tokens.
    ///
    /// # Errors
    /// [`Error::Config`] when the provider configuration is invalid.
    pub fn new(config: ProviderConfig) -> Result<Self, Error> {
        config.checked_algorithms()?;
        Ok(Self {
            config,
            ttl_without_exp: DEFAULT_TTL_WITHOUT_EXP,
            max_entries: DEFAULT_OPAQUE_CACHE_ENTRIES,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Sets the cache bounds: entries, and the lifetime of answers without
    /// `exp`.
    #[must_use]
    pub fn with_cache(mut self, max_entries: usize, ttl_without_exp_seconds: i64) -> Self {
        self.max_entries = max_entries;
        self.ttl_without_exp = ttl_without_exp_seconds.max(0);
        self
    }

    /// The cached principal for `token`, if still valid at `now`.
    #[must_use]
    pub fn cached(&self, token: &str, now: OffsetDateTime) -> Option<Arc<Principal>> {
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = cache.get(&digest(token))?;
        (now.unix_timestamp() <= entry.valid_until).then(|| Arc::clone(&entry.principal))
    }

    /// Judges an RFC 7662 introspection response for `token`: `active` must
    /// be true; `iss`, if present, must be the provider's; `aud` or
    /// `client_id` must name a configured client; `exp`/`nbf` are checked
    /// with leeway; then the claims are mapped as for JWTs (a username from
    /// `email` needs `email_verified: true`), with RFC 7662's `username` as
    /// the last fallback. Caches success.
    ///
    /// # Errors
    /// A [`Refusal`]; an inactive token is [`Refusal::Inactive`], an
    /// unverified email as the only username [`Refusal::UnverifiedEmail`].
    pub fn accept_introspection(
        &self,
        token: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Arc<Principal>, Refusal> {
        let claims = parse(body)?;
        if claims.boolean("active") != Some(true) {
            return Err(Refusal::Inactive);
        }
        let mut audiences = claims.strings("aud")?;
        if let Some(client) = claims.string("client_id")? {
            audiences.push(client);
        }
        let azp = claims.string("azp")?;
        if !audience_ok(&self.config, &audiences, azp.as_deref(), None) {
            return Err(Refusal::WrongAudience {
                issuer: self.config.issuer.clone(),
            });
        }
        self.finish(token, &claims, now, true)
    }

    /// Judges a userinfo response for `token`. Userinfo does not say which
    /// client the token was issued to, so a token meant for another client
    /// would pass: this is refused with `wrong-audience` unless the provider
    /// sets `danger_accept_any_audience`. The claims are mapped as for JWTs
    /// (a username from `email` needs `email_verified: true`). Cached for the
    /// TTL without `exp`.
    ///
    /// # Errors
    /// A [`Refusal`].
    pub fn accept_userinfo(
        &self,
        token: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Arc<Principal>, Refusal> {
        if !self.config.danger_accept_any_audience {
            return Err(Refusal::WrongAudience {
                issuer: self.config.issuer.clone(),
            });
        }
        let claims = parse(body)?;
        self.finish(token, &claims, now, false)
    }

    /// Cache, else introspection through `source`.
    ///
    /// # Errors
    /// A [`Refusal`]; an unreachable IdP is the temporary
    /// `provider-unavailable`.
    pub async fn validate_introspected<S: TokenIntrospector>(
        &self,
        source: &S,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<Principal>, Refusal> {
        if let Some(hit) = self.cached(token, now) {
            return Ok(hit);
        }
        let body = source
            .introspect(token)
            .await
            .map_err(|e| self.lookup_error(e))?;
        self.accept_introspection(token, &body, now)
    }

    /// Cache, else userinfo through `source`.
    ///
    /// # Errors
    /// As [`accept_userinfo`](Self::accept_userinfo), plus
    /// `provider-unavailable` when the IdP cannot be asked.
    pub async fn validate_userinfo<S: UserInfoSource>(
        &self,
        source: &S,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Arc<Principal>, Refusal> {
        if let Some(hit) = self.cached(token, now) {
            return Ok(hit);
        }
        let body = source
            .userinfo(token)
            .await
            .map_err(|e| self.lookup_error(e))?;
        self.accept_userinfo(token, &body, now)
    }

    fn lookup_error(&self, error: OpaqueError) -> Refusal {
        match error {
            OpaqueError::Rejected => Refusal::Inactive,
            OpaqueError::Unavailable(detail) => Refusal::ProviderUnavailable {
                issuer: self.config.issuer.clone(),
                detail,
            },
        }
    }

    fn finish(
        &self,
        token: &str,
        claims: &ClaimSet<'_>,
        now: OffsetDateTime,
        introspected: bool,
    ) -> Result<Arc<Principal>, Refusal> {
        let config = &self.config;
        if let Some(iss) = claims.string("iss")?
            && iss != config.issuer
        {
            return Err(Refusal::WrongIssuer {
                issuer: Some(iss.into_owned()),
            });
        }
        let at = now.unix_timestamp();
        let skew = i64::try_from(config.leeway_seconds)
            .unwrap_or(i64::MAX / 4)
            .min(i64::MAX / 4);
        let exp = claims.numeric_date("exp")?;
        if let Some(exp) = exp
            && at > exp.saturating_add(skew)
        {
            return Err(Refusal::Expired { expired_at: exp });
        }
        if let Some(nbf) = claims.numeric_date("nbf")?
            && nbf > at.saturating_add(skew)
        {
            return Err(Refusal::NotYetValid { not_before: nbf });
        }
        let scopes = scopes(claims)?;
        if let Some(missing) = config.require_scopes.iter().find(|r| !scopes.contains(r)) {
            return Err(Refusal::MissingScope {
                missing: missing.clone(),
                required: config.require_scopes.join(" "),
            });
        }
        let username = match map_username(config, claims) {
            // RFC 7662 §2.2 names the human-readable identifier `username`.
            // An unverified `email` counts as no email: the fallback applies,
            // and `map_username` holds it to the same `email_verified` rule.
            Err(Refusal::NoUsername { .. } | Refusal::UnverifiedEmail) if introspected => {
                let mut fallback = config.clone();
                "username".clone_into(&mut fallback.claim_username);
                map_username(&fallback, claims)?
            }
            other => other?,
        };
        let subject = claims
            .string("sub")?
            .map(|s| s.into_owned())
            .unwrap_or_default();
        let (groups, roles) = groups_and_roles(config, claims)?;
        let valid_until = exp.unwrap_or_else(|| at.saturating_add(self.ttl_without_exp));
        let expires_at =
            OffsetDateTime::from_unix_timestamp(valid_until).map_err(|_| Refusal::BadClaims {
                detail: "exp is out of range".into(),
            })?;
        let principal = Arc::new(Principal {
            username,
            name: claims.string(&config.claim_name)?.map(|s| s.into_owned()),
            groups,
            roles,
            scopes,
            issuer: config.issuer.clone(),
            subject,
            audience: claims
                .strings("aud")?
                .into_iter()
                .map(|a| a.into_owned())
                .collect(),
            authorized_party: claims
                .string("azp")?
                .or(claims.string("client_id")?)
                .map(|a| a.into_owned()),
            expires_at,
        });
        let valid_until = valid_until.min(
            at.saturating_add(self.ttl_without_exp.max(1))
                .max(exp.unwrap_or(i64::MIN)),
        );
        self.insert(token, Arc::clone(&principal), valid_until, at);
        Ok(principal)
    }

    fn insert(&self, token: &str, principal: Arc<Principal>, valid_until: i64, now: i64) {
        if self.max_entries == 0 {
            return;
        }
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= self.max_entries {
            cache.retain(|_, e| e.valid_until >= now);
        }
        while cache.len() >= self.max_entries {
            let Some(victim) = cache.keys().next().copied() else {
                break;
            };
            cache.remove(&victim);
        }
        cache.insert(
            digest(token),
            Entry {
                principal,
                valid_until,
            },
        );
    }
}

fn parse(body: &[u8]) -> Result<ClaimSet<'_>, Refusal> {
    if body.len() > MAX_RESPONSE_BYTES {
        return Err(Refusal::Malformed {
            detail: "introspection response too large",
        });
    }
    ClaimSet::parse(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
    }

    #[test]
    fn inactive_and_wrong_client() {
        let v =
            OpaqueTokenValidator::new(ProviderConfig::new("i").with_audiences(["mail"])).unwrap();
        assert_eq!(
            v.accept_introspection("t", br#"{"active":false}"#, now()),
            Err(Refusal::Inactive)
        );
        let other = br#"{"active":true,"client_id":"other","sub":"s","username":"u"}"#;
        assert_eq!(
            v.accept_introspection("t", other, now())
                .unwrap_err()
                .kind(),
            "wrong-audience"
        );
        assert!(v.cached("t", now()).is_none());
        assert_eq!(
            v.accept_userinfo("t", br#"{"email":"a@b"}"#, now())
                .unwrap_err()
                .kind(),
            "wrong-audience"
        );
    }

    #[test]
    fn userinfo_cached_for_ttl() {
        let mut p = ProviderConfig::new("i");
        p.danger_accept_any_audience = true;
        let v = OpaqueTokenValidator::new(p).unwrap().with_cache(10, 60);
        let principal = v
            .accept_userinfo(
                "t",
                br#"{"sub":"1","email":"A@B","email_verified":true}"#,
                now(),
            )
            .unwrap();
        assert_eq!(principal.username, "a@b");
        assert!(v.cached("t", now() + time::Duration::seconds(60)).is_some());
        assert!(v.cached("t", now() + time::Duration::seconds(61)).is_none());
    }
}
