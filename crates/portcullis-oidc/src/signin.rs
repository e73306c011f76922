//! Web sign-in helpers: the OAuth 2.0 authorization-code flow with PKCE
//! (RFC 7636, S256), `state` and `nonce`, and the `login_hint` policy.
//!
//! Sans-I/O: this module builds the authorization URL and the token request
//! body and checks the callback; the caller does the HTTP and keeps the
//! [`PendingSignIn`] in its session store. The ID token that comes back is
//! checked with [`OidcValidator::validate_id_token`](crate::OidcValidator::validate_id_token)
//! and [`PendingSignIn::nonce`].
//!
//! ```
//! use portcullis_oidc::signin::{LoginHintPolicy, SignInConfig};
//!
//! let config = SignInConfig::new(
//!     "https://sso.example.org/auth",
//!     "bulwark",
//!     "https://mail.example.org/oidc/callback",
//! )
//! .with_login_hint(LoginHintPolicy::Mailbox);
//! let (url, pending) = config.begin(Some("alice@example.org"), &[7; 96]);
//! assert!(url.starts_with("https://sso.example.org/auth?response_type=code&client_id=bulwark"));
//! assert!(url.contains("code_challenge_method=S256"));
//! assert!(url.contains("login_hint=alice%40example.org"));
//!
//! let callback = format!("code=abc&state={}", pending.state());
//! let code = pending.check_callback(&callback)?;
//! let body = config.token_request_body(&code, &pending);
//! assert!(body.starts_with("grant_type=authorization_code&code=abc&"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::Error;

/// Bytes of randomness [`SignInConfig::begin`] needs: 32 each for the
/// `state`, the `nonce` and the PKCE code verifier.
pub const SIGN_IN_RANDOM_BYTES: usize = 96;

/// What to send as `login_hint` (OpenID Connect Core §3.1.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LoginHintPolicy {
    /// Send no hint: for IdPs whose usernames differ from mailbox addresses.
    #[default]
    Omit,
    /// Send the mailbox address the user typed, when there is one.
    Mailbox,
    /// Always send this value.
    Custom(String),
}

/// The client's side of the authorization-code flow.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignInConfig {
    /// The IdP's authorization endpoint (from discovery).
    pub authorization_endpoint: String,
    /// This client's id.
    pub client_id: String,
    /// The registered redirect URI.
    pub redirect_uri: String,
    /// Requested scopes (default `openid email profile`).
    pub scopes: Vec<String>,
    /// The `login_hint` policy (default: omit).
    pub login_hint: LoginHintPolicy,
}

/// A sign-in in progress: keep it server-side (session) until the callback.
/// Its secrets are zeroized on drop and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct PendingSignIn {
    state: String,
    nonce: String,
    code_verifier: String,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PendingSignIn(<redacted>)")
    }
}

/// The authorization code from a successful callback. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AuthorizationCode(String);

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AuthorizationCode(<redacted>)")
    }
}

impl AuthorizationCode {
    /// The code, to send to the token endpoint.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

impl SignInConfig {
    /// A configuration with the default scopes and no login hint.
    #[must_use]
    pub fn new(
        authorization_endpoint: impl Into<String>,
        client_id: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            authorization_endpoint: authorization_endpoint.into(),
            client_id: client_id.into(),
            redirect_uri: redirect_uri.into(),
            scopes: ["openid", "email", "profile"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
            login_hint: LoginHintPolicy::Omit,
        }
    }

    /// Sets the `login_hint` policy.
    #[must_use]
    pub fn with_login_hint(mut self, policy: LoginHintPolicy) -> Self {
        self.login_hint = policy;
        self
    }

    /// Sets the requested scopes.
    #[must_use]
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Starts a sign-in with caller-supplied randomness (from a CSPRNG):
    /// returns the authorization URL to redirect to and the state to keep.
    #[must_use]
    pub fn begin(
        &self,
        mailbox: Option<&str>,
        random: &[u8; SIGN_IN_RANDOM_BYTES],
    ) -> (String, PendingSignIn) {
        let (state_bytes, rest) = random.split_at(32);
        let (nonce_bytes, verifier_bytes) = rest.split_at(32);
        let pending = PendingSignIn {
            state: URL_SAFE_NO_PAD.encode(state_bytes),
            nonce: URL_SAFE_NO_PAD.encode(nonce_bytes),
            // RFC 7636 §4.1: 43 characters from 32 random octets.
            code_verifier: URL_SAFE_NO_PAD.encode(verifier_bytes),
        };
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(pending.code_verifier.as_bytes()));
        let separator = if self.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        let mut url = format!(
            "{}{separator}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}&code_challenge={}&code_challenge_method=S256",
            self.authorization_endpoint,
            encode(&self.client_id),
            encode(&self.redirect_uri),
            encode(&self.scopes.join(" ")),
            pending.state,
            pending.nonce,
            challenge,
        );
        let hint = match &self.login_hint {
            LoginHintPolicy::Omit => None,
            LoginHintPolicy::Mailbox => mailbox.filter(|m| !m.is_empty()),
            LoginHintPolicy::Custom(value) => Some(value.as_str()),
        };
        if let Some(hint) = hint {
            url.push_str("&login_hint=");
            url.push_str(&encode(hint));
        }
        (url, pending)
    }

