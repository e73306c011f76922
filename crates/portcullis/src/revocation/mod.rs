//! Revocation epochs: counters a server bumps to end, on every node at
//! once, the cached logins and the live sessions of an account or of one
//! of its credentials.
//!
//! A grant records the [`Epoch`] it was judged under (in its
//! [`SessionBinding`](crate::SessionBinding)), and a cached verification
//! is keyed by it. [`Authenticator::revoke_account`](crate::Authenticator::revoke_account)
//! and [`revoke_credential`](crate::Authenticator::revoke_credential)
//! move the epoch in the shared [`RevocationStore`], so that:
//!
//! - the next login with the same secret, on any node, misses every
//!   verification cache (local and shared) and is verified against the
//!   directory in full;
//! - [`Authenticator::revalidate`](crate::Authenticator::revalidate) of a
//!   session opened before ends it (`credential-revoked`).
//!
//! An epoch is read on every login that could be answered from a cache,
//! and on every revalidation: one round trip to the store (a shared store
//! pipelines it with the throttle check). When it cannot be read, no
//! cache answers (the login is verified against the directory, which
//! stays the authority on passwords) and revalidation fails closed with
//! `revocation-state-unavailable`.
//!
//! A store hands out a fresh random epoch for an account it has never
//! seen (or has lost, as Redis without persistence does on a restart),
//! never a fixed starting value: an epoch lost with its store can then
//! never match again, so a restart ends sessions rather than reviving
//! the ones a revocation ended.

use std::future::Future;

use crate::directory::BoxFuture;
use crate::{CredentialKind, CredentialRef};

mod memory;
mod shared_tier;

pub use memory::MemoryRevocations;
pub(crate) use shared_tier::{SharedTier, Verified};

/// The revocation counters a login was judged under: the account's, and
/// the credential's it used. Opaque numbers: only equality means anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Epoch {
    /// The account's epoch: moved by [`Revocation::Account`].
    pub account: u64,
    /// The credential's epoch: moved by [`Revocation::Credential`].
    pub credential: u64,
}

/// What a revocation ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revocation {
    /// Every cached login and every session of the account, whatever the
    /// credential (a password change, a disabled account, a role change,
    /// "sign out everywhere").
    Account,
    /// The cached logins and the sessions made with one credential (an
    /// app password or API key deleted or re-scoped, a password changed).
    Credential(CredentialRef),
}

/// A revocation store could not be read or written (unreachable, timed
/// out, or not configured). Whoever sees it fails closed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevocationError {
    /// No [`RevocationStore`] is configured on the authenticator.
    #[error("no revocation store is configured")]
    NotConfigured,
    /// The store did not answer; the detail never holds a secret.
    #[error("the revocation store is unavailable: {0}")]
    Unavailable(String),
}

/// A keyed digest of a verified secret, for the shared verification tier:
/// HMAC-SHA-256 under the key all nodes share (never stored with the
/// digests), over the account, the credential, its stored hash, the
/// [`Epoch`] and the secret. Worthless without the key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct VerificationDigest(pub(crate) [u8; 32]);

impl VerificationDigest {
    /// The digest's bytes (for a store to key an entry by).
    #[must_use]
    pub const fn to_bytes(self) -> [u8; 32] {
        self.0
    }
}

impl std::fmt::Debug for VerificationDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VerificationDigest(<redacted>)")
    }
}

/// The field a credential's epoch is kept under: `password`,
/// `app-password:3`, `api-key:7`, `oidc-token`.
#[must_use]
pub fn credential_field(credential: CredentialRef) -> String {
    match (credential.kind, credential.id) {
        (CredentialKind::Password | CredentialKind::OidcToken, _) | (_, None) => {
            credential.kind.name().to_owned()
        }
        (kind, Some(id)) => format!("{}:{id}", kind.name()),
    }
}

