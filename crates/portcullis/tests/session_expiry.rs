//! An app password or API key that expires during a session: `revalidate`
//! ends the session exactly at the expiry instant (`expires <= now`), not a
//! second before, whether the expiry was set at minting or later.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use portcullis::{
    Authenticator, CredentialKind, DenialReason, MemoryDirectory, SessionBinding, Surface,
};
use portcullis_credentials::{CredentialOptions, CredentialRecord};
use portcullis_permissions::CredentialScope;
use time::OffsetDateTime;

use crate::support::*;

/// The expiry instant: an hour after the login.
const EXPIRES: i64 = NOW + 3600;

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

/// An authenticator whose clock the test sets (Unix seconds).
fn with_clock(directory: MemoryDirectory) -> (Authenticator, Arc<AtomicI64>) {
    let clock = Arc::new(AtomicI64::new(NOW));
    let auth = builder(directory)
        .clock({
            let clock = Arc::clone(&clock);
            move || at(clock.load(Ordering::SeqCst))
        })
        .build()
        .unwrap();
    (auth, clock)
}

fn expiring_at(expires_at: Option<OffsetDateTime>) -> CredentialOptions {
    CredentialOptions {
        expires_at,
        ..CredentialOptions::default()
    }
}

/// `revalidate` at `EXPIRES - 1`, `EXPIRES` and `EXPIRES + 1`.
async fn revalidate_around_expiry(
    auth: &Authenticator,
    clock: &AtomicI64,
    binding: &SessionBinding,
) -> [Result<(), DenialReason>; 3] {
    let mut results = [Ok(()), Ok(()), Ok(())];
    for (slot, offset) in results.iter_mut().zip([-1, 0, 1]) {
        clock.store(EXPIRES + offset, Ordering::SeqCst);
        *slot = auth.revalidate(binding).await;
    }
    clock.store(NOW, Ordering::SeqCst);
    results
}

const AROUND_EXPIRY: [Result<(), DenialReason>; 3] = [
    Ok(()),
    Err(DenialReason::CredentialExpired),
    Err(DenialReason::CredentialExpired),
];

async fn app_password_session(options: CredentialOptions) -> (MemoryDirectory, SessionBinding) {
    let (secret, record) = app_password_with(4, options);
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password").with_credential(record))
        .build();
    let auth = authenticator(directory.clone());
    let decision = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &secret))
        .await;
    let grant = decision.grant().unwrap_or_else(|| panic!("{decision:?}"));
    assert_eq!(grant.credential.kind, CredentialKind::AppPassword);
    (directory, grant.session_binding.clone())
}

#[tokio::test]
async fn an_app_password_session_ends_exactly_when_the_app_password_expires() {
    let (directory, binding) = app_password_session(expiring_at(Some(at(EXPIRES)))).await;
    assert_eq!(binding.expires_at, Some(EXPIRES));
    let (auth, clock) = with_clock(directory);
    assert_eq!(
        revalidate_around_expiry(&auth, &clock, &binding).await,
        AROUND_EXPIRY
    );
}

#[tokio::test]
async fn an_expiry_set_after_login_ends_the_app_password_session_at_that_instant() {
    // Minted without an expiry; the user then sets one ("this app password
    // stops working in an hour"). The binding knows no expiry: the stored
    // record's is the one that counts.
    let (directory, binding) = app_password_session(expiring_at(None)).await;
    assert_eq!(binding.expires_at, None);
    assert!(directory.update("alice@example.org", |account| {
        for record in &mut account.credentials {
            record.expires_at = Some(at(EXPIRES));
        }
    }));
    let (auth, clock) = with_clock(directory);
    assert_eq!(
        revalidate_around_expiry(&auth, &clock, &binding).await,
        AROUND_EXPIRY
    );
}

#[tokio::test]
async fn an_expiry_brought_forward_ends_the_session_at_the_new_instant() {
    // Minted for a day, then cut to an hour: the record's earlier expiry
    // wins over the binding's later one.
    let (directory, binding) = app_password_session(expiring_at(Some(at(NOW + 86_400)))).await;
    assert!(directory.update("alice@example.org", |account| {
        for record in &mut account.credentials {
            record.expires_at = Some(at(EXPIRES));
        }
    }));
    let (auth, clock) = with_clock(directory);
    assert_eq!(
        revalidate_around_expiry(&auth, &clock, &binding).await,
        AROUND_EXPIRY
    );
}

fn api_key_record(expires_at: Option<OffsetDateTime>) -> (String, CredentialRecord) {
    let (key, mut record) = api_key(7, 2, CredentialScope::Inherit);
    record.expires_at = expires_at;
    (key, record)
}

async fn api_key_session(expires_at: Option<OffsetDateTime>) -> (MemoryDirectory, SessionBinding) {
    let (key, record) = api_key_record(expires_at);
    let directory = MemoryDirectory::builder()
        .account(
            user("alice@example.org", "alice-password")
                .with_id(7)
                .with_credential(record),
        )
        .build();
    let auth = authenticator(directory.clone());
    let request = portcullis::AuthRequest::new(
        Surface::Jmap,
        ip(CLIENT),
        portcullis::RequestCredentials::Bearer { token: key.into() },
    )
    .with_tls(true);
    let decision = auth.verify(&request).await;
    let grant = decision.grant().unwrap_or_else(|| panic!("{decision:?}"));
    assert_eq!(grant.credential.kind, CredentialKind::ApiKey);
    (directory, grant.session_binding.clone())
}

#[tokio::test]
async fn an_api_key_session_ends_exactly_when_the_api_key_expires() {
    let (directory, binding) = api_key_session(Some(at(EXPIRES))).await;
    assert_eq!(binding.expires_at, Some(EXPIRES));
    let (auth, clock) = with_clock(directory);
    assert_eq!(
        revalidate_around_expiry(&auth, &clock, &binding).await,
        AROUND_EXPIRY
    );
}

#[tokio::test]
async fn an_expiry_set_after_login_ends_the_api_key_session_at_that_instant() {
    let (directory, binding) = api_key_session(None).await;
    assert!(directory.update("alice@example.org", |account| {
        for record in &mut account.credentials {
            record.expires_at = Some(at(EXPIRES));
        }
    }));
    let (auth, clock) = with_clock(directory);
    assert_eq!(
        revalidate_around_expiry(&auth, &clock, &binding).await,
        AROUND_EXPIRY
    );
}

#[tokio::test]
async fn an_expired_app_password_is_refused_at_login_from_its_expiry_instant() {
    // The login-time rule is the same `expires <= now`.
    let (secret, record) = app_password_with(4, expiring_at(Some(at(EXPIRES))));
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password").with_credential(record))
        .build();
    let (auth, clock) = with_clock(directory);
    let mut kinds = Vec::new();
    for offset in [-1, 0, 1] {
        clock.store(EXPIRES + offset, Ordering::SeqCst);
        let decision = auth
            .verify(&plain(Surface::Imap, "", "alice@example.org", &secret))
            .await;
        kinds.push(kind(&decision));
    }
    assert_eq!(kinds, ["grant", "credential-expired", "credential-expired"]);
    let decision = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &secret))
        .await;
    assert_eq!(
        decision.denial().unwrap().public.imap(),
        "NO [EXPIRED] This credential has expired"
    );
}
