//! Fuzz the bearer-token validator: any string must be refused or accepted
//! without panicking, and an accepted token must carry the configured
//! issuer and audience and be unexpired.
//!
//! Byte 0 picks how the rest becomes a token, so the fuzzer reaches past
//! the base64 layer into header and claim handling:
//! - `0`: the rest is the token text itself;
//! - `1`: the rest is `header JSON 0xFF claims JSON 0xFF signature`, each part
//!   base64url-encoded and joined with dots (never a valid signature);
//! - `2`: `header JSON 0xFF claims JSON`, signed with the test Ed25519 key,
//!   so claim checks and mapping run on whatever the fuzzer writes.
#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use time::OffsetDateTime;

const ISSUER: &str = "https://sso.example.org/realms/mail";
const JWKS: &str = include_str!("../../crates/portcullis-oidc/tests/data/jwks.json");
const ED25519_PEM: &[u8] = include_bytes!("../../crates/portcullis-oidc/tests/data/ed25519.pem");

fn validator() -> &'static OidcValidator {
    static VALIDATOR: OnceLock<OidcValidator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let provider = ProviderConfig::new(ISSUER)
            .with_audiences(["bulwark"])
            .with_username_domain("example.org");
        let v = OidcValidator::new(OidcConfig::new(vec![provider])).unwrap();
        v.on_fetch_success(ProviderId(0), JWKS.as_bytes(), OffsetDateTime::UNIX_EPOCH).unwrap();
        v.with_cache_limits(0, 0)
    })
}

fn signing_key() -> &'static EncodingKey {
    static KEY: OnceLock<EncodingKey> = OnceLock::new();
    KEY.get_or_init(|| EncodingKey::from_ed_pem(ED25519_PEM).unwrap())
}

fn token_from(data: &[u8]) -> Option<String> {
    let (&mode, rest) = data.split_first()?;
    let mut parts = rest.split(|&b| b == 0xFF);
    match mode % 3 {
        0 => Some(std::str::from_utf8(rest).ok()?.to_owned()),
        1 => {
            let encoded: Vec<String> = parts.map(|p| URL_SAFE_NO_PAD.encode(p)).collect();
            Some(encoded.join("."))
        }
        _ => {
            let header = parts.next()?;
            let claims = parts.next()?;
            let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims));
            let signature = jsonwebtoken::crypto::sign(input.as_bytes(), signing_key(), Algorithm::EdDSA).ok()?;
            Some(format!("{input}.{signature}"))
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(token) = token_from(data) else { return };
    let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    if let Ok(principal) = validator().validate(&token, now) {
        assert_eq!(principal.issuer, ISSUER);
        assert!(principal.audience.iter().any(|a| a == "bulwark"));
        assert!(!principal.username.is_empty());
        assert!(principal.expires_at >= now - time::Duration::seconds(60));
    }
});
