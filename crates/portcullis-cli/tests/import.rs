//! `portcullis import stalwart`: the directory file it prints, its
//! warnings, `--strict`, and logins with the imported secrets through
//! `portcullis verify`.
//!
//! The fixture `data/stalwart/principals.json` holds these secrets:
//! alice `alice-argon2-password` (argon2id) and the web admin's app
//! password `tbird frog lake moon` (sha512-crypt); bob
//! `bob-bcrypt-password` (bcrypt); carol `carol-sha512-password`
//! (sha512-crypt); dave `dave-totp-password` (argon2id) with TOTP
//! (SHA-256, 8 digits, 60 s).

use std::path::PathBuf;

use base64::Engine as _;
use portcullis::FileDirectory;
use portcullis_credentials::Totp;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::support::{Run, data, portcullis};

/// The instant every login is judged at.
const NOW: i64 = 1_795_000_000;

const DAVE_TOTP: &str = "otpauth://totp/Stalwart:dave%40example.org?secret=53NP7NSNXPX5JBZOOYYMFGK2AKUNERBK&issuer=Stalwart&algorithm=SHA256&digits=8&period=60";

fn principals() -> String {
    data("stalwart/principals.json")
}

fn import(extra: &[&str], file: &str, stdin: &str) -> Run {
    let mut args = vec!["import", "stalwart"];
    args.extend_from_slice(extra);
    args.push(file);
    portcullis(&args, stdin)
}

fn warnings(run: &Run) -> Vec<Value> {
    run.stderr
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line:?}"))
        })
        .collect()
}

/// The fixture imported and written where `verify` can read it.
fn imported_directory(test: &str) -> PathBuf {
    let run = import(&[], &principals(), "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = std::env::temp_dir().join(format!(
        "portcullis-import-{}-{test}.toml",
        std::process::id()
    ));
    std::fs::write(&path, &run.stdout).unwrap();
    path
}

fn plain(user: &str, secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{secret}"))
}

fn sasl_plain(protocol: &str, user: &str, secret: &str) -> Value {
    json!({"protocol": protocol, "remote_ip": "203.0.113.7", "tls": true, "now": NOW,
           "sasl": {"mechanism": "PLAIN", "responses": [plain(user, secret)]}})
}

fn verify(directory: &std::path::Path, request: &Value) -> (i32, Value) {
    let run = portcullis(
        &["verify", "--directory", directory.to_str().unwrap()],
        &request.to_string(),
    );
    assert!(run.code != 2, "{}", run.stderr);
    (run.code, run.json())
}

fn dave_code(offset_steps: i64) -> String {
    let totp = Totp::from_uri(DAVE_TOTP, 1).unwrap();
    let at = OffsetDateTime::from_unix_timestamp(NOW + offset_steps * 60).unwrap();
    totp.code_at(at).expose_str().unwrap().to_owned()
}

