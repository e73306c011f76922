//! Several providers: the token's `iss` selects one; clients with different
//! audiences and issuers are all accepted (the second-client problem).

use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig, ProviderId};
use serde_json::json;

use crate::support::{ISSUER, claims, data, kind, mint, now};

fn two_issuers() -> OidcValidator {
    let config = OidcConfig::new(vec![
        ProviderConfig::new(ISSUER).with_audiences(["bulwark"]),
        ProviderConfig::new("https://authentik.example/application/o/webui/")
            .with_audiences(["stalwart-webui"])
            .with_username_domain("example.org"),
        // Same issuer as the first, another client with another mapping.
        ProviderConfig::new(ISSUER)
            .with_audiences(["admin-cli"])
            .with_required_scopes(["admin"]),
    ]);
    let v = OidcValidator::new(config).unwrap();
    for id in v.due(now()) {
        assert!(v.begin_fetch(id, now()));
        v.on_fetch_success(id, &data("jwks.json"), now()).unwrap();
    }
    assert!(v.is_ready());
    assert_eq!(v.readiness().len(), 3);
    v
}

#[test]
fn issuer_selects_the_provider() {
    let v = two_issuers();
    let webmail = mint("rsa-1", &claims());
    assert_eq!(v.validate(&webmail, now()).unwrap().username, "alice");

    let mut webui = claims();
    webui["iss"] = json!("https://authentik.example/application/o/webui/");
    webui["aud"] = json!("stalwart-webui");
    let principal = v.validate(&mint("ec-p256", &webui), now()).unwrap();
    assert_eq!(principal.username, "alice@example.org");
    assert_eq!(
        principal.issuer,
        "https://authentik.example/application/o/webui/"
    );

    // A webui token presented with the webmail issuer is the wrong audience.
    let mut crossed = claims();
    crossed["aud"] = json!("stalwart-webui");
    assert_eq!(
        kind(v.validate(&mint("rsa-1", &crossed), now())),
        "wrong-audience"
    );
}

#[test]
fn same_issuer_second_client_uses_its_own_rules() {
    let v = two_issuers();
    let mut admin = claims();
    admin["aud"] = json!("admin-cli");
    assert_eq!(
        kind(v.validate(&mint("rsa-1", &admin), now())),
        "missing-scope"
    );
    admin["scope"] = json!("admin");
    assert_eq!(kind(v.validate(&mint("rsa-1", &admin), now())), "ok");
}

#[test]
fn one_provider_down_does_not_affect_another() {
    let config = OidcConfig::new(vec![
        ProviderConfig::new(ISSUER).with_audiences(["bulwark"]),
        ProviderConfig::new("https://down.example").with_audiences(["bulwark"]),
    ]);
    let v = OidcValidator::new(config).unwrap();
    v.on_fetch_success(ProviderId(0), &data("jwks.json"), now())
        .unwrap();
    v.on_fetch_failure(ProviderId(1), "connection refused", now());
    assert!(!v.is_ready());
    assert_eq!(kind(v.validate(&mint("rsa-1", &claims()), now())), "ok");
    let mut other = claims();
    other["iss"] = json!("https://down.example");
    assert_eq!(
        kind(v.validate(&mint("rsa-1", &other), now())),
        "provider-unavailable"
    );
    let readiness = v.readiness();
    assert_eq!(readiness[1].state, "degraded");
    assert_eq!(
        readiness[1].last_error.as_deref(),
        Some("connection refused")
    );
}
