//! The in-memory throttle store when it is full: fresh counters from many
//! networks never lift a lock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use portcullis::{
    Decision, MemoryDirectory, MemoryThrottle, Surface, ThrottleKey, ThrottleRule, ThrottleStore,
};
use time::OffsetDateTime;

use crate::support::*;

/// One store shared by the authenticator and the test, so the test can
/// watch its size.
struct Shared(Arc<MemoryThrottle>);

impl ThrottleStore for Shared {
    async fn locked(&self, key: &ThrottleKey, now: OffsetDateTime) -> Option<Duration> {
        self.0.locked(key, now).await
    }

    async fn record_failure(&self, key: &ThrottleKey, rule: ThrottleRule, now: OffsetDateTime) {
        self.0.record_failure(key, rule, now).await;
    }

    async fn reset(&self, key: &ThrottleKey) {
        self.0.reset(key).await;
    }
}

fn attempt(from: &str, login: &str, password: &str) -> portcullis::AuthRequest {
    let mut request = plain(Surface::Imap, "", login, password);
    request.remote_ip = ip(from);
    request
}

/// The security review's case: with 64 buckets, a guesser locked out of
/// the victim's account used to be let in again after about 40 failures
/// from other networks, because the full store evicted the oldest bucket,
/// live lock or not.
#[tokio::test]
async fn a_thousand_networks_of_one_ipv6_36_do_not_unlock_a_locked_pair() {
    let store = Arc::new(MemoryThrottle::new(64));
    // Milliseconds after `now()`, set by the test before each attempt, so
    // the lock is the oldest bucket and "oldest first" would pick it.
    let clock = Arc::new(AtomicI64::new(0));
    let auth = builder(
        MemoryDirectory::builder()
            .account(user("victim@example.org", "victim-password"))
            .build(),
    )
    .throttle_store(Shared(Arc::clone(&store)))
    .clock({
        let clock = Arc::clone(&clock);
        move || now() + time::Duration::milliseconds(clock.load(Ordering::SeqCst))
    })
    .build()
    .unwrap();
    let guesser = "203.0.113.66";
    for _ in 0..5 {
        let decision = auth
            .verify(&attempt(guesser, "victim@example.org", "guess"))
            .await;
        assert_eq!(kind(&decision), "wrong-secret");
    }
    let decision = auth
        .verify(&attempt(guesser, "victim@example.org", "victim-password"))
        .await;
    assert_eq!(kind(&decision), "throttled");

    // 1,000 /48 networks of 2001:db8:1000::/36, one failure each (a guess
    // at an unknown name) 100 ms apart: fresh buckets through 64 places.
    for n in 1..=1000_u32 {
        clock.store(i64::from(n) * 100, Ordering::SeqCst);
        let from = format!("2001:db8:{:x}::1", 0x1000 + n);
        let decision = auth
            .verify(&attempt(&from, &format!("user{n}@example.org"), "guess"))
            .await;
        assert_eq!(kind(&decision), "unknown-user");
        assert!(store.len() <= 64, "{} buckets", store.len());
    }
    assert_eq!(store.len(), 64);

    let decision = auth
        .verify(&attempt(guesser, "victim@example.org", "victim-password"))
        .await;
    let Decision::TryLater(denial) = &decision else {
        panic!("the locked pair was let in again: {}", kind(&decision))
    };
    assert_eq!(denial.reason.kind(), "throttled");
    // 100 s after the lock: 800 s of the 15-minute lockout are left.
    assert_eq!(denial.retry_after, Some(Duration::from_secs(800)));
    // The victim, from their own address, is not affected.
    let decision = auth
        .verify(&attempt(CLIENT, "victim@example.org", "victim-password"))
        .await;
    assert_eq!(kind(&decision), "grant");
}

/// A store that records its resets and says what `check` is told to.
struct Resets {
    holds_failures: bool,
    resets: std::sync::Mutex<Vec<ThrottleKey>>,
}

impl ThrottleStore for Resets {
    async fn locked(&self, _: &ThrottleKey, _: OffsetDateTime) -> Option<Duration> {
        None
    }

    async fn check(&self, _: &ThrottleKey, _: OffsetDateTime) -> portcullis::BucketCheck {
        portcullis::BucketCheck {
            locked: None,
            holds_failures: self.holds_failures,
        }
    }

    async fn record_failure(&self, _: &ThrottleKey, _: ThrottleRule, _: OffsetDateTime) {}

    async fn reset(&self, key: &ThrottleKey) {
        self.resets.lock().unwrap().push(key.clone());
    }
}

#[tokio::test]
async fn a_grant_resets_the_pair_only_when_its_check_found_failures() {
    for holds_failures in [false, true] {
        let store = Arc::new(Resets {
            holds_failures,
            resets: std::sync::Mutex::new(Vec::new()),
        });
        let auth = builder(
            MemoryDirectory::builder()
                .account(user("alice@example.org", "alice-password"))
                .build(),
        )
        .throttle_store(Arc::clone(&store))
        .build()
        .unwrap();
        let decision = auth
            .verify(&attempt(CLIENT, "alice@example.org", "alice-password"))
            .await;
        assert!(matches!(decision, Decision::Grant(_)));
        let expected = if holds_failures {
            vec![portcullis::ThrottlePolicy::default().pair_of(ip(CLIENT), "alice@example.org")]
        } else {
            Vec::new()
        };
        assert_eq!(*store.resets.lock().unwrap(), expected, "{holds_failures}");
    }
}

#[tokio::test]
async fn the_memory_store_says_which_buckets_hold_something() {
    let store = MemoryThrottle::default();
    let policy = portcullis::ThrottlePolicy::default();
    let pair = policy.pair_of(ip(CLIENT), "alice@example.org");
    let check = store.check(&pair, now()).await;
    assert_eq!((check.locked, check.holds_failures), (None, false));
    let rule = ThrottleRule {
        max_failures: 2,
        window: Duration::from_secs(60),
        lockout: Duration::from_secs(30),
    };
    store.record_failure(&pair, rule, now()).await;
    let check = store.check(&pair, now()).await;
    assert_eq!((check.locked, check.holds_failures), (None, true));
    store.record_failure(&pair, rule, now()).await;
    let check = store.check(&pair, now()).await;
    assert_eq!(
        (check.locked, check.holds_failures),
        (Some(Duration::from_secs(30)), true)
    );
    store.reset(&pair).await;
    assert!(!store.check(&pair, now()).await.holds_failures);
}
