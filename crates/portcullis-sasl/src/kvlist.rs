//! The RFC 7628 §3.1 key/value list shared by OAUTHBEARER and XOAUTH2:
//! `*(key "=" value %x01) %x01`.

use crate::error::{Error, Field};
use crate::secret::Secret;

/// The key/value separator.
pub(crate) const KVSEP: u8 = 0x01;

/// One `key=value` pair, both sides borrowed.
type Pair<'a> = (&'a [u8], &'a [u8]);

/// A forward-only reader over the pairs of a key/value list.
pub(crate) struct KvReader<'a> {
    rest: &'a [u8],
}

impl<'a> KvReader<'a> {
    pub(crate) const fn new(rest: &'a [u8]) -> Self {
        Self { rest }
    }

    /// The next `(key, value)`, or `None` after the closing `%x01` (which must
    /// be the last byte).
    pub(crate) fn next_pair(&mut self) -> Result<Option<Pair<'a>>, Error> {
        match self.rest.split_first() {
            None => return Err(Error::MissingTerminator),
            Some((&KVSEP, tail)) => {
                return if tail.is_empty() {
                    self.rest = tail;
                    Ok(None)
                } else {
                    Err(Error::TrailingData)
                };
            }
            Some(_) => {}
        }
        let end = memchr::memchr(KVSEP, self.rest).ok_or(Error::MissingTerminator)?;
        let (pair, tail) = self
            .rest
            .split_at_checked(end)
            .ok_or(Error::MissingTerminator)?;
        self.rest = tail.get(1..).unwrap_or_default();
        let eq = pair.iter().position(|&b| b == b'=').ok_or(Error::BadKey)?;
        let (key, value) = pair.split_at_checked(eq).ok_or(Error::BadKey)?;
        if key.is_empty() || !key.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::BadKey);
        }
        Ok(Some((key, value.get(1..).unwrap_or_default())))
    }
}

/// RFC 7628 `value = *(VCHAR / SP / HTAB / CR / LF)`.
pub(crate) fn check_value(value: &[u8]) -> Result<(), Error> {
    let ok = value.iter().fold(true, |ok, &b| {
        ok & (matches!(b, 0x21..=0x7e) | matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    });
    if ok { Ok(()) } else { Err(Error::BadValue) }
}

/// 1 for a byte that is not an RFC 6750 `b64token` character (`=` aside):
/// `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`. Branch-free, so
/// the loop over a long token vectorises.
const fn not_token_char(b: u8) -> u8 {
    // '-' '.' '/' and the digits are the contiguous range 0x2D..=0x39;
    // `| 0x20` folds upper-case letters onto lower-case ones.
    let ok = (b.wrapping_sub(0x2d) < 13)
        | ((b | 0x20).wrapping_sub(b'a') < 26)
        | (b == b'+')
        | (b == b'_')
        | (b == b'~');
    !ok as u8
}

/// Whether every byte is a `b64token` character (no `=`).
pub(crate) fn all_token_chars(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |bad, &b| bad | not_token_char(b)) == 0
}

/// Parses an `auth` value: `Bearer` (any case, RFC 7235 §2.1) `1*SP b64token`.
pub(crate) fn parse_bearer(value: &[u8], max_token_len: usize) -> Result<Secret<'_>, Error> {
    let (scheme, rest) = value.split_at_checked(6).ok_or(Error::BadAuthScheme)?;
    if !scheme.eq_ignore_ascii_case(b"Bearer") || rest.first() != Some(&b' ') {
        return Err(Error::BadAuthScheme);
    }
    let start = rest
        .iter()
        .position(|&b| b != b' ')
        .ok_or(Error::BadToken)?;
    let token = rest.get(start..).ok_or(Error::BadToken)?;
    if token.len() > max_token_len {
        return Err(Error::TooLong {
            field: Field::Token,
            limit: max_token_len,
        });
    }
    let core_len = token.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let core = token.get(..core_len).unwrap_or_default();
    if core.is_empty() || !all_token_chars(core) {
        return Err(Error::BadToken);
    }
    // b64token is ASCII, so this never fails; the error keeps it panic-free.
    let token = core::str::from_utf8(token).map_err(|_| Error::BadToken)?;
    Ok(Secret::new(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs() {
        let mut r = KvReader::new(b"a=1\x01bb=\x01\x01");
        assert_eq!(r.next_pair(), Ok(Some((&b"a"[..], &b"1"[..]))));
        assert_eq!(r.next_pair(), Ok(Some((&b"bb"[..], &b""[..]))));
        assert_eq!(r.next_pair(), Ok(None));
        assert_eq!(
            KvReader::new(b"").next_pair(),
            Err(Error::MissingTerminator)
        );
        assert_eq!(
            KvReader::new(b"a=1").next_pair(),
            Err(Error::MissingTerminator)
        );
        assert_eq!(
            KvReader::new(b"\x01x").next_pair(),
            Err(Error::TrailingData)
        );
        assert_eq!(KvReader::new(b"=1\x01").next_pair(), Err(Error::BadKey));
        assert_eq!(KvReader::new(b"a1=1\x01").next_pair(), Err(Error::BadKey));
        assert_eq!(KvReader::new(b"a\x01").next_pair(), Err(Error::BadKey));
    }

    #[test]
    fn token_chars() {
        for b in 0..=255u8 {
            let expected = b.is_ascii_alphanumeric() || b"-._~+/".contains(&b);
            assert_eq!(all_token_chars(&[b]), expected, "{b:#x}");
        }
    }

    #[test]
    fn bearer() {
        assert_eq!(
            parse_bearer(b"Bearer abc==", 100).map(Secret::expose),
            Ok("abc==")
        );
        assert_eq!(parse_bearer(b"bEARER  x", 100).map(Secret::expose), Ok("x"));
        assert_eq!(parse_bearer(b"Bearer", 100), Err(Error::BadAuthScheme));
        assert_eq!(parse_bearer(b"Basic abc", 100), Err(Error::BadAuthScheme));
        assert_eq!(parse_bearer(b"Bearerabc", 100), Err(Error::BadAuthScheme));
        assert_eq!(parse_bearer(b"Bearer ", 100), Err(Error::BadToken));
        assert_eq!(parse_bearer(b"Bearer ==", 100), Err(Error::BadToken));
        assert_eq!(parse_bearer(b"Bearer a=b", 100), Err(Error::BadToken));
        assert_eq!(parse_bearer(b"Bearer a b", 100), Err(Error::BadToken));
        assert_eq!(
            parse_bearer(b"Bearer abcd", 3),
            Err(Error::TooLong {
                field: Field::Token,
                limit: 3
            })
        );
        assert_eq!(check_value(b"a b\t\r\n~"), Ok(()));
        assert_eq!(check_value(b"\x00"), Err(Error::BadValue));
        assert_eq!(check_value("é".as_bytes()), Err(Error::BadValue));
    }
}
