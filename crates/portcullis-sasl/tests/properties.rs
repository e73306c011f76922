//! Property tests: well-formed messages round-trip, arbitrary bytes never panic.

use portcullis_sasl::framing::{self, imap, managesieve, pop3, smtp};
use portcullis_sasl::oauthbearer::{ChannelBindingFlag, OAuthBearerMessage};
use portcullis_sasl::plain::PlainMessage;
use portcullis_sasl::xoauth2::XOAuth2Message;
use portcullis_sasl::{Limits, MechanismPolicy, Secret, ServerExchange, Step, Transport, login};
use proptest::prelude::*;

/// UTF-8 text without NUL, non-empty.
fn field() -> impl Strategy<Value = String> {
    "[^\u{0}]{1,40}"
}

/// An RFC 6750 b64token.
fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9._~+/-]{1,300}={0,2}"
}

/// A host name or address literal.
fn host() -> impl Strategy<Value = String> {
    "[!-~]{1,60}"
}

proptest! {
    #[test]
    fn plain_round_trips(authzid in proptest::option::of(field()), authcid in field(), password in field()) {
        let msg = PlainMessage::new(authzid.as_deref(), &authcid, Secret::new(&password));
        let mut wire = Vec::new();
        msg.encode(&mut wire);
        let decoded = PlainMessage::decode(&wire, &Limits::default()).unwrap();
        prop_assert_eq!(decoded, msg);
        let mut again = Vec::new();
        decoded.encode(&mut again);
        prop_assert_eq!(again, wire);
    }

    #[test]
    fn oauthbearer_round_trips(
        authzid in proptest::option::of("[^\u{0}]{1,40}"),
        host in proptest::option::of(host()),
        port in proptest::option::of(any::<u16>()),
        y in any::<bool>(),
        token in token(),
    ) {
        let flag = if y { ChannelBindingFlag::ServerNotSupported } else { ChannelBindingFlag::NotSupported };
        let msg = OAuthBearerMessage::new(authzid.as_deref(), Secret::new(&token))
            .with_host_port(host.as_deref(), port)
            .with_flag(flag);
        let mut wire = Vec::new();
        msg.encode(&mut wire);
        let decoded = OAuthBearerMessage::decode(&wire, &Limits::default()).unwrap();
        prop_assert_eq!(&decoded, &msg);
        let mut again = Vec::new();
        decoded.encode(&mut again);
        prop_assert_eq!(again, wire);
    }

    #[test]
    fn xoauth2_round_trips(user in "[^\u{0}-\u{1f}\u{7f}-\u{9f}]{1,40}", token in token()) {
        let msg = XOAuth2Message::new(&user, Secret::new(&token));
        let mut wire = Vec::new();
        msg.encode(&mut wire);
        let decoded = XOAuth2Message::decode(&wire, &Limits::default()).unwrap();
        prop_assert_eq!(decoded, msg);
        let mut again = Vec::new();
        decoded.encode(&mut again);
        prop_assert_eq!(again, wire);
    }

    #[test]
    fn login_round_trips(value in field()) {
        let mut wire = Vec::new();
        login::encode(&value, &mut wire);
        prop_assert_eq!(login::decode_username(&wire, &Limits::default()).unwrap(), value.as_str());
    }

    #[test]
    fn base64_lines_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let mut line = String::new();
        imap::format_challenge(&bytes, &mut line);
        let text = line.strip_prefix("+ ").unwrap();
        let mut buf = Vec::new();
        prop_assert_eq!(imap::decode_response(text.as_bytes(), &Limits::default(), &mut buf).unwrap(), &bytes[..]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let l = Limits::default();
        let _ = PlainMessage::decode(&bytes, &l);
        let _ = OAuthBearerMessage::decode(&bytes, &l);
        let _ = XOAuth2Message::decode(&bytes, &l);
        let _ = login::decode_username(&bytes, &l);
        let _ = login::decode_password(&bytes, &l);
        let mut buf = Vec::new();
        let _ = imap::parse_authenticate(&bytes, &l).map(|c| c.decode_initial(&l, &mut buf).map(|_| ()));
        let _ = smtp::parse_auth(&bytes, &l);
        let _ = pop3::parse_auth(&bytes, &l);
        let _ = managesieve::parse_authenticate(&bytes, &l);
        let _ = managesieve::parse_response(&bytes, &l);
        let _ = framing::decode_any_response(&bytes, &l, &mut buf);
    }

    #[test]
    fn arbitrary_exchanges_never_panic(
        mech in prop_oneof![Just("PLAIN"), Just("LOGIN"), Just("OAUTHBEARER"), Just("XOAUTH2"), Just("plain"), Just("nope")],
        initial in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..80)),
        steps in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 0..12),
        fail in any::<bool>(),
    ) {
        let policy = MechanismPolicy::new();
        if let Ok((mut ex, mut step)) = ServerExchange::start(mech, initial.as_deref(), &policy, Transport::TLS) {
            for s in &steps {
                if fail && matches!(step, Step::Done(_)) {
                    let _ = ex.fail_token(&portcullis_sasl::ErrorChallenge::invalid_token());
                }
                match ex.step(s) {
                    Ok(next) => step = next,
                    Err(_) => break,
                }
            }
            prop_assert!(ex.step(b"").is_err() || !ex.is_finished());
        }
    }
}
