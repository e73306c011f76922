//! `portcullis verify`: the grant/deny JSON contract.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::support::portcullis;

fn directory() -> String {
    format!(
        "{}/../portcullis/tests/data/directory.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn plain(authcid: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("\0{authcid}\0{password}"))
}

fn verify(request: &Value, explain: bool) -> (i32, Value) {
    let directory = directory();
    let mut args = vec!["verify", "--directory", directory.as_str()];
    if explain {
        args.push("--explain");
    }
    let run = portcullis(&args, &request.to_string());
    assert!(run.stderr.is_empty() || run.code == 2, "{}", run.stderr);
    (run.code, run.json())
}

#[test]
fn grant_with_permissions() {
    let (code, out) = verify(
        &json!({"protocol": "imap", "remote_ip": "203.0.113.7", "tls": true,
                "sasl": {"mechanism": "PLAIN", "responses": [plain("alice@example.org", "alice-password")]}}),
        false,
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["decision"], "grant");
    assert_eq!(out["account"], "alice@example.org");
    assert_eq!(out["acting_as"], "alice@example.org");
    assert_eq!(out["credential"], json!({"kind": "password", "id": null}));
    let permissions: Vec<&str> = out["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(permissions.contains(&"imapAuthenticate"));
    assert!(!permissions.contains(&"impersonate"));
}

#[test]
fn app_password_on_the_portal_is_denied_with_replies_and_trace() {
    let (code, out) = verify(
        &json!({"protocol": "portal", "remote_ip": "203.0.113.7", "tls": true,
                "basic": {"username": "alice@example.org", "password": "app_AAAAAAMQ5CX77V6LYUSFNQ7OCQBI7XMAKUOQ"}}),
        true,
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["decision"], "deny");
    assert_eq!(out["reason"]["kind"], "surface-not-in-scope");
    assert!(out["reason"]["detail"].as_str().unwrap().contains("portal"));
    assert_eq!(
        out["reply"]["imap"],
        "NO [AUTHORIZATIONFAILED] This credential may not be used for the web portal"
    );
    assert!(
        out["reply"]["smtp"]
            .as_str()
            .unwrap()
            .starts_with("535 5.7.8 ")
    );
    assert_eq!(out["reply"]["http"]["status"], 403);
    let steps: Vec<&str> = out["trace"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["step"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        [
            "parse",
            "throttle",
            "resolve-login",
            "find-account",
            "throttle-account",
            "verify-credential",
            "account-gate",
            "credential-checks",
            "scope",
            "surface-gate"
        ]
    );
    assert!(
        !out.to_string()
            .contains("AAAAAAMQ5CX77V6LYUSFNQ7OCQBI7XMAKUOQ")
    );
}

#[test]
fn impersonation_refusal_and_temporary_failures() {
    let (code, out) = verify(
        &json!({"protocol": "imap", "remote_ip": "203.0.113.7", "tls": true,
                "sasl": {"mechanism": "PLAIN", "responses": [plain("bob@example.org%alice@example.org", "alice-password")]}}),
        false,
    );
    assert_eq!(code, 1);
    assert_eq!(out["reason"]["kind"], "impersonation-refused");
    assert_eq!(out["reason"]["sub_kind"], "actor-lacks-impersonate");
    assert!(out.get("temporary").is_none());

    // A token for the configured issuer whose keys are unknown... is
    // simply invalid here (the file loads the JWKS), so check the
    // wrong-secret path and a cancel instead.
    let (code, out) = verify(
        &json!({"protocol": "smtp", "remote_ip": "203.0.113.7", "tls": true,
                "sasl": {"mechanism": "LOGIN", "responses": ["*"]}}),
        false,
    );
    assert_eq!(code, 1);
    assert_eq!(out["reason"]["kind"], "cancelled");
    assert_eq!(out["reply"]["smtp"], "501 5.0.0 Authentication cancelled");
}

#[test]
fn malformed_and_usage_errors() {
    let (code, out) = verify(
        &json!({"protocol": "imap", "remote_ip": "203.0.113.7", "tls": true,
                "sasl": {"mechanism": "PLAIN", "responses": ["not base64!"]}}),
        false,
    );
    assert_eq!(code, 1);
    assert_eq!(out["reason"]["kind"], "malformed-input");
    assert!(out["reply"]["imap"].as_str().unwrap().starts_with("BAD "));

    let run = portcullis(
        &["verify", "--directory", "/nonexistent/directory.toml"],
        "{}",
    );
    assert_eq!(run.code, 2);
    let directory = directory();
    let run = portcullis(
        &["verify", "--directory", directory.as_str()],
        r#"{"protocol": "imap", "remote_ip": "203.0.113.7"}"#,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("exactly one"));
}

#[test]
fn bearer_with_a_wrong_token_is_denied() {
    let (code, out) = verify(
        &json!({"protocol": "jmap", "remote_ip": "203.0.113.7", "tls": true, "bearer": "a.b.c"}),
        false,
    );
    assert_eq!(code, 1);
    assert_eq!(out["reason"]["kind"], "invalid-token");
    assert_eq!(out["reply"]["http"]["status"], 401);
    assert_eq!(
        out["reply"]["http"]["www_authenticate"],
        "Bearer realm=\"example.org\", error=\"invalid_token\""
    );
}
