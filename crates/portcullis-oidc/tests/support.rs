//! Token minting with the test keys in tests/data.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::{CryptoProvider, aws_lc};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use serde_json::{Value, json};
use time::OffsetDateTime;

pub(crate) const ISSUER: &str = "https://sso.example.org/realms/mail";
pub(crate) const NOW: i64 = 1_800_000_000;

pub(crate) fn now() -> OffsetDateTime {
    at(NOW)
}

pub(crate) fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).unwrap()
}

pub(crate) fn data(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub(crate) fn provider() -> ProviderConfig {
    ProviderConfig::new(ISSUER)
        .with_audiences(["bulwark", "stalwart-webui"])
        .with_username_domain("example.org")
        .with_group_roles("/mail-admins", ["admin"])
        .with_group_roles("staff", ["user", "calendar"])
}

/// A validator for `provider` with tests/data/jwks.json loaded.
pub(crate) fn validator_for(provider: ProviderConfig) -> OidcValidator {
    let validator = OidcValidator::new(OidcConfig::new(vec![provider])).unwrap();
    validator
        .on_fetch_success(ProviderId(0), &data("jwks.json"), now())
        .unwrap();
    validator
}

pub(crate) fn validator() -> OidcValidator {
    validator_for(provider())
}

pub(crate) fn claims() -> Value {
    json!({
        "iss": ISSUER,
        "sub": "f0c1d2e3-0000-4000-8000-000000000001",
        "aud": "bulwark",
        "azp": "bulwark",
        "exp": NOW + 300,
        "iat": NOW - 10,
        "nbf": NOW - 10,
        "preferred_username": "Alice",
        "email": "alice@mail.example.org",
        "name": "Alice Liddell",
        "groups": ["staff", "/mail-admins", "other"],
        "scope": "openid email mail",
    })
}

/// Tokens are minted through jsonwebtoken's process-wide provider, which it
/// cannot choose by itself when the `rust-crypto-backend` feature compiles in
/// both backends: sign with aws-lc-rs in every build. The validator verifies
/// with its own backend and never reads this default.
pub(crate) fn install_signing_provider() {
    // Err only means another test installed it first.
    let _ = CryptoProvider::install_default(&aws_lc::DEFAULT_PROVIDER);
}

pub(crate) fn encoding_key(kid: &str) -> EncodingKey {
    install_signing_provider();
    let pem = data(&format!("{}.pem", key_file(kid)));
    match kid {
        k if k.starts_with("rsa") => EncodingKey::from_rsa_pem(&pem).unwrap(),
        k if k.starts_with("ec") => EncodingKey::from_ec_pem(&pem).unwrap(),
        _ => EncodingKey::from_ed_pem(&pem).unwrap(),
    }
}

fn key_file(kid: &str) -> &str {
    kid
}

pub(crate) fn default_alg(kid: &str) -> Algorithm {
    match kid {
        "ec-p256" => Algorithm::ES256,
        "ec-p384" => Algorithm::ES384,
        "ed25519" => Algorithm::EdDSA,
        _ => Algorithm::RS256,
    }
}

/// A token signed by the key file `kid` with header `kid` (jsonwebtoken's
/// own encoder).
pub(crate) fn mint(kid: &str, claims: &Value) -> String {
    let mut header = Header::new(default_alg(kid));
    header.kid = Some(kid.to_owned());
    header.typ = Some("JWT".into());
    jsonwebtoken::encode(&header, claims, &encoding_key(kid)).unwrap()
}

/// A token with a hand-written header, signed by `signer_kid`'s key with
/// `alg` (or left unsigned when `signer_kid` is None).
pub(crate) fn mint_raw(
    header: &Value,
    claims: &Value,
    signer_kid: Option<&str>,
    alg: Algorithm,
) -> String {
    let h = URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap());
    let c = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).unwrap());
    let input = format!("{h}.{c}");
    let signature = match signer_kid {
        Some(kid) => jsonwebtoken::crypto::sign(input.as_bytes(), &encoding_key(kid), alg).unwrap(),
        None => String::new(),
    };
    format!("{input}.{signature}")
}

pub(crate) fn kind(result: Result<impl Sized, portcullis_oidc::Refusal>) -> &'static str {
    match result {
        Ok(_) => "ok",
        Err(refusal) => refusal.kind(),
    }
}
