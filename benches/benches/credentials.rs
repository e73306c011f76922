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
//! Criterion runs the groups one after another; on the shared 2-core
//! machines the load changes between them, so the bench also prints
//! **interleaved** ratios (rounds alternating the two operations, the
//! order flipped every round; median of the per-round ratios, and the
//! ratio of the fastest rounds), which is what `docs/performance.md` tracks.
//!
//! Run: `cargo bench -p portcullis-benches --bench credentials -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Argon2, PasswordVerifier};
use criterion::{Criterion, criterion_group, criterion_main};
use portcullis_credentials::{
    CredentialId, CredentialKind, CredentialRecord, HashPolicy, OsRandom, Secret, StoredHash,
    Verifier,
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
    let phc = policy
        .hash_password(b"correct horse", &mut OsRandom)
        .unwrap();
    let parsed = PasswordHash::new(&phc).unwrap();
    let stored = StoredHash::parse(&phc).unwrap();
    let no_reuse = HashPolicy {
        retained_memory_kib: 0,
        ..policy
    };
    let mut group = c.benchmark_group("argon2_verify");
    group.sample_size(20);
    group.bench_function("peer: argon2 PasswordVerifier (fresh memory)", |b| {
        b.iter(|| {
            Argon2::default().verify_password(black_box(b"correct horse"), black_box(&parsed))
        })
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
    let phc = verifier
        .hash_password(b"correct horse", &mut OsRandom)
        .unwrap();
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
    let phc = cached
        .hash_password(b"correct horse", &mut OsRandom)
        .unwrap();
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
    group.bench_function(
        "portcullis cold login through the cache (miss + insert)",
        |b| {
            b.iter(|| {
                revision += 1;
                let r = record(&phc, revision);
                cached.verify_credential("alice", &password, &r, now, IP)
            })
        },
    );
    group.sample_size(100);
    let warm = record(&phc, 0);
    cached
        .verify_credential("alice", &password, &warm, now, IP)
        .unwrap();
    group.bench_function("portcullis repeat login (cache hit)", |b| {
        b.iter(|| cached.verify_credential("alice", black_box(&password), &warm, now, IP))
    });
    group.finish();
}

/// Keeps a result alive past the optimiser.
fn sink<T>(value: T) {
    let _ = black_box(value);
}

/// Medians and minima of two operations measured in alternation.
struct Interleaved {
    /// Median over rounds of time(a) / time(b).
    median_ratio: f64,
    /// Fastest round of a / fastest round of b.
    fastest_ratio: f64,
    /// Median time of one call of a.
    median_a: Duration,
    /// Median time of one call of b.
    median_b: Duration,
}

fn timed(batch: u32, run: &mut impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..batch {
        run();
    }
    start.elapsed() / batch
}

fn interleaved(
    rounds: usize,
    batch_a: u32,
    batch_b: u32,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> Interleaved {
    let mut ratios = Vec::with_capacity(rounds);
    let mut times_a = Vec::with_capacity(rounds);
    let mut times_b = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (ta, tb) = if round % 2 == 0 {
            let ta = timed(batch_a, &mut a);
            (ta, timed(batch_b, &mut b))
        } else {
            let tb = timed(batch_b, &mut b);
            (timed(batch_a, &mut a), tb)
        };
        ratios.push(ta.as_secs_f64() / tb.as_secs_f64());
        times_a.push(ta);
        times_b.push(tb);
    }
    ratios.sort_by(f64::total_cmp);
    times_a.sort();
    times_b.sort();
    Interleaved {
        median_ratio: ratios[rounds / 2],
        fastest_ratio: times_a[0].as_secs_f64() / times_b[0].as_secs_f64(),
        median_a: times_a[rounds / 2],
        median_b: times_b[rounds / 2],
    }
}

/// The ratios `docs/performance.md` reports, measured in alternation.
fn interleaved_ratios(_: &mut Criterion) {
    let verifier = Verifier::new().unwrap();
    let uncached = Verifier::builder().without_cache().build().unwrap();
    let policy = *verifier.policy();
    let no_reuse = HashPolicy {
        retained_memory_kib: 0,
        ..policy
    };
    let phc = verifier
        .hash_password(b"correct horse", &mut OsRandom)
        .unwrap();
    let parsed = PasswordHash::new(&phc).unwrap();
    let stored = StoredHash::parse(&phc).unwrap();
    let alice = record(&phc, 1);
    let right = Secret::from("correct horse");
    let wrong = Secret::from("battery staple");
    let now = OffsetDateTime::now_utc();

    let peer = interleaved(
        31,
        2,
        2,
        || sink(Argon2::default().verify_password(b"correct horse", &parsed)),
        || sink(stored.verify(b"correct horse", &policy)),
    );
    eprintln!(
        "credentials/argon2: argon2 crate verify / portcullis (reused memory) = {:.3} median, {:.3} fastest ({:?} vs {:?})",
        peer.median_ratio, peer.fastest_ratio, peer.median_a, peer.median_b
    );
    let reuse = interleaved(
        31,
        2,
        2,
        || sink(stored.verify(b"correct horse", &no_reuse)),
        || sink(stored.verify(b"correct horse", &policy)),
    );
    eprintln!(
        "credentials/argon2: fresh memory / reused memory = {:.3} median, {:.3} fastest",
        reuse.median_ratio, reuse.fastest_ratio
    );
    // DESIGN.md's case: m=47104 t=1 pays most for freshly mapped memory.
    let big = HashPolicy::with_argon2(portcullis_credentials::Argon2Params {
        m_kib: 47_104,
        t: 1,
        p: 1,
    });
    let big_fresh = HashPolicy {
        retained_memory_kib: 0,
        ..big
    };
    let big_hash =
        StoredHash::parse(&big.hash_password(b"correct horse", &mut OsRandom).unwrap()).unwrap();
    let big_parsed = big_hash.as_str().to_owned();
    let big_parsed = PasswordHash::new(&big_parsed).unwrap();
    let big_reuse = interleaved(
        31,
        2,
        2,
        || sink(big_hash.verify(b"correct horse", &big_fresh)),
        || sink(big_hash.verify(b"correct horse", &big)),
    );
    let big_peer = interleaved(
        31,
        2,
        2,
        || sink(Argon2::default().verify_password(b"correct horse", &big_parsed)),
        || sink(big_hash.verify(b"correct horse", &big)),
    );
    eprintln!(
        "credentials/argon2 m=47104 t=1: fresh / reused = {:.3} median, {:.3} fastest; argon2 crate / reused = {:.3} median ({:?} vs {:?})",
        big_reuse.median_ratio,
        big_reuse.fastest_ratio,
        big_peer.median_ratio,
        big_peer.median_a,
        big_peer.median_b
    );

    let equal = interleaved(
        51,
        1,
        1,
        || sink(verifier.verify_credential("alice", &wrong, &alice, now, IP)),
        || sink(verifier.dummy_verify(&wrong, CredentialKind::Password)),
    );
    eprintln!(
        "credentials/unknown_user: wrong password / unknown user = {:.3} median, {:.3} fastest ({:?} vs {:?})",
        equal.median_ratio, equal.fastest_ratio, equal.median_a, equal.median_b
    );

    let mut revision = 0u64;
    let mut cold_pair = (0u64, 0u64);
    let overhead = interleaved(
        31,
        2,
        2,
        || {
            cold_pair.0 += 1;
            let r = record(&phc, cold_pair.0);
            sink(verifier.verify_credential("alice", &right, &r, now, IP));
        },
        || {
            cold_pair.1 += 1;
            let r = record(&phc, cold_pair.1);
            sink(uncached.verify_credential("alice", &right, &r, now, IP));
        },
    );
    eprintln!(
        "credentials/cache: cold through cache / cold without cache = {:.4} median, {:.4} fastest",
        overhead.median_ratio, overhead.fastest_ratio
    );
    let warm = record(&phc, 0);
    verifier
        .verify_credential("alice", &right, &warm, now, IP)
        .unwrap();
    let speedup = interleaved(
        31,
        2,
        20_000,
        || {
            revision += 1;
            let r = record(&phc, u64::MAX - revision);
            sink(verifier.verify_credential("alice", &right, &r, now, IP));
        },
        || sink(verifier.verify_credential("alice", &right, &warm, now, IP)),
    );
    eprintln!(
        "credentials/cache: cold / cached = {:.0}x median, {:.0}x fastest (cached {:?})",
        speedup.median_ratio, speedup.fastest_ratio, speedup.median_b
    );
}

criterion_group!(
    benches,
    interleaved_ratios,
    argon2_verify,
    unknown_user,
    verification_cache
);
criterion_main!(benches);
