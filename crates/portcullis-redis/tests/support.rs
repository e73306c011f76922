//! Shared helpers: the Redis URL, random prefixes, two nodes.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::IpAddr;
use std::time::Duration;

use portcullis::{
    Account, AuthRequest, Authenticator, Decision, Hashing, MemoryDirectory, RequestCredentials,
    Surface, ThrottleKey, ThrottlePolicy,
};
use portcullis_credentials::{Argon2Params, HashPolicy, OsRandom, StoredHash};
use portcullis_redis::{RedisConfig, RedisStore};
use time::OffsetDateTime;

pub const CLIENT: &str = "192.0.2.10";
pub const PASSWORD: &str = "correct horse battery staple";

/// The test server's URL, or `None` after saying the test is skipped.
pub fn redis_url() -> Option<String> {
    match std::env::var("PORTCULLIS_TEST_REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!("skipped: set PORTCULLIS_TEST_REDIS_URL (see .ci/services/redis.sh)");
            None
        }
    }
}

/// A key prefix no other test (or run) uses.
pub fn prefix() -> String {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    format!("portcullis-test:{:016x}:", hasher.finish())
}

pub fn config(url: &str, prefix: &str) -> RedisConfig {
    RedisConfig::new(url)
        .key_prefix(prefix)
        .timeout(Duration::from_millis(500))
        .retry_after(Duration::from_millis(100))
}

pub fn store(url: &str, prefix: &str) -> RedisStore {
    RedisStore::new(config(url, prefix)).unwrap()
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

/// 3 failures lock a pair; networks are limited far above that.
pub fn policy() -> ThrottlePolicy {
    let mut policy = ThrottlePolicy::default();
    policy.per_pair.max_failures = 3;
    policy.per_network.max_failures = 1000;
    policy
}

pub fn pair(account: &str) -> ThrottleKey {
    policy().pair_of(CLIENT.parse().unwrap(), account)
}

/// argon2id with tiny parameters: the tests run unoptimised.
fn hash_policy() -> HashPolicy {
    HashPolicy::with_argon2(Argon2Params {
        m_kib: 64,
        t: 1,
        p: 1,
    })
}

fn directory() -> MemoryDirectory {
    let hash = |password: &str| {
        StoredHash::parse(
            &hash_policy()
                .hash_password(password.as_bytes(), &mut OsRandom)
                .unwrap(),
        )
        .unwrap()
    };
    let mut builder = MemoryDirectory::builder();
    for name in ["alice", "bob", "carol"] {
        builder = builder.account(
            Account::new(name)
                .with_password(hash(PASSWORD))
                .with_roles(["user"]),
        );
    }
    builder.build()
}

/// One "node": an authenticator throttling in `store`.
pub fn node(store: &RedisStore) -> Authenticator {
    Authenticator::builder()
        .directory(directory())
        .hash_policy(hash_policy())
        .hashing(Hashing::Inline)
        .clock(now)
        .throttle_policy(policy())
        .throttle_store(store.clone())
        .build()
        .unwrap()
}

/// SASL PLAIN over TLS from [`CLIENT`].
pub fn plain(login: &str, password: &str) -> AuthRequest {
    let message = format!("\0{login}\0{password}").into_bytes();
    AuthRequest::new(
        Surface::Imap,
        CLIENT.parse::<IpAddr>().unwrap(),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![message],
        },
    )
    .with_tls(true)
}

/// `grant`, or the denial's reason kind.
pub fn kind(decision: &Decision) -> &'static str {
    match decision {
        Decision::Grant(_) => "grant",
        Decision::Deny(denial) | Decision::TryLater(denial) => denial.reason.kind(),
    }
}

pub async fn login(node: &Authenticator, account: &str, password: &str) -> &'static str {
    kind(&node.verify(&plain(account, password)).await)
}

/// Waits until `store` reaches Redis again (the connection manager
/// reconnects on a call after `retry_after`).
pub async fn wait_until_shared(store: &RedisStore, key: &ThrottleKey) {
    for _ in 0..100 {
        if store.shared_failures(key).await.is_some() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("Redis did not come back");
}
