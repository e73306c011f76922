//! A bounded cache of successful verifications, so that a repeat login
//! skips argon2.
//!
//! # Key
//! An entry is found by HMAC-SHA-256, under a per-process random key, of an
//! unambiguous encoding (every variable-length field is length-prefixed;
//! see Dovecot's CVE-2025-30189, where naive concatenation keyed different
//! users identically) of:
//! the account, the credential kind and id, the record's revision, the
//! caller's revocation epochs, the stored hash string, and the presented
//! secret (for app passwords and API
//! keys, their random bytes). The secret itself is never stored, and the
//! key dies with the process, so a memory dump of the cache cannot be
//! brute-forced offline. A new password, a revision bump or a moved
//! revocation epoch changes the key, so stale entries simply stop
//! matching.
//!
//! Only the fact "this secret verified against this hash" is cached. Expiry,
//! the address allowlist and the scope are checked afresh on every login.
//!
//! # Why moka
//! `moka::sync::Cache` is a well-maintained concurrent cache (`Send +
//! Sync`, sharded, no global lock) with a TinyLFU admission policy, so a
//! burst of one-off logins cannot flush the entries of regular users. A
//! hand-written LRU behind a `Mutex` would serialise every login on one
//! lock and evict on recency only. Expiry is not delegated to moka's timer:
//! entries carry the time they were made and [`VerificationCache::get`]
//! compares it with the caller's `now`, which keeps the crate sans-I/O
//! (no clock is read here).

use core::fmt;

use pbkdf2::hmac::{Hmac, KeyInit, Mac};
use pbkdf2::sha2::Sha256;
use time::{Duration, OffsetDateTime};

use crate::error::RandomError;
use crate::hash::Verified;
use crate::{CredentialId, CredentialKind, RandomSource};

type HmacSha256 = Hmac<Sha256>;

/// Default number of entries.
pub const DEFAULT_CACHE_CAPACITY: u64 = 100_000;
/// Default lifetime of an entry (one hour).
pub const DEFAULT_CACHE_TTL: Duration = Duration::hours(1);

/// What identifies the credential an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheKey<'a> {
    /// The account (any stable, unique name or id the directory uses).
    pub account: &'a str,
    /// The credential's kind.
    pub kind: CredentialKind,
    /// The credential's id.
    pub id: CredentialId,
    /// The record's revision.
    pub revision: u64,
    /// The revocation epochs the caller read (the account's, the
    /// credential's) from a shared store, so that a revocation on another
    /// server ends this entry; `[0, 0]` without one.
    pub epochs: [u64; 2],
    /// The stored hash string.
    pub stored_hash: &'a str,
}

#[derive(Clone, Copy)]
struct Entry {
    verified: Verified,
    at: OffsetDateTime,
}

/// The verification cache. `Send + Sync`; share it (or the
/// [`Verifier`](crate::Verifier) holding it) between threads.
pub struct VerificationCache {
    entries: moka::sync::Cache<[u8; 32], Entry>,
    mac: HmacSha256,
    ttl: Duration,
}

impl VerificationCache {
    /// A cache keyed with 64 bytes drawn from `rng`.
    ///
    /// # Errors
    /// [`RandomError`] if `rng` fails.
    pub fn new(
        capacity: u64,
        ttl: Duration,
        rng: &mut dyn RandomSource,
    ) -> Result<VerificationCache, RandomError> {
        let mut key = zeroize::Zeroizing::new([0u8; 64]);
        rng.fill(key.as_mut_slice())?;
        Ok(VerificationCache::with_key(capacity, ttl, &key))
    }

    /// A cache with an explicit 64-byte HMAC key (one SHA-256 block; tests
    /// only: never reuse a key across processes).
    #[must_use]
    pub fn with_key(capacity: u64, ttl: Duration, key: &[u8; 64]) -> VerificationCache {
        VerificationCache {
            entries: moka::sync::Cache::new(capacity),
            mac: <HmacSha256 as KeyInit>::new(key.into()),
            ttl,
        }
    }

