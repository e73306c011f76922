//! `LOGIN` (draft-murchison-sasl-login): the server asks for the username,
//! then for the password, each as its own client response.
//!
//! ```
//! use portcullis_sasl::{login, Limits};
//! let limits = Limits::default();
//! assert_eq!(login::decode_username(b"tim", &limits)?, "tim");
//! assert_eq!(login::decode_password(b"tanstaaf", &limits)?.expose(), "tanstaaf");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::error::{Error, Field};
use crate::limits::Limits;
use crate::plain::field;
use crate::secret::Secret;

/// The username prompt most servers send (SMTP clients expect it, base64
/// encoded, in the `334` line).
pub const USERNAME_PROMPT: &[u8] = b"Username:";

/// The password prompt most servers send.
pub const PASSWORD_PROMPT: &[u8] = b"Password:";

/// What the server sends as LOGIN's two challenges.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginPrompts {
    /// `Username:` and `Password:` (what SMTP clients such as Outlook expect,
    /// and what Dovecot and Postfix send for every protocol).
    #[default]
    Text,
    /// Empty challenges (the draft allows any text; some IMAP servers send none).
    Empty,
}

impl LoginPrompts {
    /// The first challenge (username prompt).
    #[must_use]
    pub const fn username(self) -> &'static [u8] {
        match self {
            Self::Text => USERNAME_PROMPT,
            Self::Empty => b"",
        }
    }

    /// The second challenge (password prompt).
    #[must_use]
    pub const fn password(self) -> &'static [u8] {
        match self {
            Self::Text => PASSWORD_PROMPT,
            Self::Empty => b"",
        }
    }
}

/// Parses the username response: non-empty UTF-8 without NUL, at most
/// [`Limits::max_identity_len`] bytes. Passed through verbatim.
///
/// # Errors
/// [`Error::EmptyAuthcid`], [`Error::UnexpectedNul`], [`Error::TooLong`],
/// [`Error::InvalidUtf8`] (the peer's fault).
pub fn decode_username<'a>(value: &'a [u8], limits: &Limits) -> Result<&'a str, Error> {
    if value.is_empty() {
        return Err(Error::EmptyAuthcid);
    }
    let s = field(value, Field::Authcid, limits.max_identity_len)?;
    if s.contains('\0') {
        return Err(Error::UnexpectedNul);
    }
    Ok(s)
}

/// Parses the password response: non-empty UTF-8 without NUL, at most
/// [`Limits::max_password_len`] bytes.
///
/// # Errors
/// [`Error::EmptyPassword`], [`Error::UnexpectedNul`], [`Error::TooLong`],
/// [`Error::InvalidUtf8`] (the peer's fault).
pub fn decode_password<'a>(value: &'a [u8], limits: &Limits) -> Result<Secret<'a>, Error> {
    if value.is_empty() {
        return Err(Error::EmptyPassword);
    }
    let s = field(value, Field::Password, limits.max_password_len)?;
    if s.contains('\0') {
        return Err(Error::UnexpectedNul);
    }
    Ok(Secret::new(s))
}

/// Appends a LOGIN response (username or password) to `out`: LOGIN sends the
/// value as is, so this is the identity function, kept for symmetry with the
/// other mechanisms' encoders.
pub fn encode(value: &str, out: &mut Vec<u8>) {
    out.extend_from_slice(value.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let l = Limits::default();
        assert_eq!(decode_username(b"", &l), Err(Error::EmptyAuthcid));
        assert_eq!(decode_password(b"", &l), Err(Error::EmptyPassword));
        assert_eq!(decode_username(b"a\0b", &l), Err(Error::UnexpectedNul));
        assert_eq!(decode_password(b"a\0b", &l), Err(Error::UnexpectedNul));
        assert_eq!(
            decode_password(b"\xff", &l),
            Err(Error::InvalidUtf8(Field::Password))
        );
        assert_eq!(decode_username("jürgen".as_bytes(), &l), Ok("jürgen"));
        let mut out = Vec::new();
        encode("x", &mut out);
        assert_eq!(out, b"x");
        assert_eq!(LoginPrompts::Empty.username(), b"");
        assert_eq!(LoginPrompts::default().password(), b"Password:");
    }
}
