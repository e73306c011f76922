//! Owned credentials: what a finished exchange hands the caller to verify.

use crate::mechanism::Mechanism;
use crate::secret::{OwnedSecret, Secret};

/// Credentials received by a finished exchange (or copied from a borrowed
/// message with `into_owned`). Secrets zeroize on drop.
///
/// Match the variant when the kind of secret matters, or use the accessors,
/// which return `None` where a field does not apply. Non-exhaustive: a future
/// mechanism may bring another form. (SCRAM brings none: the server checks
/// its proof itself, see [`ScramServer`](crate::scram::ScramServer).)
///
/// ```
/// use portcullis_sasl::{plain::PlainMessage, Limits, Credentials};
/// let creds = PlainMessage::decode(b"admin\0alice\0pw", &Limits::default())?.into_owned();
/// assert_eq!(creds.authzid(), Some("admin"));
/// assert_eq!(creds.authcid(), Some("alice"));
/// assert!(creds.token().is_none());
/// match &creds {
///     Credentials::Password(p) => assert_eq!(p.password().expose(), "pw"),
///     _ => unreachable!(),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// A user name and password (PLAIN, LOGIN).
    Password(PasswordCredentials),
    /// A bearer token (OAUTHBEARER, XOAUTH2).
    Bearer(BearerCredentials),
}

impl Credentials {
    /// The mechanism that produced these credentials.
    #[must_use]
    pub const fn mechanism(&self) -> Mechanism {
        match self {
            Self::Password(p) => p.mechanism,
            Self::Bearer(b) => b.mechanism,
        }
    }

    /// The authorization identity the client asked to act as, if any.
    #[must_use]
    pub fn authzid(&self) -> Option<&str> {
        match self {
            Self::Password(p) => p.authzid(),
            Self::Bearer(b) => b.authzid(),
        }
    }

    /// The authentication identity: PLAIN authcid, LOGIN username, XOAUTH2
    /// `user`. `None` for OAUTHBEARER, whose identity is in the token.
    #[must_use]
    pub fn authcid(&self) -> Option<&str> {
        match self {
            Self::Password(p) => Some(p.authcid()),
            Self::Bearer(b) => b.user(),
        }
    }

    /// Alias of [`Self::authcid`], the XOAUTH2 name.
    #[must_use]
    pub fn user(&self) -> Option<&str> {
        self.authcid()
    }

    /// The password, for PLAIN and LOGIN.
    #[must_use]
    pub fn password(&self) -> Option<Secret<'_>> {
        match self {
            Self::Password(p) => Some(p.password()),
            Self::Bearer(_) => None,
        }
    }

    /// The bearer token (without `Bearer `), for OAUTHBEARER and XOAUTH2.
    #[must_use]
    pub fn token(&self) -> Option<Secret<'_>> {
        match self {
            Self::Password(_) => None,
            Self::Bearer(b) => Some(b.token()),
        }
    }

    /// The OAUTHBEARER `host`, if sent.
    #[must_use]
    pub fn host(&self) -> Option<&str> {
        match self {
            Self::Password(_) => None,
            Self::Bearer(b) => b.host(),
        }
    }

    /// The OAUTHBEARER `port`, if sent.
    #[must_use]
    pub const fn port(&self) -> Option<u16> {
        match self {
            Self::Password(_) => None,
            Self::Bearer(b) => b.port(),
        }
    }
}

/// A user name and password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordCredentials {
    mechanism: Mechanism,
    authzid: Option<String>,
    authcid: String,
    password: OwnedSecret,
}

impl PasswordCredentials {
    /// Assembles password credentials (an empty `authzid` becomes `None`).
    #[must_use]
    pub fn new(
        mechanism: Mechanism,
        authzid: Option<String>,
        authcid: String,
        password: OwnedSecret,
    ) -> Self {
        Self {
            mechanism,
            authzid: authzid.filter(|a| !a.is_empty()),
            authcid,
            password,
        }
    }

    /// The mechanism (PLAIN or LOGIN).
    #[must_use]
    pub const fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// The authorization identity, if the client sent one.
    #[must_use]
    pub fn authzid(&self) -> Option<&str> {
        self.authzid.as_deref()
    }

    /// The authentication identity, verbatim.
    #[must_use]
    pub fn authcid(&self) -> &str {
        &self.authcid
    }

    /// The password.
    #[must_use]
    pub fn password(&self) -> Secret<'_> {
        self.password.as_secret()
    }
}

/// A bearer token and what came with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerCredentials {
    mechanism: Mechanism,
    authzid: Option<String>,
    user: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    token: OwnedSecret,
}

impl BearerCredentials {
    /// Assembles bearer credentials.
    #[must_use]
    pub const fn new(
        mechanism: Mechanism,
        authzid: Option<String>,
        user: Option<String>,
        host: Option<String>,
        port: Option<u16>,
        token: OwnedSecret,
    ) -> Self {
        Self {
            mechanism,
            authzid,
            user,
            host,
            port,
            token,
        }
    }

    /// The mechanism (OAUTHBEARER or XOAUTH2).
    #[must_use]
    pub const fn mechanism(&self) -> Mechanism {
        self.mechanism
    }

    /// The OAUTHBEARER `a=` authorization identity.
    #[must_use]
    pub fn authzid(&self) -> Option<&str> {
        self.authzid.as_deref()
    }

    /// The XOAUTH2 `user`.
    #[must_use]
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The OAUTHBEARER `host`.
    #[must_use]
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The OAUTHBEARER `port`.
    #[must_use]
    pub const fn port(&self) -> Option<u16> {
        self.port
    }

    /// The token, without the `Bearer ` scheme.
    #[must_use]
    pub fn token(&self) -> Secret<'_> {
        self.token.as_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_sync_and_redacted() {
        fn check<T: Send + Sync>() {}
        check::<Credentials>();
        let c = Credentials::Password(PasswordCredentials::new(
            Mechanism::Login,
            Some(String::new()),
            "u".into(),
            OwnedSecret::from("topsecret"),
        ));
        assert_eq!(c.authzid(), None);
        assert!(!format!("{c:?}").contains("topsecret"));
        assert_eq!(c.host(), None);
        assert_eq!(c.port(), None);
    }
}
