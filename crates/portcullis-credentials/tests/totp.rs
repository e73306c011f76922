//! TOTP: RFC 6238 vectors, replay protection, skew, enrolment, otpauth URIs.

use portcullis_credentials::{
    ConfigError, OsRandom, Totp, TotpAlgorithm, TotpEnrolment, TotpParams, TotpRefusal, TotpStep,
};
use time::{Duration, OffsetDateTime};

use crate::support::{Counter, now};

fn at(seconds: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(seconds).unwrap()
}

#[test]
fn rfc6238_appendix_b() {
    let rows: Vec<Vec<&str>> = include_str!("data/rfc6238-vectors.tsv")
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 18);
    for row in rows {
        let seconds: i64 = row[0].parse().unwrap();
        let (algorithm, seed): (TotpAlgorithm, &[u8]) = match row[1] {
            "SHA1" => (TotpAlgorithm::Sha1, b"12345678901234567890"),
            "SHA256" => (TotpAlgorithm::Sha256, b"12345678901234567890123456789012"),
            _ => (
                TotpAlgorithm::Sha512,
                b"1234567890123456789012345678901234567890123456789012345678901234",
            ),
        };
        let params = TotpParams {
            algorithm,
            digits: 8,
            skew: 0,
            ..TotpParams::default()
        };
        let totp = Totp::new(seed, params, Some("RFC"), "test").unwrap();
        assert_eq!(
            totp.code_at(at(seconds)).expose_str(),
            Some(row[2]),
            "{row:?}"
        );
        assert_eq!(
            totp.verify(row[2], at(seconds), None),
            Ok(TotpStep(seconds as u64 / 30)),
            "{row:?}"
        );
    }
}

#[test]
fn replay_and_skew() {
    let totp = Totp::new(&[7; 20], TotpParams::default(), None, "alice").unwrap();
    let t = now();
    let code = totp.code_at(t);
    let code = code.expose_str().unwrap();
    let step = totp.verify(code, t, None).unwrap();
    assert_eq!(totp.verify(code, t, Some(step)), Err(TotpRefusal::Replayed));
    // One step of drift either way is accepted by default, two are not.
    assert_eq!(totp.verify(code, t + Duration::seconds(30), None), Ok(step));
    assert_eq!(totp.verify(code, t - Duration::seconds(30), None), Ok(step));
    assert_eq!(
        totp.verify(code, t + Duration::seconds(90), None),
        Err(TotpRefusal::Invalid)
    );
    // A later code after an earlier one is fine; an earlier one after a later one is a replay.
    let next = totp.code_at(t + Duration::seconds(30));
    let next_step = totp
        .verify(
            next.expose_str().unwrap(),
            t + Duration::seconds(30),
            Some(step),
        )
        .unwrap();
    assert_eq!(next_step, TotpStep(step.0 + 1));
    assert_eq!(
        totp.verify(code, t + Duration::seconds(30), Some(next_step)),
        Err(TotpRefusal::Replayed)
    );
    for malformed in ["", "12345", "1234567", "12a456", "+12345", " 123456"] {
        assert_eq!(
            totp.verify(malformed, t, None),
            Err(TotpRefusal::Malformed),
            "{malformed:?}"
        );
    }
}

#[test]
fn enrolment_requires_a_code_from_the_new_secret() {
    let enrolment = TotpEnrolment::begin(
        TotpParams::default(),
        Some("Example"),
        "bob@example.org",
        &mut Counter(0),
    )
    .unwrap();
    let t = now();
    // A code from some other secret does not activate it; the enrolment is handed back.
    let other = Totp::new(&[1; 20], TotpParams::default(), None, "x").unwrap();
    let wrong = other.code_at(t);
    let (enrolment, refusal) = enrolment
        .confirm(wrong.expose_str().unwrap(), t)
        .unwrap_err();
    assert_eq!(refusal, TotpRefusal::Invalid);
    let right = enrolment.totp().code_at(t);
    let enrolled = enrolment.confirm(right.expose_str().unwrap(), t).unwrap();
    assert_eq!(
        enrolled
            .totp
            .verify(right.expose_str().unwrap(), t, Some(enrolled.last_step)),
        Err(TotpRefusal::Replayed)
    );
    assert_eq!(enrolled.totp.secret_base32().len(), 32);
}

#[test]
fn otpauth_uris_parse_and_build() {
    let uri = "otpauth://totp/Example:alice@example.org?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Example&algorithm=SHA256&digits=8&period=60";
    let totp = Totp::from_uri(uri, 1).unwrap();
    assert_eq!(
        totp.params(),
        TotpParams {
            algorithm: TotpAlgorithm::Sha256,
            digits: 8,
            step_seconds: 60,
            skew: 1
        }
    );
    assert_eq!(
        (totp.issuer(), totp.account()),
        (Some("Example"), "alice@example.org")
    );
    let built = totp.to_uri().unwrap();
    let again = Totp::from_uri(built.expose_str().unwrap(), 1).unwrap();
    assert_eq!(again.secret_base32(), totp.secret_base32());
    assert_eq!(again.params(), totp.params());
    // Short secrets and wrong schemes are refused.
    assert!(matches!(
        Totp::from_uri("otpauth://totp/a?secret=JBSWY3DP", 1),
        Err(ConfigError::OtpauthUri(_))
    ));
    assert!(matches!(
        Totp::from_uri(
            "https://example.org/?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
            1
        ),
        Err(ConfigError::OtpauthUri(_))
    ));
    assert!(matches!(
        Totp::new(
            &[0; 20],
            TotpParams {
                skew: 9,
                ..TotpParams::default()
            },
            None,
            "a"
        ),
        Err(ConfigError::Totp(_))
    ));
}

#[test]
fn stored_factor_round_trips() {
    let enrolment =
        TotpEnrolment::begin(TotpParams::default(), None, "carol", &mut OsRandom).unwrap();
    let totp = enrolment.totp().clone();
    let json = serde_json::to_string(&totp).unwrap();
    assert!(json.contains("\"algorithm\":\"SHA1\""), "{json}");
    let back: Totp = serde_json::from_str(&json).unwrap();
    let t = now();
    let code = totp.code_at(t);
    assert!(back.verify(code.expose_str().unwrap(), t, None).is_ok());
    assert!(serde_json::from_str::<Totp>(r#"{"secret":"JBSWY3DP","account":"a"}"#).is_err());
}
