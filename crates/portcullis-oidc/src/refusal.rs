//! Typed refusals of a bearer token, and their protocol faces.

use serde::Serialize;

/// Why a bearer token was refused.
///
/// Every variant has a stable kebab-case [`kind`](Refusal::kind), an RFC 6750
/// error code ([`error_code`](Refusal::error_code)) and an HTTP status, so the
/// facade can answer HTTP (`WWW-Authenticate: Bearer error=...`) and SASL
/// OAUTHBEARER (the RFC 7628 §3.2.2 error challenge, see
/// [`sasl_challenge`](Refusal::sasl_challenge)) without matching on variants.
///
/// The `Display` text is the internal reason, for logs and `explain`; it
/// never contains the token.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Peer: the token's `exp` (plus leeway) is in the past.
    #[error("token expired at {expired_at} (unix seconds)")]
    Expired {
        /// The token's `exp` claim.
        expired_at: i64,
    },
    /// Peer: the token's `nbf` is later than now plus leeway.
    #[error("token not valid before {not_before} (unix seconds)")]
    NotYetValid {
        /// The token's `nbf` claim.
        not_before: i64,
    },
    /// Peer: the token's `iat` is later than now plus leeway.
    #[error("token issued in the future at {issued_at} (unix seconds)")]
    IssuedInFuture {
        /// The token's `iat` claim.
        issued_at: i64,
    },
    /// Peer: the signature does not verify with the provider's key.
    #[error("signature does not verify")]
    BadSignature,
    /// Peer (or a rotation not fetched yet): no key of the provider has this
    /// `kid`. A refresh may have been scheduled.
    #[error("no key with kid {kid:?} for issuer {issuer}")]
    UnknownKid {
        /// The token's `kid` header, if any.
        kid: Option<String>,
        /// The provider's issuer.
        issuer: String,
    },
    /// Peer: `alg` is `none`, unknown, outside the provider's allow-list, or
    /// does not match the key's type, curve or declared `alg`.
    #[error("algorithm not allowed: {detail}")]
    AlgNotAllowed {
        /// What was wrong with the algorithm.
        detail: String,
    },
    /// Peer (or configuration): `iss` is missing or names no configured
    /// provider.
    #[error("issuer not trusted: {issuer:?}")]
    WrongIssuer {
        /// The token's `iss`, if present.
        issuer: Option<String>,
    },
    /// Peer (or configuration): neither `aud` nor an accepted `azp` names a
    /// configured client.
    #[error("audience not accepted for issuer {issuer}")]
    WrongAudience {
        /// The provider's issuer.
        issuer: String,
    },
    /// Peer (or configuration): a required scope is missing.
    #[error("missing required scope {missing:?}")]
    MissingScope {
        /// The first required scope that the token lacks.
        missing: String,
        /// All scopes the provider requires (space-separated), for the RFC 6750
        /// `scope` attribute.
        required: String,
    },
    /// Peer (or configuration): neither the username claim nor `email`
    /// yields a username.
    #[error("no username in claim {claim:?} or email")]
    NoUsername {
        /// The configured username claim.
        claim: String,
    },
    /// Peer (or configuration): the username would come from `email` (as the
    /// configured username claim or as its fallback), but the token does not
    /// say `email_verified: true` (OpenID Connect Core §5.1). An address the
    /// IdP has not verified is whatever its user typed, so it names no
    /// account; `danger_allow_unverified_email` lifts the rule.
    #[error("username would come from email, which is not verified (email_verified is not true)")]
    UnverifiedEmail,
    /// Peer: a claim is missing or has the wrong type (e.g. no `exp`, no
    /// `sub`, a numeric `aud`, a nonce mismatch on an ID token).
    #[error("bad claims: {detail}")]
    BadClaims {
        /// Which claim and what was wrong.
        detail: String,
    },
    /// Peer: the token is not a compact JWS we accept (wrong segment count,
    /// JWE, bad base64 or JSON, unknown `crit`, unexpected `typ`).
    #[error("malformed token: {detail}")]
    Malformed {
        /// What was wrong.
        detail: &'static str,
    },
    /// Peer: the token is larger than `max_token_bytes`; nothing was decoded.
    #[error("token of {size} bytes exceeds the limit of {limit} bytes")]
    Oversize {
        /// The token's length in bytes.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// Environment (temporary): the provider's keys are not available yet or
    /// any more (IdP down at boot, or keys unusable). Fail closed: never fall
    /// back to another directory; answer IMAP `NO [UNAVAILABLE]`, SMTP
    /// `454 4.7.0`, HTTP 503.
    #[error("provider {issuer} unavailable: {detail}")]
    ProviderUnavailable {
        /// The provider's issuer.
        issuer: String,
        /// The key store's last error or state.
        detail: String,
    },
    /// Environment (temporary): the signature does not verify with the keys
    /// held for this `kid`, and those keys are older than the refetch window
    /// (`unknown_kid_refresh_seconds`): the provider may have rotated its key
    /// under the same `kid` (RFC 7517 §4.5 only asks `kid`s to be distinct
    /// within one key set, not over time), so a refetch of the key set was
    /// requested (rate-limited together with unknown `kid`s). Once fresh keys still refuse the signature, the answer is
    /// [`BadSignature`](Self::BadSignature).
    #[error(
        "signature does not verify with the keys held for kid {kid:?} of {issuer}; refetching the key set"
    )]
    KeySetRefreshing {
        /// The token's `kid` header, if any.
        kid: Option<String>,
        /// The provider's issuer.
        issuer: String,
    },
    /// Peer: an opaque token that the introspection endpoint reports as not
    /// active (expired, revoked or unknown). Only opaque-token validation
    /// returns it.
    #[error("token is not active (introspection)")]
    Inactive,
}

