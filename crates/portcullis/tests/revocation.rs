//! Revocation epochs: `revoke_account`/`revoke_credential` end cached
//! logins and live sessions; an unreadable store fails closed; the shared
//! verification tier answers for another node only under the same epochs.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portcullis::{
    Account, Authenticator, CredentialKind, CredentialRef, Decision, Epoch, MemoryDirectory,
    MemoryRevocations, Revocation, RevocationError, RevocationStore, SessionBinding, Surface,
    VerificationDigest,
};
use portcullis_permissions::CredentialScope;

use crate::support::*;

const ALICE: &str = "alice@example.org";
const HASHED: &str = "password verified";
const CACHED: &str = "password verified (cached)";
const SHARED: &str = "password verified (cached by another server)";

/// A store shared by "nodes" (authenticators) in one test: epochs from a
/// `MemoryRevocations`, a shared tier in a set, and a switch that makes
/// it unreachable.
#[derive(Default)]
struct SharedStore {
    epochs: MemoryRevocations,
    verified: Mutex<HashSet<[u8; 32]>>,
    down: AtomicBool,
}

impl SharedStore {
    fn check(&self) -> Result<(), RevocationError> {
        if self.down.load(Ordering::SeqCst) {
            Err(RevocationError::Unavailable(
                "connection refused".to_owned(),
            ))
        } else {
            Ok(())
        }
    }
}

impl RevocationStore for SharedStore {
    async fn epoch(
        &self,
        account: &str,
        credential: CredentialRef,
    ) -> Result<Epoch, RevocationError> {
        self.check()?;
        self.epochs.epoch(account, credential).await
    }

    async fn revoke(&self, account: &str, what: Revocation) -> Result<(), RevocationError> {
        self.check()?;
        self.epochs.revoke(account, what).await
    }

    async fn is_verified(&self, digest: VerificationDigest) -> bool {
        self.check().is_ok() && self.verified.lock().unwrap().contains(&digest.to_bytes())
    }

    async fn remember_verified(&self, digest: VerificationDigest, _ttl: Duration) {
        if self.check().is_ok() {
            self.verified.lock().unwrap().insert(digest.to_bytes());
        }
    }
}

/// The one account every node's directory holds (the same stored hashes,
/// as with a shared directory).
fn alice(app: &portcullis::CredentialRecord, other: &portcullis::CredentialRecord) -> Account {
    user(ALICE, "alice-password")
        .with_credential(app.clone())
        .with_credential(other.clone())
}

fn directory(account: &Account) -> MemoryDirectory {
    MemoryDirectory::builder().account(account.clone()).build()
}

fn node(store: &Arc<SharedStore>, directory: MemoryDirectory) -> Authenticator {
    builder(directory)
        .revocation_store(Arc::clone(store))
        .shared_verification_cache(&[7; 32], Duration::from_secs(600))
        .build()
        .unwrap()
}

fn password_login() -> portcullis::AuthRequest {
    plain(Surface::Imap, "", ALICE, "alice-password")
}

async fn verify_outcome(auth: &Authenticator, request: &portcullis::AuthRequest) -> String {
    let explained = auth.explain(request).await;
    assert_eq!(kind(&explained.decision), "grant", "{:#?}", explained.trace);
    outcome(&explained, "verify-credential").to_owned()
}

fn binding(decision: &Decision) -> SessionBinding {
    match decision {
        Decision::Grant(grant) => grant.session_binding.clone(),
        other => panic!("not a grant: {other:?}"),
    }
}

struct Fixture {
    store: Arc<SharedStore>,
    account: Account,
    a: Authenticator,
    b: Authenticator,
    app_secret: String,
    other_secret: String,
}

fn fixture() -> Fixture {
    let (app_secret, app) = app_password(1, CredentialScope::Inherit);
    let (other_secret, other) = app_password(2, CredentialScope::Inherit);
    let store = Arc::new(SharedStore::default());
    let account = alice(&app, &other);
    Fixture {
        a: node(&store, directory(&account)),
        b: node(&store, directory(&account)),
        account,
        store,
        app_secret,
        other_secret,
    }
}

const APP: CredentialRef = CredentialRef {
    kind: CredentialKind::AppPassword,
    id: Some(1),
};

#[tokio::test]
async fn a_secret_verified_on_one_node_is_answered_by_the_shared_tier_on_another() {
    let f = fixture();
    assert_eq!(verify_outcome(&f.a, &password_login()).await, HASHED);
    assert_eq!(verify_outcome(&f.b, &password_login()).await, SHARED);
    // B keeps it locally from then on.
    assert_eq!(verify_outcome(&f.b, &password_login()).await, CACHED);
    assert_eq!(verify_outcome(&f.a, &password_login()).await, CACHED);
}

