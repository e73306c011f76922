//! Header, signature and shape attacks.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use portcullis_oidc::Refusal;
use serde_json::json;

use crate::support::{claims, data, kind, mint, mint_raw, now, provider, validator, validator_for};

#[test]
fn backend_verifies_every_key_type() {
    // The validator verifies with the backend its features chose (aws-lc-rs
    // by default), never through jsonwebtoken's process-wide default, which
    // panics when a build enables both backends and none was installed.
    let v = validator();
    for kid in ["rsa-1", "ec-p256", "ec-p384", "ed25519"] {
        let principal = v.validate_uncached(&mint(kid, &claims()), now()).unwrap();
        assert_eq!(principal.username, "alice@example.org");
        assert_eq!(principal.subject, "f0c1d2e3-0000-4000-8000-000000000001");
        assert_eq!(principal.name.as_deref(), Some("Alice Liddell"));
        assert_eq!(principal.groups, ["staff", "/mail-admins", "other"]);
        assert_eq!(principal.roles, ["user", "calendar", "admin"]);
        assert_eq!(principal.audience, ["bulwark"]);
        assert_eq!(principal.authorized_party.as_deref(), Some("bulwark"));
        assert_eq!(
            principal.expires_at.unix_timestamp(),
            crate::support::NOW + 300
        );
    }
}

#[test]
fn alg_none_is_refused() {
    let token = mint_raw(
        &json!({"alg": "none", "kid": "rsa-1"}),
        &claims(),
        None,
        Algorithm::RS256,
    );
    assert_eq!(kind(validator().validate(&token, now())), "alg-not-allowed");
    let token = mint_raw(&json!({"alg": "None"}), &claims(), None, Algorithm::RS256);
    assert_eq!(kind(validator().validate(&token, now())), "alg-not-allowed");
}

#[test]
fn hmac_with_the_rsa_public_key_is_refused() {
    // The classic confusion: sign HS256 with the public key as the secret.
    let public = data("rsa-1.pub.pem");
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","kid":"rsa-1","typ":"JWT"}"#);
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    let input = format!("{h}.{c}");
    crate::support::install_signing_provider();
    let sig = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &EncodingKey::from_secret(&public),
        Algorithm::HS256,
    )
    .unwrap();
    let token = format!("{input}.{sig}");
    assert_eq!(kind(validator().validate(&token, now())), "alg-not-allowed");
    // Even a provider configured with every asymmetric algorithm has no
    // HMAC path, and HMAC cannot be configured at all.
    assert!(
        portcullis_oidc::ProviderConfig::new("x")
            .with_audiences(["a"])
            .with_algorithms(["HS256"])
            .checked_algorithms()
            .is_err()
    );
}

#[test]
fn alg_must_fit_the_key() {
    let v = validator();
    // ES256 header naming the RSA key.
    let token = mint_raw(
        &json!({"alg": "ES256", "kid": "rsa-1"}),
        &claims(),
        Some("ec-p256"),
        Algorithm::ES256,
    );
    assert_eq!(kind(v.validate(&token, now())), "alg-not-allowed");
    // ES384 header naming the P-256 key.
    let token = mint_raw(
        &json!({"alg": "ES384", "kid": "ec-p256"}),
        &claims(),
        Some("ec-p384"),
        Algorithm::ES384,
    );
    assert_eq!(kind(v.validate(&token, now())), "alg-not-allowed");
    // PS256 with a key whose JWK pins RS256.
    let token = mint_raw(
        &json!({"alg": "PS256", "kid": "rsa-1"}),
        &claims(),
        Some("rsa-1"),
        Algorithm::PS256,
    );
    assert_eq!(kind(v.validate(&token, now())), "alg-not-allowed");
    // Outside the provider's allow-list.
    let only_es = validator_for(provider().with_algorithms(["ES256"]));
    assert_eq!(
        kind(only_es.validate(&mint("rsa-1", &claims()), now())),
        "alg-not-allowed"
    );
    let unknown = mint_raw(
        &json!({"alg": "XS999", "kid": "rsa-1"}),
        &claims(),
        Some("rsa-1"),
        Algorithm::RS256,
    );
    assert_eq!(kind(v.validate(&unknown, now())), "alg-not-allowed");
}