#[test]
fn import_prints_the_expected_directory_file_and_it_loads() {
    let run = import(&[], &principals(), "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let expected = std::fs::read_to_string(data("stalwart/directory.toml")).unwrap();
    assert_eq!(run.stdout, expected);
    let directory = FileDirectory::from_toml(&run.stdout, ".").unwrap();
    assert_eq!(
        directory
            .settings()
            .password_with_code
            .map(|policy| policy.separator),
        Some("$".to_owned())
    );
    directory.authenticator().unwrap();
}

#[test]
fn a_page_of_the_management_api_gives_the_same_file() {
    let list: Value =
        serde_json::from_str(&std::fs::read_to_string(principals()).unwrap()).unwrap();
    let total = list.as_array().unwrap().len();
    let page = json!({"data": {"items": list, "total": total}});
    let from_page = import(&[], "-", &page.to_string());
    assert_eq!(from_page.code, 0, "{}", from_page.stderr);
    let from_list = import(&[], &principals(), "");
    assert_eq!(from_page.stdout, from_list.stdout);
    assert_eq!(from_page.stderr, from_list.stderr);
}

#[test]
fn warnings_name_principal_and_field_and_never_a_secret() {
    let run = import(&[], &principals(), "");
    assert_eq!(run.code, 0);
    let warnings = warnings(&run);
    let seen: Vec<(&str, &str, Option<&str>)> = warnings
        .iter()
        .map(|line| {
            let warning = &line["warning"];
            (
                warning["kind"].as_str().unwrap(),
                warning["principal"].as_str().unwrap(),
                warning["field"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("unmapped-principal", "example.org", None),
            ("dropped-field", "support", Some("description")),
            ("dropped-field", "acme", Some("description")),
            ("dropped-field", "acme", Some("quota")),
            ("dropped-field", "sales", Some("description")),
            ("dropped-field", "sales", Some("emails")),
            ("dropped-field", "everyone", Some("emails")),
            (
                "app-password-without-id",
                "alice@example.org",
                Some("secrets")
            ),
            ("dropped-field", "alice@example.org", Some("description")),
            ("dropped-field", "alice@example.org", Some("emails")),
            ("dropped-field", "alice@example.org", Some("quota")),
            ("dropped-field", "bob@example.org", Some("description")),
            ("dropped-field", "bob@example.org", Some("emails")),
            ("unknown-field", "bob@example.org", Some("favouriteColour")),
            ("dropped-field", "carol@acme.example", Some("emails")),
            ("dropped-field", "dave@example.org", Some("emails")),
        ]
    );
    for line in &warnings {
        assert!(line["warning"]["message"].as_str().unwrap().ends_with(
            match line["warning"]["kind"].as_str().unwrap() {
                "unmapped-principal" => "skipped",
                "app-password-without-id" => "issue a new app password",
                _ => "dropped",
            }
        ));
    }
    // Neither the stored secrets nor the passwords behind them appear.
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(principals()).unwrap()).unwrap();
    let mut secrets: Vec<String> = fixture
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|principal| principal["secrets"].as_array())
        .flatten()
        .map(|secret| secret.as_str().unwrap().to_owned())
        .collect();
    secrets.extend(
        [
            "53NP7NSNXPX5JBZOOYYMFGK2AKUNERBK",
            "gI5y/b5OzHVdrhnzLKeRL6l",
            "alice-argon2-password",
            "tbird frog lake moon",
            "bob-bcrypt-password",
            "carol-sha512-password",
            "dave-totp-password",
        ]
        .map(str::to_owned),
    );
    assert_eq!(secrets.len(), 13);
    for secret in &secrets {
        assert!(!run.stderr.contains(secret.as_str()), "{secret}");
    }
}

#[test]
fn imported_passwords_sign_in_and_wrong_ones_do_not() {
    let directory = imported_directory("passwords");
    for (user, password) in [
        ("alice@example.org", "alice-argon2-password"),
        ("bob@example.org", "bob-bcrypt-password"),
        ("carol@acme.example", "carol-sha512-password"),
    ] {
        let (code, out) = verify(&directory, &sasl_plain("imap", user, password));
        assert_eq!(code, 0, "{user}: {out}");
        assert_eq!(out["account"], user);
        assert_eq!(out["credential"], json!({"kind": "password", "id": null}));

        let (code, out) = verify(&directory, &sasl_plain("imap", user, "not-the-password"));
        assert_eq!(code, 1, "{user}: {out}");
        assert_eq!(out["reason"]["kind"], "wrong-secret");
    }
    std::fs::remove_file(directory).unwrap();
}

#[test]
fn imported_rights_follow_roles_own_lists_and_tenant() {
    let directory = imported_directory("rights");
    let (code, out) = verify(
        &directory,
        &sasl_plain("imap", "bob@example.org", "bob-bcrypt-password"),
    );
    assert_eq!(code, 0, "{out}");
    let permissions: Vec<&str> = out["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|permission| permission.as_str().unwrap())
        .collect();
    // From the role `support` and from bob's own enabledPermissions.
    for granted in ["impersonate", "jmapPrincipalGet", "jmapPushSubscriptionGet"] {
        assert!(permissions.contains(&granted), "{granted}");
    }
    // Disabled by the role, by bob's own list, and by carol's tenant.
    for (protocol, user, password) in [
        ("pop3", "bob@example.org", "bob-bcrypt-password"),
        ("managesieve", "bob@example.org", "bob-bcrypt-password"),
        ("managesieve", "carol@acme.example", "carol-sha512-password"),
    ] {
        let (code, out) = verify(&directory, &sasl_plain(protocol, user, password));
        assert_eq!(code, 1, "{protocol} {user}: {out}");
        assert_eq!(out["reason"]["kind"], "surface-not-allowed");
    }
    std::fs::remove_file(directory).unwrap();
}

#[test]
fn imported_totp_needs_its_code() {
    let directory = imported_directory("totp");
    // Stalwart's `password$code`, which the import keeps working.
    let typed = format!("dave-totp-password${}", dave_code(0));
    let (code, out) = verify(&directory, &sasl_plain("imap", "dave@example.org", &typed));
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["account"], "dave@example.org");
    // The portal's separate code field.
    let (code, out) = verify(
        &directory,
        &json!({"protocol": "portal", "remote_ip": "203.0.113.7", "tls": true, "now": NOW,
                "basic": {"username": "dave@example.org", "password": "dave-totp-password",
                          "code": dave_code(0)}}),
    );
    assert_eq!(code, 0, "{out}");

    let (code, out) = verify(
        &directory,
        &sasl_plain("imap", "dave@example.org", "dave-totp-password"),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["reason"]["kind"], "second-factor-required");
    // A code from ten minutes earlier, and the right code with a wrong password.
    for typed in [
        format!("dave-totp-password${}", dave_code(-10)),
        format!("not-the-password${}", dave_code(0)),
    ] {
        let (code, out) = verify(&directory, &sasl_plain("imap", "dave@example.org", &typed));
        assert_eq!(code, 1, "{out}");
        assert_ne!(out["decision"], "grant");
    }
    std::fs::remove_file(directory).unwrap();
}

#[test]
fn stalwart_app_password_keeps_signing_in_with_its_old_secret() {
    let run = import(&[], &principals(), "");
    assert!(run.stdout.contains("[[account.app_password]]\nid = 1\n"));
    assert!(run.stdout.contains("description = \"Thunderbird\""));
    assert!(
        run.stdout
            .contains("[settings]\napp_passwords_without_id = 1\n")
    );
    let directory = imported_directory("app-password");
    // The secret Stalwart issued names no id: tried after the password.
    let (code, out) = verify(
        &directory,
        &sasl_plain("imap", "alice@example.org", "tbird frog lake moon"),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out["decision"], "grant");
    assert_eq!(out["credential"]["kind"], "app-password");
    assert_eq!(out["credential"]["id"], 1);
    let (code, out) = verify(
        &directory,
        &sasl_plain("imap", "alice@example.org", "tbird frog lake sun"),
    );
    assert_eq!(code, 1, "{out}");
    assert_eq!(out["reason"]["kind"], "wrong-secret");
    std::fs::remove_file(directory).unwrap();
}

#[test]
fn strict_refuses_what_would_be_lost_and_passes_a_clean_export() {
    let run = import(&["--strict"], &principals(), "");
    assert_eq!(run.code, 1, "{}", run.stdout);
    let out = run.json();
    assert_eq!(out["ok"], false);
    assert_eq!(out["error"]["kind"], "not-carried-over");
    assert!(!run.stdout.contains("[[account]]"));
    assert_eq!(warnings(&run).len(), 16);

    let clean = json!([
        {"type": "domain", "name": "example.org"},
        {"id": 7, "type": "individual", "name": "erin@example.org",
         "emails": ["erin@example.org"], "quota": 0, "usedQuota": 1024,
         "secrets": "{SSHA}4Yav0pw1ok3WRJM9BEOoO5/ltKyzXWHD", "roles": "user"},
    ]);
    let ignoring = [
        "--strict",
        "--ignore-field",
        "emails",
        "--ignore-type",
        "domain",
    ];
    let run = import(&ignoring, "-", &clean.to_string());
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    assert!(run.stdout.contains("name = \"erin@example.org\"\nid = 7\n"));
    FileDirectory::from_toml(&run.stdout, ".").unwrap();

    let mut unknown = clean;
    unknown[1]["x-imported-from"] = json!("ldap");
    let run = import(&ignoring, "-", &unknown.to_string());
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["error"]["kind"], "not-carried-over");
    let warnings = warnings(&run);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0]["warning"]["kind"], "unknown-field");
    assert_eq!(warnings[0]["warning"]["principal"], "erin@example.org");
    assert_eq!(warnings[0]["warning"]["field"], "x-imported-from");
}

#[test]
fn malformed_exports_are_refused() {
    for (stdin, kind) in [
        ("{not json", "malformed-export"),
        (r#"{"items": []}"#, "malformed-export"),
    ] {
        let run = import(&[], "-", stdin);
        assert_eq!(run.code, 1, "{stdin}");
        assert_eq!(run.json()["error"]["kind"], kind);
    }
    let run = import(&[], "/nonexistent/principals.json", "");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"));
}
