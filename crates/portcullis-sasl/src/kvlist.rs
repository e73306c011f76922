//! The RFC 7628 §3.1 key/value list shared by OAUTHBEARER and XOAUTH2:
//! `*(key "=" value %x01) %x01`.

use crate::error::{Error, Field};
use crate::secret::Secret;
use crate::text::MessageText;

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

/// 0 for an RFC 6750 `b64token` character (`=` aside), non-zero for any
/// other byte: `ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/"`.
///
/// Each term is 0 exactly when the byte is in one of the allowed ranges or
/// is one of the allowed single characters, and the minimum of them is 0
/// when any is: saturating subtraction, XOR and minimum are one SSE2
/// instruction each, so the loops over a long token vectorise well.
const fn not_token_char(b: u8) -> u8 {
    // '-' '.' '/' and the digits are the contiguous range 0x2D..=0x39.
    let punct_digit = b.wrapping_sub(b'-').saturating_sub(b'9' - b'-');
    // `| 0x20` folds upper-case letters onto lower-case ones.
    let letter = (b | 0x20).wrapping_sub(b'a').saturating_sub(b'z' - b'a');
    let plus = b ^ b'+';
    let underscore = b ^ b'_';
    let tilde = b ^ b'~';
    min(min(punct_digit, letter), min(plus, min(underscore, tilde)))
}

/// `u8::min`, usable in a `const fn`.
const fn min(a: u8, b: u8) -> u8 {
    if a < b { a } else { b }
}

/// Token bytes checked per step: one SSE2 register.
const TOKEN_BLOCK: usize = 16;

/// ORs the [`not_token_char`] of each byte of `block` into `acc`.
fn mark_non_token_chars(acc: &mut [u8; TOKEN_BLOCK], block: &[u8; TOKEN_BLOCK]) {
    for (a, &b) in acc.iter_mut().zip(block) {
        *a |= not_token_char(b);
    }
}

/// Whether every byte is a `b64token` character (no `=`).
///
/// Whole blocks of 16 bytes, then the last 16 bytes again (overlapping the
/// last whole block) instead of a byte-at-a-time tail: a fixed-width loop
/// body that the compiler turns into a few vector instructions per block.
pub(crate) fn all_token_chars(bytes: &[u8]) -> bool {
    let Some(last) = bytes.last_chunk::<TOKEN_BLOCK>() else {
        return bytes.iter().fold(0, |bad, &b| bad | not_token_char(b)) == 0;
    };
    let mut acc = [0u8; TOKEN_BLOCK];
    for block in bytes.as_chunks::<TOKEN_BLOCK>().0 {
        mark_non_token_chars(&mut acc, block);
    }
    mark_non_token_chars(&mut acc, last);
    acc == [0; TOKEN_BLOCK]
}

/// Parses an `auth` value: `Bearer` (any case, RFC 7235 §2.1) `1*SP b64token`.
/// `value` is a sub-slice of `text`'s message.
pub(crate) fn parse_bearer<'a>(
    value: &'a [u8],
    max_token_len: usize,
    text: &MessageText<'a>,
) -> Result<Secret<'a>, Error> {
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
    let token = text.str(token).ok_or(Error::BadToken)?;
    Ok(Secret::new(token))
}

/// The position of the first [`KVSEP`] in `bytes`.
///
/// Most pairs are short (`host`, `port`, `user`), and a `memchr` call costs
/// more than reading a short pair a word at a time, so the first 32 bytes are
/// searched here, eight at a time, and only the rest (a long `auth` pair) is
/// handed to `memchr`.
fn find_kvsep(bytes: &[u8]) -> Option<usize> {
    const INLINE_WORDS: usize = 4;
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH_BITS: u64 = u64::from_ne_bytes([0x80; 8]);
    let (words, _) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().take(INLINE_WORDS).enumerate() {
        // Bytes that were KVSEP are zero in `x`; the classic "has a zero
        // byte" test then sets the high bit of the first such byte (and
        // maybe of later ones, never of an earlier one).
        let x = u64::from_le_bytes(*word) ^ ONES;
        let zero = x.wrapping_sub(ONES) & !x & HIGH_BITS;
        if zero != 0 {
            return Some(i * 8 + (zero.trailing_zeros() / 8) as usize);
        }
    }
    let searched = words.len().min(INLINE_WORDS) * 8;
    memchr::memchr(KVSEP, bytes.get(searched..)?).map(|p| searched + p)
}