/// Where revocation epochs live, and (optionally) the shared tier of the
/// verification cache. [`MemoryRevocations`] serves one process; a shared
/// store (`portcullis-redis`) serves several servers.
pub trait RevocationStore: Send + Sync + 'static {
    /// The epochs of `account` and of its `credential`; a store that has
    /// none yet draws fresh random ones (and keeps them).
    fn epoch(
        &self,
        account: &str,
        credential: CredentialRef,
    ) -> impl Future<Output = Result<Epoch, RevocationError>> + Send;

    /// Moves the account's epoch, or one credential's, and tells the
    /// other nodes if the store can.
    fn revoke(
        &self,
        account: &str,
        what: Revocation,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send;

    /// Whether the shared tier holds `digest` (a secret verified on some
    /// node under the same epoch, within the entry's lifetime). The
    /// default has no shared tier.
    fn is_verified(&self, digest: VerificationDigest) -> impl Future<Output = bool> + Send {
        let _ = digest;
        async { false }
    }

    /// Adds `digest` to the shared tier for `ttl`. The default forgets it.
    fn remember_verified(
        &self,
        digest: VerificationDigest,
        ttl: std::time::Duration,
    ) -> impl Future<Output = ()> + Send {
        let _ = (digest, ttl);
        async {}
    }
}

/// A shared handle is a store: several authenticators (or a server's
/// admin path) can hold one.
impl<T: RevocationStore> RevocationStore for std::sync::Arc<T> {
    fn epoch(
        &self,
        account: &str,
        credential: CredentialRef,
    ) -> impl Future<Output = Result<Epoch, RevocationError>> + Send {
        T::epoch(self, account, credential)
    }

    fn revoke(
        &self,
        account: &str,
        what: Revocation,
    ) -> impl Future<Output = Result<(), RevocationError>> + Send {
        T::revoke(self, account, what)
    }

    fn is_verified(&self, digest: VerificationDigest) -> impl Future<Output = bool> + Send {
        T::is_verified(self, digest)
    }

    fn remember_verified(
        &self,
        digest: VerificationDigest,
        ttl: std::time::Duration,
    ) -> impl Future<Output = ()> + Send {
        T::remember_verified(self, digest, ttl)
    }
}

pub(crate) trait DynRevocationStore: Send + Sync {
    fn epoch<'a>(
        &'a self,
        account: &'a str,
        credential: CredentialRef,
    ) -> BoxFuture<'a, Result<Epoch, RevocationError>>;
    fn revoke<'a>(
        &'a self,
        account: &'a str,
        what: Revocation,
    ) -> BoxFuture<'a, Result<(), RevocationError>>;
    fn is_verified(&self, digest: VerificationDigest) -> BoxFuture<'_, bool>;
    fn remember_verified(
        &self,
        digest: VerificationDigest,
        ttl: std::time::Duration,
    ) -> BoxFuture<'_, ()>;
}

impl<T: RevocationStore> DynRevocationStore for T {
    fn epoch<'a>(
        &'a self,
        account: &'a str,
        credential: CredentialRef,
    ) -> BoxFuture<'a, Result<Epoch, RevocationError>> {
        Box::pin(RevocationStore::epoch(self, account, credential))
    }

    fn revoke<'a>(
        &'a self,
        account: &'a str,
        what: Revocation,
    ) -> BoxFuture<'a, Result<(), RevocationError>> {
        Box::pin(RevocationStore::revoke(self, account, what))
    }

    fn is_verified(&self, digest: VerificationDigest) -> BoxFuture<'_, bool> {
        Box::pin(RevocationStore::is_verified(self, digest))
    }

    fn remember_verified(
        &self,
        digest: VerificationDigest,
        ttl: std::time::Duration,
    ) -> BoxFuture<'_, ()> {
        Box::pin(RevocationStore::remember_verified(self, digest, ttl))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_fields_name_kind_and_id() {
        let field = |kind, id| credential_field(CredentialRef { kind, id });
        assert_eq!(field(CredentialKind::Password, None), "password");
        assert_eq!(field(CredentialKind::OidcToken, None), "oidc-token");
        assert_eq!(
            field(CredentialKind::AppPassword, Some(3)),
            "app-password:3"
        );
        assert_eq!(field(CredentialKind::ApiKey, Some(70)), "api-key:70");
        assert_eq!(field(CredentialKind::AppPassword, None), "app-password");
    }

    #[test]
    fn digests_are_redacted() {
        let digest = VerificationDigest([0xab; 32]);
        assert_eq!(format!("{digest:?}"), "VerificationDigest(<redacted>)");
        assert_eq!(digest.to_bytes(), [0xab; 32]);
    }
}
