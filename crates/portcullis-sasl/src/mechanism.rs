//! The mechanisms this crate implements and sets of them.

use crate::error::Error;

/// Longest mechanism name RFC 4422 §3.1 allows.
pub const MAX_MECHANISM_NAME_LEN: usize = 20;

/// A SASL mechanism.
///
/// Non-exhaustive: SCRAM-SHA-256 will be added as a new variant (and a new
/// [`MechanismSet`] flag) without breaking callers, who select mechanisms by
/// name or set and never need to list them all.
///
/// ```
/// use portcullis_sasl::Mechanism;
/// assert_eq!(Mechanism::from_name("oauthBearer")?, Mechanism::OAuthBearer);
/// assert_eq!(Mechanism::XOAuth2.name(), "XOAUTH2");
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
}

impl Mechanism {
    /// Every implemented mechanism, in the order servers usually advertise them
    /// (token mechanisms first, then the cleartext password ones).
    pub const ALL: &'static [Self] = &[Self::OAuthBearer, Self::XOAuth2, Self::Plain, Self::Login];

    /// The registered (upper-case) name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
            Self::OAuthBearer => "OAUTHBEARER",
            Self::XOAuth2 => "XOAUTH2",
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

    /// The single-member set for this mechanism.
    #[must_use]
    pub const fn as_set(self) -> MechanismSet {
        match self {
            Self::Plain => MechanismSet::PLAIN,
            Self::Login => MechanismSet::LOGIN,
            Self::OAuthBearer => MechanismSet::OAUTHBEARER,
            Self::XOAuth2 => MechanismSet::XOAUTH2,
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
        /// The cleartext password mechanisms.
        const PLAINTEXT = Self::PLAIN.bits() | Self::LOGIN.bits();
        /// The bearer token mechanisms.
        const BEARER = Self::OAUTHBEARER.bits() | Self::XOAUTH2.bits();
        /// The mechanisms that send a replayable secret and so need TLS
        /// (see [`Mechanism::sends_reusable_secret`]).
        const REUSABLE_SECRET = Self::PLAINTEXT.bits() | Self::BEARER.bits();
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
    }
}
