//! RFC 7628 `OAUTHBEARER`, and the RFC 7628 §3.2.2 error challenge that both
//! OAUTHBEARER and XOAUTH2 servers send when a token is refused.

use std::borrow::Cow;

use crate::credentials::{BearerCredentials, Credentials};
use crate::error::{Error, Field};
use crate::kvlist::{KVSEP, KvReader, check_value, fast_pairs, parse_bearer};
use crate::limits::Limits;
use crate::mechanism::Mechanism;
use crate::secret::Secret;
use crate::text::MessageText;

/// The RFC 5801 channel-binding flag of the gs2 header.
///
/// `p=` (the client requires channel binding) is refused with
/// [`Error::ChannelBindingUnsupported`]: OAUTHBEARER has no `-PLUS` variant.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelBindingFlag {
    /// `n`: the client does not support channel binding.
    #[default]
    NotSupported,
    /// `y`: the client supports it but believes the server does not (true
    /// here, since no `-PLUS` mechanism is ever advertised).
    ServerNotSupported,
}

/// A decoded OAUTHBEARER client response, borrowing from the decoded bytes.
///
/// `host` and `port` are typed; unknown keys are ignored (RFC 7628 §3.1);
/// the token comes without its `Bearer ` prefix.
///
/// ```
/// use portcullis_sasl::{oauthbearer::OAuthBearerMessage, Limits};
/// let wire = b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01";
/// let msg = OAuthBearerMessage::decode(wire, &Limits::default())?;
/// assert_eq!(msg.authzid(), Some("user@example.com"));
/// assert_eq!(msg.host(), Some("server.example.com"));
/// assert_eq!(msg.port(), Some(143));
/// assert_eq!(msg.token().expose(), "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthBearerMessage<'a> {
    flag: ChannelBindingFlag,
    authzid: Option<Cow<'a, str>>,
    host: Option<&'a str>,
    port: Option<u16>,
    token: Secret<'a>,
}

impl<'a> OAuthBearerMessage<'a> {
    /// Builds a message to encode (client side, tests), with flag `n`.
    #[must_use]
    pub fn new(authzid: Option<&'a str>, token: Secret<'a>) -> Self {
        Self {
            flag: ChannelBindingFlag::NotSupported,
            authzid: authzid.map(Cow::Borrowed),
            host: None,
            port: None,
            token,
        }
    }

    /// Sets the `host` and `port` pairs.
    #[must_use]
    pub const fn with_host_port(mut self, host: Option<&'a str>, port: Option<u16>) -> Self {
        self.host = host;
        self.port = port;
        self
    }

    /// Sets the channel-binding flag.
    #[must_use]
    pub const fn with_flag(mut self, flag: ChannelBindingFlag) -> Self {
        self.flag = flag;
        self
    }

    /// Parses a decoded OAUTHBEARER initial client response.
    ///
    /// # Errors
    /// [`Error::TooLong`], [`Error::ChannelBindingUnsupported`],
    /// [`Error::BadGs2Header`], [`Error::BadAuthzidEscape`],
    /// [`Error::InvalidUtf8`], [`Error::BadKey`], [`Error::BadValue`],
    /// [`Error::DuplicateKey`], [`Error::BadHost`], [`Error::BadPort`],
    /// [`Error::MissingAuth`], [`Error::BadAuthScheme`], [`Error::BadToken`],
    /// [`Error::MissingTerminator`], [`Error::TrailingData`]; all the peer's fault.
    pub fn decode(message: &'a [u8], limits: &Limits) -> Result<Self, Error> {
        if message.len() > limits.max_message_len {
            return Err(Error::TooLong {
                field: Field::Message,
                limit: limits.max_message_len,
            });
        }
        let text = MessageText::new(message);
        if let Some(decoded) = text.whole().and_then(|t| Self::decode_common(t, limits)) {
            return Ok(decoded);
        }
        Self::decode_full(message, limits, &text)
    }

