//! [`MemoryThrottle`]: the in-process [`ThrottleStore`].
//!
//! # When the in-memory store is full
//!
//! [`MemoryThrottle`] holds a bounded number of buckets (100,000 by
//! default), and one IPv6 /36 (4,096 /48 networks, 2²⁸ /64 pairs) can fill
//! it with fresh counters. A full store makes room by forgetting, in order,
//! an expired bucket, then a plain counter (the one whose window ends
//! soonest), and a live lock only when it holds nothing but live locks
//! (then the lock that ends soonest). Flooding the store therefore forgets
//! counts below the limit but never unlocks a pair: a guesser that was
//! locked out stays locked out for the whole lockout, however many
//! networks it fails from meanwhile. Filling the store with live locks
//! instead takes `max_failures` failures per lock, and those failures count
//! against the attacker's own network bucket: at the defaults (30 failures
//! per /48 per 10-minute lockout, 5 per 15-minute pair lock) one /48 holds
//! about a dozen live locks at a time, so 100,000 live locks take some
//! 8,000 /48 networks (a /35) or as many IPv4 addresses, and even then the
//! lock given up is the one closest to its natural end.
//!
//! Making room costs O(log n): two ordered indexes beside the map (the
//! buckets without a lock by the end of their window, the locked ones by
//! the end of their lock) name the next bucket to give up, so no failure
//! scans the store under the mutex every login takes. Each failure also
//! clears up to two buckets that ended on their own, so the store shrinks
//! back after a flood.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;

use super::{BucketCheck, SecretDigest, ThrottleKey, ThrottleRule, ThrottleStore};

/// An instant as nanoseconds since the Unix epoch. The indexes compare
/// these (an `OffsetDateTime` comparison costs tens of instructions), and
/// the range holds any `OffsetDateTime` plus any `Duration`.
type Nanos = i128;

const NANOS_PER_SECOND: Nanos = 1_000_000_000;

fn nanos(instant: OffsetDateTime) -> Nanos {
    instant.unix_timestamp_nanos()
}

/// `now + duration`, saturating: a configured `Duration::MAX` means
/// "forever", not a panic.
fn later(now: Nanos, duration: Duration) -> Nanos {
    now.saturating_add(Nanos::try_from(duration.as_nanos()).unwrap_or(Nanos::MAX))
}

/// What is left of a lock ending at `until`, if anything.
fn remaining(until: Nanos, now: Nanos) -> Option<Duration> {
    let left = until.saturating_sub(now);
    if left <= 0 {
        return None;
    }
    let seconds = u64::try_from(left / NANOS_PER_SECOND).unwrap_or(u64::MAX);
    let subsecond = u32::try_from(left % NANOS_PER_SECOND).unwrap_or(0);
    Some(Duration::new(seconds, subsecond))
}

/// Where a bucket sits in an eviction index: an instant, then the bucket's
/// creation number so that equal instants stay distinct and keep their
/// order.
type Position = (Nanos, u64);

/// Which eviction index holds a bucket, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// No lock: in `counters`, by the end of the window.
    Counter(Position),
    /// Locked: in `locks`, by the end of the lock.
    Lock(Position),
}

/// One bucket's failures in its current window, and its lock.
#[derive(Clone, Copy, Debug)]
struct Bucket {
    /// When this window's failures are forgotten (its start plus the
    /// rule's window, fixed when the window opens).
    window_end: Nanos,
    failures: u32,
    /// The end of the bucket's lock; an ended lock is cleared when the
    /// store next looks at it, which changes no answer.
    locked_until: Option<Nanos>,
    /// Creation number: breaks ties in the indexes.
    seq: u64,
    /// Wrong secrets recently tried on this bucket.
    recent: RecentSecrets,
}

/// How many recent wrong secrets a bucket remembers. A client that
/// resends a refused password does so at once; a few slots cover that
/// without letting a guesser buy free attempts (a secret is free only
/// while it is one of the last few tried).
const RECENT_SECRETS: usize = 4;

/// The keyed digests of the last wrong secrets tried, each with the
/// instant it is forgotten.
#[derive(Clone, Copy, Debug, Default)]
struct RecentSecrets([Option<(u128, Nanos)>; RECENT_SECRETS]);

