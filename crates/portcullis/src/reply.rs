//! [`PublicFailure`]: what the client is told, rendered per protocol.
//!
//! The replies follow RFC 5530 (IMAP response codes), RFC 4954 and RFC 3463
//! (SMTP `AUTH` and enhanced status codes), RFC 2449 and RFC 3206 (POP3
//! `[AUTH]`, `[SYS/TEMP]`), RFC 5804 (ManageSieve `TRYLATER`,
//! `ENCRYPT-NEEDED`), RFC 9110 and RFC 6750 (HTTP status,
//! `WWW-Authenticate`), RFC 7807 (problem details) and RFC 7628 (the
//! OAUTHBEARER error challenge). Texts are ASCII, as IMAP's `resp-text`
//! requires.

use std::borrow::Cow;
use std::sync::Arc;

use serde_json::json;

/// The public class of a failure: what kind of reply it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FailureClass {
    /// The credentials were not accepted (every failure before the secret is
    /// proven looks like this, so accounts cannot be enumerated).
    BadCredentials,
    /// The secret was right but the credential has expired (IMAP `EXPIRED`).
    Expired,
    /// Authenticated, but not allowed here (IMAP `AUTHORIZATIONFAILED`, HTTP 403).
    NotAllowed,
    /// Authenticated, but the account is closed (IMAP `CONTACTADMIN`).
    ContactAdmin,
    /// The password was right; a second factor is needed.
    SecondFactorRequired,
    /// Too many failures; try again later (HTTP 429).
    Throttled,
    /// A service the decision needs is down; try again later (HTTP 503).
    Unavailable,
    /// The mechanism needs TLS (IMAP `PRIVACYREQUIRED`, SMTP `538 5.7.11`).
    TlsRequired,
    /// The mechanism is unknown or not offered.
    UnsupportedMechanism,
    /// The client's exchange is malformed.
    Malformed,
    /// The client cancelled the exchange.
    Cancelled,
}

impl FailureClass {
    /// A stable kebab-case slug (the problem `type` suffix).
    #[must_use]
    pub const fn slug(self) -> &'static str {
        match self {
            FailureClass::BadCredentials => "authentication-failed",
            FailureClass::Expired => "credential-expired",
            FailureClass::NotAllowed => "not-allowed",
            FailureClass::ContactAdmin => "account-closed",
            FailureClass::SecondFactorRequired => "second-factor-required",
            FailureClass::Throttled => "too-many-attempts",
            FailureClass::Unavailable => "temporarily-unavailable",
            FailureClass::TlsRequired => "tls-required",
            FailureClass::UnsupportedMechanism => "unsupported-mechanism",
            FailureClass::Malformed => "malformed-request",
            FailureClass::Cancelled => "cancelled",
        }
    }

    const fn default_text(self) -> &'static str {
        match self {
            FailureClass::BadCredentials => "Authentication failed",
            FailureClass::Expired => "This credential has expired",
            FailureClass::NotAllowed => "Not allowed",
            FailureClass::ContactAdmin => {
                "This account may not sign in; contact your administrator"
            }
            FailureClass::SecondFactorRequired => "Second factor required",
            FailureClass::Throttled => "Too many failed attempts; try again later",
            FailureClass::Unavailable => {
                "Authentication is temporarily unavailable; try again later"
            }
            FailureClass::TlsRequired => "Encryption required for this authentication mechanism",
            FailureClass::UnsupportedMechanism => "Unsupported authentication mechanism",
            FailureClass::Malformed => "Malformed authentication exchange",
            FailureClass::Cancelled => "Authentication cancelled",
        }
    }
}

/// Which HTTP authentication scheme the request used (for the
/// `WWW-Authenticate` challenge).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpScheme {
    /// HTTP Basic (RFC 7617).
    Basic,
    /// Bearer tokens (RFC 6750).
    Bearer,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct BearerFailure {
    code: &'static str,
    scope: Option<String>,
    openid_configuration: Option<String>,
}

/// The public face of a refusal: the replies a client may see.
///
/// Built by the authenticator; servers only render it. Two failures that
/// must look the same (an unknown user and a wrong password) compare equal.
///
/// ```
/// use portcullis::{FailureClass, HttpScheme, PublicFailure};
/// let failure = PublicFailure::new(FailureClass::BadCredentials, HttpScheme::Basic, "example.org");
/// assert_eq!(failure.imap(), "NO [AUTHENTICATIONFAILED] Authentication failed");
/// assert_eq!(failure.smtp(), "535 5.7.8 Authentication credentials invalid");
/// assert_eq!(failure.pop3(), "-ERR [AUTH] Authentication failed");
/// assert_eq!(failure.managesieve(), "NO \"Authentication failed\"");
/// let http = failure.http();
/// assert_eq!(http.status, 401);
/// assert_eq!(http.www_authenticate.as_deref(), Some("Basic realm=\"example.org\", charset=\"UTF-8\""));
/// assert_eq!(http.problem["status"], 401);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicFailure {
    class: FailureClass,
    message: Option<Cow<'static, str>>,
    scheme: HttpScheme,
    realm: Arc<str>,
    retry_after: Option<u64>,
    bearer: Option<BearerFailure>,
}

