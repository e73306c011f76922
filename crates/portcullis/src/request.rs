//! [`AuthRequest`]: one login attempt as the server saw it.

use core::fmt;
use std::net::IpAddr;

use portcullis_permissions::Surface;
use time::OffsetDateTime;
use zeroize::Zeroize;

use crate::SecretString;

/// One login attempt: where it came from, over what, and what it presented.
///
/// ```
/// use portcullis::{AuthRequest, RequestCredentials, Surface};
/// let request = AuthRequest::new(
///     Surface::Jmap,
///     "203.0.113.7".parse()?,
///     RequestCredentials::Basic { username: "alice@example.org".into(), secret: "pw".into() },
/// )
/// .with_tls(true);
/// assert!(format!("{request:?}").contains("<redacted>"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct AuthRequest {
    /// Where the client signs in.
    pub surface: Surface,
    /// The client's address (after any trusted proxy protocol).
    pub remote_ip: IpAddr,
    /// Whether the connection is protected by TLS (implicit or STARTTLS).
    pub tls: bool,
    /// The instant of the attempt; `None` uses the authenticator's clock.
    pub now: Option<OffsetDateTime>,
    /// What the client presented.
    pub credentials: RequestCredentials,
}

impl AuthRequest {
    /// A request without TLS, judged at the authenticator's clock.
    #[must_use]
    pub fn new(surface: Surface, remote_ip: IpAddr, credentials: RequestCredentials) -> Self {
        AuthRequest {
            surface,
            remote_ip,
            tls: false,
            now: None,
            credentials,
        }
    }

    /// Sets whether the connection is protected by TLS.
    #[must_use]
    pub fn with_tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Judges the request at this instant (tests, replays).
    #[must_use]
    pub fn at(mut self, now: OffsetDateTime) -> Self {
        self.now = Some(now);
        self
    }
}

/// The credentials of an [`AuthRequest`].
#[derive(Clone)]
#[non_exhaustive]
pub enum RequestCredentials {
    /// A complete SASL exchange: the mechanism name and every client
    /// response, base64-decoded, in order (with SASL-IR the initial
    /// response is the first). Driven through `portcullis-sasl`.
    Sasl {
        /// The mechanism name as the client sent it (`PLAIN`, `LOGIN`,
        /// `OAUTHBEARER`, `XOAUTH2`).
        mechanism: String,
        /// The decoded client responses. Zeroized on drop.
        responses: Vec<Vec<u8>>,
    },
    /// HTTP Basic (RFC 7617), an IMAP `LOGIN` command, a web form.
    Basic {
        /// The login name (may use `target%actor`).
        username: String,
        /// The password, app password or API key.
        secret: SecretString,
    },
    /// A bearer token (HTTP `Authorization: Bearer`): an OIDC access token,
    /// or an API key (`API_…`), which names its account by number
    /// ([`Directory::account_name_by_id`](crate::Directory::account_name_by_id))
    /// and, like a password, needs TLS.
    Bearer {
        /// The token.
        token: SecretString,
    },
    /// Credentials the server already decoded with `portcullis-sasl`
    /// (its own exchange loop); judged as if they came from `Sasl`.
    Decoded(portcullis_sasl::Credentials),
    /// An interactive sign-in with a second factor (web portal form): a
    /// password plus a TOTP or recovery code.
    PasswordAndCode {
        /// The login name.
        username: String,
        /// The account password.
        password: SecretString,
        /// The TOTP code or a recovery code.
        code: SecretString,
    },
}

impl fmt::Debug for RequestCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestCredentials::Sasl {
                mechanism,
                responses,
            } => f
                .debug_struct("Sasl")
                .field("mechanism", mechanism)
                .field(
                    "responses",
                    &format_args!("<redacted {} responses>", responses.len()),
                )
                .finish(),
            RequestCredentials::Basic { username, secret } => f
                .debug_struct("Basic")
                .field("username", username)
                .field("secret", secret)
                .finish(),
            RequestCredentials::Bearer { token } => {
                f.debug_struct("Bearer").field("token", token).finish()
            }
            RequestCredentials::Decoded(credentials) => f
                .debug_tuple("Decoded")
                .field(&credentials.mechanism())
                .finish(),
            RequestCredentials::PasswordAndCode {
                username,
                password,
                code,
            } => f
                .debug_struct("PasswordAndCode")
                .field("username", username)
                .field("password", password)
                .field("code", code)
                .finish(),
        }
    }
}

impl Drop for RequestCredentials {
    fn drop(&mut self) {
        if let RequestCredentials::Sasl { responses, .. } = self {
            for response in responses.iter_mut() {
                response.zeroize();
            }
        }
    }
}
