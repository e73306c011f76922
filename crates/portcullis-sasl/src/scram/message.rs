//! The client's messages (RFC 5802 §7): `client-first-message` and
//! `client-final-message`, parsed zero-copy and encoded for tests and
//! clients.

use std::borrow::Cow;

use super::binding::ChannelBindingType;
use crate::error::{Error, Field};
use crate::limits::Limits;

/// The longest nonce accepted, in bytes, from the client (`r=` of
/// client-first) or the server. Clients send 24 to 64 characters.
pub const MAX_NONCE_LEN: usize = 256;

/// The channel-binding flag that opens the gs2 header (RFC 5802 §7
/// `gs2-cbind-flag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gs2Flag {
    /// `n`: the client does not support channel binding.
    NotSupported,
    /// `y`: the client supports channel binding but thinks the server
    /// does not (it saw no `-PLUS` mechanism advertised).
    ServerNotSupported,
    /// `p=<type>`: the client binds the exchange to the TLS channel with
    /// this type (a `-PLUS` mechanism).
    Bound(ChannelBindingType),
}

/// A client-first message: `gs2-header client-first-message-bare`, e.g.
/// `n,,n=user,r=rOprNGfwEbeRWgbNEkqO`.
///
/// Decoding unescapes `=2C` and `=3D` in both names, prepares the user
/// name with SASLprep (RFC 4013, as RFC 5802 §5.1 asks; the authzid is
/// passed through verbatim, like every authzid of this crate), refuses a
/// mandatory extension (`m=`), and ignores well-formed optional
/// extensions after the nonce.
///
/// ```
/// use portcullis_sasl::scram::{ClientFirstMessage, Gs2Flag};
/// use portcullis_sasl::Limits;
/// let m = ClientFirstMessage::decode(b"y,a=admin=2Cops,n=j=3Dd\xc2\xa0e,r=abc", &Limits::default())?;
/// assert_eq!(m.flag(), Gs2Flag::ServerNotSupported);
/// assert_eq!(m.authzid(), Some("admin,ops"));
/// assert_eq!(m.username(), "j=d e"); // a no-break space is a space after SASLprep
/// assert_eq!(m.nonce(), "abc");
/// assert_eq!(m.gs2_header_len(), "y,a=admin=2Cops,".len());
/// let mut wire = Vec::new();
/// ClientFirstMessage::new(Gs2Flag::NotSupported, None, "a,b", "xyz").encode(&mut wire);
/// assert_eq!(wire, b"n,,n=a=2Cb,r=xyz");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFirstMessage<'a> {
    flag: Gs2Flag,
    authzid: Option<Cow<'a, str>>,
    username: Cow<'a, str>,
    nonce: &'a str,
    header_len: usize,
}

impl<'a> ClientFirstMessage<'a> {
    /// Builds a message to encode (client side, tests). An empty `authzid`
    /// is the same as `None`. Nothing is checked or prepared here: pass a
    /// user name already prepared with SASLprep and a printable nonce.
    #[must_use]
    pub fn new(flag: Gs2Flag, authzid: Option<&'a str>, username: &'a str, nonce: &'a str) -> Self {
        let authzid = authzid.filter(|a| !a.is_empty());
        let header_len = flag_len(flag) + 1 + authzid.map_or(0, |a| 2 + escaped_len(a)) + 1;
        Self {
            flag,
            authzid: authzid.map(Cow::Borrowed),
            username: Cow::Borrowed(username),
            nonce,
            header_len,
        }
    }

