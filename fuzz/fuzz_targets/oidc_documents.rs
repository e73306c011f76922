//! Fuzz the JWKS and discovery-document parsers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_oidc::{DiscoveryDocument, JwkSet, OidcConfig};

fuzz_target!(|data: &[u8]| {
    let _ = JwkSet::parse(data);
    let _ = DiscoveryDocument::parse(data, "https://sso.example.org/realms/mail");
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = OidcConfig::from_json(text);
    }
});
