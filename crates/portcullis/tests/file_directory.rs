//! The TOML file directory and its example file.

use portcullis::{Decision, FileDirectory, Surface, TotpSettings};

use crate::support::*;

fn path() -> String {
    format!("{}/tests/data/directory.toml", env!("CARGO_MANIFEST_DIR"))
}

#[tokio::test]
async fn the_example_file_loads_and_decides() {
    let directory = FileDirectory::load(path()).unwrap();
    let auth = directory.authenticator().unwrap();
    let at = |mut request: portcullis::AuthRequest| {
        request.now = Some(now());
        request
    };
    let cases = [
        (
            plain(Surface::Imap, "", "alice@example.org", "alice-password"),
            "grant",
        ),
        (
            plain(
                Surface::Imap,
                "",
                "alice@example.org",
                "app_AAAAAAMQ5CX77V6LYUSFNQ7OCQBI7XMAKUOQ",
            ),
            "grant",
        ),
        (
            basic(
                Surface::Portal,
                "alice@example.org",
                "app_AAAAAAMQ5CX77V6LYUSFNQ7OCQBI7XMAKUOQ",
            ),
            "surface-not-in-scope",
        ),
        (
            plain(
                Surface::Imap,
                "",
                "alice@example.org",
                "app_AAAAAAUGQ533BDKOBK7DX2D2HAX45VBZJEYA",
            ),
            "credential-expired",
        ),
        (
            plain(Surface::Pop3, "", "alice@example.org", "alice-password"),
            "surface-not-allowed",
        ),
        (
            basic(
                Surface::Jmap,
                "alice@example.org%admin@example.org",
                "admin-password",
            ),
            "grant",
        ),
        (
            plain(Surface::Imap, "", "dave@example.org", "dave-password"),
            "second-factor-required",
        ),
        (
            plain(Surface::Imap, "", "bob@example.org", "bob-password"),
            "account-disabled",
        ),
        (
            plain(
                Surface::Imap,
                "",
                "carol@example.org",
                "app_AAAAAA3RI5PB357227YAGJBXDDXNWNW6TXXA",
            ),
            "grant",
        ),
        (
            plain(Surface::Imap, "", "nobody@example.org", "x"),
            "unknown-user",
        ),
    ];
    for (request, expected) in cases {
        let decision = auth.verify(&at(request)).await;
        assert_eq!(kind(&decision), expected, "{decision:?}");
    }
    let code = TotpSettings::new("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        .code_at(now())
        .unwrap();
    let request = portcullis::AuthRequest::new(
        Surface::Portal,
        ip(CLIENT),
        portcullis::RequestCredentials::PasswordAndCode {
            username: "dave@example.org".into(),
            password: "dave-password".into(),
            code: code.as_str().into(),
        },
    )
    .with_tls(true)
    .at(now());
    assert!(matches!(auth.verify(&request).await, Decision::Grant(_)));
    assert_eq!(
        auth.mechanisms(Surface::Imap, true, "192.0.2.1".parse().unwrap()),
        ["OAUTHBEARER", "XOAUTH2", "PLAIN", "LOGIN"]
    );
}

#[test]
fn reload_swaps_the_accounts() {
    let dir = std::env::temp_dir().join(format!("portcullis-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("directory.toml");
    let account = |name: &str| format!("[[account]]\nname = \"{name}\"\nroles = [\"user\"]\n");
    std::fs::write(&file, account("one@example.org")).unwrap();
    let directory = FileDirectory::load(&file).unwrap();
    assert!(directory.memory().get("one@example.org").is_some());
    std::fs::write(&file, account("two@example.org")).unwrap();
    directory.reload().unwrap();
    assert!(directory.memory().get("one@example.org").is_none());
    assert!(directory.memory().get("two@example.org").is_some());
    // A broken file leaves the old contents in force.
    std::fs::write(&file, "[[account]]\nnmae = 1\n").unwrap();
    let error = directory.reload().unwrap_err();
    assert_eq!(error.kind(), "invalid-config");
    assert!(directory.memory().get("two@example.org").is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_keys_and_permissions_are_refused() {
    for text in [
        "[settings]\nrelam = \"x\"\n",
        "[[role]]\nname = \"r\"\nenable = [\"noSuchPermission\"]\n",
        "[[account]]\nname = \"a@example.org\"\npassword = \"not a hash\"\n",
        "[[account]]\nname = \"a@example.org\"\n[[account.credential]]\nid = 1\nkind = \"app-password\"\nhash = \"{PLAIN}x\"\nscope = \"everything\"\n",
    ] {
        let error = FileDirectory::from_toml(text, ".").unwrap_err();
        assert_eq!(error.kind(), "invalid-config", "{text}");
    }
}

#[test]
fn settings_sections_parse() {
    let text = r#"
[settings]
realm = "mail.example.org"
[settings.login]
mode = "stalwart-compat"
[settings.login_syntax]
separators = "%*"
[settings.impersonation]
same_tenant_only = false
target_groups = ["webmail-users"]
[settings.mechanisms]
enabled = ["PLAIN"]
danger_allow_plaintext_without_tls = true
[settings.throttle]
pair_max_failures = 3
exempt = ["10.0.0.0/8"]
[settings.hash]
argon2 = { m_kib = 64, t = 1, p = 1 }
[[role]]
name = "support"
parents = ["user"]
enable = ["impersonate"]
[[tenant]]
name = "example"
disable = ["pop3Authenticate"]
[[account]]
name = "Alice@Example.ORG"
policy = { merge = { enabled = ["impersonate"], disabled = [] } }
[[account.credential]]
id = 1
kind = "api-key"
hash = "{PLAIN}x"
scope = { replace = ["jmapAuthenticate"] }
expires_at = 2030-01-01T00:00:00Z
"#;
    let directory = FileDirectory::from_toml(text, ".").unwrap();
    let settings = directory.settings();
    assert_eq!(settings.realm, "mail.example.org");
    assert_eq!(settings.throttle.per_pair.max_failures, 3);
    assert!(!settings.impersonation.same_tenant_only);
    assert_eq!(settings.hash_policy.argon2.m_kib, 64);
    // The local part keeps its case; the domain is folded.
    let alice = directory.memory().get("Alice@EXAMPLE.org").unwrap();
    assert_eq!(alice.credentials.len(), 1);
    assert!(alice.credentials[0].expires_at.is_some());
}

#[tokio::test]
async fn whole_secret_app_passwords() {
    // The hash covers the whole `app_…` text (here lower-case RFC 4648).
    let secret = "app_aaaaabaaaebagbafaydqqcikbmga2dqpcaiq";
    let text = format!(
        "[[account]]\nname = \"x@example.org\"\nroles = [\"user\"]\n\
         [[account.app_password]]\nid = 4\nhash = \"{{PLAIN}}{secret}\"\nscope = \"imap-only\"\n"
    );
    let directory = FileDirectory::from_toml(&text, ".").unwrap();
    let auth = portcullis::Authenticator::builder()
        .directory(directory.clone())
        .settings(directory.settings())
        .hash_policy(policy())
        .build()
        .unwrap();
    let decision = auth
        .verify(&plain(Surface::Imap, "", "x@example.org", secret))
        .await;
    assert_eq!(decision.grant().unwrap().credential.id, Some(4));
    let decision = auth
        .verify(&basic(Surface::Portal, "x@example.org", secret))
        .await;
    assert_eq!(kind(&decision), "surface-not-in-scope");
    let wrong = "app_aaaaabaaaebagbafaydqqcikbmga2dqpcaia";
    let decision = auth
        .verify(&plain(Surface::Imap, "", "x@example.org", wrong))
        .await;
    assert_eq!(kind(&decision), "wrong-secret");
}
