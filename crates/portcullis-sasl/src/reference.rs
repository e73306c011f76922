//! The OAUTHBEARER and XOAUTH2 decoders as first written, kept as the oracle
//! of the property tests below: one `from_utf8` per field, byte-at-a-time
//! scans, no fast path, each rule checked where the grammar puts it.
//!
//! The optimised decoders must return exactly what these return, value or
//! error, for every input.

use std::borrow::Cow;

use crate::error::{Error, Field};
use crate::limits::Limits;
use crate::oauthbearer::ChannelBindingFlag;

const KVSEP: u8 = 0x01;

type Pair<'a> = (&'a [u8], &'a [u8]);

struct KvReader<'a> {
    rest: &'a [u8],
}

impl<'a> KvReader<'a> {
    fn next_pair(&mut self) -> Result<Option<Pair<'a>>, Error> {
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
        let end = self
            .rest
            .iter()
            .position(|&b| b == KVSEP)
            .ok_or(Error::MissingTerminator)?;
        let (pair, tail) = self.rest.split_at(end);
        self.rest = &tail[1..];
        let eq = pair.iter().position(|&b| b == b'=').ok_or(Error::BadKey)?;
        let (key, value) = pair.split_at(eq);
        if key.is_empty() || !key.iter().all(u8::is_ascii_alphabetic) {
            return Err(Error::BadKey);
        }
        Ok(Some((key, &value[1..])))
    }
}

fn check_value(value: &[u8]) -> Result<(), Error> {
    if value
        .iter()
        .all(|&b| matches!(b, 0x21..=0x7e | b' ' | b'\t' | b'\r' | b'\n'))
    {
        Ok(())
    } else {
        Err(Error::BadValue)
    }
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

fn parse_bearer(value: &[u8], max_token_len: usize) -> Result<&str, Error> {
    if value.len() < 6 {
        return Err(Error::BadAuthScheme);
    }
    let (scheme, rest) = value.split_at(6);
    if !scheme.eq_ignore_ascii_case(b"Bearer") || rest.first() != Some(&b' ') {
        return Err(Error::BadAuthScheme);
    }
    let start = rest
        .iter()
        .position(|&b| b != b' ')
        .ok_or(Error::BadToken)?;
    let token = &rest[start..];
    if token.len() > max_token_len {
        return Err(Error::TooLong {
            field: Field::Token,
            limit: max_token_len,
        });
    }
    let core_len = token.iter().rposition(|&b| b != b'=').map_or(0, |p| p + 1);
    let core = &token[..core_len];
    if core.is_empty() || !core.iter().all(|&b| is_token_char(b)) {
        return Err(Error::BadToken);
    }
    core::str::from_utf8(token).map_err(|_| Error::BadToken)
}

/// What an OAUTHBEARER message decodes to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct OAuthBearer<'a> {
    pub(crate) flag: ChannelBindingFlag,
    pub(crate) authzid: Option<Cow<'a, str>>,
    pub(crate) host: Option<&'a str>,
    pub(crate) port: Option<u16>,
    pub(crate) token: &'a str,
}

pub(crate) fn decode_oauthbearer<'a>(
    message: &'a [u8],
    limits: &Limits,
) -> Result<OAuthBearer<'a>, Error> {
    if message.len() > limits.max_message_len {
        return Err(Error::TooLong {
            field: Field::Message,
            limit: limits.max_message_len,
        });
    }
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
            let (raw, after) = tail.split_at(end);
            (Some(unescape_saslname(raw, limits)?), after)
        }
        _ => (None, rest),
    };
    let rest = match rest {
        [b',', KVSEP, kv @ ..] => kv,
        _ => return Err(Error::BadGs2Header),
    };
    let mut reader = KvReader { rest };
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
                host = parse_host(value, limits)?;
            }
            b"port" => {
                if port.replace(parse_port(value)?).is_some() {
                    return Err(Error::DuplicateKey);
                }
            }
            _ => check_value(value)?,
        }
    }
    let token = parse_bearer(auth.ok_or(Error::MissingAuth)?, limits.max_token_len)?;
    Ok(OAuthBearer {
        flag,
        authzid,
        host,
        port,
        token,
    })
}

fn unescape_saslname<'a>(raw: &'a [u8], limits: &Limits) -> Result<Cow<'a, str>, Error> {
    if raw.is_empty() {
        return Err(Error::BadGs2Header);
    }
    if raw.len() > limits.max_identity_len {
        return Err(Error::TooLong {
            field: Field::Authzid,
            limit: limits.max_identity_len,
        });
    }
    if raw.contains(&0) {
        return Err(Error::UnexpectedNul);
    }
    let text = core::str::from_utf8(raw).map_err(|_| Error::InvalidUtf8(Field::Authzid))?;
    if !text.contains('=') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::new();
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

