//! `XOAUTH2` (Google, Microsoft): `user=` name `0x01 auth=Bearer ` token
//! `0x01 0x01`. Thunderbird and Outlook use it for IMAP and SMTP.

use crate::credentials::{BearerCredentials, Credentials};
use crate::error::{Error, Field};
use crate::kvlist::{KVSEP, KvReader, check_value, fast_pairs, parse_bearer};
use crate::limits::Limits;
use crate::mechanism::Mechanism;
use crate::secret::Secret;
use crate::text::MessageText;

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
        let text = MessageText::new(message);
        if let Some(decoded) = text.whole().and_then(|t| Self::decode_common(t, limits)) {
            return Ok(decoded);
        }
        Self::decode_full(message, limits, &text)
    }

    /// The fast path: `user` and `auth`, each once, in any order, on a
    /// message that is valid UTF-8 as a whole, checked by the same rules as
    /// [`Self::decode_full`]. `None` for anything else (unknown keys
    /// included), which then goes to [`Self::decode_full`]: that parser
    /// accepts everything this one accepts, with the same result, and alone
    /// decides the error for a message it refuses.
    fn decode_common(text: &'a str, limits: &Limits) -> Option<Self> {
        let mut user = None;
        let token = fast_pairs(text, limits.max_token_len, |key, value| match key {
            "user=" => Some(user.replace(user_text(value, limits)?).is_some()),
            _ => None,
        })?;
        Some(Self { user: user?, token })
    }

    /// The full parser, which also decides the error for a message it refuses.
    #[inline(never)]
    fn decode_full(
        message: &'a [u8],
        limits: &Limits,
        text: &MessageText<'a>,
    ) -> Result<Self, Error> {
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
        let user = parse_user(user.ok_or(Error::MissingUser)?, limits, text)?;
        let token = parse_bearer(auth.ok_or(Error::MissingAuth)?, limits.max_token_len, text)?;
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
fn parse_user<'a>(
    value: &'a [u8],
    limits: &Limits,
    text: &MessageText<'a>,
) -> Result<&'a str, Error> {
    if value.is_empty() {
        return Err(Error::EmptyAuthcid);
    }
    if value.len() > limits.max_identity_len {
        return Err(Error::TooLong {
            field: Field::Authcid,
            limit: limits.max_identity_len,
        });
    }
    let user = text.str(value).ok_or(Error::InvalidUtf8(Field::Authcid))?;
    if user.chars().any(char::is_control) {
        return Err(Error::BadValue);
    }
    Ok(user)
}

/// [`parse_user`] for the fast path: the same user, or `None` where
/// [`parse_user`] refuses the value.
fn user_text<'a>(value: &'a str, limits: &Limits) -> Option<&'a str> {
    (!value.is_empty()
        && value.len() <= limits.max_identity_len
        && !value.chars().any(char::is_control))
    .then_some(value)
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

    /// The fast path alone.
    fn common(wire: &[u8]) -> Option<XOAuth2Message<'_>> {
        XOAuth2Message::decode_common(core::str::from_utf8(wire).unwrap(), &Limits::default())
    }

    /// The full parser alone.
    fn full(wire: &[u8]) -> Result<XOAuth2Message<'_>, Error> {
        XOAuth2Message::decode_full(wire, &Limits::default(), &MessageText::new(wire))
    }

    #[test]
    fn fast_path() {
        for wire in [
            &b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg\x01\x01"[..],
            "auth=bearer t==\x01user=jürgen\x01\x01".as_bytes(),
        ] {
            let fast = common(wire);
            assert!(fast.is_some());
            assert_eq!(fast, full(wire).ok());
        }
        let unknown_key = b"user=u\x01x=1\x01auth=Bearer t\x01\x01";
        assert_eq!(common(unknown_key), None);
        assert!(full(unknown_key).is_ok());
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