/// An RFC 6750 §3.1 error code (also used as the RFC 7628 `status`).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BearerErrorCode {
    /// `invalid_token`: expired, revoked, malformed or otherwise invalid.
    InvalidToken,
    /// `insufficient_scope`: the token lacks a required scope (HTTP 403).
    InsufficientScope,
    /// `temporarily_unavailable` (RFC 6749 §4.1.2.1 registry value): the
    /// server cannot judge the token right now (HTTP 503).
    TemporarilyUnavailable,
}

impl BearerErrorCode {
    /// The code as it appears on the wire.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
        }
    }
}

/// The JSON body of the RFC 7628 §3.2.2 server error challenge
/// (`{"status":..,"scope":..,"openid-configuration":..}`), sent base64 encoded
/// by the SASL layer before it fails the exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SaslErrorChallenge {
    /// The RFC 6750 error code.
    pub status: &'static str,
    /// Space-separated scopes the client should request, when relevant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The provider's discovery document URL, so the client can find a token
    /// endpoint.
    #[serde(
        rename = "openid-configuration",
        skip_serializing_if = "Option::is_none"
    )]
    pub openid_configuration: Option<String>,
}

impl SaslErrorChallenge {
    /// The challenge as compact JSON (the SASL layer base64-encodes it).
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serialising a struct of strings cannot fail; fall back to a minimal
        // valid challenge rather than panicking.
        serde_json::to_string(self)
            .unwrap_or_else(|_| String::from(r#"{"status":"invalid_token"}"#))
    }
}

impl Refusal {
    /// The stable kebab-case kind, as printed by the CLI and logged.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::IssuedInFuture { .. } => "issued-in-future",
            Self::BadSignature => "bad-signature",
            Self::UnknownKid { .. } => "unknown-kid",
            Self::AlgNotAllowed { .. } => "alg-not-allowed",
            Self::WrongIssuer { .. } => "wrong-issuer",
            Self::WrongAudience { .. } => "wrong-audience",
            Self::MissingScope { .. } => "missing-scope",
            Self::NoUsername { .. } => "no-username",
            Self::UnverifiedEmail => "unverified-email",
            Self::BadClaims { .. } => "bad-claims",
            Self::Malformed { .. } => "malformed",
            Self::Oversize { .. } => "oversize",
            Self::ProviderUnavailable { .. } => "provider-unavailable",
            Self::KeySetRefreshing { .. } => "key-set-refreshing",
            Self::Inactive => "inactive",
        }
    }

    /// True when the refusal is a temporary failure of the server side (the
    /// client should retry later, the facade answers `UNAVAILABLE`/`454`/503
    /// and does not count it as a failed guess): `provider-unavailable` and
    /// `key-set-refreshing`.
    #[must_use]
    pub const fn is_temporary(&self) -> bool {
        matches!(
            self,
            Self::ProviderUnavailable { .. } | Self::KeySetRefreshing { .. }
        )
    }

    /// The RFC 6750 error code for this refusal.
    #[must_use]
    pub const fn error_code(&self) -> BearerErrorCode {
        match self {
            Self::MissingScope { .. } => BearerErrorCode::InsufficientScope,
            Self::ProviderUnavailable { .. } | Self::KeySetRefreshing { .. } => {
                BearerErrorCode::TemporarilyUnavailable
            }
            _ => BearerErrorCode::InvalidToken,
        }
    }

    /// The HTTP status (RFC 6750 §3.1): 401 for invalid tokens, 403 for
    /// insufficient scope, 503 when the provider is unavailable or its keys
    /// are being refetched.
    #[must_use]
    pub const fn http_status(&self) -> u16 {
        match self.error_code() {
            BearerErrorCode::InvalidToken => 401,
            BearerErrorCode::InsufficientScope => 403,
            BearerErrorCode::TemporarilyUnavailable => 503,
        }
    }

    /// The scopes to advertise in the RFC 6750 `scope` attribute or the
    /// RFC 7628 challenge, when the refusal is about scope.
    #[must_use]
    pub fn scope(&self) -> Option<&str> {
        match self {
            Self::MissingScope { required, .. } => Some(required),
            _ => None,
        }
    }

    /// The RFC 7628 §3.2.2 error challenge for SASL OAUTHBEARER/XOAUTH2.
    /// `openid_configuration` is the provider's discovery URL, if known.
    #[must_use]
    pub fn sasl_challenge(&self, openid_configuration: Option<&str>) -> SaslErrorChallenge {
        SaslErrorChallenge {
            status: self.error_code().as_str(),
            scope: self.scope().map(str::to_owned),
            openid_configuration: openid_configuration.map(str::to_owned),
        }
    }

    /// The value of an RFC 6750 §3 `WWW-Authenticate` header for this
    /// refusal. The `error_description` is deliberately omitted: the internal
    /// reason stays in the logs.
    #[must_use]
    pub fn www_authenticate(&self, realm: &str) -> String {
        let mut out = format!(
            "Bearer realm=\"{}\", error=\"{}\"",
            quoted_safe(realm),
            self.error_code().as_str()
        );
        if let Some(scope) = self.scope() {
            out.push_str(", scope=\"");
            out.push_str(&quoted_safe(scope));
            out.push('"');
        }
        out
    }
}