/// For the decoders' fast paths, which work on a message already known to
/// be valid UTF-8: the next pair (without its `%x01`) and what follows it;
/// `None` when no `%x01` follows.
pub(crate) fn split_text_pair(rest: &str) -> Option<(&str, &str)> {
    let end = find_kvsep(rest.as_bytes())?;
    let (pair, tail) = rest.split_at_checked(end)?;
    Some((pair, tail.get(1..)?))
}

/// For the fast paths: the bearer value at the start of `rest` (which
/// follows an `auth=`), and what follows its `%x01`.
///
/// Clients send `auth` last. A valid bearer value holds no `%x01` (only
/// letters, spaces, token characters and `=`), so when everything up to the
/// final `%x01 %x01` is one, it is the whole value: found without searching
/// the long token for its end.
#[inline]
pub(crate) fn split_bearer_value(rest: &str, max_token_len: usize) -> Option<(Secret<'_>, &str)> {
    if let Some(value) = rest.strip_suffix("\x01\x01")
        && let Some(token) = bearer_text(value, max_token_len)
    {
        return Some((token, rest.get(value.len() + 1..)?));
    }
    let (value, tail) = split_text_pair(rest)?;
    Some((bearer_text(value, max_token_len)?, tail))
}

/// The fast paths' loop over the pairs after the gs2 header (OAUTHBEARER)
/// or from the start (XOAUTH2), up to the closing `%x01`: the `auth` value
/// becomes the token; every other pair goes to `other` as its 5-byte
/// `key=` and its value, which returns whether the key was seen before.
/// `None` — leave the message to the full parser — for a second `auth`, a
/// duplicate, or whatever `other` or the value checks refuse.
#[inline]
pub(crate) fn fast_pairs<'a>(
    mut rest: &'a str,
    max_token_len: usize,
    mut other: impl FnMut(&'a str, &'a str) -> Option<bool>,
) -> Option<Secret<'a>> {
    let mut token = None;
    while rest != "\x01" {
        let (key, value_on) = rest.split_at_checked(5)?;
        let duplicate = if key == "auth=" {
            let (value, tail) = split_bearer_value(value_on, max_token_len)?;
            rest = tail;
            token.replace(value).is_some()
        } else {
            let (value, tail) = split_text_pair(value_on)?;
            rest = tail;
            other(key, value)?
        };
        if duplicate {
            return None;
        }
    }
    token
}

/// [`parse_bearer`] for the fast paths, on validated text: the same token,
/// or `None` where [`parse_bearer`] refuses the value.
pub(crate) fn bearer_text(value: &str, max_token_len: usize) -> Option<Secret<'_>> {
    let bytes = value.as_bytes();
    let (scheme, rest) = bytes.split_first_chunk::<6>()?;
    // `Bearer` in any case: `b | 0x20` is a lower-case letter `l` exactly
    // when `b` is `l` or its upper case, so this is `eq_ignore_ascii_case`
    // in a few instructions instead of a loop.
    if scheme.map(|b| b | 0x20) != *b"bearer" || rest.first() != Some(&b' ') {
        return None;
    }
    let spaces = rest.iter().position(|&b| b != b' ')?;
    let token = value.get(6 + spaces..)?;
    let core_len = token.bytes().rposition(|b| b != b'=')? + 1;
    let core = token.as_bytes().get(..core_len)?;
    (token.len() <= max_token_len && all_token_chars(core)).then_some(Secret::new(token))
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
        // Every length around the block size, with one byte of each value at
        // each position: the whole blocks and the overlapping last block.
        let valid: Vec<u8> = b"AZaz09-._~+/".iter().copied().cycle().take(50).collect();
        assert!(all_token_chars(b""));
        for len in 1..=valid.len() {
            assert!(all_token_chars(&valid[..len]), "{len}");
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut token = valid[..len].to_vec();
                    token[at] = b;
                    let expected = b.is_ascii_alphanumeric() || b"-._~+/".contains(&b);
                    assert_eq!(all_token_chars(&token), expected, "{len} {at} {b:#x}");
                }
            }
        }
    }

    fn parse_bearer(value: &[u8], max_token_len: usize) -> Result<Secret<'_>, Error> {
        super::parse_bearer(value, max_token_len, &MessageText::new(value))
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
