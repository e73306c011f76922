//! Fuzz the bearer-token validator: any byte string must be refused or
//! accepted without panicking.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use time::OffsetDateTime;

const JWKS: &str = include_str!("../../crates/portcullis-oidc/tests/data/jwks.json");

fn validator() -> &'static OidcValidator {
    static VALIDATOR: OnceLock<OidcValidator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let provider = ProviderConfig::new("https://sso.example.org/realms/mail")
            .with_audiences(["bulwark"])
            .with_username_domain("example.org");
        let v = OidcValidator::new(OidcConfig::new(vec![provider])).unwrap();
        v.on_fetch_success(ProviderId(0), JWKS.as_bytes(), OffsetDateTime::UNIX_EPOCH).unwrap();
        v.with_cache_limits(0, 0)
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = std::str::from_utf8(data) {
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let _ = validator().validate(token, now);
    }
});
