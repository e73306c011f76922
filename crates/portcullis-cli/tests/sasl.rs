//! `portcullis sasl decode …`.

use serde_json::json;

use crate::support::portcullis;

fn decode(mechanism: &str, stdin: &str, show: bool) -> crate::support::Run {
    let mut args = vec!["sasl", "decode", "--mechanism", mechanism];
    if show {
        args.push("--show-secrets");
    }
    portcullis(&args, stdin)
}

#[test]
fn plain_is_redacted_by_default() {
    // RFC 4616 §4: "\0tim\0tanstaaftanstaaf"
    let run = decode("PLAIN", "AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n", false);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({"ok": true, "mechanism": "PLAIN", "authzid": null, "authcid": "tim", "password": "<redacted 16 bytes>"})
    );
    assert!(!run.stdout.contains("tanstaaf"));
}

#[test]
fn plain_show_secrets_and_authzid() {
    // "Ursel\0Kurt\0xipj3plmq", mechanism name in any case
    let run = decode("plain", "VXJzZWwAS3VydAB4aXBqM3BsbXE=\n", true);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({"ok": true, "mechanism": "PLAIN", "authzid": "Ursel", "authcid": "Kurt", "password": "xipj3plmq"})
    );
}

#[test]
fn login_one_step_is_a_password_unless_told() {
    let run = decode("LOGIN", "dGlt", false);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({"ok": true, "mechanism": "LOGIN", "step": "password", "value": "<redacted 3 bytes>"})
    );
    assert!(!run.stdout.contains("tim"));
    let run = decode("LOGIN", "dGlt", true);
    assert_eq!(run.json()["value"], "tim");
    let run = portcullis(
        &[
            "sasl",
            "decode",
            "--mechanism",
            "LOGIN",
            "--login-step",
            "username",
        ],
        "dGlt",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({"ok": true, "mechanism": "LOGIN", "step": "username", "value": "tim"})
    );
    let run = portcullis(
        &[
            "sasl",
            "decode",
            "--mechanism",
            "LOGIN",
            "--login-step",
            "realm",
        ],
        "dGlt",
    );
    assert_eq!(run.code, 2);
}

#[test]
fn oauthbearer_rfc7628_example() {
    let wire = "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB\r\n";
    let run = decode("OAUTHBEARER", wire, false);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({"ok": true, "mechanism": "OAUTHBEARER", "authzid": "user@example.com", "host": "server.example.com", "port": 143, "token": "<redacted 42 bytes>"})
    );
    let run = decode("OAUTHBEARER", wire, true);
    assert_eq!(
        run.json()["token"],
        "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=="
    );
}

#[test]
fn xoauth2_strips_the_scheme() {
    // "user=someuser@example.com\x01auth=bearer tok\x01\x01" (lower-case scheme)
    let run = decode(
        "XOAUTH2",
        "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPWJlYXJlciB0b2sBAQ==",
        true,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json(),
        json!({"ok": true, "mechanism": "XOAUTH2", "user": "someuser@example.com", "token": "tok"})
    );
}

#[test]
fn cancel_and_refusals_exit_1() {
    for (mechanism, stdin, kind) in [
        ("PLAIN", "*\r\n", "cancelled"),
        ("XOAUTH2", "*", "cancelled"),
        ("PLAIN", "=", "missing-separator"),
        ("PLAIN", "", "missing-separator"),
        ("PLAIN", "AHRpbQ", "bad-base64"),
        ("PLAIN", "AHRpbQA=", "empty-password"),
        ("LOGIN", "=", "empty-password"),
        (
            "OAUTHBEARER",
            "cD10bHMtdW5pcXVlLCwBAQ==",
            "channel-binding-unsupported",
        ),
    ] {
        let run = decode(mechanism, stdin, false);
        assert_eq!(run.code, 1, "{mechanism} {stdin:?}: {}", run.stderr);
        let out = run.json();
        assert_eq!(out["ok"], false);
        assert_eq!(out["error"]["kind"], kind, "{mechanism} {stdin:?}");
        assert!(
            out["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    }
}

#[test]
fn unknown_mechanism_is_a_usage_error() {
    let run = decode("CRAM-MD5", "AAAA", false);
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
    assert!(run.stderr.contains("unknown mechanism"), "{}", run.stderr);
    let run = portcullis(&["sasl", "decode"], "AAAA");
    assert_eq!(run.code, 2);
}