#[tokio::test]
async fn a_revoked_account_misses_every_cache_on_every_node() {
    let f = fixture();
    verify_outcome(&f.a, &password_login()).await;
    verify_outcome(&f.b, &password_login()).await;
    f.a.revoke_account(ALICE).await.unwrap();
    // Neither B's local entry nor the shared one answers any more.
    assert_eq!(verify_outcome(&f.b, &password_login()).await, HASHED);
    assert_eq!(verify_outcome(&f.a, &password_login()).await, SHARED);
}

#[tokio::test]
async fn a_revoked_credential_misses_the_caches_and_other_credentials_keep_theirs() {
    let f = fixture();
    let app = plain(Surface::Imap, "", ALICE, &f.app_secret);
    let other = plain(Surface::Imap, "", ALICE, &f.other_secret);
    for (request, id) in [(&app, 1), (&other, 2)] {
        verify_outcome(&f.a, request).await;
        assert_eq!(
            verify_outcome(&f.a, request).await,
            format!("app-password {id} verified (cached)")
        );
    }
    f.b.revoke_credential(ALICE, APP).await.unwrap();
    assert_eq!(verify_outcome(&f.a, &app).await, "app-password 1 verified");
    assert_eq!(
        verify_outcome(&f.a, &other).await,
        "app-password 2 verified (cached)"
    );
}

#[tokio::test]
async fn a_session_ends_on_every_node_when_its_account_is_revoked() {
    let f = fixture();
    let session = binding(&f.a.verify(&password_login()).await);
    assert!(session.epoch.is_some());
    assert_eq!(f.a.revalidate(&session).await, Ok(()));
    assert_eq!(f.b.revalidate(&session).await, Ok(()));
    f.b.revoke_account(ALICE).await.unwrap();
    for node in [&f.a, &f.b] {
        assert_eq!(
            node.revalidate(&session).await.unwrap_err().kind(),
            "credential-revoked"
        );
    }
    // A new login makes a live session again.
    let fresh = binding(&f.b.verify(&password_login()).await);
    assert_eq!(f.a.revalidate(&fresh).await, Ok(()));
}

#[tokio::test]
async fn a_credential_revocation_ends_that_credentials_sessions_only() {
    let f = fixture();
    let app = binding(
        &f.a.verify(&plain(Surface::Imap, "", ALICE, &f.app_secret))
            .await,
    );
    let other = binding(
        &f.a.verify(&plain(Surface::Imap, "", ALICE, &f.other_secret))
            .await,
    );
    let password = binding(&f.a.verify(&password_login()).await);
    f.a.revoke_credential(ALICE, APP).await.unwrap();
    assert_eq!(
        f.b.revalidate(&app).await.unwrap_err().kind(),
        "credential-revoked"
    );
    assert_eq!(f.b.revalidate(&other).await, Ok(()));
    assert_eq!(f.b.revalidate(&password).await, Ok(()));
}

#[tokio::test]
async fn an_unreadable_store_fails_closed() {
    let f = fixture();
    let session = binding(&f.a.verify(&password_login()).await);
    assert_eq!(verify_outcome(&f.a, &password_login()).await, CACHED);
    f.store.down.store(true, Ordering::SeqCst);
    // Live sessions cannot be shown alive: a temporary refusal.
    let error = f.a.revalidate(&session).await.unwrap_err();
    assert_eq!(error.kind(), "revocation-state-unavailable");
    // Logins are verified against the directory, never from a cache.
    let explained = f.a.explain(&password_login()).await;
    assert_eq!(kind(&explained.decision), "grant");
    assert_eq!(outcome(&explained, "verify-credential"), HASHED);
    assert_eq!(
        outcome(&explained, "revocation"),
        "the revocation state is unavailable: no cache answers; the secret is verified in full"
    );
    let during = binding(&explained.decision);
    assert_eq!(during.epoch, None);
    assert_eq!(verify_outcome(&f.a, &password_login()).await, HASHED);
    // Back up: the old session goes on; the one made without epochs ends.
    f.store.down.store(false, Ordering::SeqCst);
    assert_eq!(f.a.revalidate(&session).await, Ok(()));
    assert_eq!(
        f.a.revalidate(&during).await.unwrap_err().kind(),
        "credential-revoked"
    );
    assert_eq!(verify_outcome(&f.a, &password_login()).await, CACHED);
}

