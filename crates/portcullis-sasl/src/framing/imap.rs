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

/// The reply to a command line longer than the server reads, given the
/// bytes it kept from the start of that line (a few dozen are enough).
///
/// The tag opens the line, so the command can be answered with a tagged
/// `BAD` at once and the client's command does not hang waiting for a
/// completion that never comes (an untagged `* BAD` alone left curl waiting
/// for 120 s). Without a well-formed tag no command can be completed; the
/// reply is then `* BYE` and [`TooLong::close`] is true. The caller keeps
/// discarding the rest of the line either way.
///
/// ```
/// use portcullis_sasl::framing::imap;
/// let reply = imap::line_too_long(b"a7 AUTHENTICATE PLAIN AAAA");
/// assert_eq!(reply.text(), "a7 BAD Command line too long\r\n");
/// assert!(!reply.close());
/// let reply = imap::line_too_long(b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
/// assert_eq!((reply.text(), reply.close()), ("* BYE Command line too long\r\n", true));
/// ```
#[must_use]
pub fn line_too_long(start: &[u8]) -> TooLong {
    let tag = start
        .iter()
        .position(|&b| b == b' ')
        .and_then(|sp| start.get(..sp))
        .filter(|tag| !tag.is_empty() && tag.len() <= MAX_TAG_LEN)
        .filter(|tag| tag.iter().all(|&b| is_tag_char(b)))
        .and_then(|tag| core::str::from_utf8(tag).ok());
    match tag {
        Some(tag) => TooLong {
            text: format!("{tag} BAD Command line too long\r\n"),
            close: false,
        },
        None => TooLong {
            text: "* BYE Command line too long\r\n".to_owned(),
            close: true,
        },
    }
}

/// The longest tag [`line_too_long`] echoes back. RFC 9051 sets no limit;
/// real clients use a few characters, and echoing a long one would hand
/// back bytes the server refused to read.
pub const MAX_TAG_LEN: usize = 64;

/// What to answer to an over-long line ([`line_too_long`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    text: String,
    close: bool,
}

impl TooLong {
    /// The reply line, with its CRLF.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether the server closes the connection after the reply (`* BYE`).
    #[must_use]
    pub const fn close(&self) -> bool {
        self.close
    }
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
    fn over_long_lines_get_a_tagged_reply() {
        assert_eq!(
            line_too_long(b"A1 AUTHENTICATE PLAIN").text(),
            "A1 BAD Command line too long\r\n"
        );
        assert_eq!(
            line_too_long(b"x.y LOGIN {").text(),
            "x.y BAD Command line too long\r\n"
        );
        for untagged in [
            &b""[..],
            b"AAAA",
            b" AUTHENTICATE",
            b"a+1 LOGIN",
            b"a\r\nb LOGIN",
            b"\xc3\xa4 X",
        ] {
            let reply = line_too_long(untagged);
            assert_eq!(
                (reply.text(), reply.close()),
                ("* BYE Command line too long\r\n", true),
                "{untagged:?}"
            );
        }
        let long_tag = [b'a'; MAX_TAG_LEN + 1];
        let mut line = long_tag.to_vec();
        line.push(b' ');
        assert!(line_too_long(&line).close());
        let mut ok = long_tag[..MAX_TAG_LEN].to_vec();
        ok.push(b' ');
        assert!(!line_too_long(&ok).close());
    }

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
