//! The mechanisms this crate implements and sets of them.

use crate::error::Error;
use crate::scram::ScramHash;

/// Longest mechanism name RFC 4422 §3.1 allows.
pub const MAX_MECHANISM_NAME_LEN: usize = 20;

/// A SASL mechanism.
///
/// Non-exhaustive: a new mechanism is a new variant (and a new
/// [`MechanismSet`] flag) without breaking callers, who select mechanisms by
/// name or set and never need to list them all.
///
/// The SCRAM mechanisms run on [`ScramServer`](crate::scram::ScramServer)
/// rather than [`ServerExchange`](crate::ServerExchange): the server must
/// look the account's keys up between the client's two messages.
///
/// ```
/// use portcullis_sasl::Mechanism;
/// assert_eq!(Mechanism::from_name("oauthBearer")?, Mechanism::OAuthBearer);
/// assert_eq!(Mechanism::XOAuth2.name(), "XOAUTH2");
/// let plus = Mechanism::from_name("scram-sha-256-plus")?;
/// assert_eq!(plus, Mechanism::ScramSha256Plus);
/// assert!(plus.is_scram() && plus.is_channel_bound() && !plus.sends_reusable_secret());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mechanism {
    /// RFC 4616 `PLAIN`.
    Plain,
    /// `LOGIN` (draft-murchison-sasl-login).
    Login,
    /// RFC 7628 `OAUTHBEARER`.
    OAuthBearer,
    /// Google's and Microsoft's `XOAUTH2`.
    XOAuth2,
    /// RFC 7677 `SCRAM-SHA-256`.
    ScramSha256,
    /// RFC 7677 `SCRAM-SHA-256-PLUS`: SCRAM-SHA-256 bound to the TLS
    /// channel (RFC 5929 `tls-server-end-point`, RFC 9266 `tls-exporter`).
    ScramSha256Plus,
    /// RFC 5802 `SCRAM-SHA-1`. Not enabled by the default policy.
    ScramSha1,
    /// RFC 5802 `SCRAM-SHA-1-PLUS`. Not enabled by the default policy.
    ScramSha1Plus,
}

impl Mechanism {
    /// Every implemented mechanism, in the order servers usually advertise them
    /// (token mechanisms first, then SCRAM, strongest first, then the
    /// cleartext password ones).
    pub const ALL: &'static [Self] = &[
        Self::OAuthBearer,
        Self::XOAuth2,
        Self::ScramSha256Plus,
        Self::ScramSha256,
        Self::ScramSha1Plus,
        Self::ScramSha1,
        Self::Plain,
        Self::Login,
    ];

    /// The registered (upper-case) name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
            Self::OAuthBearer => "OAUTHBEARER",
            Self::XOAuth2 => "XOAUTH2",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::ScramSha256Plus => "SCRAM-SHA-256-PLUS",
            Self::ScramSha1 => "SCRAM-SHA-1",
            Self::ScramSha1Plus => "SCRAM-SHA-1-PLUS",
        }
    }

    /// Looks a mechanism up by name, ignoring ASCII case (RFC 4422 names are
    /// upper-case, but IMAP and SMTP treat them case-insensitively).
    ///
    /// # Errors
    /// [`Error::UnknownMechanism`] for any other name.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.name().eq_ignore_ascii_case(name))
            .ok_or(Error::UnknownMechanism)
    }

    /// Whether the mechanism sends a password in the clear (PLAIN, LOGIN).
    #[must_use]
    pub const fn is_plaintext(self) -> bool {
        matches!(self, Self::Plain | Self::Login)
    }

    /// Whether the mechanism sends a secret that anyone who reads it can
    /// replay: a password (PLAIN, LOGIN) or a bearer token (OAUTHBEARER,
    /// XOAUTH2; RFC 6750 §5.3 requires TLS for these, and Dovecot treats
    /// them like passwords). Such mechanisms are offered and accepted only
    /// over a protected transport ([`MechanismPolicy`](crate::MechanismPolicy)).
    #[must_use]
    pub const fn sends_reusable_secret(self) -> bool {
        self.is_plaintext() || self.is_bearer()
    }

    /// Whether the mechanism carries a bearer token (OAUTHBEARER, XOAUTH2).
    #[must_use]
    pub const fn is_bearer(self) -> bool {
        matches!(self, Self::OAuthBearer | Self::XOAuth2)
    }

    /// Whether the mechanism is one of the SCRAM family (with or without
    /// `-PLUS`), run by [`ScramServer`](crate::scram::ScramServer).
    #[must_use]
    pub const fn is_scram(self) -> bool {
        self.scram_hash().is_some()
    }

    /// Whether the mechanism binds the exchange to the TLS channel (the
    /// `-PLUS` variants): offered and accepted only over TLS when the
    /// server holds channel-binding data
    /// ([`Transport::CHANNEL_BINDING`](crate::Transport::CHANNEL_BINDING)).
    #[must_use]
    pub const fn is_channel_bound(self) -> bool {
        matches!(self, Self::ScramSha256Plus | Self::ScramSha1Plus)
    }

    /// The hash of a SCRAM mechanism; `None` for the others.
    #[must_use]
    pub const fn scram_hash(self) -> Option<ScramHash> {
        match self {
            Self::ScramSha256 | Self::ScramSha256Plus => Some(ScramHash::Sha256),
            Self::ScramSha1 | Self::ScramSha1Plus => Some(ScramHash::Sha1),
            Self::Plain | Self::Login | Self::OAuthBearer | Self::XOAuth2 => None,
        }
    }

    /// The single-member set for this mechanism.
    #[must_use]
    pub const fn as_set(self) -> MechanismSet {
        match self {
            Self::Plain => MechanismSet::PLAIN,
            Self::Login => MechanismSet::LOGIN,
            Self::OAuthBearer => MechanismSet::OAUTHBEARER,
            Self::XOAuth2 => MechanismSet::XOAUTH2,
            Self::ScramSha256 => MechanismSet::SCRAM_SHA_256,
            Self::ScramSha256Plus => MechanismSet::SCRAM_SHA_256_PLUS,
            Self::ScramSha1 => MechanismSet::SCRAM_SHA_1,
            Self::ScramSha1Plus => MechanismSet::SCRAM_SHA_1_PLUS,
        }
    }
}

