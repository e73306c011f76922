//! The validated-token cache: a repeat bearer token skips signature
//! verification until it expires.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::principal::Principal;

/// Default number of cached tokens.
pub const DEFAULT_CACHE_ENTRIES: usize = 10_000;
/// Default total bytes of cached tokens (16 MiB).
pub const DEFAULT_CACHE_BYTES: usize = 16 * 1024 * 1024;
/// How many trailing bytes of a token the cache's bucket hash reads.
const KEY_SUFFIX_BYTES: usize = 64;

/// The instants (unix seconds, inclusive) between which a validation
/// result holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Validity {
    pub(crate) not_before: i64,
    pub(crate) valid_until: i64,
}

struct Entry {
    /// The whole token, compared exactly on a hit (zeroized when evicted:
    /// it is a bearer secret).
    token: Zeroizing<Box<str>>,
    value: Arc<Principal>,
    not_before: i64,
    valid_until: i64,
}

/// A bounded map from token to result.
///
/// The key is a keyed hash (`RandomState`, SipHash with per-process random
/// keys) of the token's tail; a hit also compares the whole stored token, so
/// a hash collision can only cause a miss (or replace an entry), never
/// another user's principal. Only
/// tokens that passed full validation are inserted, so an attacker cannot
/// fill the cache with forged tokens.
///
/// A result is cached until the token's `exp` (plus leeway), capped at the
/// end of its key's grace when a retired key verified it; a key set change
/// clears the cache and bumps the epoch, so a validation that began before
/// the change cannot insert what the old keys said.
pub(crate) struct TokenCache {
    map: HashMap<u64, Entry>,
    hasher: RandomState,
    max_entries: usize,
    max_bytes: usize,
    bytes: usize,
    epoch: u64,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.map.len())
            .field("bytes", &self.bytes)
            .field("max_entries", &self.max_entries)
            .finish_non_exhaustive()
    }
}

impl TokenCache {
    pub(crate) fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self {
            map: HashMap::new(),
            hasher: RandomState::new(),
            max_entries,
            max_bytes,
            bytes: 0,
            epoch: 0,
        }
    }

    /// Bumped by every [`clear`](Self::clear); read before a validation and
    /// handed back to [`insert`](Self::insert).
    pub(crate) const fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The bucket key: a keyed hash of the token's last
    /// [`KEY_SUFFIX_BYTES`] bytes (the signature's tail, which differs
    /// between any two tokens an IdP signs). Hashing a fixed-size suffix
    /// keeps a hit at tens of nanoseconds for any token size; correctness
    /// never rests on the hash, because a hit compares the whole token.
    pub(crate) fn key(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        let tail = bytes
            .get(bytes.len().saturating_sub(KEY_SUFFIX_BYTES)..)
            .unwrap_or(bytes);
        self.hasher.hash_one(tail)
    }

    /// The cached result for `token`, if it is still within its validity
    /// window at `now` (unix seconds).
    pub(crate) fn get(&self, key: u64, token: &str, now: i64) -> Option<Arc<Principal>> {
        let entry = self.map.get(&key)?;
        if **entry.token != *token || now > entry.valid_until || now < entry.not_before {
            return None;
        }
        Some(Arc::clone(&entry.value))
    }

    pub(crate) fn insert(
        &mut self,
        key: u64,
        token: &str,
        value: Arc<Principal>,
        validity: Validity,
        now: i64,
        epoch: u64,
    ) {
        if self.max_entries == 0 || token.len() > self.max_bytes || epoch != self.epoch {
            return;
        }
        if let Some(old) = self.map.remove(&key) {
            self.bytes = self.bytes.saturating_sub(old.token.len());
        }
        if self.map.len() >= self.max_entries || self.bytes + token.len() > self.max_bytes {
            self.purge_expired(now);
        }
        // Still full: evict arbitrary entries (the map's iteration order is
        // randomised per process), which keeps insertion O(1) amortised.
        while self.map.len() >= self.max_entries || self.bytes + token.len() > self.max_bytes {
            let Some(victim) = self.map.keys().next().copied() else {
                break;
            };
            if let Some(old) = self.map.remove(&victim) {
                self.bytes = self.bytes.saturating_sub(old.token.len());
            }
        }
        self.bytes += token.len();
        self.map.insert(
            key,
            Entry {
                token: Zeroizing::new(Box::from(token)),
                value,
                not_before: validity.not_before,
                valid_until: validity.valid_until,
            },
        );
    }

    pub(crate) fn purge_expired(&mut self, now: i64) {
        let mut freed = 0;
        self.map.retain(|_, entry| {
            let keep = entry.valid_until >= now;
            if !keep {
                freed += entry.token.len();
            }
            keep
        });
        self.bytes = self.bytes.saturating_sub(freed);
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
        self.bytes = 0;
        self.epoch = self.epoch.wrapping_add(1);
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal() -> Arc<Principal> {
        Arc::new(Principal::new(
            "alice@example.org",
            "https://idp",
            "s",
            time::OffsetDateTime::UNIX_EPOCH,
        ))
    }

    const WINDOW: Validity = Validity {
        not_before: 0,
        valid_until: 100,
    };

    #[test]
    fn insert_after_a_clear_it_did_not_see_is_dropped() {
        let mut cache = TokenCache::new(10, 1024);
        let key = cache.key("token");
        // A validation starts, then a key rotation clears the cache.
        let epoch = cache.epoch();
        cache.clear();
        cache.insert(key, "token", principal(), WINDOW, 0, epoch);
        assert_eq!(cache.len(), 0);
        assert!(cache.get(key, "token", 1).is_none());
        // A validation that began after the clear fills the cache.
        let epoch = cache.epoch();
        cache.insert(key, "token", principal(), WINDOW, 0, epoch);
        assert!(cache.get(key, "token", 1).is_some());
    }
}