impl RecentSecrets {
    fn contains(&self, digest: u128, now: Nanos) -> bool {
        self.0
            .iter()
            .flatten()
            .any(|&(seen, until)| seen == digest && until > now)
    }

    /// Remembers `digest` until `until`, in place of the entry that is
    /// forgotten first.
    fn insert(&mut self, digest: u128, until: Nanos) {
        if let Some(slot) = self
            .0
            .iter_mut()
            .min_by_key(|slot| slot.map_or(Nanos::MIN, |(_, until)| until))
        {
            *slot = Some((digest, until));
        }
    }
}

impl Bucket {
    fn slot(&self) -> Slot {
        match self.locked_until {
            Some(until) => Slot::Lock((until, self.seq)),
            None => Slot::Counter((self.window_end, self.seq)),
        }
    }

    /// Whether the bucket's window is over and it holds no live lock: it
    /// is then as good as absent.
    fn expired(&self, now: Nanos) -> bool {
        self.window_end < now && self.locked_until.is_none_or(|until| until <= now)
    }

    /// Counts one failure at `now` under `rule`.
    fn count(&mut self, rule: ThrottleRule, now: Nanos) {
        // A window that is over while the bucket is still locked: the
        // lock stays, the counts start again.
        if now > self.window_end {
            self.window_end = later(now, rule.window);
            self.failures = 0;
        }
        if self.locked_until.is_some_and(|until| until <= now) {
            self.locked_until = None;
        }
        self.failures = self.failures.saturating_add(1);
        if self.failures >= rule.max_failures {
            self.locked_until = Some(later(now, rule.lockout));
        }
    }
}

/// How many ended locks and expired buckets each failure clears on its
/// way in. One failure adds at most one bucket, so clearing up to two
/// drains what expired without a sweep over the whole store.
const SWEEP: usize = 2;

/// The buckets and their two eviction indexes. Every bucket is in exactly
/// one index, at [`Bucket::slot`]; the indexes share the map's keys.
///
/// Not a cache crate: `moka`, `lru` and their kind evict by recency or
/// frequency, and the order here is by kind of bucket first (a live lock
/// must outlive any number of fresher counters), then by when it ends.
#[derive(Debug, Default)]
struct Buckets {
    map: HashMap<Arc<ThrottleKey>, Bucket>,
    /// Buckets without a lock, by the end of their window: expired ones
    /// (window over) come first, then the counters that would be
    /// forgotten soonest.
    counters: BTreeMap<Position, Arc<ThrottleKey>>,
    /// Locked buckets, by the end of the lock: the lock that ends soonest
    /// first.
    locks: BTreeMap<Position, Arc<ThrottleKey>>,
    /// The next bucket's creation number.
    next_seq: u64,
}

impl Buckets {
    fn index(&mut self, slot: Slot, key: Arc<ThrottleKey>) {
        match slot {
            Slot::Counter(position) => self.counters.insert(position, key),
            Slot::Lock(position) => self.locks.insert(position, key),
        };
    }

    fn unindex(&mut self, slot: Slot) -> Option<Arc<ThrottleKey>> {
        match slot {
            Slot::Counter(position) => self.counters.remove(&position),
            Slot::Lock(position) => self.locks.remove(&position),
        }
    }

    /// Moves up to `budget` buckets whose lock has ended at `now` from
    /// `locks` to `counters`: an ended lock protects nothing.
    fn release_ended_locks(&mut self, now: Nanos, budget: usize) {
        for _ in 0..budget {
            match self.locks.first_key_value() {
                Some(((until, _), _)) if *until <= now => {}
                _ => return,
            }
            let Some((_, key)) = self.locks.pop_first() else {
                return;
            };
            if let Some(bucket) = self.map.get_mut(&*key) {
                bucket.locked_until = None;
                let slot = bucket.slot();
                self.index(slot, key);
            }
        }
    }

    /// Forgets up to `budget` buckets whose window is over and which hold
    /// no lock: their counts would be reset by the next failure anyway.
    fn drop_expired(&mut self, now: Nanos, budget: usize) {
        for _ in 0..budget {
            match self.counters.first_key_value() {
                Some(((window_end, _), _)) if *window_end < now => {}
                _ => return,
            }
            if let Some((_, key)) = self.counters.pop_first() {
                self.map.remove(&*key);
            }
        }
    }

