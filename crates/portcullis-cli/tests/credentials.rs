//! `portcullis hash`, `hash check`, `app-password new`, `api-key new`,
//! `totp new`/`check`.

use serde_json::json;

use crate::support::portcullis;

#[test]
fn hash_makes_a_phc_string_that_checks() {
    let run = portcullis(&["hash", "--m-kib", "256", "--t-cost", "1"], "hunter2\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["ok"], true);
    assert_eq!(out["scheme"], "argon2id");
    let phc = out["hash"].as_str().unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{phc}");
    assert!(!run.stdout.contains("hunter2"));

    let input = json!({"password": "hunter2", "hash": phc}).to_string();
    let run = portcullis(&["hash", "check"], &input);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Below the default (OWASP) parameters: rehash at the next login.
    assert_eq!(
        run.json(),
        json!({"ok": true, "scheme": "argon2id", "needs_rehash": true})
    );
}

#[test]
fn hash_scram_makes_dovecot_keys_that_check() {
    for (scheme, prefix) in [
        ("scram-sha-256", "{SCRAM-SHA-256}"),
        ("scram-sha-1", "{SCRAM-SHA-1}"),
    ] {
        let run = portcullis(&["hash", "--scheme", scheme], "hunter2\n");
        assert_eq!(run.code, 0, "{scheme}: {}", run.stderr);
        let out = run.json();
        assert_eq!(out["ok"], true);
        assert_eq!(out["scheme"], scheme);
        let stored = out["hash"].as_str().unwrap();
        // The default is the minimum RFC 5802 and Dovecot accept.
        let body = stored
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{stored}"));
        let fields: Vec<&str> = body.split(',').collect();
        assert_eq!(fields.len(), 4, "{stored}");
        assert_eq!(fields[0], "4096", "{stored}");
        assert!(!run.stdout.contains("hunter2"));

        let check = |password: &str| {
            portcullis(
                &["hash", "check"],
                &json!({"password": password, "hash": stored}).to_string(),
            )
        };
        let run = check("hunter2");
        assert_eq!(run.code, 0, "{scheme}: {} {}", run.stdout, run.stderr);
        assert_eq!(
            run.json(),
            json!({"ok": true, "scheme": scheme, "needs_rehash": false})
        );
        let run = check("hunter3");
        assert_eq!(run.code, 1, "{scheme}: {}", run.stdout);
        assert_eq!(run.json()["error"]["kind"], "mismatch");
    }

    let run = portcullis(
        &["hash", "--scheme", "scram-sha-256", "--iterations", "10000"],
        "pencil",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let stored = run.json()["hash"].as_str().unwrap().to_owned();
    assert!(stored.starts_with("{SCRAM-SHA-256}10000,"), "{stored}");
    let run = portcullis(
        &["hash", "check"],
        &json!({"password": "pencil", "hash": stored}).to_string(),
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn hash_flags_of_the_other_scheme_are_usage_errors() {
    for args in [
        // --iterations is SCRAM's; the argon2 costs are argon2id's.
        vec!["hash", "--iterations", "4096"],
        vec!["hash", "--scheme", "argon2id", "--iterations", "4096"],
        vec!["hash", "--scheme", "scram-sha-256", "--m-kib", "256"],
        vec!["hash", "--scheme", "scram-sha-1", "--t-cost", "1"],
        vec!["hash", "--scheme", "scram-sha-256", "--p-cost", "1"],
        // Below RFC 5802's minimum, above the verifiable maximum, unknown scheme.
        vec!["hash", "--scheme", "scram-sha-256", "--iterations", "4095"],
        vec![
            "hash",
            "--scheme",
            "scram-sha-256",
            "--iterations",
            "2000001",
        ],
        vec!["hash", "--scheme", "scram-sha-512"],
    ] {
        let run = portcullis(&args, "hunter2\n");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stdout);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn hash_check_contract() {
    let cases = [
        (
            "test",
            "{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=",
            0,
            json!({"ok": true, "scheme": "sha1", "needs_rehash": true}),
        ),
        (
            "test",
            "{SHA512-CRYPT}$6$rounds=1000$S.LqNiGAIx3Gq67M$vPPvIV6GUi.ptuIb/GqYaj.jOS19b6h0LNPhOCOgoP3UgEPW2dKq3D0gcrWvk2ZnjJ6e.ZgQRdLu7/UnLRLtj/",
            1,
            json!("mismatch"),
        ),
        ("x", "{CRAM-MD5}abc", 1, json!("unsupported-scheme")),
        ("x", "{SCRAM-SHA-256}abc", 1, json!("malformed-hash")),
        ("x", "$6$broken", 1, json!("malformed-hash")),
        (
            "x",
            "$2y$31$U63YPaxXsd8vNB/Uft0xIu2c0EM07LDAcgNQ8aU0VqIUpSdsfzzaq",
            1,
            json!("parameters-too-costly"),
        ),
    ];
    for (password, hash, code, expected) in cases {
        let run = portcullis(
            &["hash", "check"],
            &json!({"password": password, "hash": hash}).to_string(),
        );
        assert_eq!(run.code, code, "{hash}: {}", run.stdout);
        let out = run.json();
        if code == 0 {
            assert_eq!(out, expected, "{hash}");
        } else {
            assert_eq!(out["ok"], false);
            assert_eq!(out["error"]["kind"], expected, "{hash}");
        }
        assert!(
            !run.stdout.contains(password) || password == "x" || password == "test" && code == 0
        );
    }
    let run = portcullis(&["hash", "check"], "not json");
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty());
}

#[test]
fn app_password_new_prints_secret_once_and_record() {
    let run = portcullis(
        &[
            "app-password",
            "new",
            "--id",
            "7",
            "--expires",
            "+30d",
            "--allow-ip",
            "192.0.2.0/24",
            "--allow-ip",
            "2001:db8::1",
            "--scope",
            "imapAuthenticate,imapFetch",
            "--description",
            "phone",
            "--now",
            "1794700800",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    let secret = out["secret"].as_str().unwrap();
    assert!(secret.starts_with("app_") && secret.len() == 40, "{secret}");
    let record = &out["record"];
    assert_eq!(record["id"], 7);
    assert_eq!(record["kind"], "app-password");
    assert_eq!(record["created_at"], "2026-11-15T00:00:00Z");
    assert_eq!(record["expires_at"], "2026-12-15T00:00:00Z");
    assert_eq!(
        record["allowed_ips"],
        json!(["192.0.2.0/24", "2001:db8::1/128"])
    );
    assert_eq!(
        record["scope"],
        json!({"replace": ["imapAuthenticate", "imapFetch"]})
    );
    assert!(record["hash"].as_str().unwrap().starts_with("{SSHA256}"));
    // The record never holds the secret.
    assert!(!record.to_string().contains(&secret[4..]));

    for bad in [
        vec![
            "app-password",
            "new",
            "--id",
            "1",
            "--scope",
            "imapTeleport",
        ],
        vec![
            "app-password",
            "new",
            "--id",
            "1",
            "--allow-ip",
            "not-a-net",
        ],
        vec!["app-password", "new", "--id", "1", "--expires", "tomorrow"],
        vec!["app-password", "new"],
    ] {
        let run = portcullis(&bad, "");
        assert_eq!(run.code, 2, "{bad:?}");
    }
}

#[test]
fn totp_new_and_check() {
    let run = portcullis(
        &[
            "totp",
            "new",
            "--account",
            "alice@example.org",
            "--issuer",
            "Example",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    let secret = out["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32);
    let uri = out["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Example:alice")
            && uri.contains(&format!("secret={secret}")),
        "{uri}"
    );
    assert_eq!(out["totp"]["secret"], secret);

    // RFC 6238 Appendix B, SHA-1, 8 digits, T = 59 s.
    let uri = "otpauth://totp/test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8";
    let check = |input: serde_json::Value| {
        portcullis(
            &["totp", "check", "--now", "59", "--skew", "0"],
            &input.to_string(),
        )
    };
    let run = check(json!({"uri": uri, "code": "94287082"}));
    assert_eq!((run.code, run.json()), (0, json!({"ok": true, "step": 1})));
    let run = check(json!({"uri": uri, "code": "94287082", "last_step": 1}));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["error"]["kind"], "replayed");
    let run = check(json!({"uri": uri, "code": "94287083"}));
    assert_eq!(run.json()["error"]["kind"], "invalid-code");
    let run = check(json!({"uri": uri, "code": "9428"}));
    assert_eq!(run.json()["error"]["kind"], "malformed");
    // The stored form printed by `totp new` is accepted too.
    let run = check(json!({"totp": out["totp"], "code": "000000"}));
    assert!(run.code == 0 || run.json()["error"]["kind"] == "invalid-code");
    assert_eq!(check(json!({"code": "123456"})).code, 2);
}

#[test]
fn api_key_new_mints_a_key_that_signs_in_alone() {
    let run = portcullis(
        &[
            "api-key",
            "new",
            "--account-id",
            "42",
            "--id",
            "3",
            "--scope",
            "jmapAuthenticate,emailReceive",
            "--now",
            "1794700800",
        ],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    let secret = out["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("API_") && secret.len() == 42, "{secret}");
    let record = &out["record"];
    assert_eq!(record["id"], 3);
    assert_eq!(record["kind"], "api-key");
    assert!(!record.to_string().contains(&secret[4..]));
    let missing = portcullis(&["api-key", "new", "--id", "3"], "");
    assert_eq!(missing.code, 2);

    // The record goes into a directory file under the account with id 42.
    let dir = std::env::temp_dir().join(format!("portcullis-api-key-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("directory.toml");
    let file = json!({"account": [{
        "name": "robot@example.org", "id": 42, "roles": ["user"], "credential": [record],
    }]});
    std::fs::write(&path, toml::to_string(&file).unwrap()).unwrap();
    let path = path.to_str().unwrap();
    let request =
        json!({"protocol": "jmap", "remote_ip": "203.0.113.7", "tls": true, "bearer": secret});
    let run = portcullis(&["verify", "--directory", path], &request.to_string());
    assert_eq!(run.code, 0, "{} {}", run.stdout, run.stderr);
    let out = run.json();
    assert_eq!(out["account"], "robot@example.org");
    assert_eq!(out["credential"], json!({"kind": "api-key", "id": 3}));
    assert_eq!(
        out["permissions"],
        json!(["emailReceive", "jmapAuthenticate"])
    );
    // Outside its scope: IMAP is refused.
    let request =
        json!({"protocol": "imap", "remote_ip": "203.0.113.7", "tls": true, "bearer": secret});
    let run = portcullis(&["verify", "--directory", path], &request.to_string());
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["reason"]["kind"], "surface-not-in-scope");
    std::fs::remove_dir_all(&dir).unwrap();
}
