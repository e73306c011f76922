//! Web sign-in: authorization URL, callback and ID-token checks.

use portcullis_oidc::signin::{LoginHintPolicy, SignInConfig};
use serde_json::json;

use crate::support::{claims, kind, mint, now, validator};

fn config() -> SignInConfig {
    SignInConfig::new(
        "https://sso.example.org/auth",
        "bulwark",
        "https://mail.example.org/cb",
    )
    .with_login_hint(LoginHintPolicy::Mailbox)
}

#[test]
fn full_flow_with_id_token() {
    let (url, pending) = config()
        .begin_with_os_rng(Some("alice@example.org"))
        .unwrap();
    assert!(url.contains(&format!("&state={}", pending.state())));
    assert!(url.contains(&format!("&nonce={}", pending.nonce())));
    assert!(url.contains("redirect_uri=https%3A%2F%2Fmail.example.org%2Fcb"));
    assert!(url.contains("scope=openid+email+profile"));
    let code = pending
        .check_callback(&format!(
            "state={}&code=xyz&session_state=1",
            pending.state()
        ))
        .unwrap();
    let body = config().token_request_body(&code, &pending);
    assert!(body.contains("&code_verifier="));
    assert!(!format!("{code:?}").contains("xyz"));

    let v = validator();
    let mut id = claims();
    id["nonce"] = json!(pending.nonce());
    let token = mint("rsa-1", &id);
    let principal = v
        .validate_id_token(&token, now(), "bulwark", pending.nonce())
        .unwrap();
    assert_eq!(principal.username, "alice@example.org");
    assert_eq!(
        kind(v.validate_id_token(&token, now(), "bulwark", "another-nonce")),
        "bad-claims"
    );
    assert_eq!(
        kind(v.validate_id_token(&token, now(), "stalwart-webui", pending.nonce())),
        "wrong-audience"
    );

    // Several audiences need azp, and azp must be this client.
    let mut multi = id.clone();
    multi["aud"] = json!(["bulwark", "other"]);
    multi.as_object_mut().unwrap().remove("azp");
    assert_eq!(
        kind(v.validate_id_token(&mint("rsa-1", &multi), now(), "bulwark", pending.nonce())),
        "bad-claims"
    );
    multi["azp"] = json!("other");
    assert_eq!(
        kind(v.validate_id_token(&mint("rsa-1", &multi), now(), "bulwark", pending.nonce())),
        "bad-claims"
    );
    multi["azp"] = json!("bulwark");
    assert_eq!(
        kind(v.validate_id_token(&mint("rsa-1", &multi), now(), "bulwark", pending.nonce())),
        "ok"
    );
}

#[test]
fn fresh_randomness_each_time() {
    let (_, a) = config().begin_with_os_rng(None).unwrap();
    let (_, b) = config().begin_with_os_rng(None).unwrap();
    assert_ne!(a.state(), b.state());
    assert_ne!(a.nonce(), b.nonce());
    assert_eq!(a.state().len(), 43);
}
