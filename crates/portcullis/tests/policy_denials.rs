//! Refusals that only a holder of the right secret (or a client without
//! TLS) can reach are not failed guesses: they never count against the
//! throttle, so a user whose mail client keeps hitting one cannot lock
//! themselves, or their office network, out (issue 21:
//! `counts_as_failure() → true` survived).

use portcullis::{AuthRequest, Authenticator, MemoryDirectory, Surface};
use portcullis_permissions::CredentialScope;

use crate::support::*;

/// One address, well past both default limits (5 per pair, 30 per network).
const ATTEMPTS: usize = 40;
const OFFICE: &str = "203.0.113.40";

fn from_office(mut request: AuthRequest) -> AuthRequest {
    request.remote_ip = ip(OFFICE);
    request
}

struct Fixture {
    auth: Authenticator,
    directory: MemoryDirectory,
    imap_only: String,
}

fn fixture() -> Fixture {
    let (imap_only, record) = app_password(2, CredentialScope::imap_only());
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password").with_credential(record))
        .account(user("dora@example.org", "dora-password").disabled(true))
        .build();
    Fixture {
        auth: authenticator(directory.clone()),
        directory,
        imap_only,
    }
}

async fn repeat(auth: &Authenticator, request: &AuthRequest, expected: &str) {
    for attempt in 0..ATTEMPTS {
        let decision = auth.verify(request).await;
        assert_eq!(kind(&decision), expected, "attempt {attempt}");
    }
}

async fn alice_signs_in(auth: &Authenticator) {
    let decision = auth
        .verify(&from_office(plain(
            Surface::Imap,
            "",
            "alice@example.org",
            "alice-password",
        )))
        .await;
    assert_eq!(kind(&decision), "grant");
}

#[tokio::test]
async fn a_surface_the_account_may_not_use_is_not_a_failed_guess() {
    let f = fixture();
    // `user` lacks adminAuthenticate.
    let request = from_office(basic(Surface::Admin, "alice@example.org", "alice-password"));
    repeat(&f.auth, &request, "surface-not-allowed").await;
    alice_signs_in(&f.auth).await;
}

#[tokio::test]
async fn a_surface_outside_the_credential_scope_is_not_a_failed_guess() {
    let f = fixture();
    let request = from_office(plain(Surface::Smtp, "", "alice@example.org", &f.imap_only));
    repeat(&f.auth, &request, "surface-not-in-scope").await;
    alice_signs_in(&f.auth).await;
    // The app password itself still opens IMAP from there.
    let decision = f
        .auth
        .verify(&from_office(plain(
            Surface::Imap,
            "",
            "alice@example.org",
            &f.imap_only,
        )))
        .await;
    assert_eq!(kind(&decision), "grant");
}

#[tokio::test]
async fn tls_required_is_not_a_failed_guess() {
    let f = fixture();
    let request = from_office(plain(
        Surface::Imap,
        "",
        "alice@example.org",
        "alice-password",
    ))
    .with_tls(false);
    repeat(&f.auth, &request, "tls-required").await;
    alice_signs_in(&f.auth).await;
}

#[tokio::test]
async fn a_disabled_account_is_not_a_failed_guess() {
    let f = fixture();
    let request = from_office(plain(
        Surface::Imap,
        "",
        "dora@example.org",
        "dora-password",
    ));
    repeat(&f.auth, &request, "account-disabled").await;
    // Neither the network nor dora's pair is locked: once enabled again,
    // dora signs in from the same address at once.
    alice_signs_in(&f.auth).await;
    assert!(f.directory.update("dora@example.org", |account| {
        account.disabled = false;
    }));
    let decision = f.auth.verify(&request).await;
    assert_eq!(kind(&decision), "grant");
}

#[tokio::test]
async fn wrong_passwords_still_count() {
    // The counter-check: the same number of wrong guesses does lock.
    let f = fixture();
    for guess in 1..=5 {
        let guess = format!("guess-{guess}");
        let request = from_office(plain(Surface::Imap, "", "alice@example.org", &guess));
        assert_eq!(kind(&f.auth.verify(&request).await), "wrong-secret");
    }
    let decision = f
        .auth
        .verify(&from_office(plain(
            Surface::Imap,
            "",
            "alice@example.org",
            "alice-password",
        )))
        .await;
    assert_eq!(kind(&decision), "throttled");
}