#[test]
fn attacker_signed_tokens_are_refused() {
    let v = validator();
    // Valid kid, attacker's key.
    let token = mint_raw(
        &json!({"alg": "RS256", "kid": "rsa-1"}),
        &claims(),
        Some("rsa-attacker"),
        Algorithm::RS256,
    );
    assert_eq!(v.validate(&token, now()), Err(Refusal::BadSignature));
    // Tampered payload under a genuine signature.
    let genuine = mint("rsa-1", &claims());
    let mut parts: Vec<&str> = genuine.split('.').collect();
    let mut evil = claims();
    evil["preferred_username"] = json!("admin");
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&evil).unwrap());
    parts[1] = &payload;
    assert_eq!(
        v.validate(&parts.join("."), now()),
        Err(Refusal::BadSignature)
    );
    // Signature stripped.
    let stripped = format!("{}.{}.", parts[0], parts[1]);
    assert_eq!(v.validate(&stripped, now()), Err(Refusal::BadSignature));
}

#[test]
fn embedded_keys_are_never_trusted() {
    let v = validator();
    let attacker_jwk = json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"});
    for header in [
        json!({"alg": "RS256", "kid": "rsa-1", "jwk": attacker_jwk}),
        json!({"alg": "RS256", "jwk": attacker_jwk}),
        json!({"alg": "RS256", "kid": "rsa-1", "jku": "https://evil.example/jwks", "x5u": "https://evil.example/x"}),
        json!({"alg": "RS256", "kid": "rsa-1", "x5c": ["MIIB"]}),
    ] {
        let token = mint_raw(&header, &claims(), Some("rsa-attacker"), Algorithm::RS256);
        assert_eq!(
            v.validate(&token, now()),
            Err(Refusal::BadSignature),
            "{header}"
        );
    }
    let token = mint_raw(
        &json!({"alg": "RS256", "kid": "attacker", "jwk": attacker_jwk}),
        &claims(),
        Some("rsa-attacker"),
        Algorithm::RS256,
    );
    assert_eq!(kind(v.validate(&token, now())), "unknown-kid");
}

#[test]
fn token_without_kid_tries_fitting_keys() {
    let token = mint_raw(
        &json!({"alg": "EdDSA"}),
        &claims(),
        Some("ed25519"),
        Algorithm::EdDSA,
    );
    assert_eq!(kind(validator().validate(&token, now())), "ok");
}

#[test]
fn typ_rules() {
    let v = validator();
    for (typ, expect) in [
        ("at+jwt", "ok"),
        ("application/at+jwt", "ok"),
        ("JWT", "ok"),
        ("jwt", "ok"),
        ("dpop+jwt", "malformed"),
        ("JWE", "malformed"),
    ] {
        let token = mint_raw(
            &json!({"alg": "RS256", "kid": "rsa-1", "typ": typ}),
            &claims(),
            Some("rsa-1"),
            Algorithm::RS256,
        );
        assert_eq!(
            kind(v.validate_uncached(&token, now())),
            expect,
            "typ {typ}"
        );
    }
}

#[test]
fn crit_is_refused() {
    let token = mint_raw(
        &json!({"alg": "RS256", "kid": "rsa-1", "crit": ["exp"], "exp": 1}),
        &claims(),
        Some("rsa-1"),
        Algorithm::RS256,
    );
    assert_eq!(
        validator().validate(&token, now()),
        Err(Refusal::Malformed {
            detail: "crit header names extensions we do not understand"
        })
    );
}

#[test]
fn malformed_shapes() {
    let v = validator();
    for token in [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d",
        "!!!.???.***",
        "e30.e30.sig",
    ] {
        assert_eq!(kind(v.validate(token, now())), "malformed", "{token:?}");
    }
    // Duplicate claims are refused rather than resolved one way or another.
    let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"rsa-1"}"#);
    let c = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"iss":"{}","iss":"https://evil"}}"#,
        crate::support::ISSUER
    ));
    assert_eq!(
        kind(v.validate(&format!("{h}.{c}.sig"), now())),
        "malformed"
    );
    // JWE is refused by shape.
    assert_eq!(
        v.validate("a.b.c.d.e", now()),
        Err(Refusal::Malformed {
            detail: "JWE (encrypted) tokens are not accepted"
        })
    );
}