    /// Parses a decoded client-first message.
    ///
    /// # Errors
    /// All the peer's fault: [`Error::TooLong`] (message, identities,
    /// nonce), [`Error::BadGs2Header`], [`Error::ChannelBindingUnsupported`]
    /// (a `p=` type other than `tls-exporter` and `tls-server-end-point`),
    /// [`Error::BadAuthzidEscape`], [`Error::BadUsername`],
    /// [`Error::EmptyAuthcid`], [`Error::UnexpectedNul`],
    /// [`Error::InvalidUtf8`], [`Error::BadNonce`],
    /// [`Error::MandatoryExtension`], [`Error::BadScramMessage`] (a
    /// malformed extension).
    pub fn decode(message: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        if message.len() > limits.max_message_len {
            return Err(Error::TooLong {
                field: Field::Message,
                limit: limits.max_message_len,
            });
        }
        let (flag, rest) = gs2_flag(message)?;
        let (authzid, rest) = match rest {
            [b'a', b'=', tail @ ..] => {
                let (raw, after) = split_comma(tail);
                let after = after.ok_or(Error::BadGs2Header)?;
                if raw.is_empty() {
                    return Err(Error::BadGs2Header);
                }
                let name = saslname(
                    raw,
                    Field::Authzid,
                    limits.max_identity_len,
                    Error::BadAuthzidEscape,
                )?;
                (Some(name), after)
            }
            [b',', after @ ..] => (None, after),
            _ => return Err(Error::BadGs2Header),
        };
        let header_len = message.len() - rest.len();
        if rest.starts_with(b"m=") {
            return Err(Error::MandatoryExtension);
        }
        let rest = rest.strip_prefix(b"n=").ok_or(Error::BadUsername)?;
        let (raw_user, rest) = split_comma(rest);
        let username = prepared_username(raw_user, limits)?;
        let rest = rest
            .and_then(|r| r.strip_prefix(b"r="))
            .ok_or(Error::BadNonce)?;
        let (raw_nonce, extensions) = split_comma(rest);
        let nonce = nonce(raw_nonce)?;
        if let Some(extensions) = extensions {
            check_extensions(extensions)?;
        }
        Ok(Self {
            flag,
            authzid,
            username,
            nonce,
            header_len,
        })
    }

    /// The channel-binding flag.
    #[must_use]
    pub const fn flag(&self) -> Gs2Flag {
        self.flag
    }

    /// The authorization identity (`a=`), unescaped, if the client sent one.
    #[must_use]
    pub fn authzid(&self) -> Option<&str> {
        self.authzid.as_deref()
    }

    /// The user name (`n=`), unescaped and (when decoded) prepared with
    /// SASLprep: the name to look the account up by.
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The client's nonce (`r=`).
    #[must_use]
    pub const fn nonce(&self) -> &'a str {
        self.nonce
    }

    /// Length in bytes of the gs2 header (`n,,` or `p=tls-exporter,a=x,`)
    /// at the start of the message; the rest is the
    /// `client-first-message-bare` that the `AuthMessage` starts with.
    #[must_use]
    pub const fn gs2_header_len(&self) -> usize {
        self.header_len
    }

    /// Appends the wire form (before base64) to `out`, escaping `,` and
    /// `=` in both names.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self.flag {
            Gs2Flag::NotSupported => out.push(b'n'),
            Gs2Flag::ServerNotSupported => out.push(b'y'),
            Gs2Flag::Bound(kind) => {
                out.extend_from_slice(b"p=");
                out.extend_from_slice(kind.name().as_bytes());
            }
        }
        out.push(b',');
        if let Some(authzid) = &self.authzid {
            out.extend_from_slice(b"a=");
            escape(authzid, out);
        }
        out.extend_from_slice(b",n=");
        escape(&self.username, out);
        out.extend_from_slice(b",r=");
        out.extend_from_slice(self.nonce.as_bytes());
    }
}

/// A client-final message: `c=<base64 gs2 header and channel-binding
/// data>,r=<client nonce><server nonce>[,extensions],p=<base64 proof>`.
///
/// Decoding checks the grammar only; [`ScramServer::client_final`]
/// compares each part with the exchange.
///
/// [`ScramServer::client_final`]: super::ScramServer::client_final
///
/// ```
/// use portcullis_sasl::scram::ClientFinalMessage;
/// use portcullis_sasl::Limits;
/// let m = ClientFinalMessage::decode(b"c=biws,r=abcdef,p=AAAA", &Limits::default())?;
/// assert_eq!((m.channel_binding(), m.nonce(), m.proof()), ("biws", "abcdef", "AAAA"));
/// assert_eq!(m.without_proof_len(), "c=biws,r=abcdef".len());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientFinalMessage<'a> {
    channel_binding: &'a str,
    nonce: &'a str,
    proof: &'a str,
    without_proof_len: usize,
}

