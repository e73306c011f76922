//! Signed test tokens of one trusted provider (the Ed25519 key and JWKS in
//! `tests/data`), and the requests that carry them.

use std::sync::Arc;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use portcullis::{AuthRequest, RequestCredentials, Surface};
use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use serde_json::json;

use crate::support::*;

pub(crate) const ISSUER: &str = "https://sso.example.org/realms/mail";

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// A validator of [`ISSUER`] (audience `webmail`) with no keys yet: no
/// fetch has run.
pub(crate) fn unfetched() -> OidcValidator {
    OidcValidator::new(OidcConfig::new(vec![
        ProviderConfig::new(ISSUER)
            .with_audiences(["webmail"])
            .with_algorithms(["EdDSA"]),
    ]))
    .unwrap()
}

/// A validator of [`ISSUER`] whose keys were fetched at `now()`.
pub(crate) fn validator() -> Arc<OidcValidator> {
    let validator = unfetched();
    validator
        .on_fetch_success(ProviderId(0), &data("oidc-jwks.json"), now())
        .unwrap();
    Arc::new(validator)
}

/// A token of [`ISSUER`] whose username claim is `username` and whose
/// subject is `subject-of-{username}`.
pub(crate) fn token(username: &str) -> String {
    let claims = json!({
        "iss": ISSUER,
        "sub": format!("subject-of-{username}"),
        "aud": "webmail",
        "exp": NOW + 300,
        "iat": NOW - 5,
        "preferred_username": username,
    });
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("facade-test".into());
    let key = EncodingKey::from_ed_pem(&data("oidc-ed25519.pem")).unwrap();
    jsonwebtoken::encode(&header, &claims, &key).unwrap()
}

/// XOAUTH2 over TLS on IMAP, one message.
pub(crate) fn xoauth2(user: &str, token: &str) -> AuthRequest {
    AuthRequest::new(
        Surface::Imap,
        ip(CLIENT),
        RequestCredentials::Sasl {
            mechanism: "XOAUTH2".into(),
            responses: vec![format!("user={user}\x01auth=Bearer {token}\x01\x01").into_bytes()],
        },
    )
    .with_tls(true)
}

/// `Authorization: Bearer` over TLS on JMAP.
pub(crate) fn http_bearer(token: &str) -> AuthRequest {
    AuthRequest::new(
        Surface::Jmap,
        ip(CLIENT),
        RequestCredentials::Bearer {
            token: token.into(),
        },
    )
    .with_tls(true)
}
