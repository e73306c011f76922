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

/// RFC 4954 §4: the reply when an `AUTH` line or a response in the
/// exchange is longer than the server accepts.
pub const LINE_TOO_LONG: &str = "500 5.5.6 Authentication Exchange line is too long\r\n";

/// The reply that ends an exchange the client's framing broke, per
/// RFC 4954 §4: `500 5.5.6` for a line or response that is too long,
/// `501 5.0.0` for a cancel (`*`), `501 5.5.2` for a response that is not
/// base64 (or a malformed `AUTH` command).
///
/// ```
/// use portcullis_sasl::{framing::smtp, Error, Field};
/// let long = Error::TooLong { field: Field::Line, limit: 12_288 };
/// assert_eq!(smtp::error_reply(&long), smtp::LINE_TOO_LONG);
/// assert_eq!(smtp::error_reply(&Error::Cancelled), "501 5.0.0 Authentication cancelled\r\n");
/// ```
#[must_use]
pub const fn error_reply(error: &Error) -> &'static str {
    match error {
        Error::TooLong { .. } => LINE_TOO_LONG,
        Error::Cancelled => "501 5.0.0 Authentication cancelled\r\n",
        Error::BadBase64 => "501 5.5.2 Cannot decode the response (base64 expected)\r\n",
        _ => "501 5.5.2 Syntax error in the authentication exchange\r\n",
    }
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

    #[test]
    fn over_long_exchange_lines_are_500_5_5_6() {
        let l = Limits::default();
        let mut line = b"AUTH PLAIN ".to_vec();
        line.resize(l.max_line_len + 1, b'A');
        let error = parse_auth(&line, &l).unwrap_err();
        assert_eq!(
            error_reply(&error),
            "500 5.5.6 Authentication Exchange line is too long\r\n"
        );
        let mut buf = Vec::new();
        let response = vec![b'A'; l.max_line_len + 4];
        let error = decode_response(&response, &l, &mut buf).unwrap_err();
        assert_eq!(error_reply(&error), LINE_TOO_LONG);
        let error = decode_response(b"not base64!", &l, &mut buf).unwrap_err();
        assert!(error_reply(&error).starts_with("501 5.5.2 "));
    }
}
