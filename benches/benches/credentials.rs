//! portcullis-credentials benchmarks.
//!
//! Peer: the `argon2` crate's own `PasswordVerifier::verify_password` (what
//! a server calls when it verifies PHC strings directly, allocating fresh
//! argon2 memory on every call), with the OWASP parameters m=19456 t=2 p=1.
//!
//! Groups:
//! - `argon2_verify`: argon2's verify vs ours with per-thread memory reuse
//!   vs ours with reuse disabled (`retained_memory_kib = 0`).
//! - `unknown_user`: a wrong password for an existing account vs the dummy
//!   verification for an unknown one (goal: ratio 0.95–1.05).
//! - `verification_cache`: cold login without a cache vs cold login through
//!   the cache (a miss, then an insert; goal ≤ 2% overhead) vs a repeat
//!   login served by the cache (goal ≥ 10,000× faster than cold).
//!
//! Run: `cargo bench -p portcullis-benches --bench credentials -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordVerifier};
use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_credentials::{
    CredentialId, CredentialKind, CredentialRecord, HashPolicy, OsRandom, Secret, StoredHash, Verifier,
};
use time::OffsetDateTime;

const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));

fn record(phc: &str, revision: u64) -> CredentialRecord {
    CredentialRecord {
        id: CredentialId(0),
        kind: CredentialKind::Password,
        hash: StoredHash::parse(phc).unwrap(),
        description: String::new(),
        created_at: OffsetDateTime::UNIX_EPOCH,
        expires_at: None,
        allowed_ips: Vec::new(),
        scope: Default::default(),
        last_used: None,
        revision,
    }
}

fn argon2_verify(c: &mut Criterion) {
    let policy = HashPolicy::default();
    let phc = policy.hash_password(b"correct horse", &mut OsRandom).unwrap();
    let parsed = PasswordHash::new(&phc).unwrap();
    let stored = StoredHash::parse(&phc).unwrap();
    let no_reuse = HashPolicy {
        retained_memory_kib: 0,
        ..policy
    };
    let mut group = c.benchmark_group("argon2_verify");
    group.sample_size(20);
    group.bench_function("peer: argon2 PasswordVerifier (fresh memory)", |b| {
        b.iter(|| Argon2::default().verify_password(black_box(b"correct horse"), black_box(&parsed)))
    });
    group.bench_function("portcullis StoredHash::verify (per-thread memory)", |b| {
        b.iter(|| stored.verify(black_box(b"correct horse"), &policy))
    });
    group.bench_function("portcullis StoredHash::verify (no reuse)", |b| {
        b.iter(|| stored.verify(black_box(b"correct horse"), &no_reuse))
    });
    group.finish();
}

fn unknown_user(c: &mut Criterion) {
    let verifier = Verifier::new().unwrap();
    let phc = verifier.hash_password(b"correct horse", &mut OsRandom).unwrap();
    let alice = record(&phc, 1);
    let wrong = Secret::from("battery staple");
    let now = OffsetDateTime::now_utc();
    let mut group = c.benchmark_group("unknown_user");
    group.sample_size(20);
    group.bench_function("peer: wrong password, existing account", |b| {
        b.iter(|| verifier.verify_credential("alice", black_box(&wrong), &alice, now, IP))
    });
    group.bench_function("portcullis dummy_verify, unknown account", |b| {
        b.iter(|| verifier.dummy_verify(black_box(&wrong), CredentialKind::Password))
    });
    group.finish();
}

fn verification_cache(c: &mut Criterion) {
    let cached = Verifier::new().unwrap();
    let uncached = Verifier::builder().without_cache().build().unwrap();
    let phc = cached.hash_password(b"correct horse", &mut OsRandom).unwrap();
    let password = Secret::from("correct horse");
    let now = OffsetDateTime::now_utc();
    let mut group = c.benchmark_group("verification_cache");
    group.sample_size(20);
    // Both cold arms clone a record with a fresh revision, so every
    // iteration through the cache is a miss followed by an insert.
    let mut revision = 0u64;
    group.bench_function("peer: cold login, no cache (argon2 each time)", |b| {
        b.iter(|| {
            revision += 1;
            let r = record(&phc, revision);
            uncached.verify_credential("alice", &password, &r, now, IP)
        })
    });
    group.bench_function("portcullis cold login through the cache (miss + insert)", |b| {
        b.iter(|| {
            revision += 1;
            let r = record(&phc, revision);
            cached.verify_credential("alice", &password, &r, now, IP)
        })
    });
    group.sample_size(100);
    let warm = record(&phc, 0);
    cached.verify_credential("alice", &password, &warm, now, IP).unwrap();
    group.bench_function("portcullis repeat login (cache hit)", |b| {
        b.iter(|| cached.verify_credential("alice", black_box(&password), &warm, now, IP))
    });
    group.finish();
}

criterion_group!(benches, argon2_verify, unknown_user, verification_cache);
criterion_main!(benches);
