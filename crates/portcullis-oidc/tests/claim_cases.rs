//! Table-driven claim cases from tests/data/claim-cases.json: each case
//! patches the default claims (and optionally the provider), mints an RS256
//! token and expects an exact outcome.

use portcullis_oidc::ProviderConfig;
use serde::Deserialize;
use serde_json::Value;

use crate::support::{claims, data, kind, mint, now, provider, validator_for};

#[derive(Deserialize)]
struct Case {
    name: String,
    #[serde(default)]
    set: serde_json::Map<String, Value>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    provider: Option<Value>,
    #[serde(default = "default_kid")]
    kid: String,
    expect: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    #[serde(default)]
    groups: Option<Vec<String>>,
}

fn default_kid() -> String {
    "rsa-1".into()
}

fn provider_for(patch: Option<&Value>) -> ProviderConfig {
    let Some(patch) = patch else {
        return provider();
    };
    let mut base = serde_json::json!({
        "issuer": crate::support::ISSUER,
        "audiences": ["bulwark", "stalwart-webui"],
        "username_domain": "example.org",
    });
    for (k, v) in patch.as_object().unwrap() {
        base[k] = v.clone();
    }
    serde_json::from_value(base).unwrap()
}

#[test]
fn claim_cases_from_data_file() {
    let cases: Vec<Case> = serde_json::from_slice(&data("claim-cases.json")).unwrap();
    assert!(cases.len() >= 25);
    for case in cases {
        let mut token_claims = claims();
        let object = token_claims.as_object_mut().unwrap();
        for name in &case.remove {
            object.remove(name);
        }
        for (k, v) in case.set {
            object.insert(k, v);
        }
        let validator = validator_for(provider_for(case.provider.as_ref()));
        let token = mint(&case.kid, &token_claims);
        let result = validator.validate(&token, now());
        if let Ok(principal) = &result {
            if let Some(username) = &case.username {
                assert_eq!(&principal.username, username, "case {}", case.name);
            }
            if let Some(scopes) = &case.scopes {
                assert_eq!(&principal.scopes, scopes, "case {}", case.name);
            }
            if let Some(groups) = &case.groups {
                assert_eq!(&principal.groups, groups, "case {}", case.name);
            }
        }
        assert_eq!(kind(result), case.expect, "case {}", case.name);
    }
}
