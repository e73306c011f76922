//! Configuration shapes from the CLI contract.

use portcullis_oidc::{Error, OidcConfig, OidcValidator};

#[test]
fn provider_json_keys_from_the_contract() {
    let config = OidcConfig::from_json(
        r#"{"issuer":"https://idp","audiences":["a","b"],"require_scopes":["mail"],
            "claim_username":"upn","username_domain":"example.org","claim_name":"display",
            "claim_groups":"roles","leeway_seconds":5,"algorithms":["RS256","EdDSA"],
            "max_token_bytes":4096,"group_roles":{"g":["r"]},
            "discovery_url":"https://idp/.well-known/openid-configuration",
            "jwks_uri":"https://idp/keys","authorized_parties":["c"],
            "key_store":{"refresh_seconds":600}}"#,
    )
    .unwrap();
    let p = &config.providers[0];
    assert_eq!(p.audiences, ["a", "b"]);
    assert_eq!(p.leeway_seconds, 5);
    assert_eq!(p.max_token_bytes, 4096);
    assert_eq!(p.key_store.refresh_seconds, 600);
    assert_eq!(p.key_store.unknown_kid_refresh_seconds, 60);
    assert!(OidcValidator::new(config).is_ok());
}

#[test]
fn invalid_configurations() {
    for json in [
        r#"{"providers":[]}"#,
        r#"{"issuer":""}"#,
        r#"{"issuer":"https://i","audiences":["a"],"algorithms":["HS512"]}"#,
        r#"{"issuer":"https://i","audiences":["a"],"max_token_bytes":0}"#,
        r#"{"issuer":"https://i"}"#,
    ] {
        let result = OidcConfig::from_json(json).and_then(OidcValidator::new);
        assert!(matches!(result, Err(Error::Config(_))), "{json}");
    }
    assert!(
        OidcConfig::from_json(r#"{"providers":[{"issuer":"i","audiences":["a"]}],"extra":1}"#)
            .is_err()
    );
}
