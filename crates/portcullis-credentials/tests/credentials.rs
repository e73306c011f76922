//! Credential records: minting, the refusal order, kinds, expiry, address
//! allowlists, dummy verification and serde.

use std::net::IpAddr;

use portcullis_credentials::{
    ApiKey, CredentialId, CredentialKind, CredentialOptions, CredentialRecord, CredentialRefusal,
    Error, Scheme, Secret, SecretHashing, StoredHash, Verifier, new_api_key, new_app_password,
    verify,
};
use portcullis_permissions::CredentialScope;
use time::Duration;

use crate::support::{Broken, Counter, fast_policy, now};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn verifier() -> Verifier {
    Verifier::builder()
        .policy(fast_policy())
        .build_with(&mut Counter(0))
        .unwrap()
}

#[test]
fn app_password_verifies_and_refuses_precisely() {
    let v = verifier();
    let options = CredentialOptions {
        description: "phone".into(),
        expires_at: Some(now() + Duration::days(30)),
        allowed_ips: vec![
            "192.0.2.0/24".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ],
        scope: CredentialScope::imap_only(),
    };
    let minted = v
        .new_app_password(CredentialId(5), options, now(), &mut Counter(1))
        .unwrap();
    let record = &minted.record;
    assert_eq!(record.kind, CredentialKind::AppPassword);
    assert_eq!(record.hash.scheme(), Scheme::Ssha256);
    assert!(minted.secret.expose_str().unwrap().starts_with("app_"));
    let presented = Secret::from(minted.secret.expose());

    let ok = v
        .verify_credential("a", &presented, record, now(), ip("192.0.2.9"))
        .unwrap();
    assert_eq!(
        (ok.id, ok.kind, ok.scheme, ok.needs_rehash),
        (
            CredentialId(5),
            CredentialKind::AppPassword,
            Scheme::Ssha256,
            false
        )
    );
    // IPv4 seen through an IPv6 socket.
    assert!(
        v.verify_credential("a", &presented, record, now(), ip("::ffff:192.0.2.9"))
            .is_ok()
    );
    assert_eq!(
        v.verify_credential("a", &presented, record, now(), ip("198.51.100.1"))
            .unwrap_err(),
        CredentialRefusal::IpNotAllowed
    );
    assert_eq!(
        v.verify_credential(
            "a",
            &presented,
            record,
            now() + Duration::days(30),
            ip("192.0.2.9")
        )
        .unwrap_err(),
        CredentialRefusal::Expired
    );
    // The older `app ` form names the same credential.
    let spaced = Secret::from(
        minted
            .secret
            .expose_str()
            .unwrap()
            .replacen("app_", "app ", 1),
    );
    assert!(
        v.verify_credential("a", &spaced, record, now(), ip("2001:db8::1"))
            .is_ok()
    );

    // A wrong secret for the same id is a mismatch, even from a bad address
    // or after expiry: those are only revealed to the holder of the secret.
    let wrong = portcullis_credentials::AppPassword::from_parts(CredentialId(5), [9; 18])
        .encode(Default::default());
    let wrong = Secret::from(wrong.expose());
    for (when, from) in [
        (now(), "192.0.2.9"),
        (now() + Duration::days(31), "198.51.100.1"),
    ] {
        assert_eq!(
            v.verify_credential("a", &wrong, record, when, ip(from))
                .unwrap_err(),
            CredentialRefusal::Mismatch
        );
    }
    // Another credential id: mismatch without hashing.
    let other = portcullis_credentials::AppPassword::from_parts(CredentialId(6), [9; 18])
        .encode(Default::default());
    assert_eq!(
        v.verify_credential(
            "a",
            &Secret::from(other.expose()),
            record,
            now(),
            ip("192.0.2.9")
        )
        .unwrap_err(),
        CredentialRefusal::Mismatch
    );
    // An API key where an app password is expected, and garbage.
    let key = ApiKey::from_parts(1, CredentialId(5), [0; 20]).encode();
    assert_eq!(
        v.verify_credential(
            "a",
            &Secret::from(key.expose()),
            record,
            now(),
            ip("192.0.2.9")
        )
        .unwrap_err(),
        CredentialRefusal::WrongKind
    );
    assert_eq!(
        v.verify_credential(
            "a",
            &Secret::from("hunter2"),
            record,
            now(),
            ip("192.0.2.9")
        )
        .unwrap_err(),
        CredentialRefusal::Malformed
    );
}