/// Keeps a value inside an RFC 9110 quoted-string safe by dropping quotes,
/// backslashes and control characters.
fn quoted_safe(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, '"' | '\\') && !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_scope_faces() {
        let refusal = Refusal::MissingScope {
            missing: "mail".into(),
            required: "mail openid".into(),
        };
        assert_eq!(refusal.kind(), "missing-scope");
        assert_eq!(refusal.http_status(), 403);
        assert_eq!(
            refusal.www_authenticate("mail"),
            "Bearer realm=\"mail\", error=\"insufficient_scope\", scope=\"mail openid\""
        );
        assert_eq!(
            refusal
                .sasl_challenge(Some("https://idp/.well-known/openid-configuration"))
                .to_json(),
            r#"{"status":"insufficient_scope","scope":"mail openid","openid-configuration":"https://idp/.well-known/openid-configuration"}"#
        );
    }

    #[test]
    fn unavailable_is_temporary() {
        let refusal = Refusal::ProviderUnavailable {
            issuer: "i".into(),
            detail: "pending".into(),
        };
        assert!(refusal.is_temporary());
        assert_eq!(refusal.http_status(), 503);
        assert!(!Refusal::BadSignature.is_temporary());
        assert_eq!(
            Refusal::BadSignature.sasl_challenge(None).to_json(),
            r#"{"status":"invalid_token"}"#
        );
    }
}