    /// Makes room for one bucket: an expired bucket, else the counter
    /// closest to being forgotten, else (only live locks are held) the
    /// lock that ends soonest. `false` when nothing is held.
    fn evict_one(&mut self, now: Nanos) -> bool {
        // Each lock moves to `counters` once, so this loop is amortised
        // O(log n) per bucket over the store's life.
        self.release_ended_locks(now, usize::MAX);
        let victim = match self.counters.pop_first() {
            Some((_, key)) => Some(key),
            None => self.locks.pop_first().map(|(_, key)| key),
        };
        match victim {
            Some(key) => {
                self.map.remove(&*key);
                true
            }
            None => false,
        }
    }

    fn record_failure(
        &mut self,
        key: &ThrottleKey,
        rule: ThrottleRule,
        now: Nanos,
        capacity: usize,
    ) {
        self.release_ended_locks(now, SWEEP);
        self.drop_expired(now, SWEEP);
        // One lookup: `Some(None)` is a bucket that expired before the
        // sweep reached it.
        let counted = self.map.get_mut(key).map(|bucket| {
            if bucket.expired(now) {
                return None;
            }
            let before = bucket.slot();
            bucket.count(rule, now);
            Some((before, bucket.slot()))
        });
        match counted {
            Some(Some((before, after))) => {
                if before != after {
                    let shared = self
                        .unindex(before)
                        .unwrap_or_else(|| Arc::new(key.clone()));
                    self.index(after, shared);
                }
                return;
            }
            // Start afresh, as if the sweep had got there: the order of
            // eviction must not depend on how far the sweep has got.
            Some(None) => self.reset(key),
            None => {}
        }
        while self.map.len() >= capacity {
            if !self.evict_one(now) {
                break;
            }
        }
        let mut bucket = Bucket {
            window_end: later(now, rule.window),
            failures: 0,
            locked_until: None,
            seq: self.next_seq,
            recent: RecentSecrets::default(),
        };
        self.next_seq = self.next_seq.wrapping_add(1);
        bucket.count(rule, now);
        let shared = Arc::new(key.clone());
        self.index(bucket.slot(), Arc::clone(&shared));
        self.map.insert(shared, bucket);
    }

    fn reset(&mut self, key: &ThrottleKey) {
        if let Some(bucket) = self.map.remove(key) {
            self.unindex(bucket.slot());
        }
    }
}

/// An in-memory [`ThrottleStore`] for one process, bounded to a number of
/// buckets.
///
/// When it is full, a new bucket takes the place of, in this order:
/// 1. an **expired** bucket (its window is over and it holds no live lock);
/// 2. a **plain counter** (no live lock), the one whose window ends
///    soonest — the oldest, for buckets of one rule;
/// 3. only when the store holds nothing but live locks, the **lock that
///    ends soonest**.
///
/// So filling the store with fresh counters (one IPv6 /36 holds 4,096 /48
/// networks and 2²⁸ /64 pairs, enough to fill the default 100,000 buckets)
/// forgets counts below the limit but never lifts a lock: a locked pair stays
/// locked until its lockout ends. Each call costs a hash lookup and, when
/// it adds or evicts a bucket or a lock starts or ends, O(log n) in two
/// ordered indexes — never a scan of the store.
///
/// ```
/// use std::time::Duration;
/// use portcullis::{MemoryThrottle, ThrottleKey, ThrottleRule, ThrottleStore};
///
/// # tokio::runtime::Runtime::new()?.block_on(async {
/// let store = MemoryThrottle::new(2);
/// let now = time::OffsetDateTime::UNIX_EPOCH;
/// let rule = ThrottleRule {
///     max_failures: 1,
///     window: Duration::from_secs(60),
///     lockout: Duration::from_secs(60),
/// };
/// let locked = ThrottleKey::Network("192.0.2.1/32".parse()?);
/// store.record_failure(&locked, rule, now).await;
/// for n in 0..10 {
///     let other = ThrottleKey::Network(format!("198.51.100.{n}/32").parse()?);
///     store.record_failure(&other, ThrottleRule { max_failures: 5, ..rule }, now).await;
/// }
/// assert_eq!(store.len(), 2);
/// assert_eq!(store.locked(&locked, now).await, Some(Duration::from_secs(60)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryThrottle {
    buckets: Mutex<Buckets>,
    max_buckets: usize,
}

