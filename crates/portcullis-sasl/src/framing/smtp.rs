//! SMTP `AUTH` (RFC 4954): `AUTH mechanism [initial-response]`, `334`
//! challenges.
//!
//! ```
//! use portcullis_sasl::{framing::smtp, Limits};
//! let cmd = smtp::parse_auth(b"AUTH LOGIN\r\n", &Limits::default())?;
//! assert_eq!((cmd.mechanism(), cmd.initial_encoded()), ("LOGIN", None));
//! let mut out = String::new();
//! smtp::format_challenge(b"Username:", &mut out);
//! assert_eq!(out, "334 VXNlcm5hbWU6\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::{AuthCommand, format_prefixed, line_body, parse_keyword_command};
use crate::error::Error;
use crate::limits::Limits;

/// Parses `"AUTH" SP mechanism [SP (base64 / "=")]`.
///
/// # Errors
/// [`Error::TooLong`] for the line, [`Error::BadCommand`] otherwise.
pub fn parse_auth<'a>(line: &'a [u8], limits: &Limits) -> Result<AuthCommand<'a>, Error> {
    parse_keyword_command(line_body(line, limits)?, b"AUTH", None)
}

/// Appends `334 <base64>` CRLF (`334 ` CRLF for an empty challenge).
pub fn format_challenge(challenge: &[u8], out: &mut String) {
    format_prefixed("334 ", challenge, out);
}

/// Decodes a continuation line: base64, or `*` to cancel (reply `501`).
///
/// # Errors
/// [`Error::Cancelled`], [`Error::BadBase64`], [`Error::TooLong`].
pub fn decode_response<'b>(
    line: &[u8],
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], Error> {
    super::decode_response(line, limits, buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let l = Limits::default();
        assert_eq!(
            parse_auth(b"auth plain AGEAYg==", &l)
                .unwrap()
                .initial_encoded(),
            Some(&b"AGEAYg=="[..])
        );
        assert_eq!(parse_auth(b"AUTH", &l), Err(Error::BadCommand));
        assert_eq!(parse_auth(b"EHLO x", &l), Err(Error::BadCommand));
        assert_eq!(parse_auth(b"a1 AUTH PLAIN", &l), Err(Error::BadCommand));
    }
}