impl<'a> ClientFinalMessage<'a> {
    /// Builds a message to encode (client side, tests); nothing is checked.
    #[must_use]
    pub const fn new(channel_binding: &'a str, nonce: &'a str, proof: &'a str) -> Self {
        Self {
            channel_binding,
            nonce,
            proof,
            without_proof_len: 2 + channel_binding.len() + 3 + nonce.len(),
        }
    }

    /// Parses a decoded client-final message.
    ///
    /// # Errors
    /// All the peer's fault: [`Error::TooLong`], [`Error::BadScramMessage`]
    /// (no `c=` first, no `p=` last, or either not base64 text),
    /// [`Error::BadNonce`], [`Error::MandatoryExtension`].
    pub fn decode(message: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        if message.len() > limits.max_message_len {
            return Err(Error::TooLong {
                field: Field::Message,
                limit: limits.max_message_len,
            });
        }
        // The proof is the last attribute and base64 has no `,`.
        let at = memchr::memrchr(b',', message).ok_or(Error::BadScramMessage)?;
        let (without_proof, proof) = message.split_at_checked(at).ok_or(Error::BadScramMessage)?;
        let proof = proof
            .strip_prefix(b",p=")
            .and_then(base64_text)
            .ok_or(Error::BadScramMessage)?;
        let rest = without_proof
            .strip_prefix(b"c=")
            .ok_or(Error::BadScramMessage)?;
        let (channel_binding, rest) = split_comma(rest);
        let channel_binding = base64_text(channel_binding).ok_or(Error::BadScramMessage)?;
        let rest = rest
            .and_then(|r| r.strip_prefix(b"r="))
            .ok_or(Error::BadNonce)?;
        let (raw_nonce, extensions) = split_comma(rest);
        let nonce = nonce(raw_nonce)?;
        if let Some(extensions) = extensions {
            check_extensions(extensions)?;
        }
        Ok(Self {
            channel_binding,
            nonce,
            proof,
            without_proof_len: without_proof.len(),
        })
    }

    /// The `c=` value as sent (base64 text).
    #[must_use]
    pub const fn channel_binding(&self) -> &'a str {
        self.channel_binding
    }

    /// The combined nonce (`r=`).
    #[must_use]
    pub const fn nonce(&self) -> &'a str {
        self.nonce
    }

    /// The `p=` value as sent (base64 text of the client proof).
    #[must_use]
    pub const fn proof(&self) -> &'a str {
        self.proof
    }

    /// Length in bytes of `client-final-message-without-proof` at the
    /// start of the message (it ends the `AuthMessage`).
    #[must_use]
    pub const fn without_proof_len(&self) -> usize {
        self.without_proof_len
    }

    /// Appends the wire form (before base64) to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"c=");
        out.extend_from_slice(self.channel_binding.as_bytes());
        out.extend_from_slice(b",r=");
        out.extend_from_slice(self.nonce.as_bytes());
        out.extend_from_slice(b",p=");
        out.extend_from_slice(self.proof.as_bytes());
    }
}

/// Appends `name` with `,` as `=2C` and `=` as `=3D` (RFC 5802 §5.1).
pub(crate) fn escape(name: &str, out: &mut Vec<u8>) {
    for &byte in name.as_bytes() {
        match byte {
            b',' => out.extend_from_slice(b"=2C"),
            b'=' => out.extend_from_slice(b"=3D"),
            other => out.push(other),
        }
    }
}

fn escaped_len(name: &str) -> usize {
    name.len() + 2 * name.bytes().filter(|b| matches!(b, b',' | b'=')).count()
}

const fn flag_len(flag: Gs2Flag) -> usize {
    match flag {
        Gs2Flag::NotSupported | Gs2Flag::ServerNotSupported => 1,
        Gs2Flag::Bound(kind) => 2 + kind.name().len(),
    }
}

