//! `portcullis oidc validate`.

use serde_json::json;

use crate::support::{Run, data, portcullis};

fn validate(config: &str, token_file: &str, now: &str) -> Run {
    let token = std::fs::read_to_string(data(&format!("oidc/{token_file}"))).unwrap();
    let config = data(&format!("oidc/{config}"));
    let jwks = data("oidc/jwks.json");
    portcullis(
        &[
            "oidc", "validate", "--config", &config, "--jwks", &jwks, "--now", now,
        ],
        &token,
    )
}

const NOW: &str = "1800000000";

#[test]
fn accepts_and_maps_a_valid_token() {
    for token in ["valid-rs256.jwt", "valid-eddsa.jwt"] {
        let run = validate("provider.json", token, NOW);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let out = run.json();
        assert_eq!(out["ok"], true);
        let p = &out["principal"];
        assert_eq!(p["username"], "alice@example.org");
        assert_eq!(p["name"], "Alice Liddell");
        assert_eq!(p["groups"], json!(["staff"]));
        assert_eq!(p["roles"], json!(["user"]));
        assert_eq!(p["scopes"], json!(["openid", "mail"]));
        assert_eq!(p["issuer"], "https://sso.example.org/realms/mail");
        assert_eq!(p["subject"], "user-1");
        assert_eq!(p["expires_at"], 1_800_000_300);
    }
}

#[test]
fn several_providers_in_one_file() {
    let run = validate("providers.json", "webui-rs256.jwt", NOW);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["principal"]["username"], "bob@example.org");
    let run = validate("providers.json", "valid-rs256.jwt", NOW);
    assert_eq!(run.json()["principal"]["username"], "alice");
}

#[test]
fn refusals_have_kinds() {
    for (config, token, now, kind) in [
        ("provider.json", "valid-rs256.jwt", "1800000361", "expired"),
        (
            "provider.json",
            "valid-rs256.jwt",
            "1799999000",
            "issued-in-future",
        ),
        ("provider.json", "attacker.jwt", NOW, "bad-signature"),
        ("provider.json", "alg-none.jwt", NOW, "alg-not-allowed"),
        ("provider.json", "webui-rs256.jwt", NOW, "wrong-issuer"),
    ] {
        let run = validate(config, token, now);
        assert_eq!(run.code, 1, "{token}: {}", run.stderr);
        let out = run.json();
        assert_eq!(out["ok"], false);
        assert_eq!(out["error"]["kind"], kind, "{token} at {now}");
        assert!(out["error"]["message"].is_string());
    }
}

#[test]
fn malformed_and_oversize_tokens() {
    let config = data("oidc/provider.json");
    let jwks = data("oidc/jwks.json");
    let args = [
        "oidc", "validate", "--config", &config, "--jwks", &jwks, "--now", NOW,
    ];
    let run = portcullis(&args, "not-a-token\n");
    assert_eq!(
        (run.code, run.json()["error"]["kind"].clone()),
        (1, json!("malformed"))
    );
    let run = portcullis(&args, &"a".repeat(9000));
    assert_eq!(
        (run.code, run.json()["error"]["kind"].clone()),
        (1, json!("oversize"))
    );
}

#[test]
fn configuration_errors_exit_2() {
    let jwks = data("oidc/jwks.json");
    let bad = data("oidc/bad-config.json");
    // Empty stdin: the binary exits before reading it.
    let run = portcullis(&["oidc", "validate", "--config", &bad, "--jwks", &jwks], "");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("HMAC"), "{}", run.stderr);
    let config = data("oidc/provider.json");
    let run = portcullis(
        &[
            "oidc",
            "validate",
            "--config",
            &config,
            "--jwks",
            "/nonexistent/jwks.json",
        ],
        "",
    );
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
}
