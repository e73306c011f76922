//! [`MemoryRevocations`]: the epochs of one process.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use portcullis_credentials::{OsRandom, RandomSource};

use super::{Epoch, Revocation, RevocationError, RevocationStore, credential_field};
use crate::CredentialRef;

/// Revocation epochs in this process's memory: for one server, or tests.
///
/// Epochs start at random values, so a restart (which forgets them) ends
/// every session that [`revalidate`](crate::Authenticator::revalidate)
/// checks against them, rather than reviving a revoked one. Entries are
/// made only for accounts the directory found, so the map is bounded by
/// the directory.
#[derive(Debug, Default)]
pub struct MemoryRevocations {
    accounts: Mutex<HashMap<String, Epochs>>,
}

#[derive(Debug)]
struct Epochs {
    account: u64,
    credentials: HashMap<String, u64>,
}

/// A fresh epoch: random, below 2⁶², so increments never wrap.
fn fresh() -> Result<u64, RevocationError> {
    let mut bytes = [0u8; 8];
    OsRandom
        .fill(&mut bytes)
        .map_err(|_| RevocationError::Unavailable("the random source failed".to_owned()))?;
    Ok(u64::from_be_bytes(bytes) >> 2)
}

impl MemoryRevocations {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        MemoryRevocations::default()
    }
}

impl RevocationStore for MemoryRevocations {
    async fn epoch(
        &self,
        account: &str,
        credential: CredentialRef,
    ) -> Result<Epoch, RevocationError> {
        let field = credential_field(credential);
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        let epochs = match accounts.get_mut(account) {
            Some(epochs) => epochs,
            None => accounts.entry(account.to_owned()).or_insert(Epochs {
                account: fresh()?,
                credentials: HashMap::new(),
            }),
        };
        let credential = match epochs.credentials.get(&field) {
            Some(epoch) => *epoch,
            None => {
                let epoch = fresh()?;
                epochs.credentials.insert(field, epoch);
                epoch
            }
        };
        Ok(Epoch {
            account: epochs.account,
            credential,
        })
    }

    async fn revoke(&self, account: &str, what: Revocation) -> Result<(), RevocationError> {
        let mut accounts = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        // An account never seen has no session to end; a fresh epoch is
        // drawn at its next login anyway.
        let Some(epochs) = accounts.get_mut(account) else {
            return Ok(());
        };
        match what {
            Revocation::Account => epochs.account = epochs.account.wrapping_add(1),
            Revocation::Credential(credential) => {
                if let Some(epoch) = epochs.credentials.get_mut(&credential_field(credential)) {
                    *epoch = epoch.wrapping_add(1);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CredentialKind;

    const PASSWORD: CredentialRef = CredentialRef {
        kind: CredentialKind::Password,
        id: None,
    };
    const APP: CredentialRef = CredentialRef {
        kind: CredentialKind::AppPassword,
        id: Some(3),
    };

    #[tokio::test]
    async fn an_epoch_is_stable_until_revoked() {
        let store = MemoryRevocations::new();
        let first = store.epoch("alice", PASSWORD).await.unwrap();
        assert_eq!(store.epoch("alice", PASSWORD).await.unwrap(), first);
        store.revoke("alice", Revocation::Account).await.unwrap();
        let after = store.epoch("alice", PASSWORD).await.unwrap();
        assert_eq!(after.account, first.account + 1);
        assert_eq!(after.credential, first.credential);
    }

    #[tokio::test]
    async fn a_credential_revocation_moves_that_credential_only() {
        let store = MemoryRevocations::new();
        let password = store.epoch("alice", PASSWORD).await.unwrap();
        let app = store.epoch("alice", APP).await.unwrap();
        store
            .revoke("alice", Revocation::Credential(APP))
            .await
            .unwrap();
        assert_eq!(store.epoch("alice", PASSWORD).await.unwrap(), password);
        let moved = store.epoch("alice", APP).await.unwrap();
        assert_eq!(moved.account, app.account);
        assert_eq!(moved.credential, app.credential + 1);
    }

    #[tokio::test]
    async fn another_store_draws_other_epochs() {
        // As a restarted process would: nothing revoked before can match.
        let (one, two) = (MemoryRevocations::new(), MemoryRevocations::new());
        assert_ne!(
            one.epoch("alice", PASSWORD).await.unwrap(),
            two.epoch("alice", PASSWORD).await.unwrap()
        );
    }

    #[tokio::test]
    async fn revoking_an_unseen_account_is_harmless() {
        let store = MemoryRevocations::new();
        store.revoke("nobody", Revocation::Account).await.unwrap();
        store
            .revoke("nobody", Revocation::Credential(APP))
            .await
            .unwrap();
        assert!(store.accounts.lock().unwrap().is_empty());
    }
}
