//! The store's semantics against Redis: the same as `MemoryThrottle`.

use std::time::Duration;

use portcullis::{SecretDigest, ThrottleKey, ThrottleRule, ThrottleStore};

use crate::support::*;

fn rule(max_failures: u32, window_ms: u64, lockout_ms: u64) -> ThrottleRule {
    ThrottleRule {
        max_failures,
        window: Duration::from_millis(window_ms),
        lockout: Duration::from_millis(lockout_ms),
    }
}

fn network() -> ThrottleKey {
    ThrottleKey::Network("2001:db8:1::/48".parse().unwrap())
}

#[tokio::test]
async fn the_limit_locks_for_the_lockout_and_failures_in_a_past_window_are_forgotten() {
    let Some(url) = redis_url() else { return };
    let store = store(&url, &prefix());
    let key = network();
    let short = rule(3, 1_000, 60_000);
    store.record_failure(&key, short, now()).await;
    store.record_failure(&key, short, now()).await;
    assert_eq!(store.locked(&key, now()).await, None);
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    // The window is over: these two start a new one.
    store.record_failure(&key, short, now()).await;
    store.record_failure(&key, short, now()).await;
    assert_eq!(store.shared_failures(&key).await, Some(2));
    assert_eq!(store.locked(&key, now()).await, None);
    store.record_failure(&key, short, now()).await;
    let left = store.locked(&key, now()).await.unwrap();
    assert!(
        left > Duration::from_secs(59) && left <= Duration::from_secs(60),
        "{left:?}"
    );
    // Each failure past the limit locks for a full lockout from then.
    store
        .record_failure(&key, rule(3, 1_000, 120_000), now())
        .await;
    let left = store.locked(&key, now()).await.unwrap();
    assert!(left > Duration::from_secs(119), "{left:?}");
    assert_eq!(store.fallbacks(), 0);
}

#[tokio::test]
async fn a_lock_outlives_its_window() {
    let Some(url) = redis_url() else { return };
    let store = store(&url, &prefix());
    let key = pair("carol");
    let r = rule(2, 200, 5_000);
    store.record_failure(&key, r, now()).await;
    store.record_failure(&key, r, now()).await;
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(store.shared_failures(&key).await, Some(0), "window over");
    assert!(store.locked(&key, now()).await.is_some(), "still locked");
}

#[tokio::test]
async fn a_reset_forgets_the_bucket_on_every_store() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let (a, b) = (store(&url, &prefix), store(&url, &prefix));
    let key = pair("alice");
    let r = rule(1, 60_000, 60_000);
    a.record_failure(&key, r, now()).await;
    a.remember_secret(&key, SecretDigest::from_u128(7), now() + r.window)
        .await;
    assert!(b.locked(&key, now()).await.is_some());
    b.reset(&key).await;
    assert_eq!(a.locked(&key, now()).await, None);
    assert_eq!(a.shared_failures(&key).await, Some(0));
    assert!(
        !a.is_repeated_secret(&key, SecretDigest::from_u128(7), now())
            .await
    );
    // Other prefixes (other deployments) never see these keys.
    let other = store(&url, &crate::support::prefix());
    a.record_failure(&key, r, now()).await;
    assert_eq!(other.locked(&key, now()).await, None);
}

#[tokio::test]
async fn a_pair_remembers_only_its_last_few_secrets() {
    let Some(url) = redis_url() else { return };
    let store = store(&url, &prefix());
    let key = pair("alice");
    let r = rule(100, 60_000, 60_000);
    store.record_failure(&key, r, now()).await;
    for n in 1..=6_u64 {
        let until = now() + Duration::from_secs(n);
        store
            .remember_secret(&key, SecretDigest::from_u128(u128::from(n)), until)
            .await;
    }
    let repeated = |n: u128| store.is_repeated_secret(&key, SecretDigest::from_u128(n), now());
    assert!(!repeated(1).await, "the entries ending first went");
    assert!(!repeated(2).await, "the entries ending first went");
    for n in 3..=6 {
        assert!(repeated(n).await, "{n}");
    }
}

#[tokio::test]
async fn tricky_account_names_are_separate_buckets_in_redis() {
    let Some(url) = redis_url() else { return };
    let store = store(&url, &prefix());
    let r = rule(1, 60_000, 60_000);
    store.record_failure(&pair("1:a"), r, now()).await;
    assert!(store.locked(&pair("1:a"), now()).await.is_some());
    for other in ["1", "a", ":1:a", "3:1:a", "1:a:"] {
        assert_eq!(store.locked(&pair(other), now()).await, None, "{other}");
    }
}

#[tokio::test]
async fn check_tells_whether_a_grant_has_anything_to_reset() {
    let Some(url) = redis_url() else { return };
    let store = store(&url, &prefix());
    let key = pair("alice");
    let check = store.check(&key, now()).await;
    assert_eq!((check.locked, check.holds_failures), (None, false));
    // A lock outliving its failures' window still needs a reset.
    let one = rule(1, 300, 60_000);
    store.record_failure(&key, one, now()).await;
    let check = store.check(&key, now()).await;
    assert!(check.locked.is_some() && check.holds_failures);
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(store.shared_failures(&key).await, Some(0));
    let check = store.check(&key, now()).await;
    assert!(check.locked.is_some() && check.holds_failures);
    store.reset(&key).await;
    let check = store.check(&key, now()).await;
    assert_eq!((check.locked, check.holds_failures), (None, false));
    // Failures without a lock.
    store
        .record_failure(&key, rule(5, 60_000, 60_000), now())
        .await;
    let check = store.check(&key, now()).await;
    assert_eq!((check.locked, check.holds_failures), (None, true));
}
