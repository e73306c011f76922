//! IMAP `AUTHENTICATE` (RFC 9051 §6.2.2, RFC 3501 §6.2.2) with SASL-IR
//! (RFC 4959).
//!
//! ```
//! use portcullis_sasl::{framing::imap, Limits};
//! let limits = Limits::default();
//! let cmd = imap::parse_authenticate(b"a001 AUTHENTICATE PLAIN AGFsaWNlAHB3\r\n", &limits)?;
//! assert_eq!((cmd.tag(), cmd.mechanism()), (Some("a001"), "PLAIN"));
//! let mut out = String::new();
//! imap::format_challenge(b"", &mut out);
//! assert_eq!(out, "+ \r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use super::{AuthCommand, format_prefixed, line_body, parse_keyword_command};
use crate::error::Error;
use crate::limits::Limits;

/// Parses `tag SP "AUTHENTICATE" SP mechanism [SP (base64 / "=")]`.
///
/// # Errors
/// [`Error::TooLong`] for the line, [`Error::BadCommand`] for anything else
/// (bad tag, other command, bad mechanism name, extra spaces).
pub fn parse_authenticate<'a>(line: &'a [u8], limits: &Limits) -> Result<AuthCommand<'a>, Error> {
    let body = line_body(line, limits)?;
    let sp = body
        .iter()
        .position(|&b| b == b' ')
        .ok_or(Error::BadCommand)?;
    let (tag, rest) = body.split_at_checked(sp).ok_or(Error::BadCommand)?;
    if tag.is_empty() || !tag.iter().all(|&b| is_tag_char(b)) {
        return Err(Error::BadCommand);
    }
    let tag = core::str::from_utf8(tag).map_err(|_| Error::BadCommand)?;
    parse_keyword_command(
        rest.get(1..).unwrap_or_default(),
        b"AUTHENTICATE",
        Some(tag),
    )
}

/// RFC 9051 `tag = 1*<any ASTRING-CHAR except "+">`.
const fn is_tag_char(b: u8) -> bool {
    matches!(b, 0x21..=0x7e) && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b'+')
}

/// Appends `+ <base64>` CRLF (`+ ` CRLF for an empty challenge).
pub fn format_challenge(challenge: &[u8], out: &mut String) {
    format_prefixed("+ ", challenge, out);
}

/// Decodes a continuation line: base64, or `*` to cancel.
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
        let c = parse_authenticate(b"A1 authenticate xoauth2 =", &l).unwrap();
        assert_eq!(
            (c.tag(), c.mechanism(), c.initial_encoded()),
            (Some("A1"), "xoauth2", Some(&b"="[..]))
        );
        for bad in [
            &b"A1 AUTHENTICATE"[..],
            b"A1 AUTHENTICATE  PLAIN",
            b"A1 AUTHENTICATE PLAIN ",
            b"A1 AUTHENTICATE PLAIN a b",
            b"A1 LOGIN PLAIN",
            b" AUTHENTICATE PLAIN",
            b"A+1 AUTHENTICATE PLAIN",
            b"A1 AUTHENTICATE PL\xc3\xa4IN",
            b"A1 AUTHENTICATE ABCDEFGHIJKLMNOPQRSTU",
        ] {
            assert_eq!(
                parse_authenticate(bad, &l),
                Err(Error::BadCommand),
                "{bad:?}"
            );
        }
    }
}
