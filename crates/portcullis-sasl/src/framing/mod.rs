//! Protocol line framing: parsing the client's authentication command and
//! continuation lines, and formatting server challenges, for IMAP, SMTP,
//! POP3 and ManageSieve.
//!
//! Everything here is strict: base64 must be RFC 4648 with padding and no
//! whitespace or stray bits; one trailing CRLF (or LF, or CR) is tolerated;
//! lines longer than [`Limits::max_line_len`] are refused before any work.
//!
//! Decoded bytes go into a caller-provided `Vec<u8>`. Its previous contents
//! are zeroized before reuse and nothing is left in its spare capacity (a
//! buffer that outgrows its capacity is replaced, not reallocated). Pass a
//! `zeroize::Zeroizing<Vec<u8>>` used only with these helpers, so that the
//! last secret is wiped on drop too.

pub mod imap;
pub mod managesieve;
pub mod pop3;
pub mod smtp;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use zeroize::Zeroize as _;

use crate::error::{Error, Field};
use crate::limits::Limits;
use crate::mechanism::MAX_MECHANISM_NAME_LEN;

/// A parsed `AUTHENTICATE` (IMAP) or `AUTH` (SMTP, POP3) command.
///
/// ```
/// use portcullis_sasl::{framing::smtp, Limits};
/// let limits = Limits::default();
/// let cmd = smtp::parse_auth(b"AUTH PLAIN =\r\n", &limits)?;
/// assert_eq!(cmd.mechanism(), "PLAIN");
/// let mut buf = Vec::new();
/// assert_eq!(cmd.decode_initial(&limits, &mut buf)?, Some(&b""[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthCommand<'a> {
    tag: Option<&'a str>,
    mechanism: &'a str,
    initial: Option<&'a [u8]>,
}

impl<'a> AuthCommand<'a> {
    /// The IMAP tag (`None` for SMTP and POP3).
    #[must_use]
    pub const fn tag(&self) -> Option<&'a str> {
        self.tag
    }

    /// The mechanism name as the client wrote it (checked to be a syntactically
    /// valid SASL name; pass it to [`crate::ServerExchange::start`]).
    #[must_use]
    pub const fn mechanism(&self) -> &'a str {
        self.mechanism
    }

    /// The initial response still in wire form (base64 text, or `=`).
    #[must_use]
    pub const fn initial_encoded(&self) -> Option<&'a [u8]> {
        self.initial
    }

    /// Decodes the initial response: `None` if there was none, `Some(&[])`
    /// for `=` (RFC 4959, RFC 4954), the decoded bytes otherwise.
    ///
    /// # Errors
    /// [`Error::BadBase64`], [`Error::TooLong`].
    pub fn decode_initial<'b>(
        &self,
        limits: &Limits,
        buf: &'b mut Vec<u8>,
    ) -> Result<Option<&'b [u8]>, Error> {
        match self.initial {
            None => Ok(None),
            Some(b"=") => {
                wipe(buf);
                Ok(Some(buf.as_slice()))
            }
            Some(text) => decode_base64(text, limits, buf).map(Some),
        }
    }
}

/// Zeroizes the buffer's contents and empties it. The spare capacity holds
/// no secret: [`decode_base64`] wipes everything it wrote past the end.
pub(crate) fn wipe(buf: &mut Vec<u8>) {
    buf.as_mut_slice().zeroize();
    buf.clear();
}

/// Strips one trailing CRLF, LF or CR, after checking the line length.
pub(crate) fn line_body<'a>(line: &'a [u8], limits: &Limits) -> Result<&'a [u8], Error> {
    if line.len() > limits.max_line_len {
        return Err(Error::TooLong {
            field: Field::Line,
            limit: limits.max_line_len,
        });
    }
    let line = line
        .strip_suffix(b"\r\n")
        .or_else(|| line.strip_suffix(b"\n"))
        .or_else(|| line.strip_suffix(b"\r"))
        .unwrap_or(line);
    Ok(line)
}

/// Decodes strict RFC 4648 base64 into `buf` (zeroized first).
///
/// # Errors
/// [`Error::BadBase64`], or [`Error::TooLong`] if the decoded message would
/// exceed [`Limits::max_message_len`].
pub fn decode_base64<'b>(
    text: &[u8],
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], Error> {
    wipe(buf);
    if !text.len().is_multiple_of(4) {
        return Err(Error::BadBase64);
    }
    let upper = text.len() / 4 * 3;
    // Padding removes at most two bytes.
    if upper.saturating_sub(2) > limits.max_message_len {
        return Err(Error::TooLong {
            field: Field::Message,
            limit: limits.max_message_len,
        });
    }
    if buf.capacity() < upper {
        // A fresh allocation, so that no copy of an old secret is left
        // behind by a reallocation.
        *buf = Vec::with_capacity(upper.max(64));
    }
    buf.resize(upper, 0);
    let Ok(n) = STANDARD.decode_slice(text, buf.as_mut_slice()) else {
        wipe(buf);
        return Err(Error::BadBase64);
    };
    // The decoder may write scratch bytes past the decoded length.
    if let Some(tail) = buf.get_mut(n..) {
        tail.zeroize();
    }
    buf.truncate(n);
    if n > limits.max_message_len {
        wipe(buf);
        return Err(Error::TooLong {
            field: Field::Message,
            limit: limits.max_message_len,
        });
    }
    Ok(buf.as_slice())
}

