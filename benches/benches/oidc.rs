//! JWT validation with claim mapping, and the validated-token cache.
//!
//! Peer: bare `jsonwebtoken::decode` (11) of the same token with the same
//! key into a typed claims struct, with `iss`, `aud` and `exp` validation,
//! measured in the same run on the same crypto backend. portcullis does
//! strictly more (header policy, `crit`, provider selection by `iss`, key
//! lookup by `kid`, `nbf`/`iat`, scopes, username mapping, group→role
//! mapping).
//!
//! Backend: `aws_lc_rs` by default; with `--features rust-crypto` both
//! portcullis-oidc (feature `rust-crypto-backend`) and the bare decode use
//! `rust_crypto`. The group names carry the backend (`oidc/aws-lc-rs/...`,
//! `oidc/rust-crypto/...`). Run the second build in its own target dir:
//!
//! ```text
//! cargo bench -p portcullis-benches --bench oidc
//! CARGO_TARGET_DIR=target/rust-crypto \
//!   cargo bench -p portcullis-benches --bench oidc --features rust-crypto
//! ```

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::crypto::CryptoProvider;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use portcullis_oidc::{CRYPTO_BACKEND, OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

const ISSUER: &str = "https://sso.example.org/realms/mail";

/// The backend measured, and the provider the bare decode (and the token
/// minting) use. With `rust-crypto` both jsonwebtoken backends are compiled
/// in, so jsonwebtoken needs its process default installed explicitly.
#[cfg(not(feature = "rust-crypto"))]
const BACKEND: (&str, &CryptoProvider) =
    ("aws-lc-rs", &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER);
#[cfg(feature = "rust-crypto")]
const BACKEND: (&str, &CryptoProvider) = (
    "rust-crypto",
    &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
);

fn data(name: &str) -> Vec<u8> {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/portcullis-oidc/tests/data");
    std::fs::read(dir.join(name)).unwrap()
}

/// What a server would decode the bare way: the claims portcullis maps.
#[derive(Deserialize)]
#[allow(dead_code, reason = "fields are decoded to cost what mapping costs")]
struct Claims {
    iss: String,
    sub: String,
    aud: Value,
    exp: u64,
    preferred_username: Option<String>,
    email: Option<String>,
    name: Option<String>,
    #[serde(default)]
    groups: Vec<String>,
    scope: Option<String>,
}

struct Case {
    token: String,
    key: DecodingKey,
    validation: Validation,
}

fn case(kid: &str, alg: Algorithm, exp: i64) -> Case {
    let pem = data(&format!("{kid}.pem"));
    let encoding = match alg {
        Algorithm::RS256 => EncodingKey::from_rsa_pem(&pem).unwrap(),
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_ed_pem(&pem).unwrap(),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    header.typ = Some("JWT".into());
    let claims = json!({
        "iss": ISSUER, "sub": "f0c1d2e3-0000-4000-8000-000000000001", "aud": "bulwark",
        "azp": "bulwark", "exp": exp, "iat": exp - 3610, "nbf": exp - 3610,
        "preferred_username": "Alice", "email": "alice@example.org", "name": "Alice Liddell",
        "groups": ["staff", "/mail-admins"], "scope": "openid email mail",
    });
    let token = jsonwebtoken::encode(&header, &claims, &encoding).unwrap();
    let jwks: Value = serde_json::from_slice(&data("jwks.json")).unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap();
    let s = |f: &str| jwk[f].as_str().unwrap();
    let key = match alg {
        Algorithm::RS256 => DecodingKey::from_rsa_components(s("n"), s("e")).unwrap(),
        Algorithm::ES256 => DecodingKey::from_ec_components(s("x"), s("y")).unwrap(),
        _ => DecodingKey::from_ed_components(s("x")).unwrap(),
    };
    let mut validation = Validation::new(alg);
    validation.set_audience(&["bulwark", "stalwart-webui"]);
    validation.set_issuer(&[ISSUER]);
    Case {
        token,
        key,
        validation,
    }
}

fn validator() -> OidcValidator {
    let provider = ProviderConfig::new(ISSUER)
        .with_audiences(["bulwark", "stalwart-webui"])
        .with_required_scopes(["mail"])
        .with_username_domain("example.org")
        .with_group_roles("staff", ["user"])
        .with_group_roles("/mail-admins", ["admin"]);
    let v = OidcValidator::new(OidcConfig::new(vec![provider])).unwrap();
    v.on_fetch_success(ProviderId(0), &data("jwks.json"), OffsetDateTime::now_utc())
        .unwrap();
    v
}

/// Interleaved A/B timing: on a shared, loaded machine criterion's
/// back-to-back groups can see different load, so this alternates short
/// batches of the two operations and reports the median per-round ratio.
fn interleaved_ratio(rounds: usize, batch: u32, mut a: impl FnMut(), mut b: impl FnMut()) -> f64 {
    let mut ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let time = |f: &mut dyn FnMut()| {
            let start = Instant::now();
            for _ in 0..batch {
                f();
            }
            start.elapsed().as_secs_f64()
        };
        let (ta, tb) = if round % 2 == 0 {
            let ta = time(&mut a);
            (ta, time(&mut b))
        } else {
            let tb = time(&mut b);
            (time(&mut a), tb)
        };
        ratios.push(tb / ta);
    }
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn bench(c: &mut Criterion) {
    let (backend, provider) = BACKEND;
    provider.install_default().unwrap();
    // portcullis-oidc picks its verifier by its own feature; both must agree.
    assert_eq!(CRYPTO_BACKEND, backend);
    eprintln!("oidc: jsonwebtoken backend {backend} (bare decode and portcullis-oidc)");
    // jsonwebtoken checks `exp` against the system clock, so the token must
    // be valid now; portcullis gets the same instant passed in.
    let now = OffsetDateTime::now_utc();
    let exp = now.unix_timestamp() + 3600;
    let v = validator();
    for (name, kid, alg) in [
        ("rs256", "rsa-1", Algorithm::RS256),
        ("es256", "ec-p256", Algorithm::ES256),
        ("eddsa", "ed25519", Algorithm::EdDSA),
    ] {
        let case = case(kid, alg, exp);
        assert_eq!(
            v.validate_uncached(&case.token, now).unwrap().username,
            "alice@example.org"
        );
        assert!(jsonwebtoken::decode::<Claims>(&case.token, &case.key, &case.validation).is_ok());
        let ratio = interleaved_ratio(
            41,
            20,
            || {
                black_box(
                    jsonwebtoken::decode::<Claims>(
                        black_box(&case.token),
                        &case.key,
                        &case.validation,
                    )
                    .unwrap(),
                );
            },
            || {
                black_box(v.validate_uncached(black_box(&case.token), now).unwrap());
            },
        );
        eprintln!(
            "oidc/{backend}/{name}: portcullis / bare decode = {ratio:.3} (median of 41 interleaved rounds)"
        );
        let mut group = c.benchmark_group(format!("oidc/{backend}/{name}"));
        group.bench_function("jsonwebtoken::decode (bare)", |b| {
            b.iter(|| {
                jsonwebtoken::decode::<Claims>(black_box(&case.token), &case.key, &case.validation)
                    .unwrap()
            });
        });
        group.bench_function("portcullis validate + mapping (cold)", |b| {
            b.iter(|| v.validate_uncached(black_box(&case.token), now).unwrap());
        });
        group.finish();
    }

    let case = case("rsa-1", Algorithm::RS256, exp);
    v.validate(&case.token, now).unwrap();
    let speedup = 1.0
        / interleaved_ratio(
            41,
            20,
            || {
                black_box(v.validate_uncached(black_box(&case.token), now).unwrap());
            },
            || {
                black_box(v.validate(black_box(&case.token), now).unwrap());
            },
        );
    eprintln!(
        "oidc/{backend}/cache: cold / cached = {speedup:.0}x (median of 41 interleaved rounds)"
    );
    let mut group = c.benchmark_group(format!("oidc/{backend}/cache"));
    group.bench_function("cold validation (rs256)", |b| {
        b.iter(|| v.validate_uncached(black_box(&case.token), now).unwrap());
    });
    v.validate(&case.token, now).unwrap();
    group.bench_function("repeat token (cached)", |b| {
        b.iter(|| v.validate(black_box(&case.token), now).unwrap());
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