#[test]
fn api_key_verifies_and_refuses_app_passwords() {
    let minted = new_api_key(
        42,
        CredentialId(3),
        CredentialOptions::default(),
        now(),
        SecretHashing::Argon2id,
        &fast_policy(),
        &mut Counter(2),
    )
    .unwrap();
    assert_eq!(minted.record.hash.scheme(), Scheme::Argon2id);
    let key = ApiKey::parse(minted.secret.expose()).unwrap();
    assert_eq!(
        (key.account_id(), key.credential_id()),
        (42, CredentialId(3))
    );
    let presented = Secret::from(minted.secret.expose());
    let ok = minted
        .record
        .verify(&presented, now(), ip("203.0.113.1"), &fast_policy())
        .unwrap();
    assert_eq!(
        (ok.kind, ok.needs_rehash, ok.cached),
        (CredentialKind::ApiKey, false, false)
    );
    let app = portcullis_credentials::AppPassword::from_parts(CredentialId(3), [0; 18])
        .encode(Default::default());
    assert_eq!(
        minted
            .record
            .verify(
                &Secret::from(app.expose()),
                now(),
                ip("203.0.113.1"),
                &fast_policy()
            )
            .unwrap_err(),
        CredentialRefusal::WrongKind
    );
}

#[test]
fn password_records_and_rehash_signal() {
    let record = password_record("{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=");
    // {SHA} of "password" stored as an unsalted SHA-1 under {SSHA}: salt is empty.
    let ok = verify(&Secret::from("password"), &record, now(), ip("127.0.0.1")).unwrap();
    assert_eq!((ok.scheme, ok.needs_rehash), (Scheme::Ssha, true));
    assert_eq!(
        verify(&Secret::from("Password"), &record, now(), ip("127.0.0.1")).unwrap_err(),
        CredentialRefusal::Mismatch
    );
    let costly = password_record("$2y$31$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq");
    let refusal = verify(&Secret::from("x"), &costly, now(), ip("127.0.0.1")).unwrap_err();
    assert_eq!(refusal.kind(), "parameters-too-costly");
}

fn password_record(hash: &str) -> CredentialRecord {
    CredentialRecord {
        id: CredentialId(0),
        kind: CredentialKind::Password,
        hash: StoredHash::parse(hash).unwrap(),
        description: String::new(),
        created_at: now(),
        expires_at: None,
        allowed_ips: Vec::new(),
        scope: CredentialScope::Inherit,
        last_used: None,
        revision: 0,
    }
}

#[test]
fn dummy_verify_always_refuses_as_mismatch() {
    let v = verifier();
    for kind in [
        CredentialKind::Password,
        CredentialKind::AppPassword,
        CredentialKind::ApiKey,
    ] {
        assert_eq!(
            v.dummy_verify(&Secret::from("anything"), kind),
            CredentialRefusal::Mismatch
        );
    }
    let app = portcullis_credentials::AppPassword::from_parts(CredentialId(1), [0; 18])
        .encode(Default::default());
    assert_eq!(
        v.dummy_verify(&app, CredentialKind::AppPassword),
        CredentialRefusal::Mismatch
    );
}

#[test]
fn minting_reports_random_failures() {
    let error = new_app_password(
        CredentialId(1),
        CredentialOptions::default(),
        now(),
        SecretHashing::default(),
        &fast_policy(),
        &mut Broken,
    )
    .unwrap_err();
    assert_eq!(error, Error::Random(portcullis_credentials::RandomError));
    assert_eq!(error.kind(), "random-unavailable");
}

#[test]
fn records_round_trip_through_toml_and_json() {
    let v = verifier();
    let options = CredentialOptions {
        description: "laptop".into(),
        expires_at: Some(now() + Duration::days(1)),
        allowed_ips: vec!["10.0.0.0/8".parse().unwrap()],
        scope: CredentialScope::mail_only(),
    };
    let minted = v
        .new_app_password(CredentialId(9), options, now(), &mut Counter(3))
        .unwrap();
    let toml_text = toml::to_string(&minted.record).unwrap();
    assert!(toml_text.contains("kind = \"app-password\""), "{toml_text}");
    assert!(
        toml_text.contains("created_at = \"2026-11-15T00:00:00Z\""),
        "{toml_text}"
    );
    let back: CredentialRecord = toml::from_str(&toml_text).unwrap();
    assert_eq!(back.scope, minted.record.scope);
    assert_eq!(back.hash.as_str(), minted.record.hash.as_str());
    let json = serde_json::to_string(&back).unwrap();
    let again: CredentialRecord = serde_json::from_str(&json).unwrap();
    let presented = Secret::from(minted.secret.expose());
    assert!(
        again
            .verify(&presented, now(), ip("10.1.2.3"), &fast_policy())
            .is_ok()
    );
    // A malformed hash fails to load (fail closed).
    let bad = toml_text.replace("{SSHA256}", "{SSHA256}!!");
    assert!(toml::from_str::<CredentialRecord>(&bad).is_err());
}