    /// The fast path: the shape real clients send (a plain authzid or none,
    /// then `host`, `port` and `auth` in any order, each once) on a message that
    /// is valid UTF-8 as a whole, checked by the same rules as
    /// [`Self::decode_full`] but without tracking which error to report.
    /// `None` for anything else, which then goes to [`Self::decode_full`]:
    /// that parser accepts everything this one accepts, with the same result,
    /// and alone decides the error for a message it refuses.
    fn decode_common(text: &'a str, limits: &Limits) -> Option<Self> {
        let (flag, rest) = if let Some(rest) = text.strip_prefix("n,") {
            (ChannelBindingFlag::NotSupported, rest)
        } else {
            (
                ChannelBindingFlag::ServerNotSupported,
                text.strip_prefix("y,")?,
            )
        };
        let (authzid, rest) = match rest.strip_prefix("a=") {
            Some(tail) => {
                // Up to the first `,`, `=` or NUL. If that is not the `,`
                // (an escape, or a NUL), `after` does not start with `,`, and
                // the check below leaves the message to the full parser.
                let end = memchr::memchr3(b',', b'=', 0, tail.as_bytes())?;
                let (authzid, after) = tail.split_at_checked(end)?;
                if authzid.is_empty() || authzid.len() > limits.max_identity_len {
                    return None;
                }
                (Some(Cow::Borrowed(authzid)), after)
            }
            None => (None, rest),
        };
        let rest = rest.strip_prefix(",\x01")?;
        let mut host = None;
        let mut port = None;
        let token = fast_pairs(rest, limits.max_token_len, |key, value| match key {
            "host=" => Some(host.replace(host_text(value, limits)?).is_some()),
            "port=" => Some(port.replace(parse_port(value.as_bytes()).ok()?).is_some()),
            _ => None,
        })?;
        Some(Self {
            flag,
            authzid,
            host,
            port,
            token,
        })
    }

    /// The full parser, which also decides the error for a message it refuses.
    #[inline(never)]
    fn decode_full(
        message: &'a [u8],
        limits: &Limits,
        text: &MessageText<'a>,
    ) -> Result<Self, Error> {
        let (flag, authzid, rest) = parse_gs2_header(message, limits, text)?;
        let mut reader = KvReader::new(rest);
        let mut auth = None;
        let mut host = None;
        let mut host_seen = false;
        let mut port = None;
        while let Some((key, value)) = reader.next_pair()? {
            match key {
                b"auth" => {
                    if auth.replace(value).is_some() {
                        return Err(Error::DuplicateKey);
                    }
                }
                b"host" => {
                    if core::mem::replace(&mut host_seen, true) {
                        return Err(Error::DuplicateKey);
                    }
                    host = parse_host(value, limits, text)?;
                }
                b"port" => {
                    if port.replace(parse_port(value)?).is_some() {
                        return Err(Error::DuplicateKey);
                    }
                }
                // RFC 7628 §3.1: unknown keys are ignored, but must still be
                // well-formed so that the message as a whole is.
                _ => check_value(value)?,
            }
        }
        let token = parse_bearer(auth.ok_or(Error::MissingAuth)?, limits.max_token_len, text)?;
        Ok(Self {
            flag,
            authzid,
            host,
            port,
            token,
        })
    }

    /// The channel-binding flag the client sent.
    #[must_use]
    pub const fn flag(&self) -> ChannelBindingFlag {
        self.flag
    }

    /// The authorization identity from `a=`, with `=2C`/`=3D` unescaped.
    /// Dovecot requires it; RFC 7628 makes it optional.
    #[must_use]
    pub fn authzid(&self) -> Option<&str> {
        self.authzid.as_deref()
    }

    /// The `host` the client connected to, if sent.
    #[must_use]
    pub const fn host(&self) -> Option<&'a str> {
        self.host
    }

    /// The `port` the client connected to, if sent.
    #[must_use]
    pub const fn port(&self) -> Option<u16> {
        self.port
    }

    /// The bearer token, without the `Bearer ` scheme.
    #[must_use]
    pub const fn token(&self) -> Secret<'a> {
        self.token
    }

    /// Appends the wire form (before base64) to `out`: gs2 header, then
    /// `host`, `port`, `auth` and the final `0x01 0x01`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(match self.flag {
            ChannelBindingFlag::NotSupported => b"n,",
            ChannelBindingFlag::ServerNotSupported => b"y,",
        });
        if let Some(authzid) = &self.authzid {
            out.extend_from_slice(b"a=");
            for &b in authzid.as_bytes() {
                match b {
                    b',' => out.extend_from_slice(b"=2C"),
                    b'=' => out.extend_from_slice(b"=3D"),
                    _ => out.push(b),
                }
            }
        }
        out.push(b',');
        out.push(KVSEP);
        if let Some(host) = self.host {
            out.extend_from_slice(b"host=");
            out.extend_from_slice(host.as_bytes());
            out.push(KVSEP);
        }
        if let Some(port) = self.port {
            out.extend_from_slice(b"port=");
            out.extend_from_slice(port.to_string().as_bytes());
            out.push(KVSEP);
        }
        out.extend_from_slice(b"auth=Bearer ");
        out.extend_from_slice(self.token.as_bytes());
        out.push(KVSEP);
        out.push(KVSEP);
    }

    /// Copies the message into owned [`Credentials`] whose token zeroizes on drop.
    #[must_use]
    pub fn into_owned(self) -> Credentials {
        Credentials::Bearer(BearerCredentials::new(
            Mechanism::OAuthBearer,
            self.authzid.map(Cow::into_owned),
            None,
            self.host.map(str::to_owned),
            self.port,
            self.token.to_owned_secret(),
        ))
    }
}

