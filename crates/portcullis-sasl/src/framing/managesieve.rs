//! ManageSieve `AUTHENTICATE` (RFC 5804 §2.1): the mechanism is a quoted
//! string, the initial response and every later client response are strings
//! (quoted, or a non-synchronising literal `{n+}`) holding base64, and `"*"`
//! cancels. Server challenges are strings too.
//!
//! ```
//! use portcullis_sasl::{framing::managesieve::{self, SieveString}, Limits};
//! let limits = Limits::default();
//! let cmd = managesieve::parse_authenticate(b"AUTHENTICATE \"PLAIN\" {12+}\r\n", &limits)?;
//! assert_eq!(cmd.mechanism(), "PLAIN");
//! assert_eq!(cmd.initial(), Some(SieveString::Literal(12)));
//! // ... read exactly 12 bytes (and the CRLF after them) from the client:
//! let mut buf = Vec::new();
//! assert_eq!(managesieve::decode_string_content(b"AGEAYgBj", &limits, &mut buf)?, b"\0a\0b\0c");
//! let mut out = String::new();
//! managesieve::format_challenge(b"", &mut out);
//! assert_eq!(out, "\"\"\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{decode_base64, line_body, mechanism_name, wipe};
use crate::error::{Error, Field};
use crate::limits::Limits;

/// Longest challenge sent as a quoted string; longer ones go as a literal
/// (RFC 5804 §4 advises quoted strings stay short).
pub const MAX_QUOTED_CHALLENGE_LEN: usize = 1024;

/// The reply when an `AUTHENTICATE` line or a response is longer than the
/// server accepts (RFC 5804 §2.1 ends a failed exchange with `NO`).
pub const LINE_TOO_LONG: &str = "NO \"Authentication line too long\"\r\n";

/// A ManageSieve string argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SieveString<'a> {
    /// A quoted string's content (without the quotes).
    Quoted(&'a [u8]),
    /// A literal `{n+}`: the next `n` bytes on the connection (then CRLF) are
    /// the content; pass them to [`decode_string_content`].
    Literal(usize),
}

/// A parsed ManageSieve `AUTHENTICATE` command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SieveAuthenticate<'a> {
    mechanism: &'a str,
    initial: Option<SieveString<'a>>,
}

impl<'a> SieveAuthenticate<'a> {
    /// The mechanism name as sent.
    #[must_use]
    pub const fn mechanism(&self) -> &'a str {
        self.mechanism
    }

    /// The initial response string, if any.
    #[must_use]
    pub const fn initial(&self) -> Option<SieveString<'a>> {
        self.initial
    }
}

/// Parses `"AUTHENTICATE" SP "mechanism" [SP string]`.
///
/// # Errors
/// [`Error::TooLong`] (line or literal length), [`Error::BadCommand`].
pub fn parse_authenticate<'a>(
    line: &'a [u8],
    limits: &Limits,
) -> Result<SieveAuthenticate<'a>, Error> {
    let body = line_body(line, limits)?;
    let rest = strip_keyword(body, b"AUTHENTICATE ").ok_or(Error::BadCommand)?;
    let (mech, rest) = quoted(rest).map_err(|_| Error::BadCommand)?;
    let mechanism = mechanism_name(mech)?;
    let initial = match rest {
        [] => None,
        [b' ', arg @ ..] => Some(string(arg, limits).map_err(|e| match e {
            Error::TooLong { .. } => e,
            _ => Error::BadCommand,
        })?),
        _ => return Err(Error::BadCommand),
    };
    Ok(SieveAuthenticate { mechanism, initial })
}

/// Parses a continuation line: a quoted string or a literal header.
///
/// # Errors
/// [`Error::TooLong`], [`Error::BadResponse`].
pub fn parse_response<'a>(line: &'a [u8], limits: &Limits) -> Result<SieveString<'a>, Error> {
    string(line_body(line, limits)?, limits)
}

/// Decodes a string's content: `*` cancels, otherwise strict base64 (empty
/// for an empty response).
///
/// # Errors
/// [`Error::Cancelled`], [`Error::BadBase64`], [`Error::TooLong`].
pub fn decode_string_content<'b>(
    content: &[u8],
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], Error> {
    if content == b"*" {
        wipe(buf);
        return Err(Error::Cancelled);
    }
    decode_base64(content, limits, buf)
}