/// The flag and what follows its comma.
fn gs2_flag(message: &[u8]) -> Result<(Gs2Flag, &[u8]), Error> {
    match message {
        [b'n', b',', rest @ ..] => Ok((Gs2Flag::NotSupported, rest)),
        [b'y', b',', rest @ ..] => Ok((Gs2Flag::ServerNotSupported, rest)),
        [b'p', b'=', tail @ ..] => {
            let (name, rest) = split_comma(tail);
            let rest = rest.ok_or(Error::BadGs2Header)?;
            // RFC 5056 cb-name: 1*(ALPHA / DIGIT / "." / "-").
            let well_formed = !name.is_empty()
                && name
                    .iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
            if !well_formed {
                return Err(Error::BadGs2Header);
            }
            let kind = core::str::from_utf8(name)
                .ok()
                .and_then(ChannelBindingType::from_name)
                .ok_or(Error::ChannelBindingUnsupported)?;
            Ok((Gs2Flag::Bound(kind), rest))
        }
        _ => Err(Error::BadGs2Header),
    }
}

/// Splits at the first `,`: the part before, and the part after it (if
/// there was one).
fn split_comma(bytes: &[u8]) -> (&[u8], Option<&[u8]>) {
    match memchr::memchr(b',', bytes) {
        Some(at) => match bytes.split_at_checked(at) {
            Some((head, tail)) => (head, tail.get(1..)),
            None => (bytes, None),
        },
        None => (bytes, None),
    }
}

/// RFC 5802 `saslname`: UTF-8 without NUL, `=2C` for `,` and `=3D` for
/// `=`; any other `=` is `bad_escape`. Length is checked first, so an
/// oversized name costs no scan.
fn saslname<'a>(
    raw: &'a [u8],
    field: Field,
    limit: usize,
    bad_escape: Error,
) -> Result<Cow<'a, str>, Error> {
    if raw.len() > limit {
        return Err(Error::TooLong { field, limit });
    }
    if memchr::memchr(0, raw).is_some() {
        return Err(Error::UnexpectedNul);
    }
    let text = core::str::from_utf8(raw).map_err(|_| Error::InvalidUtf8(field))?;
    if !text.contains('=') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut parts = text.split('=');
    out.push_str(parts.next().unwrap_or_default());
    for part in parts {
        if let Some(tail) = part.strip_prefix("2C") {
            out.push(',');
            out.push_str(tail);
        } else if let Some(tail) = part.strip_prefix("3D") {
            out.push('=');
            out.push_str(tail);
        } else {
            return Err(bad_escape);
        }
    }
    Ok(Cow::Owned(out))
}

/// The `n=` value: unescaped, then SASLprep (RFC 4013, as a stored
/// string: unassigned code points are refused).
fn prepared_username<'a>(raw: &'a [u8], limits: &Limits) -> Result<Cow<'a, str>, Error> {
    let limit = limits.max_identity_len;
    if raw.is_empty() {
        return Err(Error::EmptyAuthcid);
    }
    let name = saslname(raw, Field::Authcid, limit, Error::BadUsername)?;
    let prepared = match name {
        Cow::Borrowed(text) => stringprep::saslprep(text).map_err(|_| Error::BadUsername)?,
        Cow::Owned(text) => Cow::Owned(
            stringprep::saslprep(&text)
                .map_err(|_| Error::BadUsername)?
                .into_owned(),
        ),
    };
    if prepared.is_empty() {
        return Err(Error::EmptyAuthcid);
    }
    // NFKC may lengthen the name; the limit holds for the prepared form too.
    if prepared.len() > limit {
        return Err(Error::TooLong {
            field: Field::Authcid,
            limit,
        });
    }
    Ok(prepared)
}

/// RFC 5802 `c-nonce`: 1*printable, where printable is `%x21-2B /
/// %x2D-7E` (visible ASCII but `,`).
pub(crate) fn nonce(raw: &[u8]) -> Result<&str, Error> {
    if raw.len() > MAX_NONCE_LEN {
        return Err(Error::TooLong {
            field: Field::Nonce,
            limit: MAX_NONCE_LEN,
        });
    }
    if raw.is_empty() || !raw.iter().all(|&b| matches!(b, 0x21..=0x7e) && b != b',') {
        return Err(Error::BadNonce);
    }
    core::str::from_utf8(raw).map_err(|_| Error::BadNonce)
}