type Gs2<'a> = (ChannelBindingFlag, Option<Cow<'a, str>>, &'a [u8]);

/// RFC 5801 §4 `gs2-header` (without the non-standard `F,` prefix, which is
/// for GSS-API mechanisms only), followed by the kvsep.
fn parse_gs2_header<'a>(
    message: &'a [u8],
    limits: &Limits,
    text: &MessageText<'a>,
) -> Result<Gs2<'a>, Error> {
    let (flag, rest) = match message {
        [b'n', b',', rest @ ..] => (ChannelBindingFlag::NotSupported, rest),
        [b'y', b',', rest @ ..] => (ChannelBindingFlag::ServerNotSupported, rest),
        [b'p', b'=', ..] => return Err(Error::ChannelBindingUnsupported),
        _ => return Err(Error::BadGs2Header),
    };
    let (authzid, rest) = match rest {
        [b'a', b'=', tail @ ..] => {
            let end = tail
                .iter()
                .position(|&b| b == b',')
                .ok_or(Error::BadGs2Header)?;
            let (raw, after) = tail.split_at_checked(end).ok_or(Error::BadGs2Header)?;
            (Some(unescape_saslname(raw, limits, text)?), after)
        }
        _ => (None, rest),
    };
    match rest {
        [b',', KVSEP, kv @ ..] => Ok((flag, authzid, kv)),
        _ => Err(Error::BadGs2Header),
    }
}

/// RFC 5801 `saslname`: `=2C` is `,` and `=3D` is `=`; any other `=` is an error.
fn unescape_saslname<'a>(
    raw: &'a [u8],
    limits: &Limits,
    text: &MessageText<'a>,
) -> Result<Cow<'a, str>, Error> {
    if raw.is_empty() {
        return Err(Error::BadGs2Header);
    }
    if raw.len() > limits.max_identity_len {
        return Err(Error::TooLong {
            field: Field::Authzid,
            limit: limits.max_identity_len,
        });
    }
    // One branch-free pass: identities are short, so a plain loop beats memchr.
    let (nul, escape) = raw.iter().fold((false, false), |(nul, escape), &b| {
        (nul | (b == 0), escape | (b == b'='))
    });
    if nul {
        return Err(Error::UnexpectedNul);
    }
    let text = text.str(raw).ok_or(Error::InvalidUtf8(Field::Authzid))?;
    if !escape {
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
            return Err(Error::BadAuthzidEscape);
        }
    }
    Ok(Cow::Owned(out))
}

/// `host`: a host name or address literal; no spaces or controls. A
/// present but empty value is well-formed (RFC 7628 §3.1 lets a client
/// leave the host it connected to unsaid) and reads as an absent host.
fn parse_host<'a>(
    value: &'a [u8],
    limits: &Limits,
    text: &MessageText<'a>,
) -> Result<Option<&'a str>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > limits.max_identity_len {
        return Err(Error::TooLong {
            field: Field::Host,
            limit: limits.max_identity_len,
        });
    }
    let controls_or_space = value
        .iter()
        .fold(0u8, |bad, &b| bad | u8::from(!matches!(b, 0x21..=0x7e)));
    if controls_or_space != 0 {
        return Err(Error::BadHost);
    }
    text.str(value).map(Some).ok_or(Error::BadHost)
}

/// [`parse_host`] for the fast path: the same host, or `None` where
/// [`parse_host`] refuses the value.
fn host_text<'a>(value: &'a str, limits: &Limits) -> Option<&'a str> {
    let bytes = value.as_bytes();
    let controls_or_space = bytes
        .iter()
        .fold(0u8, |bad, &b| bad | u8::from(!matches!(b, 0x21..=0x7e)));
    (!bytes.is_empty() && bytes.len() <= limits.max_identity_len && controls_or_space == 0)
        .then_some(value)
}

