//! Two authenticators ("nodes"), each with its own store, over one Redis.

use portcullis::{SecretDigest, ThrottleStore};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lock_reached_through_one_node_refuses_on_the_other() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let (store_a, store_b) = (store(&url, &prefix), store(&url, &prefix));
    let (a, b) = (node(&store_a), node(&store_b));
    for n in 0..3 {
        let kind = login(&a, "alice", &format!("wrong {n}")).await;
        assert_ne!(kind, "throttled", "attempt {n} is judged");
        assert_ne!(kind, "grant");
    }
    assert_eq!(store_b.shared_failures(&pair("alice")).await, Some(3));
    // The right password, through the other node: refused, try later.
    assert_eq!(login(&b, "alice", PASSWORD).await, "throttled");
    assert_eq!(login(&a, "alice", PASSWORD).await, "throttled");
    let left = store_b.locked(&pair("alice"), now()).await.unwrap();
    assert!(left.as_secs() > 800 && left.as_secs() <= 900, "{left:?}");
    // Another account from the same network is not locked.
    assert_eq!(login(&b, "bob", PASSWORD).await, "grant");
    assert_eq!(store_a.fallbacks() + store_b.fallbacks(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_login_through_one_node_resets_the_pair_for_the_other() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let (store_a, store_b) = (store(&url, &prefix), store(&url, &prefix));
    let (a, b) = (node(&store_a), node(&store_b));
    assert_ne!(login(&a, "alice", "wrong 1").await, "throttled");
    assert_ne!(login(&a, "alice", "wrong 2").await, "throttled");
    assert_eq!(store_a.shared_failures(&pair("alice")).await, Some(2));
    assert_eq!(login(&b, "alice", PASSWORD).await, "grant");
    assert_eq!(store_a.shared_failures(&pair("alice")).await, Some(0));
    // A fresh allowance on A: two more failures do not lock (they would
    // have, had the reset not reached A's counts).
    assert_ne!(login(&a, "alice", "wrong 3").await, "throttled");
    assert_ne!(login(&a, "alice", "wrong 4").await, "throttled");
    assert_eq!(login(&a, "alice", PASSWORD).await, "grant");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_wrong_secret_counts_once_per_node() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let (store_a, store_b) = (store(&url, &prefix), store(&url, &prefix));
    let (a, b) = (node(&store_a), node(&store_b));
    // A client resending the refused password to the same node: once.
    assert_ne!(login(&a, "alice", "typo").await, "throttled");
    assert_ne!(login(&a, "alice", "typo").await, "throttled");
    assert_eq!(store_a.shared_failures(&pair("alice")).await, Some(1));
    // Each node draws its own digest key, so to the other node it is a
    // new secret: dedupe is per node, and this counts.
    assert_ne!(login(&b, "alice", "typo").await, "throttled");
    assert_eq!(store_a.shared_failures(&pair("alice")).await, Some(2));
    assert_ne!(login(&b, "alice", "typo").await, "throttled");
    assert_eq!(store_a.shared_failures(&pair("alice")).await, Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_sharing_a_digest_key_share_remembered_secrets() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let (a, b) = (store(&url, &prefix), store(&url, &prefix));
    let key = pair("alice");
    let digest = SecretDigest::from_u128(0x0123_4567_89ab_cdef_0011_2233_4455_6677);
    let rule = policy().per_pair;
    let until = now() + rule.window;
    // Nothing is remembered on a bucket without failures (as in memory).
    a.remember_secret(&key, digest, until).await;
    assert!(!b.is_repeated_secret(&key, digest, now()).await);
    a.record_failure(&key, rule, now()).await;
    a.remember_secret(&key, digest, until).await;
    assert!(b.is_repeated_secret(&key, digest, now()).await);
    assert!(
        !b.is_repeated_secret(&key, SecretDigest::from_u128(1), now())
            .await
    );
    // `until` is on the caller's clock.
    assert!(!b.is_repeated_secret(&key, digest, until).await);
    assert!(!b.is_repeated_secret(&pair("bob"), digest, now()).await);
}
