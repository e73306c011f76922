//! The verified-credential cache: a repeat login with the same secret skips
//! the password hash.
//!
//! Only successes are cached, so a wrong password always costs a full hash
//! (the same as an unknown user). Entries are keyed by SHA-256 over a
//! per-process random key and **length-prefixed** fields (account,
//! credential kind and id, the stored hash string, the secret): no two
//! different inputs share a key, unlike a naive concatenation
//! (Dovecot CVE-2025-30189). Including the stored hash means a password
//! change or a re-issued credential misses at once. The secret itself is
//! never stored.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::CredentialRef;

/// How long a verified secret is remembered, by default (5 minutes).
pub const DEFAULT_CACHE_TTL_SECONDS: i64 = 300;
/// How many verified secrets are remembered, by default.
pub const DEFAULT_CACHE_ENTRIES: usize = 65_536;

pub(crate) type CacheKey = [u8; 32];

#[derive(Debug)]
pub(crate) struct VerificationCache {
    salt: [u8; 32],
    entries: Mutex<HashMap<CacheKey, i64>>,
    capacity: usize,
    ttl_seconds: i64,
}

impl VerificationCache {
    pub(crate) fn new(salt: [u8; 32], capacity: usize, ttl_seconds: i64) -> Self {
        VerificationCache {
            salt,
            entries: Mutex::new(HashMap::new()),
            capacity,
            ttl_seconds,
        }
    }

    pub(crate) fn key(
        &self,
        account: &str,
        credential: CredentialRef,
        stored: &str,
        secret: &[u8],
    ) -> CacheKey {
        let mut hasher = Sha256::new();
        hasher.update(b"portcullis verified-credential v1");
        hasher.update(self.salt);
        field(&mut hasher, account.as_bytes());
        field(&mut hasher, credential.kind.name().as_bytes());
        match credential.id {
            Some(id) => {
                hasher.update([1]);
                hasher.update(id.to_be_bytes());
            }
            None => hasher.update([0]),
        }
        field(&mut hasher, stored.as_bytes());
        field(&mut hasher, secret);
        hasher.finalize().into()
    }

    pub(crate) fn contains(&self, key: &CacheKey, now: OffsetDateTime) -> bool {
        if self.capacity == 0 {
            return false;
        }
        let at = now.unix_timestamp();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.get(key).is_some_and(|expires| *expires > at)
    }

    pub(crate) fn insert(&self, key: CacheKey, now: OffsetDateTime) {
        if self.capacity == 0 {
            return;
        }
        let at = now.unix_timestamp();
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, expires| *expires > at);
            if entries.len() >= self.capacity {
                // Still full of live entries: start over rather than scan
                // for the oldest on every insert.
                entries.clear();
            }
        }
        entries.insert(key, at.saturating_add(self.ttl_seconds));
    }
}

/// A field with its length first, so field boundaries are unambiguous.
fn field(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CredentialKind;

    #[test]
    fn keys_are_unambiguous() {
        let cache = VerificationCache::new([7; 32], 16, 60);
        let password = CredentialRef {
            kind: CredentialKind::Password,
            id: None,
        };
        // The CVE-2025-30189 shape: shifting bytes between fields.
        let a = cache.key("ab", password, "h", b"c");
        let b = cache.key("a", password, "h", b"bc");
        assert_ne!(a, b);
        let app = CredentialRef {
            kind: CredentialKind::AppPassword,
            id: Some(1),
        };
        assert_ne!(
            cache.key("a", password, "h", b"c"),
            cache.key("a", app, "h", b"c")
        );
    }

    #[test]
    fn expiry() {
        let cache = VerificationCache::new([0; 32], 16, 60);
        let now = OffsetDateTime::from_unix_timestamp(1_000).unwrap();
        let key = [1; 32];
        cache.insert(key, now);
        assert!(cache.contains(&key, now));
        assert!(!cache.contains(&key, now + time::Duration::seconds(61)));
    }
}