#[test]
fn size_is_checked_before_decoding() {
    let v = validator();
    let big = "!".repeat(16 * 1024 + 1);
    assert_eq!(
        v.validate(&big, now()),
        Err(Refusal::Oversize {
            size: 16385,
            limit: 16384
        })
    );
    let small = validator_for(provider().with_audiences(["bulwark"]));
    let mut claims = claims();
    claims["padding"] = json!("x".repeat(20_000));
    assert_eq!(
        kind(small.validate(&mint("rsa-1", &claims), now())),
        "oversize"
    );
}

#[test]
fn unknown_kid_and_unavailable() {
    let v = validator();
    let token = mint_raw(
        &json!({"alg": "RS256", "kid": "rsa-2"}),
        &claims(),
        Some("rsa-2"),
        Algorithm::RS256,
    );
    assert_eq!(
        v.validate(&token, now()),
        Err(Refusal::UnknownKid {
            kid: Some("rsa-2".into()),
            issuer: crate::support::ISSUER.into()
        })
    );
    let pending =
        portcullis_oidc::OidcValidator::new(portcullis_oidc::OidcConfig::new(vec![provider()]))
            .unwrap();
    let refusal = pending
        .validate(&mint("rsa-1", &claims()), now())
        .unwrap_err();
    assert_eq!(refusal.kind(), "provider-unavailable");
    assert!(refusal.is_temporary());
    assert_eq!(refusal.http_status(), 503);
}

#[test]
fn every_refusal_kind_has_its_faces() {
    let cases = [
        (
            Refusal::Expired { expired_at: 1 },
            "expired",
            401,
            "invalid_token",
        ),
        (
            Refusal::NotYetValid { not_before: 1 },
            "not-yet-valid",
            401,
            "invalid_token",
        ),
        (
            Refusal::IssuedInFuture { issued_at: 1 },
            "issued-in-future",
            401,
            "invalid_token",
        ),
        (Refusal::BadSignature, "bad-signature", 401, "invalid_token"),
        (
            Refusal::UnknownKid {
                kid: None,
                issuer: "i".into(),
            },
            "unknown-kid",
            401,
            "invalid_token",
        ),
        (
            Refusal::AlgNotAllowed { detail: "x".into() },
            "alg-not-allowed",
            401,
            "invalid_token",
        ),
        (
            Refusal::WrongIssuer { issuer: None },
            "wrong-issuer",
            401,
            "invalid_token",
        ),
        (
            Refusal::WrongAudience { issuer: "i".into() },
            "wrong-audience",
            401,
            "invalid_token",
        ),
        (
            Refusal::MissingScope {
                missing: "m".into(),
                required: "m".into(),
            },
            "missing-scope",
            403,
            "insufficient_scope",
        ),
        (
            Refusal::NoUsername { claim: "c".into() },
            "no-username",
            401,
            "invalid_token",
        ),
        (
            Refusal::UnverifiedEmail,
            "unverified-email",
            401,
            "invalid_token",
        ),
        (
            Refusal::BadClaims { detail: "d".into() },
            "bad-claims",
            401,
            "invalid_token",
        ),
        (
            Refusal::Malformed { detail: "d" },
            "malformed",
            401,
            "invalid_token",
        ),
        (
            Refusal::Oversize { size: 2, limit: 1 },
            "oversize",
            401,
            "invalid_token",
        ),
        (
            Refusal::ProviderUnavailable {
                issuer: "i".into(),
                detail: "d".into(),
            },
            "provider-unavailable",
            503,
            "temporarily_unavailable",
        ),
        (
            Refusal::KeySetRefreshing {
                kid: Some("k".into()),
                issuer: "i".into(),
            },
            "key-set-refreshing",
            503,
            "temporarily_unavailable",
        ),
    ];
    for (refusal, kind, status, code) in cases {
        assert_eq!(refusal.kind(), kind);
        assert_eq!(refusal.http_status(), status, "{kind}");
        assert_eq!(refusal.error_code().as_str(), code, "{kind}");
        assert_eq!(
            refusal.is_temporary(),
            matches!(kind, "provider-unavailable" | "key-set-refreshing"),
            "{kind}"
        );
        assert_eq!(refusal.sasl_challenge(None).status, code);
    }
}
