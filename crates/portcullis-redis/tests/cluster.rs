//! The same shared state on a real three-node Redis Cluster
//! (`PORTCULLIS_TEST_REDIS_CLUSTER`, started by `.ci/services/redis.sh`):
//! buckets and epochs land on different nodes, each script's keys in one
//! slot.

use std::time::Duration;

use portcullis::{Account, Authenticator, Decision, Hashing, MemoryDirectory};
use portcullis_credentials::{Argon2Params, HashPolicy, OsRandom, StoredHash};
use portcullis_redis::{RedisConfig, RedisStore};

use crate::support::*;

fn cluster_seeds() -> Option<Vec<String>> {
    match std::env::var("PORTCULLIS_TEST_REDIS_CLUSTER") {
        Ok(seeds) if !seeds.is_empty() => Some(seeds.split(',').map(str::to_owned).collect()),
        _ => {
            println!("skipped: set PORTCULLIS_TEST_REDIS_CLUSTER (see .ci/services/redis.sh)");
            None
        }
    }
}

fn cluster_store(seeds: &[String], prefix: &str) -> RedisStore {
    RedisStore::new(
        RedisConfig::cluster(seeds.iter().cloned())
            .key_prefix(prefix)
            .timeout(Duration::from_secs(2))
            .retry_after(Duration::from_millis(100)),
    )
    .unwrap()
}

const NAMES: [&str; 6] = ["alice", "bob", "carol", "dave", "erin", "frank"];

fn accounts() -> Vec<Account> {
    let policy = HashPolicy::with_argon2(Argon2Params {
        m_kib: 64,
        t: 1,
        p: 1,
    });
    NAMES
        .into_iter()
        .map(|name| {
            let hash = policy
                .hash_password(PASSWORD.as_bytes(), &mut OsRandom)
                .unwrap();
            Account::new(name)
                .with_password(StoredHash::parse(&hash).unwrap())
                .with_roles(["user"])
        })
        .collect()
}

fn node(store: &RedisStore, accounts: &[Account]) -> Authenticator {
    let mut directory = MemoryDirectory::builder();
    for account in accounts {
        directory = directory.account(account.clone());
    }
    Authenticator::builder()
        .directory(directory.build())
        .hash_policy(HashPolicy::with_argon2(Argon2Params {
            m_kib: 64,
            t: 1,
            p: 1,
        }))
        .hashing(Hashing::Inline)
        .clock(now)
        .throttle_policy(policy())
        .throttle_store(store.clone())
        .revocation_store(store.clone())
        .shared_verification_cache(&[9; 32], Duration::from_secs(600))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn locks_reached_through_one_node_hold_on_the_other_across_the_cluster() {
    let Some(seeds) = cluster_seeds() else { return };
    let prefix = prefix();
    let accounts = accounts();
    let (store_a, store_b) = (
        cluster_store(&seeds, &prefix),
        cluster_store(&seeds, &prefix),
    );
    let (a, b) = (node(&store_a, &accounts), node(&store_b, &accounts));
    // Six accounts' buckets spread over the three primaries' slots.
    for name in NAMES {
        for n in 0..3 {
            let node = if n % 2 == 0 { &a } else { &b };
            assert_eq!(
                login(node, name, &format!("wrong {n}")).await,
                "wrong-secret"
            );
        }
        assert_eq!(store_a.shared_failures(&pair(name)).await, Some(3));
        assert_eq!(login(&a, name, PASSWORD).await, "throttled");
        assert_eq!(login(&b, name, PASSWORD).await, "throttled");
    }
    assert_eq!((store_a.fallbacks(), store_b.fallbacks()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_login_resets_the_pair_for_every_node_of_the_cluster() {
    let Some(seeds) = cluster_seeds() else { return };
    let prefix = prefix();
    let accounts = accounts();
    let (store_a, store_b) = (
        cluster_store(&seeds, &prefix),
        cluster_store(&seeds, &prefix),
    );
    let (a, b) = (node(&store_a, &accounts), node(&store_b, &accounts));
    for name in NAMES {
        assert_eq!(login(&a, name, "wrong 1").await, "wrong-secret");
        assert_eq!(login(&a, name, "wrong 2").await, "wrong-secret");
        assert_eq!(login(&b, name, PASSWORD).await, "grant");
        assert_eq!(store_a.shared_failures(&pair(name)).await, Some(0));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_and_the_shared_tier_work_across_the_cluster() {
    let Some(seeds) = cluster_seeds() else { return };
    let prefix = prefix();
    let accounts = accounts();
    let (store_a, store_b) = (
        cluster_store(&seeds, &prefix),
        cluster_store(&seeds, &prefix),
    );
    let (a, b) = (node(&store_a, &accounts), node(&store_b, &accounts));
    let mut feed = store_b.revocations().await.unwrap();
    for name in NAMES {
        let session = match a.verify(&plain(name, PASSWORD)).await {
            Decision::Grant(grant) => grant.session_binding,
            other => panic!("{other:?}"),
        };
        let explained = b.explain(&plain(name, PASSWORD)).await;
        let verified = explained
            .trace
            .iter()
            .find(|step| step.step == "verify-credential")
            .map(|step| step.outcome.as_str());
        assert_eq!(
            verified,
            Some("password verified (cached by another server)")
        );
        assert_eq!(b.revalidate(&session).await, Ok(()));
        a.revoke_account(name).await.unwrap();
        assert_eq!(
            b.revalidate(&session).await.unwrap_err().kind(),
            "credential-revoked"
        );
        // The announcement reaches a subscriber of another node.
        let notice = tokio::time::timeout(Duration::from_secs(5), feed.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (notice.account.as_str(), notice.field.as_str()),
            (name, "account")
        );
    }
}
