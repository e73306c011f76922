//! Builder settings, each observed through what it changes:
//! `verification_cache`, `throttle_store`, `verifier` and `random`.

use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use portcullis::{
    Authenticator, AuthenticatorBuilder, MemoryDirectory, MemoryThrottle, Surface, ThrottleKey,
    ThrottleRule, ThrottleStore,
};
use portcullis_credentials::{RandomError, RandomSource, Verifier};
use time::OffsetDateTime;

use crate::support::*;

fn alice() -> MemoryDirectory {
    MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password"))
        .build()
}

fn login() -> portcullis::AuthRequest {
    plain(Surface::Imap, "", "alice@example.org", "alice-password")
}

/// The `verify-credential` outcome of `logins` successive right logins.
async fn verify_outcomes(auth: &Authenticator, logins: usize) -> Vec<String> {
    let mut outcomes = Vec::new();
    for _ in 0..logins {
        let explained = auth.explain(&login()).await;
        assert_eq!(kind(&explained.decision), "grant");
        outcomes.push(outcome(&explained, "verify-credential").to_owned());
    }
    outcomes
}

const HASHED: &str = "password verified";
const CACHED: &str = "password verified (cached)";

// verification_cache

#[tokio::test]
async fn the_verification_cache_answers_repeat_logins_by_default() {
    let auth = authenticator(alice());
    assert_eq!(verify_outcomes(&auth, 3).await, [HASHED, CACHED, CACHED]);
}

#[tokio::test]
async fn a_verification_cache_of_zero_entries_is_off() {
    let auth = builder(alice())
        .verification_cache(0, Duration::from_secs(3600))
        .build()
        .unwrap();
    assert_eq!(verify_outcomes(&auth, 3).await, [HASHED, HASHED, HASHED]);
    // One entry is a cache.
    let auth = builder(alice())
        .verification_cache(1, Duration::from_secs(3600))
        .build()
        .unwrap();
    assert_eq!(verify_outcomes(&auth, 2).await, [HASHED, CACHED]);
}

#[tokio::test]
async fn a_verification_cache_entry_lives_for_its_ttl() {
    let clock = Arc::new(AtomicI64::new(0));
    let auth = builder(alice())
        .verification_cache(100, Duration::from_secs(60))
        .clock({
            let clock = Arc::clone(&clock);
            move || now() + time::Duration::seconds(clock.load(Ordering::SeqCst))
        })
        .build()
        .unwrap();
    let mut outcomes = Vec::new();
    for seconds in [0, 59, 60] {
        clock.store(seconds, Ordering::SeqCst);
        outcomes.extend(verify_outcomes(&auth, 1).await);
    }
    assert_eq!(outcomes, [HASHED, CACHED, HASHED]);
}

// verifier

fn verifier(cache: bool) -> Verifier {
    let builder = Verifier::builder().policy(policy());
    let builder = if cache {
        builder.cache(100, time::Duration::HOUR)
    } else {
        builder.without_cache()
    };
    builder.build().unwrap()
}

#[tokio::test]
async fn a_custom_verifier_is_used_in_place_of_the_builder_cache_settings() {
    // The builder's cache is on by default; the verifier has none.
    let auth = builder(alice()).verifier(verifier(false)).build().unwrap();
    assert_eq!(verify_outcomes(&auth, 2).await, [HASHED, HASHED]);
    // The builder's cache is off; the verifier has one.
    let auth = builder(alice())
        .verification_cache(0, Duration::from_secs(3600))
        .verifier(verifier(true))
        .build()
        .unwrap();
    assert_eq!(verify_outcomes(&auth, 2).await, [HASHED, CACHED]);
}

// random

/// A random source that fails.
struct Broken;

impl RandomSource for Broken {
    fn fill(&mut self, _dest: &mut [u8]) -> Result<(), RandomError> {
        Err(RandomError)
    }
}

/// The OS source, counting calls.
struct Counting(Arc<AtomicUsize>);

impl RandomSource for Counting {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        portcullis_credentials::OsRandom.fill(dest)
    }
}

#[test]
fn a_failing_random_source_fails_the_build() {
    let error = builder(alice()).random(Broken).build().unwrap_err();
    assert_eq!(error.kind(), "credentials-setup");
    assert!(matches!(
        error,
        portcullis::Error::Credentials(portcullis_credentials::Error::Random(_))
    ));
}

#[tokio::test]
async fn the_random_source_given_is_the_one_used() {
    let calls = Arc::new(AtomicUsize::new(0));
    let auth = builder(alice())
        .random(Counting(Arc::clone(&calls)))
        .build()
        .unwrap();
    assert!(calls.load(Ordering::SeqCst) > 0);
    assert_eq!(kind(&auth.verify(&login()).await), "grant");
}