    fn fingerprint(&self, key: &CacheKey<'_>, secret: &[u8]) -> [u8; 32] {
        let mut mac = self.mac.clone();
        mac.update(b"portcullis-verification-cache-v1");
        for field in [key.account.as_bytes(), key.stored_hash.as_bytes(), secret] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac.update(key.kind.name().as_bytes());
        mac.update(&[0]);
        mac.update(&key.id.0.to_be_bytes());
        mac.update(&key.revision.to_be_bytes());
        for epoch in key.epochs {
            mac.update(&epoch.to_be_bytes());
        }
        mac.finalize().into_bytes().into()
    }

    /// A cached verification of `secret` for `key`, if one younger than the
    /// TTL exists at `now`.
    #[must_use]
    pub fn get(&self, key: &CacheKey<'_>, secret: &[u8], now: OffsetDateTime) -> Option<Verified> {
        let fingerprint = self.fingerprint(key, secret);
        let entry = self.entries.get(&fingerprint)?;
        if now - entry.at < self.ttl && entry.at <= now {
            Some(entry.verified)
        } else {
            self.entries.invalidate(&fingerprint);
            None
        }
    }

    /// Records that `secret` verified for `key` at `now`.
    pub fn insert(
        &self,
        key: &CacheKey<'_>,
        secret: &[u8],
        verified: Verified,
        now: OffsetDateTime,
    ) {
        self.entries
            .insert(self.fingerprint(key, secret), Entry { verified, at: now });
    }

    /// Drops every entry (e.g. after a bulk directory reload).
    pub fn clear(&self) {
        self.entries.invalidate_all();
    }

    /// Approximate number of entries.
    #[must_use]
    pub fn len(&self) -> u64 {
        self.entries.run_pending_tasks();
        self.entries.entry_count()
    }

    /// Whether the cache is (approximately) empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Debug for VerificationCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerificationCache")
            .field("entries", &self.entries.entry_count())
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scheme;

    fn key(revision: u64) -> CacheKey<'static> {
        CacheKey {
            account: "alice",
            kind: CredentialKind::Password,
            id: CredentialId(0),
            revision,
            epochs: [0, 0],
            stored_hash: "$argon2id$…",
        }
    }

    const OK: Verified = Verified {
        scheme: Scheme::Argon2id,
        needs_rehash: false,
    };

    #[test]
    fn hit_miss_revision_and_ttl() {
        let cache = VerificationCache::with_key(16, Duration::minutes(5), &[7; 64]);
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(10_000);
        assert_eq!(cache.get(&key(1), b"pw", now), None);
        cache.insert(&key(1), b"pw", OK, now);
        assert_eq!(cache.get(&key(1), b"pw", now), Some(OK));
        assert_eq!(cache.get(&key(1), b"pw2", now), None);
        assert_eq!(cache.get(&key(2), b"pw", now), None);
        let other = CacheKey {
            account: "bob",
            ..key(1)
        };
        assert_eq!(cache.get(&other, b"pw", now), None);
        for epochs in [[1, 0], [0, 1]] {
            let revoked = CacheKey { epochs, ..key(1) };
            assert_eq!(cache.get(&revoked, b"pw", now), None, "{epochs:?}");
        }
        assert_eq!(cache.get(&key(1), b"pw", now + Duration::minutes(6)), None);
    }

    #[test]
    fn fields_are_length_prefixed() {
        let cache = VerificationCache::with_key(16, Duration::minutes(5), &[7; 64]);
        let a = CacheKey {
            account: "ab",
            stored_hash: "c",
            ..key(1)
        };
        let b = CacheKey {
            account: "a",
            stored_hash: "bc",
            ..key(1)
        };
        assert_ne!(cache.fingerprint(&a, b"x"), cache.fingerprint(&b, b"x"));
    }

    #[test]
    fn is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<VerificationCache>();
    }
}