/// Default bound of [`MemoryThrottle`].
pub const DEFAULT_MAX_BUCKETS: usize = 100_000;

impl Default for MemoryThrottle {
    fn default() -> Self {
        MemoryThrottle::new(DEFAULT_MAX_BUCKETS)
    }
}

impl MemoryThrottle {
    /// A store holding at most `max_buckets` buckets (at least one).
    #[must_use]
    pub fn new(max_buckets: usize) -> Self {
        MemoryThrottle {
            buckets: Mutex::new(Buckets::default()),
            max_buckets: max_buckets.max(1),
        }
    }

    /// How many buckets are held.
    #[must_use]
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether no bucket is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().map.is_empty()
    }

    fn lock(&self) -> MutexGuard<'_, Buckets> {
        self.buckets.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ThrottleStore for MemoryThrottle {
    async fn locked(&self, key: &ThrottleKey, now: OffsetDateTime) -> Option<Duration> {
        let buckets = self.lock();
        buckets
            .map
            .get(key)
            .and_then(|bucket| bucket.locked_until)
            .and_then(|until| remaining(until, nanos(now)))
    }

    async fn check(&self, key: &ThrottleKey, now: OffsetDateTime) -> BucketCheck {
        let buckets = self.lock();
        let bucket = buckets.map.get(key);
        BucketCheck {
            locked: bucket
                .and_then(|bucket| bucket.locked_until)
                .and_then(|until| remaining(until, nanos(now))),
            holds_failures: bucket.is_some(),
        }
    }

    async fn record_failure(&self, key: &ThrottleKey, rule: ThrottleRule, now: OffsetDateTime) {
        self.lock()
            .record_failure(key, rule, nanos(now), self.max_buckets);
    }

    async fn reset(&self, key: &ThrottleKey) {
        self.lock().reset(key);
    }

    async fn is_repeated_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        now: OffsetDateTime,
    ) -> bool {
        self.lock()
            .map
            .get(key)
            .is_some_and(|bucket| bucket.recent.contains(secret.0, nanos(now)))
    }

    async fn remember_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        until: OffsetDateTime,
    ) {
        if let Some(bucket) = self.lock().map.get_mut(key) {
            bucket.recent.insert(secret.0, nanos(until));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_secrets_remember_the_last_few_until_they_expire() {
        let mut recent = RecentSecrets::default();
        assert!(!recent.contains(1, 0));
        recent.insert(1, 100);
        assert!(recent.contains(1, 99));
        assert!(!recent.contains(1, 100), "forgotten at its instant");
        assert!(!recent.contains(2, 50));
        // Four slots: a fifth secret pushes out the one forgotten first.
        for (digest, until) in [(2, 200), (3, 300), (4, 400), (5, 500)] {
            recent.insert(digest, until);
        }
        assert!(!recent.contains(1, 50), "the earliest-ending entry went");
        for digest in [2, 3, 4, 5] {
            assert!(recent.contains(digest, 150), "{digest}");
        }
        recent.insert(6, 600);
        assert!(!recent.contains(2, 150));
        assert!(recent.contains(6, 550));
    }

    use crate::throttle::ThrottlePolicy;
    use ipnet::{IpNet, Ipv4Net};
    use std::net::IpAddr;

    use std::collections::HashSet;
    use std::net::Ipv4Addr;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use proptest::prelude::*;

    /// Runs a future that never waits (the store takes no `.await`).
    fn ready<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the store waited"),
        }
    }

    const T0: i64 = 1_800_000_000;

    fn at(seconds: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(T0 + seconds).unwrap()
    }

    fn at_ms(milliseconds: i64) -> OffsetDateTime {
        at(0) + time::Duration::milliseconds(milliseconds)
    }

    /// The network bucket of 10.0.0.0 + `n`.
    fn net(n: u32) -> ThrottleKey {
        ThrottleKey::Network(IpNet::V4(
            Ipv4Net::new(Ipv4Addr::from(0x0a00_0000 + n), 32).unwrap(),
        ))
    }

    fn rule(max_failures: u32, window: u64, lockout: u64) -> ThrottleRule {
        ThrottleRule {
            max_failures,
            window: Duration::from_secs(window),
            lockout: Duration::from_secs(lockout),
        }
    }

    fn fail(store: &MemoryThrottle, key: &ThrottleKey, rule: ThrottleRule, now: OffsetDateTime) {
        ready(ThrottleStore::record_failure(store, key, rule, now));
    }

    fn held(store: &MemoryThrottle) -> HashSet<ThrottleKey> {
        store.lock().map.keys().map(|key| (**key).clone()).collect()
    }

    fn set<const N: usize>(keys: [&ThrottleKey; N]) -> HashSet<ThrottleKey> {
        keys.into_iter().cloned().collect()
    }

    /// Every bucket sits in exactly one index, at its slot, under its key.
    fn assert_indexed(buckets: &Buckets) {
        assert_eq!(
            buckets.counters.len() + buckets.locks.len(),
            buckets.map.len()
        );
        for (key, bucket) in &buckets.map {
            let indexed = match bucket.slot() {
                Slot::Counter(position) => buckets.counters.get(&position),
                Slot::Lock(position) => buckets.locks.get(&position),
            };
            assert_eq!(indexed, Some(key));
        }
    }

    #[test]
    fn a_locked_pair_stays_locked_while_a_thousand_networks_fill_the_store() {
        let policy = ThrottlePolicy::default();
        let store = MemoryThrottle::new(64);
        let victim = policy.pair_of("2001:db8:1::7".parse().unwrap(), "victim@example.org");
        for _ in 0..5 {
            fail(&store, &victim, policy.per_pair, at(0));
        }
        assert_eq!(
            ready(ThrottleStore::locked(&store, &victim, at(0))),
            Some(Duration::from_secs(900))
        );
        // 1,000 other networks, one failure each for the network and the
        // pair, 100 ms apart: 2,000 fresh counters through 64 places.
        for n in 0..1000_u32 {
            let now = at_ms(i64::from(n) * 100);
            let ip = IpAddr::V4(Ipv4Addr::from(0xc633_6400 + n));
            fail(
                &store,
                &ThrottleKey::Network(policy.network_of(ip)),
                policy.per_network,
                now,
            );
            fail(
                &store,
                &policy.pair_of(ip, "victim@example.org"),
                policy.per_pair,
                now,
            );
            assert!(store.len() <= 64, "{} buckets", store.len());
        }
        assert_eq!(store.len(), 64);
        assert_eq!(
            ready(ThrottleStore::locked(&store, &victim, at(100))),
            Some(Duration::from_secs(800))
        );
        assert_indexed(&store.lock());
    }

    #[test]
    fn expired_buckets_go_before_counters_and_counters_before_locks() {
        let store = MemoryThrottle::new(3);
        let (old_counter, expired, locked) = (net(1), net(2), net(3));
        fail(&store, &old_counter, rule(5, 3600, 3600), at(0));
        fail(&store, &expired, rule(5, 60, 60), at(10));
        fail(&store, &locked, rule(1, 3600, 3600), at(20));
        // At 120 s the 60 s window is over: that bucket goes, though it is
        // younger than the counter.
        let (new1, new2, new3) = (net(11), net(12), net(13));
        fail(&store, &new1, rule(5, 3600, 3600), at(120));
        assert_eq!(held(&store), set([&old_counter, &locked, &new1]));
        // Full again and nothing expired: the counter whose window ends
        // first goes, not the older lock.
        fail(&store, &new2, rule(5, 3600, 3600), at(130));
        assert_eq!(held(&store), set([&locked, &new1, &new2]));
        fail(&store, &new3, rule(5, 3600, 3600), at(140));
        assert_eq!(held(&store), set([&locked, &new2, &new3]));
        assert_eq!(
            ready(ThrottleStore::locked(&store, &locked, at(140))),
            Some(Duration::from_secs(3480))
        );
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn a_store_of_only_live_locks_evicts_the_lock_ending_soonest() {
        let store = MemoryThrottle::new(3);
        let (long, short, middle, counter) = (net(1), net(2), net(3), net(4));
        fail(&store, &long, rule(1, 600, 600), at(0));
        fail(&store, &short, rule(1, 600, 60), at(1));
        fail(&store, &middle, rule(1, 600, 300), at(2));
        fail(&store, &counter, rule(5, 600, 600), at(10));
        assert_eq!(held(&store), set([&long, &middle, &counter]));
        assert_eq!(ready(ThrottleStore::locked(&store, &short, at(10))), None);
        assert_eq!(
            ready(ThrottleStore::locked(&store, &long, at(10))),
            Some(Duration::from_secs(590))
        );
        assert_eq!(
            ready(ThrottleStore::locked(&store, &middle, at(10))),
            Some(Duration::from_secs(292))
        );
        assert_eq!(store.len(), 3);
    }

    #[test]
    fn eviction_order_is_expired_then_counters_then_the_soonest_lock() {
        let store = MemoryThrottle::new(100);
        let counter_long = net(1); // window ends 3600
        let lock_late = net(2); // lock ends 1005
        let lock_early = net(3); // lock ends 506
        let counter_short = net(4); // window ends 607
        let ended_lock_expired = net(5); // lock ended 18, window ended 58
        let expired = net(6); // window ended 29
        let ended_lock_counting = net(7); // lock ended 20, window ends 3010
        fail(&store, &counter_long, rule(5, 3600, 60), at(0));
        fail(&store, &lock_late, rule(1, 60, 1000), at(5));
        fail(&store, &lock_early, rule(1, 60, 500), at(6));
        fail(&store, &counter_short, rule(5, 600, 60), at(7));
        fail(&store, &ended_lock_expired, rule(1, 50, 10), at(8));
        fail(&store, &expired, rule(5, 20, 60), at(9));
        fail(&store, &ended_lock_counting, rule(1, 3000, 10), at(10));
        let mut buckets = store.lock();
        let mut order = Vec::new();
        while !buckets.map.is_empty() {
            let before: HashSet<ThrottleKey> =
                buckets.map.keys().map(|key| (**key).clone()).collect();
            assert!(buckets.evict_one(nanos(at(200))));
            assert_indexed(&buckets);
            let gone: Vec<ThrottleKey> = before
                .into_iter()
                .filter(|key| !buckets.map.contains_key(key))
                .collect();
            assert_eq!(gone.len(), 1);
            order.extend(gone);
        }
        assert!(!buckets.evict_one(nanos(at(200))));
        assert_eq!(
            order,
            [
                expired,
                ended_lock_expired,
                counter_short,
                ended_lock_counting,
                counter_long,
                lock_early,
                lock_late,
            ]
        );
    }

    #[test]
    fn a_lockout_of_duration_max_does_not_overflow() {
        let store = MemoryThrottle::new(4);
        let forever = ThrottleRule {
            max_failures: 1,
            window: Duration::MAX,
            lockout: Duration::MAX,
        };
        fail(&store, &net(1), forever, at(0));
        fail(&store, &net(1), forever, at(1));
        assert_eq!(
            ready(ThrottleStore::locked(&store, &net(1), at(1))),
            Some(Duration::MAX)
        );
        assert_eq!(
            ready(ThrottleStore::locked(&store, &net(1), at(3))),
            Some(Duration::MAX - Duration::from_secs(2))
        );
    }

    #[test]
    fn reset_forgets_a_bucket_and_its_index_entry() {
        let store = MemoryThrottle::new(4);
        fail(&store, &net(1), rule(1, 60, 60), at(0));
        fail(&store, &net(2), rule(5, 60, 60), at(0));
        ready(ThrottleStore::reset(&store, &net(1)));
        ready(ThrottleStore::reset(&store, &net(2)));
        ready(ThrottleStore::reset(&store, &net(3)));
        assert!(store.is_empty());
        let buckets = store.lock();
        assert!(buckets.counters.is_empty() && buckets.locks.is_empty());
    }

    /// The eviction order written as a scan over every bucket: the
    /// reference the indexed store must agree with.
    #[derive(Debug, Default)]
    struct Model {
        map: HashMap<ThrottleKey, Bucket>,
        next_seq: u64,
    }

    impl Model {
        fn record_failure(
            &mut self,
            key: &ThrottleKey,
            rule: ThrottleRule,
            now: OffsetDateTime,
            capacity: usize,
        ) {
            let now = nanos(now);
            if self.map.get(key).is_some_and(|bucket| bucket.expired(now)) {
                self.map.remove(key);
            }
            if let Some(bucket) = self.map.get_mut(key) {
                bucket.count(rule, now);
                return;
            }
            while self.map.len() >= capacity {
                // (0, window end): no live lock; (1, lock end): live lock.
                let victim = self
                    .map
                    .iter()
                    .min_by_key(|(_, bucket)| match bucket.locked_until {
                        Some(until) if until > now => (1, until, bucket.seq),
                        _ => (0, bucket.window_end, bucket.seq),
                    })
                    .map(|(key, _)| key.clone());
                match victim {
                    Some(victim) => self.map.remove(&victim),
                    None => break,
                };
            }
            let mut bucket = Bucket {
                window_end: later(now, rule.window),
                failures: 0,
                locked_until: None,
                seq: self.next_seq,
                recent: RecentSecrets::default(),
            };
            self.next_seq += 1;
            bucket.count(rule, now);
            self.map.insert(key.clone(), bucket);
        }

        /// What still matters: buckets not expired, with their counts and
        /// live locks.
        fn live(
            map: impl Iterator<Item = (ThrottleKey, Bucket)>,
            now: OffsetDateTime,
        ) -> HashMap<ThrottleKey, (u32, Nanos, Option<Nanos>)> {
            let now = nanos(now);
            map.filter(|(_, bucket)| !bucket.expired(now))
                .map(|(key, bucket)| {
                    let lock = bucket.locked_until.filter(|until| *until > now);
                    (key, (bucket.failures, bucket.window_end, lock))
                })
                .collect()
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Fail { key: u32, rule: usize },
        Reset { key: u32 },
        Advance { seconds: i64 },
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            6 => (0..10_u32, 0..3_usize).prop_map(|(key, rule)| Op::Fail { key, rule }),
            1 => (0..10_u32).prop_map(|key| Op::Reset { key }),
            2 => (0..200_i64).prop_map(|seconds| Op::Advance { seconds }),
        ]
    }

    proptest! {
        #[test]
        fn the_indexed_store_evicts_like_the_full_scan_model(
            capacity in 1..6_usize,
            ops in proptest::collection::vec(op(), 1..80),
        ) {
            let rules = [rule(2, 60, 120), rule(3, 300, 30), rule(1, 10, 500)];
            let store = MemoryThrottle::new(capacity);
            let mut model = Model::default();
            let mut now = at(0);
            for op in ops {
                match op {
                    Op::Fail { key, rule } => {
                        let rule = rules[rule];
                        fail(&store, &net(key), rule, now);
                        model.record_failure(&net(key), rule, now, capacity);
                    }
                    Op::Reset { key } => {
                        ready(ThrottleStore::reset(&store, &net(key)));
                        model.map.remove(&net(key));
                    }
                    Op::Advance { seconds } => now += time::Duration::seconds(seconds),
                }
                prop_assert!(store.len() <= capacity);
                let buckets = store.lock();
                assert_indexed(&buckets);
                let stored = Model::live(
                    buckets.map.iter().map(|(key, bucket)| ((**key).clone(), *bucket)),
                    now,
                );
                drop(buckets);
                let expected = Model::live(
                    model.map.iter().map(|(key, bucket)| (key.clone(), *bucket)),
                    now,
                );
                prop_assert_eq!(stored, expected);
                for key in 0..10 {
                    let locked = ready(ThrottleStore::locked(&store, &net(key), now));
                    let modelled = model
                        .map
                        .get(&net(key))
                        .and_then(|bucket| bucket.locked_until)
                        .and_then(|until| remaining(until, nanos(now)));
                    prop_assert_eq!(locked, modelled);
                }
            }
        }
    }

    #[test]
    fn ipv6_grouping() {
        let policy = ThrottlePolicy::default();
        let a: IpAddr = "2001:db8:1:2:3::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:9::1".parse().unwrap();
        assert_eq!(policy.network_of(a), policy.network_of(b));
        assert_ne!(policy.pair_of(a, "x"), policy.pair_of(b, "x"));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(policy.network_of(mapped).to_string(), "192.0.2.1/32");
    }
}
