//! POP3 `AUTH` (RFC 5034): `AUTH mechanism [initial-response]`, `+`
//! challenges.
//!
//! ```
//! use portcullis_sasl::{framing::pop3, Limits};
//! let cmd = pop3::parse_auth(b"AUTH OAUTHBEARER =\r\n", &Limits::default())?;
//! assert_eq!(cmd.mechanism(), "OAUTHBEARER");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::{AuthCommand, format_prefixed, line_body, parse_keyword_command};
use crate::error::Error;
use crate::limits::Limits;

/// Parses `"AUTH" SP mechanism [SP (base64 / "=")]`. The bare `AUTH`
/// (mechanism listing, RFC 1734 practice) is a [`Error::BadCommand`] here:
/// answer it from [`crate::MechanismPolicy::advertised`].
///
/// # Errors
/// [`Error::TooLong`] for the line, [`Error::BadCommand`] otherwise.
pub fn parse_auth<'a>(line: &'a [u8], limits: &Limits) -> Result<AuthCommand<'a>, Error> {
    parse_keyword_command(line_body(line, limits)?, b"AUTH", None)
}

/// The reply when an `AUTH` line or a response is longer than the server
/// accepts (RFC 5034 §4 ends a failed exchange with `-ERR`).
pub const LINE_TOO_LONG: &str = "-ERR Authentication line too long\r\n";

/// Appends `+ <base64>` CRLF (`+ ` CRLF for an empty challenge).
pub fn format_challenge(challenge: &[u8], out: &mut String) {
    format_prefixed("+ ", challenge, out);
}

/// Decodes a continuation line: base64, or `*` to cancel (reply `-ERR`).
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
