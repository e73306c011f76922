//! No secret appears in any `Debug` output.

use std::net::IpAddr;

use portcullis_credentials::{
    ApiKey, AppPassword, CredentialId, CredentialKind, CredentialOptions, CredentialRecord,
    OsRandom, PasswordWithCode, RecoveryCodes, Secret, StoredHash, TotpEnrolment, TotpParams,
    Verifier,
};

use crate::support::{Counter, fast_policy, now};

fn assert_clean(debug: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!debug.contains(secret), "{secret:?} leaked in {debug}");
    }
}

#[test]
fn debug_never_shows_secrets() {
    let password = "correct horse battery staple";
    assert_clean(
        &format!("{:?}", Secret::from(password)),
        &[password, "correct"],
    );

    let plain = StoredHash::parse(&format!("{{PLAIN}}{password}")).unwrap();
    assert_clean(&format!("{plain:?}"), &[password]);

    let verifier = Verifier::builder()
        .policy(fast_policy())
        .build_with(&mut Counter(0))
        .unwrap();
    let minted = verifier
        .new_app_password(
            CredentialId(1),
            CredentialOptions::default(),
            now(),
            &mut OsRandom,
        )
        .unwrap();
    let secret = minted.secret.expose_str().unwrap().to_owned();
    let body = &secret[4..];
    assert_clean(&format!("{minted:?}"), &[body, minted.record.hash.as_str()]);
    assert_clean(
        &format!("{:#?}", minted.record),
        &[body, minted.record.hash.as_str()],
    );
    let app = AppPassword::parse(secret.as_bytes()).unwrap();
    let random_debug = format!("{:?}", app.random());
    assert_clean(&format!("{app:?}"), &[body, &random_debug]);

    let key = ApiKey::from_parts(1, CredentialId(2), [0xab; 20]);
    let key_text = key.encode().expose_str().unwrap().to_owned();
    assert_clean(&format!("{key:?}"), &[&key_text[4..], "171, 171"]);

    let verified = verifier
        .verify_credential(
            "a",
            &Secret::from(secret.as_str()),
            &minted.record,
            now(),
            IpAddr::from([127, 0, 0, 1]),
        )
        .unwrap();
    assert_clean(&format!("{verified:?} {verifier:?}"), &[body]);

    let enrolment =
        TotpEnrolment::begin(TotpParams::default(), Some("Ex"), "alice", &mut OsRandom).unwrap();
    let seed = enrolment
        .totp()
        .secret_base32()
        .expose_str()
        .unwrap()
        .to_owned();
    let code = enrolment
        .totp()
        .code_at(now())
        .expose_str()
        .unwrap()
        .to_owned();
    assert_clean(
        &format!("{enrolment:?} {:?}", enrolment.totp()),
        &[&seed, &seed[..16]],
    );
    let enrolled = enrolment.confirm(&code, now()).unwrap();
    assert_clean(&format!("{enrolled:?}"), &[&seed]);

    let codes = RecoveryCodes::generate(3, &mut OsRandom).unwrap();
    let texts: Vec<String> = codes
        .codes
        .iter()
        .map(|c| c.expose_str().unwrap().to_owned())
        .collect();
    let debug = format!("{codes:?}");
    for text in &texts {
        assert_clean(&debug, &[text, &text.replace('-', "")]);
    }

    let policy = PasswordWithCode::new(":");
    let split = policy.split(b"hunter2:123456", 6).unwrap();
    assert_clean(&format!("{split:?}"), &["hunter2", "123456"]);

    let record = CredentialRecord {
        kind: CredentialKind::Password,
        hash: plain,
        ..minted.record.clone()
    };
    assert_clean(&format!("{record:?}"), &[password]);
}