/// The HTTP rendering of a [`PublicFailure`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpFailure {
    /// The status code: 400, 401, 403, 429 or 503.
    pub status: u16,
    /// The `WWW-Authenticate` header value, for 401 (and a bearer 403).
    pub www_authenticate: Option<String>,
    /// The `Retry-After` header value in seconds, for 429 and 503.
    pub retry_after: Option<u64>,
    /// The RFC 7807 problem body (`application/problem+json`).
    pub problem: serde_json::Value,
}

impl PublicFailure {
    /// A failure of this class with the class's default text.
    #[must_use]
    pub fn new(class: FailureClass, scheme: HttpScheme, realm: impl Into<Arc<str>>) -> Self {
        PublicFailure {
            class,
            message: None,
            scheme,
            realm: realm.into(),
            retry_after: None,
            bearer: None,
        }
    }

    /// Replaces the text with an explanation the client may see (ASCII).
    #[must_use]
    pub fn with_message(mut self, message: impl Into<Cow<'static, str>>) -> Self {
        self.message = Some(message.into());
        self
    }

    /// Adds a retry delay in seconds.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// Marks a refused bearer token with its RFC 6750 error code
    /// (`invalid_token`, `insufficient_scope`, `temporarily_unavailable`),
    /// the scope to ask for, and the provider's discovery URL.
    #[must_use]
    pub fn with_bearer_error(
        mut self,
        code: &'static str,
        scope: Option<String>,
        openid_configuration: Option<String>,
    ) -> Self {
        self.scheme = HttpScheme::Bearer;
        self.bearer = Some(BearerFailure {
            code,
            scope,
            openid_configuration,
        });
        self
    }

    /// The class.
    #[must_use]
    pub fn class(&self) -> FailureClass {
        self.class
    }

    /// The text shown to the client.
    #[must_use]
    pub fn message(&self) -> &str {
        self.message
            .as_deref()
            .unwrap_or_else(|| self.class.default_text())
    }