/// Decodes a continuation line of IMAP, SMTP or POP3: base64 (empty line for
/// an empty response) or `*` for a cancel.
///
/// # Errors
/// [`Error::Cancelled`], [`Error::BadBase64`], [`Error::TooLong`].
pub fn decode_response<'b>(
    line: &[u8],
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], Error> {
    decode_response_body(line_body(line, limits)?, limits, buf)
}

fn decode_response_body<'b>(
    body: &[u8],
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], Error> {
    if body == b"*" {
        wipe(buf);
        return Err(Error::Cancelled);
    }
    decode_base64(body, limits, buf)
}

/// Decodes a client response whose position is unknown (tools such as the
/// CLI): like [`decode_response`], and `=` also means empty.
///
/// # Errors
/// [`Error::Cancelled`], [`Error::BadBase64`], [`Error::TooLong`].
pub fn decode_any_response<'b>(
    line: &[u8],
    limits: &Limits,
    buf: &'b mut Vec<u8>,
) -> Result<&'b [u8], Error> {
    let body = line_body(line, limits)?;
    if body == b"=" {
        wipe(buf);
        return Ok(buf.as_slice());
    }
    decode_response_body(body, limits, buf)
}

/// Appends `prefix`, the base64 of `challenge`, and CRLF.
pub(crate) fn format_prefixed(prefix: &str, challenge: &[u8], out: &mut String) {
    out.reserve(prefix.len() + challenge.len().div_ceil(3) * 4 + 2);
    out.push_str(prefix);
    STANDARD.encode_string(challenge, out);
    out.push_str("\r\n");
}

/// A SASL mechanism name as RFC 4422 §3.1 spells it (case ignored).
pub(crate) fn mechanism_name(word: &[u8]) -> Result<&str, Error> {
    if word.is_empty()
        || word.len() > MAX_MECHANISM_NAME_LEN
        || !word
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::BadCommand);
    }
    core::str::from_utf8(word).map_err(|_| Error::BadCommand)
}

/// `KEYWORD SP mech [SP initial]` after the tag, shared by IMAP, SMTP, POP3.
pub(crate) fn parse_keyword_command<'a>(
    body: &'a [u8],
    keyword: &[u8],
    tag: Option<&'a str>,
) -> Result<AuthCommand<'a>, Error> {
    let (command, rest) = split_word(body).ok_or(Error::BadCommand)?;
    if !command.eq_ignore_ascii_case(keyword) {
        return Err(Error::BadCommand);
    }
    let rest = rest.ok_or(Error::BadCommand)?;
    let (mechanism, initial) = split_word(rest).ok_or(Error::BadCommand)?;
    let mechanism = mechanism_name(mechanism)?;
    // The initial response is the rest of the line: one non-empty word.
    if initial.is_some_and(|ir| ir.is_empty() || memchr::memchr(b' ', ir).is_some()) {
        return Err(Error::BadCommand);
    }
    Ok(AuthCommand {
        tag,
        mechanism,
        initial,
    })
}

/// Splits at the first space: the word before it (possibly empty) and,
/// if there was a space, everything after it.
fn split_word(s: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    match memchr::memchr(b' ', s) {
        None => Some((s, None)),
        Some(at) => {
            let (word, rest) = s.split_at_checked(at)?;
            Some((word, Some(rest.get(1..)?)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_strict() {
        let l = Limits::default();
        let mut buf = Vec::new();
        assert_eq!(decode_base64(b"AGEAYg==", &l, &mut buf), Ok(&b"\0a\0b"[..]));
        assert_eq!(decode_base64(b"", &l, &mut buf), Ok(&b""[..]));
        for bad in [
            &b"AGEAYg"[..],
            b"AGEA Yg==",
            b"AGEAYg=",
            b"AGEAYh==",
            b"=",
            b"AGE\nAYg==",
            b"AG-_",
        ] {
            assert_eq!(
                decode_base64(bad, &l, &mut buf),
                Err(Error::BadBase64),
                "{bad:?}"
            );
        }
        let small = Limits {
            max_message_len: 2,
            ..Limits::default()
        };
        assert_eq!(decode_base64(b"AAA=", &small, &mut buf), Ok(&[0u8, 0][..]));
        assert_eq!(
            decode_base64(b"AAAA", &small, &mut buf),
            Err(Error::TooLong {
                field: Field::Message,
                limit: 2
            })
        );
    }

    #[test]
    fn responses() {
        let l = Limits::default();
        let mut buf = Vec::new();
        assert_eq!(
            decode_response(b"*\r\n", &l, &mut buf),
            Err(Error::Cancelled)
        );
        assert_eq!(decode_response(b"\r\n", &l, &mut buf), Ok(&b""[..]));
        assert_eq!(
            decode_response(b"=\r\n", &l, &mut buf),
            Err(Error::BadBase64)
        );
        assert_eq!(
            decode_response(b"YQ==\r\n\r\n", &l, &mut buf),
            Err(Error::BadBase64)
        );
        assert_eq!(decode_any_response(b"=\n", &l, &mut buf), Ok(&b""[..]));
        assert_eq!(
            decode_any_response(b"*", &l, &mut buf),
            Err(Error::Cancelled)
        );
        let small = Limits {
            max_line_len: 4,
            ..Limits::default()
        };
        assert_eq!(
            decode_response(b"YQ==\r\n", &small, &mut buf),
            Err(Error::TooLong {
                field: Field::Line,
                limit: 4
            })
        );
    }
}