    /// [`begin`](Self::begin) with randomness from the operating system.
    ///
    /// # Errors
    /// [`Error::Random`] when the OS RNG fails.
    pub fn begin_with_os_rng(
        &self,
        mailbox: Option<&str>,
    ) -> Result<(String, PendingSignIn), Error> {
        let mut random = Zeroizing::new([0_u8; SIGN_IN_RANDOM_BYTES]);
        getrandom::fill(random.as_mut_slice()).map_err(|_| Error::Random)?;
        Ok(self.begin(mailbox, &random))
    }

    /// The `application/x-www-form-urlencoded` body of the token request
    /// (RFC 6749 §4.1.3 with the RFC 7636 §4.5 `code_verifier`). Client
    /// authentication, if any, is the caller's (HTTP Basic or a secret).
    #[must_use]
    pub fn token_request_body(&self, code: &AuthorizationCode, pending: &PendingSignIn) -> String {
        format!(
            "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&code_verifier={}",
            encode(&code.0),
            encode(&self.redirect_uri),
            encode(&self.client_id),
            pending.code_verifier,
        )
    }
}

impl PendingSignIn {
    /// The `state` value sent (not secret once sent, but bound to the session).
    #[must_use]
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The `nonce` the ID token must carry; pass it to
    /// [`OidcValidator::validate_id_token`](crate::OidcValidator::validate_id_token).
    #[must_use]
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// Checks the redirect's query string (without `?`): the `state` must
    /// equal ours (constant time; RFC 6749 §10.12 CSRF defence), an `error`
    /// parameter is reported, and the `code` is returned.
    ///
    /// # Errors
    /// [`Error::Callback`] on an IdP error, a missing or repeated parameter,
    /// or a state mismatch.
    pub fn check_callback(&self, query: &str) -> Result<AuthorizationCode, Error> {
        let mut state = None;
        let mut code = None;
        let mut error = None;
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "state" => &mut state,
                "code" => &mut code,
                "error" => &mut error,
                _ => continue,
            };
            if slot.is_some() {
                return Err(Error::Callback(format!("repeated parameter {name}")));
            }
            *slot = Some(value.into_owned());
        }
        let state = state.ok_or_else(|| Error::Callback("missing state".into()))?;
        let same: bool = state.as_bytes().ct_eq(self.state.as_bytes()).into();
        if !same {
            return Err(Error::Callback("state does not match this session".into()));
        }
        if let Some(error) = error {
            let printable: String = error
                .chars()
                .filter(|c| c.is_ascii_graphic())
                .take(64)
                .collect();
            return Err(Error::Callback(format!(
                "identity provider returned error {printable}"
            )));
        }
        match code {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode(code)),
            _ => Err(Error::Callback("missing code".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SignInConfig {
        SignInConfig::new("https://idp/auth", "client", "https://app/cb")
    }

    #[test]
    fn rfc7636_appendix_b_challenge() {
        // RFC 7636 Appendix B test vector.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn login_hint_policies() {
        let (url, _) = config().begin(Some("a@b"), &[1; 96]);
        assert!(!url.contains("login_hint"));
        let (url, _) = config()
            .with_login_hint(LoginHintPolicy::Custom("x y".into()))
            .begin(Some("a@b"), &[1; 96]);
        assert!(url.ends_with("&login_hint=x+y"));
    }

    #[test]
    fn callback_checks() {
        let (_, pending) = config().begin(None, &[2; 96]);
        let state = pending.state().to_owned();
        assert!(pending.check_callback("code=c&state=wrong").is_err());
        assert!(pending.check_callback(&format!("state={state}")).is_err());
        assert!(
            pending
                .check_callback(&format!("error=access_denied&state={state}"))
                .is_err()
        );
        assert!(
            pending
                .check_callback(&format!("code=a&code=b&state={state}"))
                .is_err()
        );
        assert_eq!(
            pending
                .check_callback(&format!("code=c%2B&state={state}"))
                .unwrap()
                .expose(),
            "c+"
        );
        assert!(format!("{pending:?}").contains("redacted"));
    }
}