/// Appends the challenge as a string and CRLF: quoted when short, a literal
/// `{n}` CRLF otherwise.
pub fn format_challenge(challenge: &[u8], out: &mut String) {
    let encoded = STANDARD.encode(challenge);
    if encoded.len() <= MAX_QUOTED_CHALLENGE_LEN {
        out.push('"');
        out.push_str(&encoded);
        out.push('"');
    } else {
        out.push('{');
        out.push_str(&encoded.len().to_string());
        out.push_str("}\r\n");
        out.push_str(&encoded);
    }
    out.push_str("\r\n");
}

fn strip_keyword<'a>(body: &'a [u8], keyword: &[u8]) -> Option<&'a [u8]> {
    let (head, tail) = body.split_at_checked(keyword.len())?;
    head.eq_ignore_ascii_case(keyword).then_some(tail)
}

/// A quoted string without escapes (base64 and mechanism names never need
/// them), and what follows it.
fn quoted(s: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let inner = s.strip_prefix(b"\"").ok_or(Error::BadResponse)?;
    let end = inner
        .iter()
        .position(|&b| b == b'"')
        .ok_or(Error::BadResponse)?;
    let (content, rest) = inner.split_at_checked(end).ok_or(Error::BadResponse)?;
    if content
        .iter()
        .any(|&b| b == b'\\' || b == b'\r' || b == b'\n' || b == 0)
    {
        return Err(Error::BadResponse);
    }
    Ok((content, rest.get(1..).unwrap_or_default()))
}

/// A whole string argument ending the line.
fn string<'a>(s: &'a [u8], limits: &Limits) -> Result<SieveString<'a>, Error> {
    match s.first() {
        Some(b'"') => match quoted(s)? {
            (content, []) => Ok(SieveString::Quoted(content)),
            _ => Err(Error::BadResponse),
        },
        Some(b'{') => {
            let digits = s
                .strip_prefix(b"{")
                .and_then(|t| t.strip_suffix(b"+}"))
                .ok_or(Error::BadResponse)?;
            if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
                return Err(Error::BadResponse);
            }
            let len = digits
                .iter()
                .try_fold(0usize, |acc, &d| {
                    acc.checked_mul(10)?.checked_add(usize::from(d - b'0'))
                })
                .ok_or(Error::BadResponse)?;
            if len > limits.max_line_len {
                return Err(Error::TooLong {
                    field: Field::Line,
                    limit: limits.max_line_len,
                });
            }
            Ok(SieveString::Literal(len))
        }
        _ => Err(Error::BadResponse),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_responses() {
        let l = Limits::default();
        let c = parse_authenticate(b"authenticate \"plain\" \"AGEAYg==\"", &l).unwrap();
        assert_eq!(c.initial(), Some(SieveString::Quoted(b"AGEAYg==")));
        assert_eq!(
            parse_authenticate(b"AUTHENTICATE \"PLAIN\"", &l)
                .unwrap()
                .initial(),
            None
        );
        for bad in [
            &b"AUTHENTICATE PLAIN"[..],
            b"AUTHENTICATE \"PLAIN\"x",
            b"AUTHENTICATE \"PLAIN\" {5}",
            b"AUTHENTICATE \"PLAIN\" \"a\\\"b\"",
            b"AUTHENTICATE \"PL AIN\"",
            b"LOGIN \"PLAIN\"",
        ] {
            assert_eq!(
                parse_authenticate(bad, &l),
                Err(Error::BadCommand),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_response(b"\"*\"\r\n", &l),
            Ok(SieveString::Quoted(b"*"))
        );
        assert_eq!(parse_response(b"{4+}\r\n", &l), Ok(SieveString::Literal(4)));
        assert_eq!(parse_response(b"YQ==", &l), Err(Error::BadResponse));
        assert_eq!(
            parse_response(b"{99999999999+}", &l),
            Err(Error::BadResponse)
        );
        assert_eq!(
            parse_response(b"{9999999+}", &l),
            Err(Error::TooLong {
                field: Field::Line,
                limit: l.max_line_len
            })
        );
        let mut buf = Vec::new();
        assert_eq!(
            decode_string_content(b"*", &l, &mut buf),
            Err(Error::Cancelled)
        );
        assert_eq!(decode_string_content(b"", &l, &mut buf), Ok(&b""[..]));
    }

    #[test]
    fn challenges() {
        let mut out = String::new();
        format_challenge(b"abc", &mut out);
        assert_eq!(out, "\"YWJj\"\r\n");
        out.clear();
        format_challenge(&[0u8; 900], &mut out);
        assert!(out.starts_with("{1200}\r\nAAAA"));
        assert!(out.ends_with("AAAA\r\n"));
    }
}