#[tokio::test]
async fn a_wrong_password_is_never_answered_by_the_shared_tier() {
    let f = fixture();
    verify_outcome(&f.a, &password_login()).await;
    let wrong =
        f.b.verify(&plain(Surface::Imap, "", ALICE, "alice-passwore"))
            .await;
    assert_eq!(kind(&wrong), "wrong-secret");
}

#[tokio::test]
async fn nodes_with_other_shared_keys_do_not_answer_for_each_other() {
    let f = fixture();
    let stranger = builder(directory(&f.account))
        .revocation_store(Arc::clone(&f.store))
        .shared_verification_cache(&[8; 32], Duration::from_secs(600))
        .build()
        .unwrap();
    verify_outcome(&f.a, &password_login()).await;
    assert_eq!(verify_outcome(&stranger, &password_login()).await, HASHED);
}

#[tokio::test]
async fn without_a_store_revocations_are_refused_and_grants_carry_no_epoch() {
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user(ALICE, "alice-password"))
            .build(),
    );
    assert_eq!(
        auth.revoke_account(ALICE).await,
        Err(RevocationError::NotConfigured)
    );
    assert_eq!(
        auth.revoke_credential(ALICE, APP).await,
        Err(RevocationError::NotConfigured)
    );
    let explained = auth.explain(&password_login()).await;
    assert!(!steps(&explained).contains(&"revocation"));
    assert_eq!(binding(&explained.decision).epoch, None);
}

#[tokio::test]
async fn a_binding_without_epochs_ends_once_a_store_is_configured() {
    let f = fixture();
    let mut session = binding(&f.a.verify(&password_login()).await);
    session.epoch = None;
    assert_eq!(
        f.a.revalidate(&session).await.unwrap_err().kind(),
        "credential-revoked"
    );
}

#[test]
fn the_shared_tier_needs_a_store_and_a_long_key() {
    let alice = || {
        MemoryDirectory::builder()
            .account(user(ALICE, "alice-password"))
            .build()
    };
    let error = builder(alice())
        .shared_verification_cache(&[7; 32], Duration::from_secs(60))
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "invalid authenticator settings: a shared verification cache needs a revocation store"
    );
    let error = builder(alice())
        .revocation_store(MemoryRevocations::new())
        .shared_verification_cache(&[7; 31], Duration::from_secs(60))
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), "invalid-settings");
    assert!(
        builder(alice())
            .revocation_store(MemoryRevocations::new())
            .shared_verification_cache(&[7; 32], Duration::from_secs(60))
            .build()
            .is_ok()
    );
}

#[tokio::test]
async fn epochs_are_traced_and_recorded_in_the_binding() {
    let f = fixture();
    let explained = f.a.explain(&password_login()).await;
    let session = binding(&explained.decision);
    let epoch = session.epoch.unwrap();
    assert_eq!(
        outcome(&explained, "revocation"),
        format!(
            "epochs read (account {}, credential {})",
            epoch.account, epoch.credential
        )
    );
    let position = |step| steps(&explained).iter().position(|s| *s == step).unwrap();
    assert!(position("throttle-account") < position("revocation"));
    assert!(position("revocation") < position("verify-credential"));
    // The binding survives a round trip through JSON with its epochs.
    let json = serde_json::to_string(&session).unwrap();
    let back: SessionBinding = serde_json::from_str(&json).unwrap();
    assert_eq!(back.epoch, Some(epoch));
}

// The mutation campaign of issue 21: `fresh` with `>> 2` → `<< 2` drew
// epochs anywhere in `u64` (and always a multiple of four).
#[tokio::test]
async fn fresh_epochs_are_random_and_below_two_to_the_62() {
    let store = MemoryRevocations::new();
    let mut drawn = HashSet::new();
    for n in 0..64 {
        let account = format!("user{n}@example.org");
        for credential in [
            CredentialRef {
                kind: CredentialKind::Password,
                id: None,
            },
            APP,
        ] {
            let epoch = store.epoch(&account, credential).await.unwrap();
            drawn.extend([epoch.account, epoch.credential]);
        }
    }
    // One account epoch per account, one credential epoch per credential.
    assert!(drawn.len() >= 190, "{} distinct epochs", drawn.len());
    // Below 2⁶²: a shared store can count them up (signed 64-bit counters
    // included) without ever wrapping.
    assert!(drawn.iter().all(|epoch| *epoch < 1 << 62), "{drawn:?}");
    // Every bit below that is random: not all multiples of four.
    assert!(drawn.iter().any(|epoch| epoch % 4 != 0), "{drawn:?}");
}
