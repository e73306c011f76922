//! `XOAUTH2` (Google, Microsoft): `user=` name `0x01 auth=Bearer ` token
//! `0x01 0x01`. Thunderbird and Outlook use it for IMAP and SMTP.

use crate::credentials::{BearerCredentials, Credentials};
use crate::error::{Error, Field};
use crate::kvlist::{KVSEP, KvReader, check_value, parse_bearer};
use crate::limits::Limits;
use crate::mechanism::Mechanism;
use crate::secret::Secret;

/// A decoded XOAUTH2 client response, borrowing from the decoded bytes.
///
/// The `Bearer` scheme is matched case-insensitively (RFC 7235 §2.1; some
/// libraries send `bearer`) and stripped: [`Self::token`] is the token alone.
///
/// ```
/// use portcullis_sasl::{xoauth2::XOAuth2Message, Limits};
/// let msg = XOAuth2Message::decode(b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg\x01\x01", &Limits::default())?;
/// assert_eq!(msg.user(), "someuser@example.com");
/// assert_eq!(msg.token().expose(), "ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XOAuth2Message<'a> {
    user: &'a str,
    token: Secret<'a>,
}

impl<'a> XOAuth2Message<'a> {
    /// Builds a message to encode (client side, tests).
    #[must_use]
    pub const fn new(user: &'a str, token: Secret<'a>) -> Self {
        Self { user, token }
    }

    /// Parses a decoded XOAUTH2 client response. Pairs may come in any order;
    /// unknown keys are ignored as in OAUTHBEARER.
    ///
    /// # Errors
    /// [`Error::TooLong`], [`Error::MissingUser`], [`Error::EmptyAuthcid`],
    /// [`Error::InvalidUtf8`], [`Error::BadValue`], [`Error::BadKey`],
    /// [`Error::DuplicateKey`], [`Error::MissingAuth`],
    /// [`Error::BadAuthScheme`], [`Error::BadToken`],
    /// [`Error::MissingTerminator`], [`Error::TrailingData`]; all the peer's fault.
    pub fn decode(message: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        if message.len() > limits.max_message_len {
            return Err(Error::TooLong {
                field: Field::Message,
                limit: limits.max_message_len,
            });
        }
        let mut reader = KvReader::new(message);
        let mut user = None;
        let mut auth = None;
        while let Some((key, value)) = reader.next_pair()? {
            match key {
                b"user" => {
                    if user.replace(value).is_some() {
                        return Err(Error::DuplicateKey);
                    }
                }
                b"auth" => {
                    if auth.replace(value).is_some() {
                        return Err(Error::DuplicateKey);
                    }
                }
                _ => check_value(value)?,
            }
        }
        let user = parse_user(user.ok_or(Error::MissingUser)?, limits)?;
        let token = parse_bearer(auth.ok_or(Error::MissingAuth)?, limits.max_token_len)?;
        Ok(Self { user, token })
    }

    /// The user name, verbatim (UTF-8 allowed: internationalised addresses).
    #[must_use]
    pub const fn user(&self) -> &'a str {
        self.user
    }

    /// The bearer token, without the `Bearer ` scheme.
    #[must_use]
    pub const fn token(&self) -> Secret<'a> {
        self.token
    }

    /// Appends the wire form (before base64) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"user=");
        out.extend_from_slice(self.user.as_bytes());
        out.push(KVSEP);
        out.extend_from_slice(b"auth=Bearer ");
        out.extend_from_slice(self.token.as_bytes());
        out.push(KVSEP);
        out.push(KVSEP);
    }

    /// Copies the message into owned [`Credentials`] whose token zeroizes on drop.
    #[must_use]
    pub fn into_owned(self) -> Credentials {
        Credentials::Bearer(BearerCredentials::new(
            Mechanism::XOAuth2,
            None,
            Some(self.user.to_owned()),
            None,
            None,
            self.token.to_owned_secret(),
        ))
    }
}

/// The user: non-empty UTF-8 without control characters.
fn parse_user<'a>(value: &'a [u8], limits: &Limits) -> Result<&'a str, Error> {
    if value.is_empty() {
        return Err(Error::EmptyAuthcid);
    }
    if value.len() > limits.max_identity_len {
        return Err(Error::TooLong {
            field: Field::Authcid,
            limit: limits.max_identity_len,
        });
    }
    let user = core::str::from_utf8(value).map_err(|_| Error::InvalidUtf8(Field::Authcid))?;
    if user.chars().any(char::is_control) {
        return Err(Error::BadValue);
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(b: &[u8]) -> Result<XOAuth2Message<'_>, Error> {
        XOAuth2Message::decode(b, &Limits::default())
    }

    #[test]
    fn parse() {
        let m = dec(b"auth=BEARER t\x01user=u\x01\x01").unwrap();
        assert_eq!((m.user(), m.token().expose()), ("u", "t"));
        assert_eq!(dec(b"auth=Bearer t\x01\x01"), Err(Error::MissingUser));
        assert_eq!(dec(b"user=u\x01\x01"), Err(Error::MissingAuth));
        assert_eq!(
            dec(b"user=\x01auth=Bearer t\x01\x01"),
            Err(Error::EmptyAuthcid)
        );
        assert_eq!(
            dec(b"user=\xff\x01auth=Bearer t\x01\x01"),
            Err(Error::InvalidUtf8(Field::Authcid))
        );
        assert_eq!(
            dec(b"user=a\tb\x01auth=Bearer t\x01\x01"),
            Err(Error::BadValue)
        );
        assert_eq!(
            dec(b"user=u\x01user=v\x01auth=Bearer t\x01\x01"),
            Err(Error::DuplicateKey)
        );
        assert_eq!(
            dec(b"user=u\x01auth=Bearer t\x01"),
            Err(Error::MissingTerminator)
        );
        assert_eq!(
            dec(b"user=u\x01auth=Basic t\x01\x01"),
            Err(Error::BadAuthScheme)
        );
    }

    #[test]
    fn round_trip_and_owned() {
        let input = "user=jürgen@exämple.org\x01auth=Bearer abc\x01\x01".as_bytes();
        let m = dec(input).unwrap();
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(out, input);
        let c = m.into_owned();
        assert_eq!(
            (c.authcid(), c.user(), c.authzid()),
            (Some("jürgen@exämple.org"), Some("jürgen@exämple.org"), None)
        );
    }
}
