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
