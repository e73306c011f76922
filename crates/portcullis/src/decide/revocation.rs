//! Step 4's epoch read: the revocation epochs a login is judged under,
//! read beside the pair's throttle check (one round trip to a shared
//! store), and the shared tier of step 5's verification cache.

use portcullis_credentials::StoredHash;

use std::sync::atomic::Ordering;

use crate::memory::key;
use crate::revocation::{VerificationDigest, Verified};
use crate::trace::Trace;
use crate::{Authenticator, CredentialRef, Epoch, RevocationError};

/// The shortest interval (seconds) between two warnings that the epochs
/// cannot be read.
const EPOCH_WARNING_EVERY: i64 = 30;

/// The revocation epochs of one login.
#[derive(Debug)]
pub(crate) enum Epochs {
    /// No revocation store is configured: caches answer as they always
    /// did, and grants carry no epoch.
    NoStore,
    /// Read: caches answer only for entries made under these epochs, and
    /// the grant records them.
    Read(Epoch),
    /// The store did not answer: no cache answers (fail closed), the
    /// secret is verified against the directory, and the grant carries no
    /// epoch (so `revalidate` ends its session once the store answers).
    Unavailable,
}

impl Epochs {
    /// The epochs a cache entry is keyed by; `None` when no cache may be
    /// read or written.
    pub(crate) fn for_cache(&self) -> Option<[u64; 2]> {
        match self {
            Epochs::NoStore => Some([0, 0]),
            Epochs::Read(epoch) => Some([epoch.account, epoch.credential]),
            Epochs::Unavailable => None,
        }
    }

    /// The epochs a grant records.
    pub(crate) fn for_binding(&self) -> Option<Epoch> {
        match self {
            Epochs::Read(epoch) => Some(*epoch),
            Epochs::NoStore | Epochs::Unavailable => None,
        }
    }
}

impl Authenticator {
    /// The epochs of `account`'s `credential` (nothing to read when there
    /// is no store, or no account).
    pub(crate) async fn read_epochs(
        &self,
        account: Option<&str>,
        credential: CredentialRef,
    ) -> Epochs {
        let (Some(store), Some(account)) = (&self.inner.revocations, account) else {
            return Epochs::NoStore;
        };
        match store.epoch(account, credential).await {
            Ok(epoch) => Epochs::Read(epoch),
            Err(error) => {
                self.warn_epochs_unavailable(&error);
                Epochs::Unavailable
            }
        }
    }

    /// At most one warning every [`EPOCH_WARNING_EVERY`] seconds: an
    /// outage must not write one line per login.
    fn warn_epochs_unavailable(&self, error: &RevocationError) {
        let now = (self.inner.clock)().unix_timestamp();
        let last = self.inner.epochs_warned_at.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= EPOCH_WARNING_EVERY
            && self
                .inner
                .epochs_warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                target: "portcullis::revocation",
                %error,
                "revocation epochs unavailable: no cache answers and revalidation fails closed"
            );
        }
    }

    /// The trace of the epoch read (only with a store).
    pub(crate) fn trace_epochs(&self, epochs: &Epochs, trace: &mut Trace) {
        match epochs {
            Epochs::NoStore => {}
            Epochs::Read(epoch) => trace.step("revocation", || {
                format!(
                    "epochs read (account {}, credential {})",
                    epoch.account, epoch.credential
                )
            }),
            Epochs::Unavailable => trace.step("revocation", || {
                "the revocation state is unavailable: no cache answers; \
                 the secret is verified in full"
                    .to_owned()
            }),
        }
    }

    /// The shared tier's digest of a verification, when the tier is on and
    /// the epochs were read.
    pub(crate) fn shared_digest(
        &self,
        account: &str,
        credential: CredentialRef,
        revision: u64,
        hash: &StoredHash,
        epochs: &Epochs,
        material: &[u8],
    ) -> Option<VerificationDigest> {
        let (Some(tier), Epochs::Read(epoch)) = (&self.inner.shared_tier, epochs) else {
            return None;
        };
        let entry = Verified {
            account,
            kind: credential.kind.name(),
            id: credential
                .id
                .and_then(|id| u32::try_from(id).ok())
                .unwrap_or(0),
            revision,
            stored_hash: hash.as_str(),
            epoch: *epoch,
        };
        Some(tier.digest(&entry, material))
    }

    /// Whether another node verified this secret under the same epochs.
    pub(crate) async fn shared_verified(&self, digest: Option<VerificationDigest>) -> bool {
        match (digest, &self.inner.revocations) {
            (Some(digest), Some(store)) => store.is_verified(digest).await,
            _ => false,
        }
    }

    /// Tells the other nodes this secret verified.
    pub(crate) async fn share_verified(&self, digest: Option<VerificationDigest>) {
        if let (Some(digest), Some(store), Some(tier)) =
            (digest, &self.inner.revocations, &self.inner.shared_tier)
        {
            store.remember_verified(digest, tier.ttl).await;
        }
    }

    /// Moves the epoch of `account` (every credential): its cached logins
    /// and its live sessions end on every server sharing the store (at
    /// their next [`revalidate`](Self::revalidate)). Call it after a
    /// password change, disabling the account, a role change, or to sign
    /// the account out everywhere.
    ///
    /// `account` may be any spelling a login may use: the directory's own
    /// spelling of the account ([`Grant::account`](crate::Grant::account))
    /// is what is revoked. Sessions that impersonate the account are
    /// keyed by the account whose credential opened them (the actor):
    /// revoke that one to end them.
    ///
    /// # Errors
    /// [`RevocationError::NotConfigured`] without a
    /// [`revocation_store`](crate::AuthenticatorBuilder::revocation_store);
    /// [`RevocationError::Unavailable`] when the store did not take it, or
    /// the directory could not be asked for the account's spelling (retry:
    /// nothing was revoked).
    pub async fn revoke_account(&self, account: &str) -> Result<(), RevocationError> {
        self.revoke(account, crate::Revocation::Account).await
    }

    /// Moves the epoch of one credential of `account` (an app password or
    /// API key deleted or changed, the password changed): the cached
    /// logins and sessions made with it end on every server; other
    /// credentials' sessions go on.
    ///
    /// # Errors
    /// As [`revoke_account`](Self::revoke_account).
    pub async fn revoke_credential(
        &self,
        account: &str,
        credential: CredentialRef,
    ) -> Result<(), RevocationError> {
        self.revoke(account, crate::Revocation::Credential(credential))
            .await
    }

    /// Moves an epoch under the account's canonical name: the directory's
    /// spelling when it has the account (so `Alice@EXAMPLE.org`, an NFD
    /// spelling or `alice%alice` style input revoke what the logins
    /// recorded), else the name as given (a deleted account's epochs still
    /// move).
    async fn revoke(&self, account: &str, what: crate::Revocation) -> Result<(), RevocationError> {
        let store = self
            .inner
            .revocations
            .as_ref()
            .ok_or(RevocationError::NotConfigured)?;
        let canonical = match self.find(&key(account)).await {
            Ok(Some(found)) => found.name.clone(),
            Ok(None) => account.to_owned(),
            Err(error) => {
                return Err(RevocationError::Unavailable(format!(
                    "the directory could not name the account: {error}"
                )));
            }
        };
        store.revoke(&canonical, what).await?;
        tracing::info!(
            target: "portcullis::revocation",
            account = %crate::audit::escape_field(&canonical),
            revoked = ?what,
            "revocation epoch moved"
        );
        Ok(())
    }
}