fn parse_host<'a>(value: &'a [u8], limits: &Limits) -> Result<Option<&'a str>, Error> {
    if value.is_empty() {
        return Ok(None);
    }
    if value.len() > limits.max_identity_len {
        return Err(Error::TooLong {
            field: Field::Host,
            limit: limits.max_identity_len,
        });
    }
    if !value.iter().all(|&b| matches!(b, 0x21..=0x7e)) {
        return Err(Error::BadHost);
    }
    core::str::from_utf8(value)
        .map(Some)
        .map_err(|_| Error::BadHost)
}

fn parse_port(value: &[u8]) -> Result<u16, Error> {
    if value.is_empty() || value.len() > 5 || !value.iter().all(u8::is_ascii_digit) {
        return Err(Error::BadPort);
    }
    core::str::from_utf8(value)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .and_then(|n| u16::try_from(n).ok())
        .ok_or(Error::BadPort)
}

pub(crate) fn decode_xoauth2<'a>(
    message: &'a [u8],
    limits: &Limits,
) -> Result<(&'a str, &'a str), Error> {
    if message.len() > limits.max_message_len {
        return Err(Error::TooLong {
            field: Field::Message,
            limit: limits.max_message_len,
        });
    }
    let mut reader = KvReader { rest: message };
    let mut user = None;
    let mut auth = None;
    while let Some((key, value)) = reader.next_pair()? {
        match key {
            b"user" => {
                if user.replace(value).is_some() {
                    return Err(Error::DuplicateKey);
                }
            }
            b"auth" => {
                if auth.replace(value).is_some() {
                    return Err(Error::DuplicateKey);
                }
            }
            _ => check_value(value)?,
        }
    }
    let user = user.ok_or(Error::MissingUser)?;
    if user.is_empty() {
        return Err(Error::EmptyAuthcid);
    }
    if user.len() > limits.max_identity_len {
        return Err(Error::TooLong {
            field: Field::Authcid,
            limit: limits.max_identity_len,
        });
    }
    let user = core::str::from_utf8(user).map_err(|_| Error::InvalidUtf8(Field::Authcid))?;
    if user.chars().any(char::is_control) {
        return Err(Error::BadValue);
    }
    let token = parse_bearer(auth.ok_or(Error::MissingAuth)?, limits.max_token_len)?;
    Ok((user, token))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::oauthbearer::OAuthBearerMessage;
    use crate::xoauth2::XOAuth2Message;

    /// Pieces that OAUTHBEARER and XOAUTH2 messages are made of, and some
    /// that break them, so that concatenations hit every rule.
    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"n,".to_vec()),
            Just(b"y,".to_vec()),
            Just(b"p=tls-unique,".to_vec()),
            Just(b"a=".to_vec()),
            Just(b",".to_vec()),
            Just(b",\x01".to_vec()),
            Just(b"\x01".to_vec()),
            Just(b"\x01\x01".to_vec()),
            Just(b"=".to_vec()),
            Just(b"=2C".to_vec()),
            Just(b"=3D".to_vec()),
            Just(b"=4".to_vec()),
            Just(b"\0".to_vec()),
            Just(vec![0xff]),
            Just(vec![0xc3]),
            Just("jürgen".as_bytes().to_vec()),
            Just(b"auth=".to_vec()),
            Just(b"auth=Bearer ".to_vec()),
            Just(b"auth=bEARER  ".to_vec()),
            Just(b"AUTH=".to_vec()),
            Just(b"Bearer".to_vec()),
            Just(b"host=".to_vec()),
            Just(b"port=".to_vec()),
            Just(b"user=".to_vec()),
            Just(b"x=".to_vec()),
            Just(b"k1=".to_vec()),
            Just(b" ".to_vec()),
            Just(b"\t".to_vec()),
            "[A-Za-z0-9._~+/-]{0,40}={0,2}".prop_map(String::into_bytes),
            "[a-z@.]{0,20}".prop_map(String::into_bytes),
            "[0-9]{0,7}".prop_map(String::into_bytes),
            any::<u8>().prop_map(|b| vec![b]),
        ]
    }

    fn soup() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(piece(), 0..14).prop_map(|p| p.concat())
    }

    /// Mostly `valid`, sometimes `odd`: a value that just misses.
    fn near(valid: &'static str, odd: &'static str) -> impl Strategy<Value = String> + Clone {
        prop_oneof![8 => valid, 1 => odd]
    }

    fn bearer() -> impl Strategy<Value = String> + Clone {
        (
            near(
                "[Bb][Ee][Aa][Rr][Ee][Rr] {1,2}",
                "(Bearer|Basic|Bearerx|Bearer\t)? {0,2}",
            ),
            near(
                "[A-Za-z0-9._~+/-]{1,300}={0,2}",
                "[A-Za-z0-9._~+/=-]{0,20}[ ,=^*:@`{|}\\[\u{0}\u{7f}é]?[A-Za-z0-9._~+/=-]{0,20}",
            ),
        )
            .prop_map(|(scheme, token)| format!("{scheme}{token}"))
    }

    /// An OAUTHBEARER message: the fast path's home ground, pairs in any
    /// order, now and then one field that just misses.
    fn oauthbearer_message() -> impl Strategy<Value = Vec<u8>> {
        let authzid = proptest::option::of(near(
            "[a-z@.]{1,20}|[^\u{0},=]{1,10}",
            "[a-z]{0,5}(=2C|=3D|=|=2|\u{0}|\u{1}|é|\\xff)?[a-z]{0,5}",
        ));
        let host = near("[!-~]{1,40}", "[!-~]{0,3}[ \t\u{0}\u{7f}é]?[!-~]{0,3}");
        let port = near("[0-9]{1,5}", "[0-9]{0,6}[a /:]?");
        let unknown = near(
            "[a-z]{1,8}=[ -~]{0,10}",
            "[a-zA-Z0-9]{0,3}=?[\u{0}-\u{ff}]{0,3}",
        );
        let pairs = (
            proptest::option::of(host.prop_map(|h| format!("host={h}"))),
            proptest::option::of(port.prop_map(|p| format!("port={p}"))),
            proptest::option::weighted(0.9, bearer().prop_map(|b| format!("auth={b}"))),
            proptest::option::weighted(0.1, unknown),
            proptest::option::weighted(0.05, bearer().prop_map(|b| format!("auth={b}"))),
        )
            .prop_flat_map(|(a, b, c, d, e)| {
                Just([a, b, c, d, e].into_iter().flatten().collect::<Vec<_>>()).prop_shuffle()
            });
        (
            near("n,|y,", "p=x,|n|,|y,,"),
            authzid,
            pairs,
            near("\u{1}", "|\u{1}\u{1}|x"),
        )
            .prop_map(|(flag, authzid, pairs, end)| {
                let authzid = authzid.map(|a| format!("a={a}")).unwrap_or_default();
                let pairs: String = pairs.iter().map(|p| format!("{p}\u{1}")).collect();
                format!("{flag}{authzid},\u{1}{pairs}{end}").into_bytes()
            })
    }

    /// An XOAUTH2 message, with the same kinds of fields.
    fn xoauth2_message() -> impl Strategy<Value = Vec<u8>> {
        let user = near(
            "[^\u{0}-\u{1f}]{1,30}",
            "[a-z]{0,3}[\u{0}\t\u{7f}\u{85}é=]?[a-z]{0,3}",
        );
        let unknown = near(
            "[a-z]{1,8}=[ -~]{0,10}",
            "[a-zA-Z0-9]{0,3}=?[\u{0}-\u{ff}]{0,3}",
        );
        (
            proptest::option::weighted(0.9, user.prop_map(|u| format!("user={u}"))),
            proptest::option::weighted(0.9, bearer().prop_map(|b| format!("auth={b}"))),
            proptest::option::weighted(0.1, unknown),
        )
            .prop_flat_map(|(a, b, c)| {
                Just([a, b, c].into_iter().flatten().collect::<Vec<_>>()).prop_shuffle()
            })
            .prop_map(|pairs| {
                let pairs: String = pairs.iter().map(|p| format!("{p}\u{1}")).collect();
                format!("{pairs}\u{1}").into_bytes()
            })
    }

    /// Changes one byte, removes one, or inserts one.
    fn mutated(message: impl Strategy<Value = Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
        (message, any::<prop::sample::Index>(), any::<u8>(), 0..4u8).prop_map(
            |(mut m, at, byte, how)| {
                if !m.is_empty() {
                    let i = at.index(m.len());
                    match how {
                        0 => m[i] = byte,
                        1 => {
                            m.remove(i);
                        }
                        2 => m.insert(i, byte),
                        _ => {}
                    }
                }
                m
            },
        )
    }

    fn limits() -> impl Strategy<Value = Limits> {
        prop_oneof![
            3 => Just(Limits::default()),
            1 => (1..30usize, 1..60usize, 1..400usize).prop_map(|(identity, token, message)| {
                Limits {
                    max_identity_len: identity,
                    max_token_len: token,
                    max_message_len: message,
                    ..Limits::default()
                }
            }),
        ]
    }

    fn any_oauthbearer() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            soup(),
            oauthbearer_message(),
            mutated(oauthbearer_message())
        ]
    }

    fn any_xoauth2() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![soup(), xoauth2_message(), mutated(xoauth2_message())]
    }

    fn check_oauthbearer(message: &[u8], limits: &Limits) -> Result<(), TestCaseError> {
        let ours = OAuthBearerMessage::decode(message, limits).map(|m| OAuthBearer {
            flag: m.flag(),
            authzid: m.authzid().map(|a| Cow::Owned(a.to_owned())),
            host: m.host(),
            port: m.port(),
            token: m.token().expose(),
        });
        prop_assert_eq!(ours, decode_oauthbearer(message, limits));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn oauthbearer_matches_reference(message in any_oauthbearer(), limits in limits()) {
            check_oauthbearer(&message, &limits)?;
        }

        #[test]
        fn xoauth2_matches_reference(message in any_xoauth2(), limits in limits()) {
            let ours = XOAuth2Message::decode(&message, &limits)
                .map(|m| (m.user(), m.token().expose()));
            prop_assert_eq!(ours, decode_xoauth2(&message, &limits));
        }
    }

    #[test]
    fn generated_messages_are_mostly_accepted() {
        // The generators above must reach the success paths, or the
        // comparison proves little.
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let mut runner = TestRunner::deterministic();
        let limits = Limits::default();
        let mut accepted = 0;
        for _ in 0..500 {
            let message = oauthbearer_message()
                .new_tree(&mut runner)
                .unwrap()
                .current();
            accepted += usize::from(decode_oauthbearer(&message, &limits).is_ok());
        }
        assert!(accepted > 100, "{accepted}");
    }

    #[test]
    fn fast_path_edge_cases() {
        for message in [
            &b"n,,\x01auth=Bearer x\x01\x01"[..],
            b"n,a=u,\x01auth=Bearer x\x01\x01",
            b"n,a=u=2C,\x01auth=Bearer x\x01\x01",
            b"n,a=u\0,\x01auth=Bearer x\x01\x01",
            b"n,a=u=,\x01auth=Bearer x\x01\x01",
            b"n,a=u=\x01auth=Bearer x\x01\x01",
            b"n,a=\xff,\x01auth=Bearer x\x01\x01",
            b"n,\xff,\x01auth=Bearer x\x01\x01",
            b"n,,\x01auth=Bearer x\x01auth=Bearer x\x01\x01",
            b"n,,\x01auth=Bearer x\x01host=h\x01\x01",
            b"n,,\x01host=h\x01auth=Bearer x\x01\x01",
            b"n,,\x01auth=Bearer x\x01\x01\x01",
            b"n,,\x01auth=Bearer x\x01x\x01\x01",
            b"n,,\x01auth=Bearer x==\x01\x01",
            b"n,,\x01auth=Bearer ==\x01\x01",
            b"n,,\x01auth=Bearer \x01\x01",
            b"n,,\x01auth=Bearer  \x01\x01",
            b"n,,\x01auth=Bearer\x01\x01",
            b"n,,\x01auth=Bearerx y\x01\x01",
            b"n,,\x01auth=Bearer x\xc3\xa9\x01\x01",
            b"n,,\x01auth=Bearer x\x01\x01\xff",
            b"n,,\x01port=65535\x01auth=Bearer x\x01\x01",
            b"n,,\x01port=65536\x01auth=Bearer x\x01\x01",
            b"n,,\x01port=000080\x01auth=Bearer x\x01\x01",
            b"n,,\x01port=\x01auth=Bearer x\x01\x01",
            b"n,,\x01host=\x01auth=Bearer x\x01\x01",
            b"n,,\x01host=a b\x01auth=Bearer x\x01\x01",
            b"n,,\x01host=a\x01host=a\x01auth=Bearer x\x01\x01",
            b"n,,\x01hostx=a\x01auth=Bearer x\x01\x01",
            b"n,,\x01auth=Bearer x\x01",
            b"n,,\x01auth=Bearer x",
            b"n,,\x01\x01",
            b"n,,\x01",
            b"n,,",
            b"",
        ] {
            for limits in [
                Limits::default(),
                Limits {
                    max_identity_len: 1,
                    max_token_len: 1,
                    ..Limits::default()
                },
                Limits {
                    max_message_len: 20,
                    ..Limits::default()
                },
            ] {
                check_oauthbearer(message, &limits).unwrap();
            }
        }
    }
}
