//! The `email` claim becomes a username only when the IdP vouches for it
//! (`email_verified` is `true`, OpenID Connect Core §5.1): anyone can type
//! any address into a self-service IdP profile, so an unverified `email`
//! of `admin@example.org` must never sign in as that admin.

use portcullis_oidc::{OidcConfig, ProviderConfig};
use serde_json::{Value, json};

use crate::support::{claims, kind, mint, now, provider, validator_for};

fn email_provider() -> ProviderConfig {
    let mut provider = provider();
    "email".clone_into(&mut provider.claim_username);
    provider
}

fn admin_claims(email_verified: Option<Value>) -> Value {
    let mut c = claims();
    c["email"] = json!("admin@example.org");
    if let Some(verified) = email_verified {
        c["email_verified"] = verified;
    }
    c
}

#[test]
fn unverified_email_is_never_the_username_when_claim_username_is_email() {
    let v = validator_for(email_provider());
    // Absent counts as unverified (fail closed), and so does anything that
    // is not the boolean true (or the string "true" some IdPs send).
    for verified in [
        None,
        Some(json!(false)),
        Some(json!("false")),
        Some(json!("yes")),
        Some(json!(1)),
        Some(Value::Null),
    ] {
        let token = mint("rsa-1", &admin_claims(verified.clone()));
        let refusal = v.validate(&token, now()).unwrap_err();
        assert_eq!(
            refusal.kind(),
            "unverified-email",
            "email_verified {verified:?}"
        );
        assert!(!refusal.is_temporary());
        assert_eq!(refusal.http_status(), 401);
    }
    let verified = mint("rsa-1", &admin_claims(Some(json!(true))));
    assert_eq!(
        v.validate(&verified, now()).unwrap().username,
        "admin@example.org"
    );
}

#[test]
fn email_fallback_requires_email_verified() {
    let v = validator_for(provider());
    let mut c = admin_claims(None);
    c.as_object_mut().unwrap().remove("preferred_username");
    assert_eq!(
        kind(v.validate(&mint("rsa-1", &c), now())),
        "unverified-email"
    );
    c["email_verified"] = json!(false);
    assert_eq!(
        kind(v.validate(&mint("rsa-1", &c), now())),
        "unverified-email"
    );
    c["email_verified"] = json!(true);
    assert_eq!(
        v.validate(&mint("rsa-1", &c), now()).unwrap().username,
        "admin@example.org"
    );
}

#[test]
fn danger_allow_unverified_email_is_off_unless_configured() {
    let config = OidcConfig::from_json(
        r#"{"issuer":"https://i","audiences":["a"],"claim_username":"email"}"#,
    )
    .unwrap();
    assert!(!config.providers[0].danger_allow_unverified_email);
    let config = OidcConfig::from_json(
        r#"{"issuer":"https://i","audiences":["a"],"claim_username":"email",
            "danger_allow_unverified_email":true}"#,
    )
    .unwrap();
    assert!(config.providers[0].danger_allow_unverified_email);

    let lenient = validator_for(email_provider().with_danger_allow_unverified_email(true));
    let token = mint("rsa-1", &admin_claims(None));
    assert_eq!(
        lenient.validate(&token, now()).unwrap().username,
        "admin@example.org"
    );
}
