//! The verification cache through `Verifier::verify_credential`.

use std::net::{IpAddr, Ipv4Addr};

use portcullis_credentials::{
    CredentialId, CredentialKind, CredentialRecord, CredentialRefusal, Secret, StoredHash, Verifier,
};
use time::Duration;

use crate::support::{Counter, fast_policy, now};

const IP: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn record(v: &Verifier, password: &[u8], revision: u64) -> CredentialRecord {
    let phc = v.hash_password(password, &mut Counter(4)).unwrap();
    CredentialRecord {
        id: CredentialId(0),
        kind: CredentialKind::Password,
        hash: StoredHash::parse(&phc).unwrap(),
        description: String::new(),
        created_at: now(),
        expires_at: None,
        allowed_ips: Vec::new(),
        scope: Default::default(),
        last_used: None,
        revision,
    }
}

#[test]
fn repeat_logins_hit_and_changes_miss() {
    let v = Verifier::builder()
        .policy(fast_policy())
        .cache(1000, Duration::minutes(10))
        .build_with(&mut Counter(0))
        .unwrap();
    let pw = Secret::from("s3cret");
    let r1 = record(&v, b"s3cret", 1);
    assert!(
        !v.verify_credential("alice", &pw, &r1, now(), IP)
            .unwrap()
            .cached
    );
    assert!(
        v.verify_credential("alice", &pw, &r1, now(), IP)
            .unwrap()
            .cached
    );
    // Another account with the same record shape and password: no hit.
    assert!(
        !v.verify_credential("bob", &pw, &r1, now(), IP)
            .unwrap()
            .cached
    );
    // A revision bump invalidates at once.
    let r2 = CredentialRecord {
        revision: 2,
        ..r1.clone()
    };
    assert!(
        !v.verify_credential("alice", &pw, &r2, now(), IP)
            .unwrap()
            .cached
    );
    // A new hash (password change) without a bump: the old password no longer
    // verifies, cached or not.
    let changed = CredentialRecord {
        hash: record(&v, b"new", 2).hash,
        ..r2.clone()
    };
    assert_eq!(
        v.verify_credential("alice", &pw, &changed, now(), IP)
            .unwrap_err(),
        CredentialRefusal::Mismatch
    );
    // Wrong passwords are never cached.
    let wrong = Secret::from("s3creT");
    for _ in 0..2 {
        assert_eq!(
            v.verify_credential("alice", &wrong, &r1, now(), IP)
                .unwrap_err(),
            CredentialRefusal::Mismatch
        );
    }
    // Expiry is checked on cache hits too.
    let expired = CredentialRecord {
        expires_at: Some(now()),
        ..r1.clone()
    };
    assert_eq!(
        v.verify_credential("alice", &pw, &expired, now(), IP)
            .unwrap_err(),
        CredentialRefusal::Expired
    );
    // Entries age out after the TTL.
    assert!(
        !v.verify_credential("alice", &pw, &r1, now() + Duration::minutes(11), IP)
            .unwrap()
            .cached
    );
}

#[test]
fn without_cache_every_login_hashes() {
    let v = Verifier::builder()
        .policy(fast_policy())
        .without_cache()
        .build_with(&mut Counter(0))
        .unwrap();
    let pw = Secret::from("pw");
    let r = record(&v, b"pw", 1);
    for _ in 0..2 {
        assert!(!v.verify_credential("a", &pw, &r, now(), IP).unwrap().cached);
    }
    assert!(v.cache().is_none());
}

#[test]
fn verifier_is_shareable_across_threads() {
    let v = Verifier::builder()
        .policy(fast_policy())
        .build_with(&mut Counter(0))
        .unwrap();
    let r = record(&v, b"pw", 1);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            let (v, r) = (v.clone(), &r);
            scope.spawn(move || {
                for _ in 0..3 {
                    v.verify_credential("a", &Secret::from("pw"), r, now(), IP)
                        .unwrap();
                }
            });
        }
    });
    assert!(!v.cache().unwrap().is_empty());
}