/// `port`: 1 to 5 decimal digits, at most 65535.
fn parse_port(value: &[u8]) -> Result<u16, Error> {
    if value.is_empty() || value.len() > 5 {
        return Err(Error::BadPort);
    }
    // At most five digits: no overflow in a u32.
    let mut port = 0u32;
    for &b in value {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            return Err(Error::BadPort);
        }
        port = port * 10 + u32::from(digit);
    }
    u16::try_from(port).map_err(|_| Error::BadPort)
}

/// The `status` of an error challenge (OAuth Extensions Error Registry).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorStatus {
    /// `invalid_token`: expired, revoked, malformed or unknown (HTTP 401).
    #[default]
    InvalidToken,
    /// `insufficient_scope`: valid but lacks a required scope (HTTP 403).
    InsufficientScope,
    /// `invalid_request`: the request was malformed (HTTP 400).
    InvalidRequest,
}

impl ErrorStatus {
    /// The RFC 6750 error code.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::InvalidRequest => "invalid_request",
        }
    }

    /// The HTTP status code XOAUTH2 servers put in their `status` field.
    #[must_use]
    pub const fn http_status(self) -> &'static str {
        match self {
            Self::InvalidToken => "401",
            Self::InsufficientScope => "403",
            Self::InvalidRequest => "400",
        }
    }
}

/// The server's error challenge for a refused token (RFC 7628 §3.2.2).
///
/// ```
/// use portcullis_sasl::oauthbearer::{ErrorChallenge, ErrorStatus};
/// let ch = ErrorChallenge {
///     status: ErrorStatus::InvalidToken,
///     scope: Some("mail"),
///     openid_configuration: Some("https://example.com/.well-known/openid-configuration"),
/// };
/// assert_eq!(
///     ch.to_oauthbearer_json(),
///     r#"{"status":"invalid_token","scope":"mail","openid-configuration":"https://example.com/.well-known/openid-configuration"}"#
/// );
/// assert_eq!(ch.to_xoauth2_json(), r#"{"status":"401","schemes":"bearer","scope":"mail"}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ErrorChallenge<'a> {
    /// Why the token was refused.
    pub status: ErrorStatus,
    /// The scope(s) the client should request, space separated.
    pub scope: Option<&'a str>,
    /// The URL of the issuer's OpenID configuration (discovery document).
    pub openid_configuration: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct OAuthBearerJson<'a> {
    status: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    #[serde(
        rename = "openid-configuration",
        skip_serializing_if = "Option::is_none"
    )]
    openid_configuration: Option<&'a str>,
}

#[derive(serde::Serialize)]
struct XOAuth2Json<'a> {
    status: &'a str,
    schemes: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

