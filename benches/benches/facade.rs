//! The facade's `verify`: a cached repeat login against its peers in the
//! same run — a bare argon2id verify of the same password
//! (`StoredHash::verify`, what every login costs without the cache, and
//! what Stalwart pays per login) and the same login with the cache off.
//! Also an unknown user against a wrong password (both cold): the dummy
//! verify should make them cost the same.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use portcullis::{
    Account, AuthRequest, Authenticator, Decision, Hashing, MemoryDirectory, RequestCredentials,
    Surface, ThrottlePolicy,
};
use portcullis_credentials::{HashPolicy, OsRandom, StoredHash};

/// Runs a future that completes without waiting (inline hashing, an
/// in-memory directory): no runtime in the measurement.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the future waited"),
    }
}

fn request(user: &str, password: &str) -> AuthRequest {
    AuthRequest::new(
        Surface::Imap,
        "192.0.2.10".parse().unwrap(),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![format!("\0{user}\0{password}").into_bytes()],
        },
    )
    .with_tls(true)
}

fn authenticator(directory: MemoryDirectory, cache: bool) -> Authenticator {
    let mut builder = Authenticator::builder()
        .directory(directory)
        .hashing(Hashing::Inline)
        .throttle_policy(ThrottlePolicy::disabled());
    if !cache {
        builder = builder.verification_cache(0, std::time::Duration::ZERO);
    }
    builder.build().unwrap()
}

fn facade(c: &mut Criterion) {
    let policy = HashPolicy::default();
    let phc = policy
        .hash_password(b"correct horse", &mut OsRandom)
        .unwrap();
    let stored = StoredHash::parse(&phc).unwrap();
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("alice@example.org")
                .with_password(stored.clone())
                .with_roles(["user"]),
        )
        .build();
    let cached = authenticator(directory.clone(), true);
    let cold = authenticator(directory, false);
    let good = request("alice@example.org", "correct horse");
    assert!(matches!(ready(cached.verify(&good)), Decision::Grant(_)));

    let mut group = c.benchmark_group("login");
    group.sample_size(20);
    group.bench_function("facade verify, cached repeat login", |b| {
        b.iter(|| ready(cached.verify(black_box(&good))))
    });
    group.bench_function("peer: bare argon2id verify", |b| {
        b.iter(|| stored.verify(black_box(b"correct horse"), &policy))
    });
    group.bench_function("facade verify, cache off (cold)", |b| {
        b.iter(|| ready(cold.verify(black_box(&good))))
    });
    group.finish();

    let wrong = request("alice@example.org", "wrong horse");
    let unknown = request("nobody@example.org", "correct horse");
    let mut group = c.benchmark_group("enumeration");
    group.sample_size(20);
    group.bench_function("wrong password", |b| {
        b.iter(|| ready(cold.verify(black_box(&wrong))))
    });
    group.bench_function("unknown user (dummy verify)", |b| {
        b.iter(|| ready(cold.verify(black_box(&unknown))))
    });
    group.finish();
}

criterion_group!(benches, facade);
criterion_main!(benches);
