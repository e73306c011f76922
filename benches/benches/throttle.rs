//! The in-memory throttle store when it is full: the cost of one
//! `MemoryThrottle::record_failure` for a new bucket (which must evict one)
//! at 1,000, 10,000 and 100,000 buckets, against its named peer in the
//! same run — **the previous full-scan store**, reimplemented here as it
//! was: a `HashMap` that, when full, runs `retain` over every bucket to
//! drop expired ones and then `min_by_key` over every bucket to evict the
//! oldest. The store is filled with pair counters from distinct IPv6 /64
//! networks, as one IPv6 /36 fills it; each measured failure comes from the
//! next /64 a moment later.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::hint::black_box;
use std::net::{IpAddr, Ipv6Addr};
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use portcullis::{MemoryThrottle, ThrottleKey, ThrottlePolicy, ThrottleRule, ThrottleStore};
use time::OffsetDateTime;

/// Runs a future that completes without waiting: no runtime in the
/// measurement.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future waited"),
    }
}

/// The pair bucket of the `n`-th /64 of 2001:db8:1000::/36.
fn pair(policy: &ThrottlePolicy, n: u64) -> ThrottleKey {
    let base = u128::from(Ipv6Addr::new(0x2001, 0xdb8, 0x1000, 0, 0, 0, 0, 1));
    let ip = Ipv6Addr::from(base + (u128::from(n) << 64));
    policy.pair_of(IpAddr::V6(ip), "victim@example.org")
}

/// The previous `MemoryThrottle`, as it was before the eviction indexes:
/// the peer.
struct FullScanStore {
    buckets: HashMap<ThrottleKey, Bucket>,
    max_buckets: usize,
}

#[derive(Clone, Copy)]
struct Bucket {
    window_start: OffsetDateTime,
    failures: u32,
    locked_until: Option<OffsetDateTime>,
}

impl FullScanStore {
    fn record_failure(&mut self, key: &ThrottleKey, rule: ThrottleRule, now: OffsetDateTime) {
        let buckets = &mut self.buckets;
        if buckets.len() >= self.max_buckets && !buckets.contains_key(key) {
            let window = rule.window.max(rule.lockout);
            buckets.retain(|_, bucket| {
                let live_lock = bucket.locked_until.is_some_and(|until| until > now);
                live_lock || now - bucket.window_start < window
            });
            if buckets.len() >= self.max_buckets {
                let oldest = buckets
                    .iter()
                    .min_by_key(|(_, bucket)| bucket.window_start)
                    .map(|(key, _)| key.clone());
                if let Some(oldest) = oldest {
                    buckets.remove(&oldest);
                }
            }
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            window_start: now,
            failures: 0,
            locked_until: None,
        });
        if now - bucket.window_start > rule.window {
            *bucket = Bucket {
                window_start: now,
                failures: 0,
                locked_until: bucket.locked_until.filter(|until| *until > now),
            };
        }
        bucket.failures = bucket.failures.saturating_add(1);
        if bucket.failures >= rule.max_failures {
            bucket.locked_until = Some(now + rule.lockout);
        }
    }
}

fn throttle(c: &mut Criterion) {
    let policy = ThrottlePolicy::default();
    let rule = policy.per_pair;
    let start = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    // One microsecond per failure: millions of iterations stay well inside
    // the 15-minute window, so every eviction takes a live counter.
    let instant = |n: u64| start + Duration::from_micros(n);

    let mut group = c.benchmark_group("throttle/record_failure on a full store");
    for size in [1_000_u64, 10_000, 100_000] {
        let store = MemoryThrottle::new(size as usize);
        let mut peer = FullScanStore {
            buckets: HashMap::new(),
            max_buckets: size as usize,
        };
        for n in 0..size {
            let key = pair(&policy, n);
            ready(store.record_failure(&key, rule, instant(n)));
            peer.record_failure(&key, rule, instant(n));
        }
        assert_eq!(store.len(), size as usize);
        assert_eq!(peer.buckets.len(), size as usize);

        let next = Cell::new(size);
        let fresh = || {
            let n = next.get();
            next.set(n + 1);
            (pair(&policy, n), instant(n))
        };
        group.bench_function(BenchmarkId::new("MemoryThrottle (indexed)", size), |b| {
            b.iter_batched_ref(
                fresh,
                |(key, now)| ready(store.record_failure(black_box(key), rule, *now)),
                BatchSize::SmallInput,
            )
        });
        assert_eq!(store.len(), size as usize);

        if size >= 100_000 {
            group.sample_size(20);
        }
        group.bench_function(BenchmarkId::new("peer: full-scan store", size), |b| {
            b.iter_batched_ref(
                fresh,
                |(key, now)| peer.record_failure(black_box(key), rule, *now),
                BatchSize::SmallInput,
            )
        });
        assert_eq!(peer.buckets.len(), size as usize);
    }
    group.finish();
}

criterion_group!(benches, throttle);
criterion_main!(benches);