bitflags::bitflags! {
    /// A set of mechanisms, for policies and advertisement.
    ///
    /// ```
    /// use portcullis_sasl::{Mechanism, MechanismSet};
    /// let set = MechanismSet::PLAIN | MechanismSet::OAUTHBEARER;
    /// assert!(set.contains(Mechanism::Plain.as_set()));
    /// let names: Vec<_> = set.mechanisms().map(Mechanism::name).collect();
    /// assert_eq!(names, ["OAUTHBEARER", "PLAIN"]);
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MechanismSet: u32 {
        /// RFC 4616 `PLAIN`.
        const PLAIN = 1 << 0;
        /// `LOGIN`.
        const LOGIN = 1 << 1;
        /// RFC 7628 `OAUTHBEARER`.
        const OAUTHBEARER = 1 << 2;
        /// `XOAUTH2`.
        const XOAUTH2 = 1 << 3;
        /// RFC 7677 `SCRAM-SHA-256`.
        const SCRAM_SHA_256 = 1 << 4;
        /// RFC 7677 `SCRAM-SHA-256-PLUS`.
        const SCRAM_SHA_256_PLUS = 1 << 5;
        /// RFC 5802 `SCRAM-SHA-1`.
        const SCRAM_SHA_1 = 1 << 6;
        /// RFC 5802 `SCRAM-SHA-1-PLUS`.
        const SCRAM_SHA_1_PLUS = 1 << 7;
        /// The cleartext password mechanisms.
        const PLAINTEXT = Self::PLAIN.bits() | Self::LOGIN.bits();
        /// The bearer token mechanisms.
        const BEARER = Self::OAUTHBEARER.bits() | Self::XOAUTH2.bits();
        /// The mechanisms that send a replayable secret and so need TLS
        /// (see [`Mechanism::sends_reusable_secret`]).
        const REUSABLE_SECRET = Self::PLAINTEXT.bits() | Self::BEARER.bits();
        /// The SCRAM mechanisms.
        const SCRAM = Self::SCRAM_SHA_256.bits()
            | Self::SCRAM_SHA_256_PLUS.bits()
            | Self::SCRAM_SHA_1.bits()
            | Self::SCRAM_SHA_1_PLUS.bits();
        /// The channel-bound (`-PLUS`) SCRAM mechanisms.
        const SCRAM_PLUS = Self::SCRAM_SHA_256_PLUS.bits() | Self::SCRAM_SHA_1_PLUS.bits();
        /// What [`MechanismPolicy::new`](crate::MechanismPolicy::new)
        /// enables: everything but SCRAM-SHA-1 and SCRAM-SHA-1-PLUS (RFC
        /// 7677 §1 prefers SHA-256; SHA-1 keys are for old clients, opt in).
        const DEFAULT = Self::PLAINTEXT.bits()
            | Self::BEARER.bits()
            | Self::SCRAM_SHA_256.bits()
            | Self::SCRAM_SHA_256_PLUS.bits();
    }
}

impl MechanismSet {
    /// The members of the set, in [`Mechanism::ALL`] order.
    pub fn mechanisms(self) -> impl Iterator<Item = Mechanism> {
        Mechanism::ALL
            .iter()
            .copied()
            .filter(move |m| self.contains(m.as_set()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for &m in Mechanism::ALL {
            assert_eq!(Mechanism::from_name(m.name()), Ok(m));
            assert_eq!(Mechanism::from_name(&m.name().to_lowercase()), Ok(m));
            assert!(m.name().len() <= MAX_MECHANISM_NAME_LEN);
        }
        assert_eq!(
            Mechanism::from_name("CRAM-MD5"),
            Err(Error::UnknownMechanism)
        );
        assert_eq!(Mechanism::from_name(""), Err(Error::UnknownMechanism));
        assert_eq!(Mechanism::from_name("PLAİN"), Err(Error::UnknownMechanism));
    }

    #[test]
    fn set_members() {
        assert_eq!(
            MechanismSet::all().mechanisms().count(),
            Mechanism::ALL.len()
        );
        assert_eq!(
            MechanismSet::PLAINTEXT.mechanisms().collect::<Vec<_>>(),
            [Mechanism::Plain, Mechanism::Login]
        );
        for &m in Mechanism::ALL {
            assert_eq!(MechanismSet::SCRAM.contains(m.as_set()), m.is_scram());
            assert_eq!(
                MechanismSet::SCRAM_PLUS.contains(m.as_set()),
                m.is_channel_bound()
            );
            assert_eq!(
                MechanismSet::DEFAULT.contains(m.as_set()),
                m.scram_hash() != Some(ScramHash::Sha1)
            );
            assert!(!(m.is_scram() && m.sends_reusable_secret()));
        }
    }
}
