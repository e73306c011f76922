//! RFC 4616 `PLAIN`: `[authzid] NUL authcid NUL passwd`.

use crate::credentials::{Credentials, PasswordCredentials};
use crate::error::{Error, Field};
use crate::limits::Limits;
use crate::mechanism::Mechanism;
use crate::secret::Secret;

/// A decoded PLAIN message, borrowing from the decoded bytes.
///
/// Identities are passed through verbatim (no SASLprep, no splitting of
/// `target%actor` or `target*master`): interpreting them is the caller's
/// policy.
///
/// ```
/// use portcullis_sasl::{plain::PlainMessage, Limits};
/// let msg = PlainMessage::decode(b"\0tim\0tanstaaftanstaaf", &Limits::default())?;
/// assert_eq!(msg.authzid(), None);
/// assert_eq!(msg.authcid(), "tim");
/// assert_eq!(msg.password().expose(), "tanstaaftanstaaf");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainMessage<'a> {
    authzid: Option<&'a str>,
    authcid: &'a str,
    password: Secret<'a>,
}

impl<'a> PlainMessage<'a> {
    /// Builds a message to encode (client side, tests). An empty `authzid` is
    /// the same as `None`.
    #[must_use]
    pub fn new(authzid: Option<&'a str>, authcid: &'a str, password: Secret<'a>) -> Self {
        Self {
            authzid: authzid.filter(|a| !a.is_empty()),
            authcid,
            password,
        }
    }

    /// Parses a decoded PLAIN message.
    ///
    /// # Errors
    /// [`Error::TooLong`], [`Error::MissingSeparator`], [`Error::UnexpectedNul`]
    /// (a third NUL), [`Error::EmptyAuthcid`], [`Error::EmptyPassword`],
    /// [`Error::InvalidUtf8`]. All are the peer's fault.
    pub fn decode(message: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        if message.len() > limits.max_message_len {
            return Err(Error::TooLong {
                field: Field::Message,
                limit: limits.max_message_len,
            });
        }
        let (authzid, rest) = split_nul(message).ok_or(Error::MissingSeparator)?;
        let (authcid, password) = split_nul(rest).ok_or(Error::MissingSeparator)?;
        if memchr::memchr(0, password).is_some() {
            return Err(Error::UnexpectedNul);
        }
        let authzid = if authzid.is_empty() {
            None
        } else {
            Some(field(authzid, Field::Authzid, limits.max_identity_len)?)
        };
        if authcid.is_empty() {
            return Err(Error::EmptyAuthcid);
        }
        let authcid = field(authcid, Field::Authcid, limits.max_identity_len)?;
        if password.is_empty() {
            return Err(Error::EmptyPassword);
        }
        let password = field(password, Field::Password, limits.max_password_len)?;
        Ok(Self {
            authzid,
            authcid,
            password: Secret::new(password),
        })
    }

    /// The authorization identity, `None` when the client sent none (an empty
    /// authzid means "act as the authcid", RFC 4616 §2).
    #[must_use]
    pub const fn authzid(&self) -> Option<&'a str> {
        self.authzid
    }

    /// The authentication identity, verbatim.
    #[must_use]
    pub const fn authcid(&self) -> &'a str {
        self.authcid
    }

    /// The password.
    #[must_use]
    pub const fn password(&self) -> Secret<'a> {
        self.password
    }

    /// Appends the wire form (before base64) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        if let Some(authzid) = self.authzid {
            out.extend_from_slice(authzid.as_bytes());
        }
        out.push(0);
        out.extend_from_slice(self.authcid.as_bytes());
        out.push(0);
        out.extend_from_slice(self.password.as_bytes());
    }

    /// Length of [`Self::encode`]'s output.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        self.authzid.map_or(0, str::len) + self.authcid.len() + self.password.len() + 2
    }

    /// Copies the message into owned [`Credentials`] whose password zeroizes on drop.
    #[must_use]
    pub fn into_owned(self) -> Credentials {
        Credentials::Password(PasswordCredentials::new(
            Mechanism::Plain,
            self.authzid.map(str::to_owned),
            self.authcid.to_owned(),
            self.password.to_owned_secret(),
        ))
    }
}

/// Splits at the first NUL, dropping it.
fn split_nul(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(0, bytes)?;
    let (head, tail) = bytes.split_at_checked(at)?;
    Some((head, tail.get(1..)?))
}

/// Checks length then UTF-8. Length first, so an oversized field costs no scan.
pub(crate) fn field(bytes: &[u8], which: Field, limit: usize) -> Result<&str, Error> {
    if bytes.len() > limit {
        return Err(Error::TooLong {
            field: which,
            limit,
        });
    }
    core::str::from_utf8(bytes).map_err(|_| Error::InvalidUtf8(which))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(b: &[u8]) -> Result<PlainMessage<'_>, Error> {
        PlainMessage::decode(b, &Limits::default())
    }

    #[test]
    fn rfc4616_examples() {
        let m = dec(b"\0tim\0tanstaaftanstaaf").unwrap();
        assert_eq!((m.authzid(), m.authcid()), (None, "tim"));
        let m = dec(b"Ursel\0Kurt\0xipj3plmq").unwrap();
        assert_eq!((m.authzid(), m.authcid()), (Some("Ursel"), "Kurt"));
        assert_eq!(m.password().expose(), "xipj3plmq");
    }

    #[test]
    fn rejections() {
        assert_eq!(dec(b""), Err(Error::MissingSeparator));
        assert_eq!(dec(b"a\0b"), Err(Error::MissingSeparator));
        assert_eq!(dec(b"\0a\0b\0c"), Err(Error::UnexpectedNul));
        assert_eq!(dec(b"\0\0pw"), Err(Error::EmptyAuthcid));
        assert_eq!(dec(b"\0u\0"), Err(Error::EmptyPassword));
        assert_eq!(dec(b"\0u\0\xff"), Err(Error::InvalidUtf8(Field::Password)));
        assert_eq!(dec(b"\xc3\0u\0p"), Err(Error::InvalidUtf8(Field::Authzid)));
    }

    #[test]
    fn encode_round_trip() {
        let input = b"z\0c\0p";
        let mut out = Vec::new();
        dec(input).unwrap().encode(&mut out);
        assert_eq!(out, input);
        assert_eq!(dec(input).unwrap().encoded_len(), input.len());
    }

    #[test]
    fn owned() {
        let c = dec(b"z\0c\0p").unwrap().into_owned();
        assert_eq!(c.mechanism(), Mechanism::Plain);
        assert_eq!(c.authzid(), Some("z"));
        assert_eq!(c.authcid(), Some("c"));
        assert_eq!(c.password().map(Secret::expose), Some("p"));
    }
}
