//! `portcullis permissions …`.

use serde_json::Value;

use crate::support::{Run, data, portcullis};

/// `portcullis permissions explain` of `account` over `tests/data/roles.toml`.
fn explain(account: &str) -> Run {
    let roles = data("roles.toml");
    portcullis(
        &[
            "permissions",
            "explain",
            "--roles",
            &roles,
            "--account",
            account,
        ],
        "",
    )
}

/// The `permissions` entry of an explain output for one permission name.
fn entry<'a>(out: &'a Value, name: &str) -> &'a Value {
    out["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no entry for {name}"))
}

#[test]
fn list_prints_every_permission_with_its_id() {
    let run = portcullis(&["permissions", "list"], "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let list = run.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 664);
    assert_eq!(
        list[0],
        serde_json::json!({"id": 0, "name": "authenticate", "group": "account"})
    );
    assert_eq!(list[129]["name"], "imapAuthenticate");
    assert_eq!(
        list[663],
        serde_json::json!({"id": 663, "name": "adminAuthenticate", "group": "admin"})
    );
}

#[test]
fn explain_gives_reasons() {
    let run = explain("carol@example.org");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["ok"], true);
    let effective: Vec<&str> = out["effective"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!effective.contains(&"imapAuthenticate"));
    assert!(!effective.contains(&"emailSend"));
    assert!(effective.contains(&"pop3Authenticate"));
    let imap = entry(&out, "imapAuthenticate");
    assert_eq!(imap["granted"], false);
    assert_eq!(
        imap["reasons"],
        serde_json::json!([
            "enabled by role `user` inherited via `contractor`",
            "disabled by role `no-imap` inherited via `contractor`"
        ])
    );
    let send = entry(&out, "emailSend");
    assert_eq!(
        send["reasons"],
        serde_json::json!([
            "enabled by role `user` inherited via `contractor`",
            "disabled by the tenant"
        ])
    );
}

#[test]
fn explain_replace_policy_ignores_roles() {
    let run = explain("dave@example.org");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["effective"],
        serde_json::json!(["authenticate", "pop3Authenticate"])
    );
}

#[test]
fn explain_refuses_unknown_accounts_and_reports_bad_config() {
    let run = explain("nobody@example.org");
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["error"]["kind"], "unknown-account");
    let run = explain("ghost@example.org");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown role"), "{}", run.stderr);
    let run = portcullis(
        &[
            "permissions",
            "explain",
            "--roles",
            "/nonexistent.toml",
            "--account",
            "x",
        ],
        "",
    );
    assert_eq!(run.code, 2);
}
