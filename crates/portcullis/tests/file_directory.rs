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
        auth.mechanisms(Surface::Imap, true),
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
