//! OpenID Connect Discovery 1.0 and RFC 8414 authorization-server metadata.

use serde::Deserialize;

use crate::error::Error;

/// Largest discovery document accepted (256 KiB).
pub const MAX_DISCOVERY_BYTES: usize = 256 * 1024;

/// The parts of a discovery document this crate uses. Other members are
/// ignored.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct DiscoveryDocument {
    /// The issuer; must equal the configured one exactly.
    pub issuer: String,
    /// Where the JWKS lives.
    pub jwks_uri: String,
    /// Authorization endpoint (web sign-in).
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// Token endpoint (web sign-in code exchange).
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// Userinfo endpoint (opaque tokens).
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    /// RFC 7662 introspection endpoint (opaque tokens).
    #[serde(default)]
    pub introspection_endpoint: Option<String>,
    /// RP-initiated logout endpoint.
    #[serde(default)]
    pub end_session_endpoint: Option<String>,
    /// Advertised signing algorithms for ID tokens.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Advertised PKCE methods.
    #[serde(default)]
    pub code_challenge_methods_supported: Vec<String>,
}

impl DiscoveryDocument {
    /// Parses a discovery document and checks that its `issuer` is exactly
    /// `expected_issuer` (OpenID Connect Discovery §4.3, RFC 8414 §3.3: a
    /// mismatch means the document may be an impostor's).
    ///
    /// ```
    /// use portcullis_oidc::DiscoveryDocument;
    /// let doc = DiscoveryDocument::parse(
    ///     br#"{"issuer":"https://idp.example","jwks_uri":"https://idp.example/keys"}"#,
    ///     "https://idp.example",
    /// )?;
    /// assert_eq!(doc.jwks_uri, "https://idp.example/keys");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Discovery`] when the document is too large, not JSON, lacks
    /// `issuer`/`jwks_uri`, or names another issuer.
    pub fn parse(bytes: &[u8], expected_issuer: &str) -> Result<Self, Error> {
        if bytes.len() > MAX_DISCOVERY_BYTES {
            return Err(Error::Discovery(format!(
                "document of {} bytes exceeds {MAX_DISCOVERY_BYTES}",
                bytes.len()
            )));
        }
        let doc: Self =
            serde_json::from_slice(bytes).map_err(|e| Error::Discovery(e.to_string()))?;
        if doc.issuer != expected_issuer {
            return Err(Error::Discovery(format!(
                "issuer {:?} does not equal the configured {:?}",
                doc.issuer, expected_issuer
            )));
        }
        if doc.jwks_uri.is_empty() {
            return Err(Error::Discovery("empty jwks_uri".into()));
        }
        Ok(doc)
    }
}

/// The OpenID Connect discovery URL for an issuer: the issuer with any
/// trailing `/` removed, plus `/.well-known/openid-configuration`.
///
/// ```
/// assert_eq!(
///     portcullis_oidc::openid_configuration_url("https://kc.example/realms/mail/"),
///     "https://kc.example/realms/mail/.well-known/openid-configuration"
/// );
/// ```
#[must_use]
pub fn openid_configuration_url(issuer: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// The RFC 8414 §3.1 metadata URL for an issuer: the well-known segment goes
/// between the host and the issuer's path.
///
/// ```
/// assert_eq!(
///     portcullis_oidc::oauth_authorization_server_url("https://as.example/tenant1"),
///     "https://as.example/.well-known/oauth-authorization-server/tenant1"
/// );
/// ```
#[must_use]
pub fn oauth_authorization_server_url(issuer: &str) -> String {
    let trimmed = issuer.trim_end_matches('/');
    let (scheme, rest) = trimmed.split_once("://").unwrap_or(("", trimmed));
    let (host, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let prefix = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    format!("{prefix}{host}/.well-known/oauth-authorization-server{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_must_match_exactly() {
        let body = br#"{"issuer":"https://idp/","jwks_uri":"https://idp/k"}"#;
        assert!(DiscoveryDocument::parse(body, "https://idp").is_err());
        assert!(DiscoveryDocument::parse(body, "https://idp/").is_ok());
        assert!(DiscoveryDocument::parse(b"<html>", "https://idp/").is_err());
    }

    #[test]
    fn rfc8414_url_without_path() {
        assert_eq!(
            oauth_authorization_server_url("https://as.example"),
            "https://as.example/.well-known/oauth-authorization-server"
        );
    }
}