#[test]
fn a_failing_random_source_fails_the_build_with_a_custom_verifier_too() {
    // The builder still draws a key of its own (see `random`'s docs).
    let built = builder(alice())
        .random(Broken)
        .verifier(verifier(true))
        .build();
    assert_eq!(built.unwrap_err().kind(), "credentials-setup");
}

// throttle_store

/// A throttle store that records every call, then asks a `MemoryThrottle`.
#[derive(Clone, Default)]
struct Recording {
    calls: Arc<Mutex<Vec<String>>>,
    inner: Arc<MemoryThrottle>,
}

fn name(key: &ThrottleKey) -> String {
    match key {
        ThrottleKey::Network(network) => format!("network {network}"),
        ThrottleKey::Pair(network, account) => format!("pair {network} {account}"),
    }
}

impl Recording {
    fn log(&self, call: &str, key: &ThrottleKey) {
        self.calls
            .lock()
            .unwrap()
            .push(format!("{call} {}", name(key)));
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

impl ThrottleStore for Recording {
    async fn locked(&self, key: &ThrottleKey, now: OffsetDateTime) -> Option<Duration> {
        self.log("locked?", key);
        self.inner.locked(key, now).await
    }

    async fn record_failure(&self, key: &ThrottleKey, rule: ThrottleRule, now: OffsetDateTime) {
        self.log("failure", key);
        self.inner.record_failure(key, rule, now).await;
    }

    async fn reset(&self, key: &ThrottleKey) {
        self.log("reset", key);
        self.inner.reset(key).await;
    }
}

fn recorded(store: &Recording) -> AuthenticatorBuilder {
    builder(alice()).throttle_store(store.clone())
}

#[tokio::test]
async fn a_custom_throttle_store_is_asked_counted_into_and_reset() {
    let store = Recording::default();
    let auth = recorded(&store).build().unwrap();
    let network = "network 192.0.2.10/32";
    let pair = "pair 192.0.2.10/32 alice@example.org";

    let wrong = plain(Surface::Imap, "", "alice@example.org", "wrong");
    assert_eq!(kind(&auth.verify(&wrong).await), "wrong-secret");
    assert_eq!(
        store.take(),
        [
            format!("locked? {network}"),
            format!("locked? {pair}"),
            format!("failure {network}"),
            format!("failure {pair}"),
        ]
    );

    // A grant resets the pair only: the network keeps its count.
    assert_eq!(kind(&auth.verify(&login()).await), "grant");
    assert_eq!(
        store.take(),
        [
            format!("locked? {network}"),
            format!("locked? {pair}"),
            format!("reset {pair}"),
        ]
    );

    // A policy refusal is neither a failure nor a success.
    let admin = basic(Surface::Admin, "alice@example.org", "alice-password");
    assert_eq!(kind(&auth.verify(&admin).await), "surface-not-allowed");
    assert_eq!(
        store.take(),
        [format!("locked? {network}"), format!("locked? {pair}")]
    );
}

#[tokio::test]
async fn a_custom_throttle_store_decides_the_lock() {
    // The store's answer is what counts: five failures recorded in it lock
    // the pair for the authenticator.
    let store = Recording::default();
    let auth = recorded(&store).build().unwrap();
    for guess in 1..=5 {
        let wrong = plain(
            Surface::Imap,
            "",
            "alice@example.org",
            &format!("guess-{guess}"),
        );
        assert_eq!(kind(&auth.verify(&wrong).await), "wrong-secret");
    }
    assert_eq!(kind(&auth.verify(&login()).await), "throttled");
    assert_eq!(store.inner.len(), 2);
}

// throttle_policy

#[tokio::test]
async fn a_disabled_throttle_policy_never_asks_the_store_nor_locks() {
    let store = Recording::default();
    let auth = recorded(&store)
        .throttle_policy(portcullis::ThrottlePolicy::disabled())
        .build()
        .unwrap();
    for guess in 1..=10 {
        let wrong = plain(
            Surface::Imap,
            "",
            "alice@example.org",
            &format!("guess-{guess}"),
        );
        assert_eq!(kind(&auth.verify(&wrong).await), "wrong-secret");
    }
    let explained = auth.explain(&login()).await;
    assert_eq!(kind(&explained.decision), "grant");
    assert_eq!(
        outcome(&explained, "throttle"),
        "not throttled (disabled or exempt address)"
    );
    assert_eq!(store.take(), Vec::<String>::new());
}
