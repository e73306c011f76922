//! The validated-token cache.

use std::sync::Arc;

use portcullis_oidc::{ProviderId, Refusal};

use crate::support::{NOW, at, claims, data, kind, mint, now, validator};

#[test]
fn repeat_token_is_served_from_the_cache_until_exp() {
    let v = validator();
    let token = mint("rsa-1", &claims());
    let first = v.validate(&token, now()).unwrap();
    let second = v.validate(&token, now()).unwrap();
    assert!(Arc::ptr_eq(&first, &second));
    assert_eq!(v.cached_tokens(), 1);
    // Still valid up to exp + leeway, refused after, cache or not.
    assert_eq!(kind(v.validate(&token, at(NOW + 360))), "ok");
    assert_eq!(
        v.validate(&token, at(NOW + 361)),
        Err(Refusal::Expired {
            expired_at: NOW + 300
        })
    );
    // A token that differs in one byte of the signature is not a hit.
    let mut forged = token.clone();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    assert_ne!(kind(v.validate(&forged, now())), "ok");
}

#[test]
fn cache_respects_not_before() {
    let v = validator();
    let token = mint("rsa-1", &claims());
    v.validate(&token, now()).unwrap();
    assert_eq!(kind(v.validate(&token, at(NOW - 100))), "not-yet-valid");
}

#[test]
fn rotation_clears_the_cache() {
    let v = validator();
    v.validate(&mint("rsa-1", &claims()), now()).unwrap();
    assert_eq!(v.cached_tokens(), 1);
    // Same key set again: no rotation, cache kept.
    assert!(
        !v.on_fetch_success(ProviderId(0), &data("jwks.json"), now())
            .unwrap()
            .changed
    );
    assert_eq!(v.cached_tokens(), 1);
    assert!(
        v.on_fetch_success(ProviderId(0), &data("jwks-rotated.json"), now())
            .unwrap()
            .changed
    );
    assert_eq!(v.cached_tokens(), 0);
}

#[test]
fn cache_is_bounded() {
    let v = validator().with_cache_limits(3, 1 << 20);
    for i in 0..10 {
        let mut c = claims();
        c["jti"] = serde_json::json!(i);
        v.validate(&mint("ed25519", &c), now()).unwrap();
        assert!(v.cached_tokens() <= 3);
    }
    let off = validator().with_cache_limits(0, 0);
    off.validate(&mint("ed25519", &claims()), now()).unwrap();
    assert_eq!(off.cached_tokens(), 0);
}

/// A token whose `exp` outlives the default rotation grace (600 s).
fn long_lived() -> serde_json::Value {
    let mut c = claims();
    c["exp"] = serde_json::json!(NOW + 3600);
    c
}

fn unknown_rsa_1() -> Result<Arc<portcullis_oidc::Principal>, Refusal> {
    Err(Refusal::UnknownKid {
        kid: Some("rsa-1".into()),
        issuer: crate::support::ISSUER.into(),
    })
}

#[test]
fn cached_token_is_refused_once_its_key_left_the_key_set_and_grace_ended() {
    let v = validator();
    let token = mint("rsa-1", &long_lived());
    v.validate(&token, now()).unwrap();
    assert_eq!(v.cached_tokens(), 1);
    // rsa-1 leaves the key set; it keeps verifying for the grace period
    // (600 s) only, and the cache must not outlive it.
    v.on_fetch_success(ProviderId(0), &data("jwks-rotated.json"), now())
        .unwrap();
    assert_eq!(v.validate(&token, at(NOW + 601)), unknown_rsa_1());
}

#[test]
fn token_cached_during_grace_is_not_served_after_grace() {
    let v = validator();
    let token = mint("rsa-1", &long_lived());
    v.validate(&token, now()).unwrap();
    v.on_fetch_success(ProviderId(0), &data("jwks-rotated.json"), at(NOW + 10))
        .unwrap();
    // Validated (and cached again) while rsa-1 is a retired key in grace,
    // which ends at NOW + 610.
    let during = v.validate(&token, at(NOW + 20)).unwrap();
    let repeat = v.validate(&token, at(NOW + 30)).unwrap();
    assert!(
        Arc::ptr_eq(&during, &repeat),
        "served from the cache in grace"
    );
    assert_eq!(kind(v.validate(&token, at(NOW + 609))), "ok");
    assert_eq!(v.validate(&token, at(NOW + 610)), unknown_rsa_1());
    assert_eq!(v.validate(&token, at(NOW + 611)), unknown_rsa_1());
    assert_eq!(v.validate(&token, at(NOW + 1000)), unknown_rsa_1());
}
