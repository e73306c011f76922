//! A signature that fails with a known `kid`: either the provider rotated
//! its key under the same `kid` (our keys are stale) or the token is forged.
//! Sans-I/O: the fetches are driven by hand with explicit instants.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jsonwebtoken::Algorithm;
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderId, Refusal};
use serde_json::{Value, json};

use crate::support::{NOW, at, claims, data, kind, mint, now, provider, validator};

/// A validator whose keys (tests/data/jwks.json) were fetched by a driver
/// (`begin_fetch` then `on_fetch_success`) at `fetched`, and a counter of
/// the refetches it asked for.
fn driven(fetched: i64) -> (OidcValidator, Arc<AtomicUsize>) {
    let v = OidcValidator::new(OidcConfig::new(vec![provider()])).unwrap();
    assert!(v.begin_fetch(ProviderId(0), at(fetched)));
    v.on_fetch_success(ProviderId(0), &data("jwks.json"), at(fetched))
        .unwrap();
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&wakes);
    v.set_refresh_waker(Arc::new(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    }));
    (v, wakes)
}

fn long_lived(jti: usize) -> Value {
    let mut c = claims();
    c["exp"] = json!(NOW + 7200);
    c["jti"] = json!(jti);
    c
}

/// Signed with `signer`'s key under the header kid `rsa-1`.
fn as_rsa_1(signer: &str, jti: usize) -> String {
    crate::support::mint_raw(
        &json!({"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}),
        &long_lived(jti),
        Some(signer),
        Algorithm::RS256,
    )
}

#[test]
fn same_kid_rotation_is_temporary_until_the_refetched_keys_verify() {
    // Keys fetched 120 s ago: older than the 60 s refetch window.
    let (v, wakes) = driven(NOW - 120);
    let rotated = as_rsa_1("rsa-2", 1);
    let refusal = v.validate(&rotated, now()).unwrap_err();
    assert_eq!(refusal.kind(), "key-set-refreshing");
    assert!(refusal.is_temporary());
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    assert_eq!(v.due(now()), vec![ProviderId(0)], "a refetch is due now");
    // Until it lands, the answer stays "try later" without asking again.
    assert_eq!(
        kind(v.validate(&rotated, at(NOW + 1))),
        "key-set-refreshing"
    );
    assert_eq!(wakes.load(Ordering::SeqCst), 1);

    assert!(v.begin_fetch(ProviderId(0), at(NOW + 2)));
    v.on_fetch_success(
        ProviderId(0),
        &data("jwks-rotated-same-kid.json"),
        at(NOW + 3),
    )
    .unwrap();
    assert_eq!(
        v.validate(&rotated, at(NOW + 4)).unwrap().username,
        "alice@example.org"
    );
}

#[test]
fn forged_signature_on_a_known_kid_with_fresh_keys_is_bad_signature() {
    let (v, wakes) = driven(NOW - 10);
    // Keys fetched 10 s ago: a refetch cannot help, the forgery is final.
    assert_eq!(
        v.validate(&as_rsa_1("rsa-attacker", 1), now()),
        Err(Refusal::BadSignature)
    );
    assert_eq!(wakes.load(Ordering::SeqCst), 0);
    assert!(v.due(now()).is_empty());
    // So is a tampered payload, an empty or undecodable signature.
    let genuine = mint("rsa-1", &long_lived(2));
    let (head, _) = genuine.rsplit_once('.').unwrap();
    assert_eq!(
        v.validate(&format!("{head}."), now()),
        Err(Refusal::BadSignature)
    );

    // Stale keys: the first forgery refetches; once the (unchanged) key set
    // is back, the same forgery is a bad signature.
    let (v, wakes) = driven(NOW - 120);
    let forged = as_rsa_1("rsa-attacker", 3);
    assert_eq!(kind(v.validate(&forged, now())), "key-set-refreshing");
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    assert!(v.begin_fetch(ProviderId(0), at(NOW + 1)));
    let update = v
        .on_fetch_success(ProviderId(0), &data("jwks.json"), at(NOW + 1))
        .unwrap();
    assert!(!update.changed);
    assert_eq!(v.validate(&forged, at(NOW + 2)), Err(Refusal::BadSignature));
    assert_eq!(
        v.validate(&forged, at(NOW + 60)),
        Err(Refusal::BadSignature)
    );
    // One window after that fetch the keys count as stale again.
    assert_eq!(
        kind(v.validate(&forged, at(NOW + 61))),
        "key-set-refreshing"
    );
    assert_eq!(wakes.load(Ordering::SeqCst), 2);
}

#[test]
fn bad_signature_refetches_share_the_unknown_kid_rate_limit() {
    let (v, wakes) = driven(NOW - 120);
    // An unknown kid asks first ...
    let unknown = crate::support::mint_raw(
        &json!({"alg": "RS256", "kid": "rsa-2"}),
        &long_lived(0),
        Some("rsa-2"),
        Algorithm::RS256,
    );
    assert_eq!(kind(v.validate(&unknown, now())), "unknown-kid");
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    // ... so a flood of bad signatures in the same window asks no more.
    for i in 0..200 {
        let second = i64::try_from(i * 59 / 199).unwrap();
        let forged = as_rsa_1("rsa-attacker", i);
        assert_eq!(
            kind(v.validate(&forged, at(NOW + second))),
            "key-set-refreshing"
        );
    }
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    // The next window may ask once more.
    assert_eq!(
        kind(v.validate(&as_rsa_1("rsa-attacker", 500), at(NOW + 60))),
        "key-set-refreshing"
    );
    assert_eq!(
        kind(v.validate(&as_rsa_1("rsa-attacker", 501), at(NOW + 61))),
        "key-set-refreshing"
    );
    assert_eq!(wakes.load(Ordering::SeqCst), 2);
}

#[test]
fn bad_signature_while_the_idp_is_down_is_provider_unavailable() {
    let (v, wakes) = driven(NOW - 120);
    v.force_refresh(at(NOW - 1));
    assert!(v.begin_fetch(ProviderId(0), at(NOW - 1)));
    v.on_fetch_failure(ProviderId(0), "connection refused", at(NOW - 1));
    let woken = wakes.load(Ordering::SeqCst);
    let refusal = v.validate(&as_rsa_1("rsa-attacker", 1), now()).unwrap_err();
    assert_eq!(refusal.kind(), "provider-unavailable");
    assert!(refusal.is_temporary());
    // Backing off (negative cache): no extra fetch is requested.
    assert_eq!(wakes.load(Ordering::SeqCst), woken);
}

#[test]
fn keys_loaded_without_a_fetch_driver_never_wait_for_a_refetch() {
    // tests/support loads the key set directly, as the CLI and the
    // directory file's `[[oidc.jwks]]` do: nobody would serve a refetch, so
    // "try later" would never come true.
    let v = validator();
    let later = at(NOW + 3600);
    assert_eq!(
        v.validate(&as_rsa_1("rsa-attacker", 1), later),
        Err(Refusal::BadSignature)
    );
    assert_eq!(
        v.validate(&as_rsa_1("rsa-2", 2), later),
        Err(Refusal::BadSignature)
    );
}