    /// The retry delay in seconds, if any.
    #[must_use]
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The IMAP tagged reply, without the tag (RFC 5530 codes; `BAD` for a
    /// malformed or cancelled exchange, as RFC 9051 §6.2.2 asks).
    #[must_use]
    pub fn imap(&self) -> String {
        let text = self.message();
        match self.class {
            FailureClass::BadCredentials | FailureClass::SecondFactorRequired => {
                format!("NO [AUTHENTICATIONFAILED] {text}")
            }
            FailureClass::Expired => format!("NO [EXPIRED] {text}"),
            FailureClass::NotAllowed => format!("NO [AUTHORIZATIONFAILED] {text}"),
            FailureClass::ContactAdmin => format!("NO [CONTACTADMIN] {text}"),
            FailureClass::Throttled | FailureClass::Unavailable => {
                format!("NO [UNAVAILABLE] {text}")
            }
            FailureClass::TlsRequired => format!("NO [PRIVACYREQUIRED] {text}"),
            FailureClass::UnsupportedMechanism => format!("NO {text}"),
            FailureClass::Malformed | FailureClass::Cancelled => format!("BAD {text}"),
        }
    }

    /// The SMTP reply (RFC 4954 and RFC 3463 codes). Never a `334`.
    #[must_use]
    pub fn smtp(&self) -> String {
        let text = match (&self.message, self.class) {
            (None, FailureClass::BadCredentials) => "Authentication credentials invalid",
            _ => self.message(),
        };
        match self.class {
            FailureClass::BadCredentials
            | FailureClass::Expired
            | FailureClass::NotAllowed
            | FailureClass::ContactAdmin
            | FailureClass::SecondFactorRequired => format!("535 5.7.8 {text}"),
            FailureClass::Throttled | FailureClass::Unavailable => format!("454 4.7.0 {text}"),
            FailureClass::TlsRequired => format!("538 5.7.11 {text}"),
            FailureClass::UnsupportedMechanism => format!("504 5.5.4 {text}"),
            FailureClass::Malformed => format!("501 5.5.2 {text}"),
            FailureClass::Cancelled => format!("501 5.0.0 {text}"),
        }
    }

    /// The POP3 reply (RFC 2449 extended codes, RFC 3206 `AUTH` and `SYS/TEMP`).
    #[must_use]
    pub fn pop3(&self) -> String {
        let text = self.message();
        match self.class {
            FailureClass::BadCredentials
            | FailureClass::Expired
            | FailureClass::NotAllowed
            | FailureClass::ContactAdmin
            | FailureClass::SecondFactorRequired => format!("-ERR [AUTH] {text}"),
            FailureClass::Throttled | FailureClass::Unavailable => {
                format!("-ERR [SYS/TEMP] {text}")
            }
            FailureClass::TlsRequired
            | FailureClass::UnsupportedMechanism
            | FailureClass::Malformed
            | FailureClass::Cancelled => format!("-ERR {text}"),
        }
    }

    /// The ManageSieve reply (RFC 5804 §1.3 response codes).
    #[must_use]
    pub fn managesieve(&self) -> String {
        let text = quoted(self.message());
        match self.class {
            FailureClass::Throttled | FailureClass::Unavailable => format!("NO (TRYLATER) {text}"),
            FailureClass::TlsRequired => format!("NO (ENCRYPT-NEEDED) {text}"),
            _ => format!("NO {text}"),
        }
    }

    /// The HTTP rendering: status, `WWW-Authenticate`, `Retry-After` and an
    /// RFC 7807 problem body.
    #[must_use]
    pub fn http(&self) -> HttpFailure {
        let status: u16 = match self.class {
            FailureClass::BadCredentials
            | FailureClass::Expired
            | FailureClass::SecondFactorRequired
            | FailureClass::UnsupportedMechanism
            | FailureClass::Cancelled => 401,
            FailureClass::NotAllowed | FailureClass::ContactAdmin | FailureClass::TlsRequired => {
                403
            }
            FailureClass::Throttled => 429,
            FailureClass::Unavailable => 503,
            FailureClass::Malformed => 400,
        };
        let www_authenticate = match (status, &self.bearer) {
            (401, _) => Some(self.challenge()),
            (403, Some(bearer)) if bearer.code == "insufficient_scope" => Some(self.challenge()),
            _ => None,
        };
        let retry_after = match self.class {
            FailureClass::Throttled | FailureClass::Unavailable => self.retry_after,
            _ => None,
        };
        let mut problem = json!({
            "type": format!("urn:portcullis:problem:{}", self.class.slug()),
            "title": self.class.default_text(),
            "status": status,
            "detail": self.message(),
        });
        if let (Some(seconds), Some(object)) = (retry_after, problem.as_object_mut()) {
            object.insert("retry_after".to_owned(), json!(seconds));
        }
        HttpFailure {
            status,
            www_authenticate,
            retry_after,
            problem,
        }
    }

    /// The RFC 7628 §3.2.2 error challenge (JSON, before base64) when a
    /// bearer token was refused; `None` otherwise.
    #[must_use]
    pub fn oauthbearer_challenge(&self) -> Option<Vec<u8>> {
        self.bearer.as_ref().map(|bearer| {
            portcullis_oidc::SaslErrorChallenge {
                status: bearer.code,
                scope: bearer.scope.clone(),
                openid_configuration: bearer.openid_configuration.clone(),
            }
            .to_json()
            .into_bytes()
        })
    }

    pub(crate) fn bearer_parts(&self) -> Option<(&'static str, Option<&str>, Option<&str>)> {
        self.bearer.as_ref().map(|bearer| {
            (
                bearer.code,
                bearer.scope.as_deref(),
                bearer.openid_configuration.as_deref(),
            )
        })
    }

    fn challenge(&self) -> String {
        let realm = quoted(&self.realm);
        match (self.scheme, &self.bearer) {
            (HttpScheme::Basic, _) => format!("Basic realm={realm}, charset=\"UTF-8\""),
            (HttpScheme::Bearer, None) => format!("Bearer realm={realm}"),
            (HttpScheme::Bearer, Some(bearer)) => {
                let mut out = format!("Bearer realm={realm}, error=\"{}\"", bearer.code);
                if let Some(scope) = &bearer.scope {
                    out.push_str(", scope=");
                    out.push_str(&quoted(scope));
                }
                out
            }
        }
    }
}

/// An RFC 9110 / RFC 5804 quoted string: `"` and `\` escaped, controls dropped.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars().filter(|c| !c.is_control()) {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttled_replies() {
        let failure = PublicFailure::new(FailureClass::Throttled, HttpScheme::Basic, "r")
            .with_retry_after(30);
        assert_eq!(
            failure.imap(),
            "NO [UNAVAILABLE] Too many failed attempts; try again later"
        );
        assert!(failure.smtp().starts_with("454 4.7.0 "));
        assert!(failure.pop3().starts_with("-ERR [SYS/TEMP] "));
        assert!(failure.managesieve().starts_with("NO (TRYLATER) \""));
        let http = failure.http();
        assert_eq!((http.status, http.retry_after), (429, Some(30)));
        assert_eq!(http.www_authenticate, None);
    }

    #[test]
    fn bearer_challenge() {
        let failure = PublicFailure::new(FailureClass::BadCredentials, HttpScheme::Bearer, "r")
            .with_bearer_error("invalid_token", None, None);
        assert_eq!(
            failure.http().www_authenticate.as_deref(),
            Some("Bearer realm=\"r\", error=\"invalid_token\"")
        );
        assert_eq!(
            failure.oauthbearer_challenge().as_deref(),
            Some(br#"{"status":"invalid_token"}"#.as_slice())
        );
    }

    #[test]
    fn tls_required() {
        let failure = PublicFailure::new(FailureClass::TlsRequired, HttpScheme::Basic, "r");
        assert!(failure.imap().starts_with("NO [PRIVACYREQUIRED] "));
        assert!(failure.smtp().starts_with("538 5.7.11 "));
        assert!(failure.managesieve().starts_with("NO (ENCRYPT-NEEDED) "));
        assert_eq!(failure.http().status, 403);
    }
}
