//! Redis unreachable or silent mid-test: logins are still decided.

use std::time::{Duration, Instant};

use portcullis_redis::{OnUnavailable, RedisConfig, RedisStore};
use tokio::net::TcpListener;

use crate::proxy::Proxy;
use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_outage_falls_back_to_local_counting_and_sharing_resumes() {
    let Some(url) = redis_url() else { return };
    let proxy = Proxy::start(&url).await;
    let prefix = prefix();
    let (store_a, store_b) = (store(&proxy.url(), &prefix), store(&proxy.url(), &prefix));
    let direct = store(&url, &prefix);
    let (a, b) = (node(&store_a), node(&store_b));

    // Up: two failures on alice, shared.
    assert_ne!(login(&a, "alice", "wrong 1").await, "throttled");
    assert_ne!(login(&a, "alice", "wrong 2").await, "throttled");
    assert_eq!(direct.shared_failures(&pair("alice")).await, Some(2));
    assert_eq!(store_a.fallbacks(), 0);

    // Down: every login is still decided, on its merits.
    proxy.down();
    let wrong = login(&a, "bob", "wrong").await;
    assert!(wrong != "grant" && wrong != "throttled", "{wrong}");
    assert_eq!(login(&b, "bob", PASSWORD).await, "grant");
    assert_ne!(login(&b, "alice", "wrong 3").await, "throttled");
    assert!(store_a.fallbacks() > 0, "A fell back");
    assert!(store_b.fallbacks() > 0, "B fell back");
    // B counted that failure locally: nothing reached Redis.
    assert_eq!(direct.shared_failures(&pair("alice")).await, Some(2));
    // The local store still throttles this node: two more failures on
    // carol through A lock carol on A (3 in all, all local).
    for n in 0..3 {
        assert_ne!(login(&a, "carol", &format!("wrong {n}")).await, "throttled");
    }
    assert_eq!(login(&a, "carol", PASSWORD).await, "throttled");

    // Back: shared counting resumes by itself.
    proxy.up();
    wait_until_shared(&store_a, &pair("alice")).await;
    wait_until_shared(&store_b, &pair("alice")).await;
    let fallbacks = (store_a.fallbacks(), store_b.fallbacks());
    assert_ne!(login(&b, "alice", "wrong 4").await, "throttled");
    assert_eq!(direct.shared_failures(&pair("alice")).await, Some(3));
    // The third shared failure locks alice on A, which never saw it.
    assert_eq!(login(&a, "alice", PASSWORD).await, "throttled");
    assert_eq!((store_a.fallbacks(), store_b.fallbacks()), fallbacks);
    // The lock carol reached locally on A during the outage holds there.
    assert_eq!(login(&a, "carol", PASSWORD).await, "throttled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_redis_costs_a_timeout_not_a_hang() {
    // Accepts connections and never answers: every call times out.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            sockets.push(socket);
        }
    });
    let store = RedisStore::new(
        RedisConfig::new(format!("redis://{addr}/"))
            .key_prefix(prefix())
            .timeout(Duration::from_millis(100))
            .retry_after(Duration::from_secs(60)),
    )
    .unwrap();
    let node = node(&store);
    let started = Instant::now();
    let wrong = login(&node, "alice", "wrong").await;
    assert!(wrong != "grant" && wrong != "throttled", "{wrong}");
    assert_eq!(login(&node, "alice", PASSWORD).await, "grant");
    // One timeout, then Redis is left alone for `retry_after`.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(store.fallbacks() >= 2);
    held.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_at_boot_still_decides_and_counts_locally() {
    // A port nobody listens on (bound, then released).
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let store = RedisStore::new(config(&format!("redis://{addr}/"), &prefix())).unwrap();
    let node = node(&store);
    for n in 0..3 {
        assert_ne!(
            login(&node, "alice", &format!("wrong {n}")).await,
            "throttled"
        );
    }
    assert_eq!(login(&node, "alice", PASSWORD).await, "throttled");
    assert_eq!(login(&node, "bob", PASSWORD).await, "grant");
    assert!(store.fallbacks() > 0);
    assert_eq!(store.local().len(), 2, "alice's pair and the network");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuse_logins_policy_says_try_later_while_redis_is_down() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let store = RedisStore::new(
        config(&format!("redis://{addr}/"), &prefix()).on_unavailable(
            OnUnavailable::RefuseLogins {
                retry_after: Duration::from_secs(30),
            },
        ),
    )
    .unwrap();
    let node = node(&store);
    assert_eq!(login(&node, "alice", PASSWORD).await, "throttled");
    assert!(store.fallbacks() > 0);
    assert!(store.local().is_empty());
}