/// Base64 text (`A–Z a–z 0–9 + / =`), non-empty.
fn base64_text(raw: &[u8]) -> Option<&str> {
    let ok = !raw.is_empty()
        && raw
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
    if ok {
        core::str::from_utf8(raw).ok()
    } else {
        None
    }
}

/// Optional extensions, `attr-val *("," attr-val)` with `attr-val = ALPHA
/// "=" value`: `m=` is refused (RFC 5802 §5.1: a mandatory extension the
/// server does not know fails the exchange), others are ignored.
fn check_extensions(mut rest: &[u8]) -> Result<(), Error> {
    loop {
        let (attribute, next) = split_comma(rest);
        match attribute {
            [b'm', b'=', ..] => return Err(Error::MandatoryExtension),
            [key, b'=', value @ ..]
                if key.is_ascii_alphabetic()
                    && !value.is_empty()
                    && memchr::memchr(0, value).is_none() => {}
            _ => return Err(Error::BadScramMessage),
        }
        match next {
            Some(next) => rest = next,
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(message: &[u8]) -> Result<ClientFirstMessage<'_>, Error> {
        ClientFirstMessage::decode(message, &Limits::default())
    }

    fn last(message: &[u8]) -> Result<ClientFinalMessage<'_>, Error> {
        ClientFinalMessage::decode(message, &Limits::default())
    }

    #[test]
    fn client_first_shapes() {
        let m = first(b"n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL").unwrap();
        assert_eq!(
            (m.flag(), m.authzid(), m.username(), m.nonce()),
            (
                Gs2Flag::NotSupported,
                None,
                "user",
                "fyko+d2lbbFgONRv9qkxdawL"
            )
        );
        assert_eq!(m.gs2_header_len(), 3);
        let m = first(b"p=tls-server-end-point,,n=u,r=x,e=1,f=a=b").unwrap();
        assert_eq!(
            m.flag(),
            Gs2Flag::Bound(ChannelBindingType::TlsServerEndPoint)
        );
        assert_eq!(m.gs2_header_len(), "p=tls-server-end-point,,".len());
        let m = first("n,,n=\u{a0}x\u{ad},r=n".as_bytes()).unwrap();
        assert_eq!(m.username(), " x");
    }

    #[test]
    fn client_first_refusals() {
        for (message, error) in [
            (&b""[..], Error::BadGs2Header),
            (b"n", Error::BadGs2Header),
            (b"x,,n=u,r=n", Error::BadGs2Header),
            (b"F,n,,n=u,r=n", Error::BadGs2Header),
            (b"n,n=u,r=n", Error::BadGs2Header),
            (b"n,a=,n=u,r=n", Error::BadGs2Header),
            (b"n,a=x", Error::BadGs2Header),
            (b"n,a=x=2c,n=u,r=n", Error::BadAuthzidEscape),
            (b"p=tls-unique,,n=u,r=n", Error::ChannelBindingUnsupported),
            (b"p=,,n=u,r=n", Error::BadGs2Header),
            (b"p=tls exporter,,n=u,r=n", Error::BadGs2Header),
            (b"p=tls-exporter", Error::BadGs2Header),
            (b"n,,m=x,n=u,r=n", Error::MandatoryExtension),
            (b"n,,r=n,n=u", Error::BadUsername),
            (b"n,,n=,r=n", Error::EmptyAuthcid),
            (b"n,,n=a=3,r=n", Error::BadUsername),
            (b"n,,n=a\x00b,r=n", Error::UnexpectedNul),
            (b"n,,n=\xff,r=n", Error::InvalidUtf8(Field::Authcid)),
            (b"n,,n=a\x07,r=n", Error::BadUsername),
            (b"n,,n=\xc2\xad,r=n", Error::EmptyAuthcid),
            (b"n,,n=u", Error::BadNonce),
            (b"n,,n=u,", Error::BadNonce),
            (b"n,,n=u,r=", Error::BadNonce),
            (b"n,,n=u,x=n", Error::BadNonce),
            (b"n,,n=u,r=a b", Error::BadNonce),
            (b"n,,n=u,r=\xc3\xa9", Error::BadNonce),
            (b"n,,n=u,r=n,", Error::BadScramMessage),
            (b"n,,n=u,r=n,m=1", Error::MandatoryExtension),
            (b"n,,n=u,r=n,e=", Error::BadScramMessage),
            (b"n,,n=u,r=n,1=x", Error::BadScramMessage),
            (b"n,,n=u,r=n,ee=x", Error::BadScramMessage),
        ] {
            assert_eq!(
                first(message).err(),
                Some(error.clone()),
                "{}",
                String::from_utf8_lossy(message)
            );
        }
        let long = [&b"n,,n=u,r="[..], &[b'x'; MAX_NONCE_LEN + 1]].concat();
        assert_eq!(
            first(&long).err(),
            Some(Error::TooLong {
                field: Field::Nonce,
                limit: MAX_NONCE_LEN
            })
        );
        let limits = Limits {
            max_identity_len: 3,
            ..Limits::default()
        };
        assert!(matches!(
            ClientFirstMessage::decode(b"n,,n=abcd,r=n", &limits),
            Err(Error::TooLong {
                field: Field::Authcid,
                ..
            })
        ));
        // NFKC turns U+3300 (3 bytes) into four katakana (12 bytes): the
        // limit holds for the prepared name too.
        let square = "n,,n=\u{3300},r=n".as_bytes();
        assert!(matches!(
            ClientFirstMessage::decode(square, &limits),
            Err(Error::TooLong {
                field: Field::Authcid,
                limit: 3
            })
        ));
        assert_eq!(
            first(square).unwrap().username(),
            "\u{30a2}\u{30d1}\u{30fc}\u{30c8}"
        );
    }

    #[test]
    fn client_final_shapes_and_refusals() {
        let m = last(b"c=biws,r=abc,x=y,p=dHzb+/==").unwrap();
        assert_eq!(
            (m.channel_binding(), m.nonce(), m.proof()),
            ("biws", "abc", "dHzb+/==")
        );
        assert_eq!(m.without_proof_len(), "c=biws,r=abc,x=y".len());
        let mut out = Vec::new();
        ClientFinalMessage::new("biws", "abc", "AA==").encode(&mut out);
        assert_eq!(out, b"c=biws,r=abc,p=AA==");
        assert_eq!(
            last(&out).unwrap(),
            ClientFinalMessage::new("biws", "abc", "AA==")
        );
        for (message, error) in [
            (&b""[..], Error::BadScramMessage),
            (b"c=biws", Error::BadScramMessage),
            (b"c=biws,r=abc", Error::BadScramMessage),
            (b"c=biws,r=abc,p=", Error::BadScramMessage),
            (b"c=biws,r=abc,p=a b", Error::BadScramMessage),
            (b"c=biws,r=abc,p=x,e=1", Error::BadScramMessage),
            (b"r=abc,c=biws,p=x", Error::BadScramMessage),
            (b"c=,r=abc,p=x", Error::BadScramMessage),
            (b"c=b!ws,r=abc,p=x", Error::BadScramMessage),
            (b"c=biws,p=x", Error::BadNonce),
            (b"c=biws,r=,p=x", Error::BadNonce),
            (b"c=biws,r=abc,m=1,p=x", Error::MandatoryExtension),
        ] {
            assert_eq!(
                last(message).err(),
                Some(error),
                "{}",
                String::from_utf8_lossy(message)
            );
        }
    }

    #[test]
    fn escaping_round_trips() {
        let mut out = Vec::new();
        escape("a,b=c", &mut out);
        assert_eq!(out, b"a=2Cb=3Dc");
        assert_eq!(escaped_len("a,b=c"), out.len());
        let m = ClientFirstMessage::new(
            Gs2Flag::Bound(ChannelBindingType::TlsExporter),
            Some("x=y"),
            "a,b",
            "n",
        );
        let mut wire = Vec::new();
        m.encode(&mut wire);
        assert_eq!(wire, b"p=tls-exporter,a=x=3Dy,n=a=2Cb,r=n");
        assert_eq!(first(&wire).unwrap(), m);
    }
}