impl ErrorChallenge<'_> {
    /// An `invalid_token` challenge without scope or discovery URL.
    #[must_use]
    pub const fn invalid_token() -> Self {
        Self {
            status: ErrorStatus::InvalidToken,
            scope: None,
            openid_configuration: None,
        }
    }

    /// The RFC 7628 JSON object (before base64).
    #[must_use]
    pub fn to_oauthbearer_json(&self) -> String {
        let json = OAuthBearerJson {
            status: self.status.as_str(),
            scope: self.scope,
            openid_configuration: self.openid_configuration,
        };
        // Serialising a struct of strings cannot fail; the fallback keeps the
        // code panic-free and still tells the client the token was refused.
        serde_json::to_string(&json).unwrap_or_else(|_| r#"{"status":"invalid_token"}"#.to_owned())
    }

    /// The JSON object Google-style XOAUTH2 servers send (before base64).
    #[must_use]
    pub fn to_xoauth2_json(&self) -> String {
        let json = XOAuth2Json {
            status: self.status.http_status(),
            schemes: "bearer",
            scope: self.scope,
        };
        serde_json::to_string(&json).unwrap_or_else(|_| r#"{"status":"401"}"#.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(b: &[u8]) -> Result<OAuthBearerMessage<'_>, Error> {
        OAuthBearerMessage::decode(b, &Limits::default())
    }

    #[test]
    fn rfc7628_example() {
        let m = dec(b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01").unwrap();
        assert_eq!(m.port(), Some(143));
        assert_eq!(m.flag(), ChannelBindingFlag::NotSupported);
    }

    #[test]
    fn gs2() {
        assert_eq!(
            dec(b"p=tls-unique,,\x01auth=Bearer x\x01\x01"),
            Err(Error::ChannelBindingUnsupported)
        );
        assert_eq!(
            dec(b"F,n,,\x01auth=Bearer x\x01\x01"),
            Err(Error::BadGs2Header)
        );
        assert_eq!(
            dec(b"n,\x01auth=Bearer x\x01\x01"),
            Err(Error::BadGs2Header)
        );
        assert_eq!(
            dec(b"n,a=,\x01auth=Bearer x\x01\x01"),
            Err(Error::BadGs2Header)
        );
        assert_eq!(
            dec(b"n,a=x=2,\x01auth=Bearer x\x01\x01"),
            Err(Error::BadAuthzidEscape)
        );
        assert_eq!(
            dec(b"n,a=x=41,\x01auth=Bearer x\x01\x01"),
            Err(Error::BadAuthzidEscape)
        );
        assert_eq!(dec(b"\x01"), Err(Error::BadGs2Header));
        let m = dec(b"y,a=a=2Cb=3Dc,\x01auth=Bearer x\x01\x01").unwrap();
        assert_eq!(m.authzid(), Some("a,b=c"));
        assert_eq!(m.flag(), ChannelBindingFlag::ServerNotSupported);
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(out, b"y,a=a=2Cb=3Dc,\x01auth=Bearer x\x01\x01");
    }

    #[test]
    fn pairs() {
        assert_eq!(dec(b"n,,\x01\x01"), Err(Error::MissingAuth));
        assert_eq!(
            dec(b"n,,\x01auth=Bearer x\x01auth=Bearer y\x01\x01"),
            Err(Error::DuplicateKey)
        );
        assert_eq!(
            dec(b"n,,\x01port=65536\x01auth=Bearer x\x01\x01"),
            Err(Error::BadPort)
        );
        assert_eq!(
            dec(b"n,,\x01port=-1\x01auth=Bearer x\x01\x01"),
            Err(Error::BadPort)
        );
        assert_eq!(
            dec(b"n,,\x01host=\x01auth=Bearer x\x01\x01").map(|m| m.host()),
            Ok(None)
        );
        assert_eq!(
            dec(b"n,,\x01auth=Bearer x\x01"),
            Err(Error::MissingTerminator)
        );
        assert_eq!(
            dec(b"n,,\x01auth=Bearer x\x01\x01\x01"),
            Err(Error::TrailingData)
        );
        assert_eq!(
            dec(b"n,,\x01x=\x00\x01auth=Bearer x\x01\x01"),
            Err(Error::BadValue)
        );
        let m =
            dec(b"n,,\x01mystery=yes\x01port=00993\x01AUTH=z\x01auth=bearer tok\x01\x01").unwrap();
        assert_eq!((m.port(), m.token().expose()), (Some(993), "tok"));
    }

    /// The fast path alone.
    fn common(wire: &[u8]) -> Option<OAuthBearerMessage<'_>> {
        OAuthBearerMessage::decode_common(core::str::from_utf8(wire).unwrap(), &Limits::default())
    }

    /// The full parser alone.
    fn full(wire: &[u8]) -> Result<OAuthBearerMessage<'_>, Error> {
        OAuthBearerMessage::decode_full(wire, &Limits::default(), &MessageText::new(wire))
    }

    #[test]
    fn fast_path() {
        let token = "A".repeat(200);
        let bench = format!(
            "n,a=alice@example.org,\x01host=imap.example.org\x01port=993\x01auth=Bearer {token}\x01\x01"
        );
        // What clients send takes the fast path, with the full parser's result.
        for wire in [
            &b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"[..],
            bench.as_bytes(),
            b"y,,\x01auth=bearer  t\x01host=h\x01\x01",
            b"n,,\x01port=1\x01auth=Bearer t=\x01host=h\x01\x01",
        ] {
            let fast = common(wire);
            assert!(fast.is_some());
            assert_eq!(fast, full(wire).ok());
        }
        // Valid, but for the full parser: escapes, unknown keys.
        for wire in [
            &b"n,a=a=2Cb,\x01auth=Bearer t\x01\x01"[..],
            b"n,,\x01mystery=yes\x01auth=Bearer t\x01\x01",
            b"n,,\x01AUTH=x\x01auth=Bearer t\x01\x01",
        ] {
            assert_eq!(common(wire), None);
            assert!(full(wire).is_ok());
        }
    }

    #[test]
    fn owned() {
        let c = dec(b"n,a=u,\x01host=h\x01auth=Bearer t\x01\x01")
            .unwrap()
            .into_owned();
        assert_eq!(c.mechanism(), Mechanism::OAuthBearer);
        assert_eq!(
            (c.authzid(), c.authcid(), c.host(), c.port()),
            (Some("u"), None, Some("h"), None)
        );
        assert_eq!(c.token().map(Secret::expose), Some("t"));
    }
}
