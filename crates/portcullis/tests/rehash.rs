//! Legacy hashes are upgraded on the next good login (`Grant::rehash`).

use portcullis::{Account, DenialReason, MemoryDirectory, Surface};
use portcullis_credentials::{Scheme, StoredHash};
use portcullis_permissions::CredentialScope;

use crate::support::*;

/// `doveadm pw -s SHA512-CRYPT` of `hunter2` (the credentials crate's vector).
const SHA512_CRYPT: &str = "{SHA512-CRYPT}$6$lqVdzZKttHIHpsyr$.HSoAAO64i7dAMbu/IaiN5Gv2w4MzwWN.NFvHEu4Z3lGSeEm5l5/q2oRXgaoRHF4Bqb1Nr2qRSs2AorG5xtYS/";

fn legacy_directory() -> MemoryDirectory {
    MemoryDirectory::builder()
        .account(
            Account::new("dave@example.org")
                .with_password(StoredHash::parse(SHA512_CRYPT).unwrap())
                .with_roles(["user"]),
        )
        .build()
}

#[tokio::test]
async fn a_legacy_hash_is_offered_an_argon2id_replacement() {
    let directory = legacy_directory();
    let auth = authenticator(directory.clone());
    let explained = auth
        .explain(&plain(Surface::Imap, "", "dave@example.org", "hunter2"))
        .await;
    assert!(
        outcome(&explained, "verify-credential").ends_with(
            "verified; its sha512-crypt hash is weaker than the policy: \
             a new argon2id hash is offered in the grant's `rehash`"
        ),
        "{:?}",
        outcome(&explained, "verify-credential")
    );
    let grant = explained.decision.grant().unwrap().clone();
    let rehash = grant.rehash.clone().unwrap();
    assert_eq!(rehash.account(), "dave@example.org");
    assert_eq!(rehash.hash().scheme(), Scheme::Argon2id);
    assert!(
        rehash
            .hash()
            .as_str()
            .starts_with("$argon2id$v=19$m=64,t=1,p=1$")
    );
    // The new hash verifies the same password, and only it.
    let policy = policy();
    assert!(rehash.hash().verify(b"hunter2", &policy).is_ok());
    assert!(rehash.hash().verify(b"hunter3", &policy).is_err());
    // Debug shows the scheme, never the hash text.
    let debug = format!("{rehash:?}");
    assert!(
        debug.contains("Argon2id") && !debug.contains("$argon2id$"),
        "{debug}"
    );
    let binding = grant.session_binding.clone();
    assert!(binding.rehashed_fingerprint.is_some());

    // Before and after storing it, the session stays valid.
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    assert!(directory.apply_rehash(&rehash));
    let stored = directory.get("dave@example.org").unwrap();
    assert_eq!(
        stored.password.as_ref().map(StoredHash::as_str),
        Some(rehash.hash().as_str())
    );
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    // Applied once: the old hash is gone, so a second apply is refused.
    assert!(!directory.apply_rehash(&rehash));

    // The next login uses the new hash and offers nothing more.
    let again = auth
        .verify(&plain(Surface::Imap, "", "dave@example.org", "hunter2"))
        .await;
    assert_eq!(again.grant().unwrap().rehash, None);
    let wrong = auth
        .verify(&plain(Surface::Imap, "", "dave@example.org", "hunter3"))
        .await;
    assert_eq!(kind(&wrong), "wrong-secret");
}

#[tokio::test]
async fn a_password_changed_meanwhile_wins_over_the_rehash() {
    let directory = legacy_directory();
    let auth = authenticator(directory.clone());
    let decision = auth
        .verify(&basic(Surface::Jmap, "dave@example.org", "hunter2"))
        .await;
    let grant = decision.grant().unwrap();
    let rehash = grant.rehash.clone().unwrap();
    // The user changes the password before the server stores the rehash.
    assert!(directory.update("dave@example.org", |account| {
        account.password = Some(hash("a new password"));
    }));
    assert!(
        !rehash.replaces(
            directory
                .get("dave@example.org")
                .unwrap()
                .password
                .as_ref()
                .unwrap()
        )
    );
    assert!(!directory.apply_rehash(&rehash));
    let current = auth
        .verify(&basic(Surface::Jmap, "dave@example.org", "a new password"))
        .await;
    assert_eq!(kind(&current), "grant");
    // And the session made with the old password ends.
    assert_eq!(
        auth.revalidate(&grant.session_binding).await,
        Err(DenialReason::Revoked)
    );
}

#[tokio::test]
async fn current_hashes_app_passwords_and_failures_offer_nothing() {
    let (app, record) = app_password(1, CredentialScope::mail_only());
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password").with_credential(record))
        .build();
    let auth = authenticator(directory);
    for secret in ["alice-password", app.as_str()] {
        let decision = auth
            .verify(&plain(Surface::Imap, "", "alice@example.org", secret))
            .await;
        let grant = decision.grant().unwrap();
        assert_eq!(grant.rehash, None);
        assert_eq!(grant.session_binding.rehashed_fingerprint, None);
    }

    // An argon2id hash with weaker parameters than the policy is upgraded.
    let weaker =
        portcullis_credentials::HashPolicy::with_argon2(portcullis_credentials::Argon2Params {
            m_kib: 32,
            t: 1,
            p: 1,
        });
    let weak_hash = weaker
        .hash_password(b"erin-password", &mut portcullis_credentials::OsRandom)
        .unwrap();
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("erin@example.org")
                .with_password(StoredHash::parse(&weak_hash).unwrap())
                .with_roles(["user"]),
        )
        .build();
    let auth = authenticator(directory);
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "erin@example.org",
            "erin-password",
        ))
        .await;
    let rehash = decision.grant().unwrap().rehash.clone().unwrap();
    assert!(
        rehash
            .hash()
            .as_str()
            .starts_with("$argon2id$v=19$m=64,t=1,p=1$")
    );
}
