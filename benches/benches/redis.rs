//! Shared state on Redis (`portcullis-redis`) against its named peers in
//! the same run, on the Redis server of `PORTCULLIS_TEST_REDIS_URL`
//! (`.ci/services/redis.sh start` prints it; without it this bench says so
//! and measures nothing):
//!
//! - **round trip**: a bare `GET` through the same client (`redis`
//!   crate, one multiplexed connection), the floor any shared store pays;
//!   `RedisStore::locked` (one `PTTL`); the pair check (`PTTL` +
//!   `EXISTS`) and the revocation epoch read (`HMGET`) of a login issued
//!   together, as the authenticator does (one pipelined round trip);
//!   the same two in process (`MemoryThrottle` + `MemoryRevocations`).
//! - **record**: one failure counted through Redis (one script) against
//!   `MemoryThrottle::record_failure`.
//! - **cached login**: a whole repeat login (`Authenticator::verify`,
//!   PLAIN, cache hit) with the in-process stores, with the Redis throttle
//!   store, and with the Redis throttle and revocation stores (the epoch
//!   check).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_util::future::join;
use portcullis::{
    Account, AuthRequest, Authenticator, CredentialKind, CredentialRef, Hashing, MemoryDirectory,
    MemoryRevocations, MemoryThrottle, RequestCredentials, RevocationStore, Surface,
    ThrottlePolicy, ThrottleStore,
};
use portcullis_credentials::{HashPolicy, OsRandom, StoredHash};
use portcullis_redis::{RedisConfig, RedisStore};
use time::OffsetDateTime;

const PASSWORD_REF: CredentialRef = CredentialRef {
    kind: CredentialKind::Password,
    id: None,
};

fn request() -> AuthRequest {
    AuthRequest::new(
        Surface::Imap,
        "192.0.2.10".parse().unwrap(),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![b"\0alice\0correct horse".to_vec()],
        },
    )
    .with_tls(true)
}

fn store(url: &str) -> RedisStore {
    RedisStore::new(
        RedisConfig::new(url)
            .key_prefix("portcullis-bench:")
            .timeout(Duration::from_secs(2)),
    )
    .unwrap()
}

fn redis(c: &mut Criterion) {
    let Ok(url) = std::env::var("PORTCULLIS_TEST_REDIS_URL") else {
        println!("redis bench skipped: set PORTCULLIS_TEST_REDIS_URL (.ci/services/redis.sh)");
        return;
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let policy = ThrottlePolicy::default();
    let pair = policy.pair_of("192.0.2.10".parse().unwrap(), "alice");
    let now = OffsetDateTime::now_utc();
    let shared = store(&url);
    let memory = MemoryThrottle::default();
    let epochs = MemoryRevocations::new();
    let mut connection = runtime.block_on(async {
        let client = redis::Client::open(url.as_str()).unwrap();
        redis::aio::ConnectionManager::new(client).await.unwrap()
    });

    let mut group = c.benchmark_group("redis/round-trip");
    group.bench_function("bare GET (peer)", |b| {
        b.iter(|| {
            runtime.block_on(async {
                redis::cmd("GET")
                    .arg("portcullis-bench:absent")
                    .query_async::<Option<String>>(&mut connection)
                    .await
                    .unwrap()
            })
        });
    });
    group.bench_function("RedisStore::locked (PTTL)", |b| {
        b.iter(|| runtime.block_on(shared.locked(&pair, now)));
    });
    group.bench_function("pair check + epoch read, pipelined (Redis)", |b| {
        b.iter(|| {
            runtime.block_on(join(
                shared.check(&pair, now),
                shared.epoch("alice", PASSWORD_REF),
            ))
        });
    });
    group.bench_function("pair check + epoch read (in process)", |b| {
        b.iter(|| {
            runtime.block_on(join(
                memory.check(&pair, now),
                epochs.epoch("alice", PASSWORD_REF),
            ))
        });
    });
    group.finish();

    let mut group = c.benchmark_group("redis/record-failure");
    let rule = policy.per_pair;
    group.bench_function("Redis (one script)", |b| {
        b.iter(|| runtime.block_on(shared.record_failure(&pair, rule, now)));
    });
    group.bench_function("MemoryThrottle (in process)", |b| {
        b.iter(|| runtime.block_on(memory.record_failure(&pair, rule, now)));
    });
    group.finish();
    runtime.block_on(shared.reset(&pair));

    let phc = HashPolicy::default()
        .hash_password(b"correct horse", &mut OsRandom)
        .unwrap();
    let directory = || {
        MemoryDirectory::builder()
            .account(
                Account::new("alice")
                    .with_password(StoredHash::parse(&phc).unwrap())
                    .with_roles(["user"]),
            )
            .build()
    };
    let base = || {
        Authenticator::builder()
            .directory(directory())
            .hashing(Hashing::Inline)
    };
    let in_process = base().build().unwrap();
    let throttled = base().throttle_store(store(&url)).build().unwrap();
    // One store for both, as a server holds it: one multiplexed
    // connection, so the pair check and the epoch read share a round trip.
    let both = store(&url);
    let with_epochs = base()
        .throttle_store(both.clone())
        .revocation_store(both)
        .build()
        .unwrap();
    let login = request();
    let mut group = c.benchmark_group("redis/cached-login");
    for (name, auth) in [
        ("in-process stores", &in_process),
        ("Redis throttle", &throttled),
        ("Redis throttle + epoch check", &with_epochs),
    ] {
        // Warm the verification cache: every measured login is a hit.
        assert!(matches!(
            runtime.block_on(auth.verify(&login)),
            portcullis::Decision::Grant(_)
        ));
        group.bench_function(name, |b| b.iter(|| runtime.block_on(auth.verify(&login))));
    }
    group.finish();
}

criterion_group!(benches, redis);
criterion_main!(benches);
