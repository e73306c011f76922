//! Everything an account row and its side tables hold comes back typed.

use portcullis::{CredentialKind, Directory, DirectoryError, TotpAlgorithm};
use portcullis_permissions::{AccountPolicy, CredentialScope, Permission};

use crate::support::{TestDb, hash};

#[tokio::test]
async fn an_account_comes_back_whole() {
    let Some(db) = TestDb::new("an_account_comes_back_whole").await else {
        return;
    };
    db.exec(
        "INSERT INTO tenants (name, disabled, policy) VALUES \
         ('example', false, '{\"allowed\": [\"authenticate\", \"imapAuthenticate\"], \"disable\": [\"pop3Authenticate\"]}'), \
         ('closed', true, NULL)",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO accounts (name, id, password, roles, tenant, groups, revision, policy) VALUES \
         ('alice@example.org', 42, $1, '{user,admin}', 'example', '{staff}', 7, \
          '{\"merge\": {\"disabled\": [\"imapAuthenticate\"]}}')",
        &[&hash("alice-secret")],
    )
    .await;
    db.exec(
        "INSERT INTO accounts (name, principal, roles) VALUES ('pat@idp.example', true, '{user}')",
        &[],
    )
    .await;
    let scope = serde_json::to_string(&CredentialScope::preset("imap-only").unwrap()).unwrap();
    db.exec(
        "INSERT INTO credentials (account, id, kind, hash, scope, description, expires_at, allowed_ips, revision) VALUES \
         ('alice@example.org', 3, 'app-password', $1, $2::text::jsonb, 'Thunderbird', '2030-01-01T00:00:00Z', '{192.0.2.0/24,2001:db8::1}', 2), \
         ('alice@example.org', 4, 'api-key', $1, '\"mail-only\"', '', NULL, '{}', 0), \
         ('pat@idp.example', 1, 'app-password', $1, NULL, '', NULL, '{}', 0)",
        &[&hash("x"), &scope],
    )
    .await;
    db.exec(
        "INSERT INTO totp (account, secret, digits, period, algorithm) VALUES \
         ('alice@example.org', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP', 8, 60, 'SHA256')",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO recovery_codes (account, idx, hash, used) VALUES \
         ('alice@example.org', 0, $1, true), ('alice@example.org', 1, $1, false)",
        &[&hash("code")],
    )
    .await;

    let directory = db.directory();
    let alice = directory
        .account("alice@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.name, "alice@example.org");
    assert!(alice.password.is_some());
    assert_eq!(alice.roles, ["user", "admin"]);
    assert_eq!(alice.tenant.as_deref(), Some("example"));
    assert_eq!(alice.groups, ["staff"]);
    assert_eq!(alice.revision, 7);
    assert_eq!(alice.id, Some(42));
    assert!(
        matches!(&alice.policy, AccountPolicy::Merge { disabled, .. } if disabled.contains(Permission::ImapAuthenticate))
    );
    assert_eq!(alice.credentials.len(), 2);
    let app = alice.credential(CredentialKind::AppPassword, 3).unwrap();
    assert_eq!(app.description, "Thunderbird");
    assert_eq!(app.allowed_ips.len(), 2);
    assert_eq!(app.revision, 2);
    assert!(app.expires_at.is_some());
    assert_eq!(app.scope, CredentialScope::preset("imap-only").unwrap());
    assert_eq!(
        alice.credential(CredentialKind::ApiKey, 4).unwrap().scope,
        CredentialScope::preset("mail-only").unwrap()
    );
    let totp = alice.totp.as_ref().unwrap();
    assert_eq!(
        (totp.digits, totp.step, totp.algorithm),
        (8, 60, TotpAlgorithm::Sha256)
    );
    assert_eq!(alice.recovery_codes.len(), 2);
    // Hashes and secrets never show in Debug output.
    let shown = format!("{alice:?}");
    assert!(!shown.contains("JBSWY3DP"), "{shown}");
    assert!(!shown.contains("$argon2id$"), "{shown}");

    // Principals and accounts are separate namespaces.
    assert!(
        directory
            .principal("alice@example.org")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        directory
            .account("pat@idp.example")
            .await
            .unwrap()
            .is_none()
    );
    let pat = directory
        .principal("pat@idp.example")
        .await
        .unwrap()
        .unwrap();
    assert!(pat.password.is_none());
    assert_eq!(pat.credentials.len(), 1);

    // The authenticator's one lookup reads either, in one round trip.
    let either = |name: &'static str| directory.account_or_principal(name);
    let found = either("alice@example.org").await.unwrap().unwrap();
    assert_eq!(found.name, "alice@example.org");
    assert!(found.password.is_some());
    let found = either("pat@idp.example").await.unwrap().unwrap();
    assert_eq!(found.name, "pat@idp.example");
    assert!(found.password.is_none());
    assert_eq!(found.credentials.len(), 1);
    assert!(either("nobody@example.org").await.unwrap().is_none());

    assert_eq!(
        directory.account_name_by_id(42).await.unwrap().as_deref(),
        Some("alice@example.org")
    );
    assert_eq!(directory.account_name_by_id(43).await.unwrap(), None);
    assert_eq!(
        directory.revision("alice@example.org").await.unwrap(),
        Some(7)
    );

    let tenant = directory.tenant("example").await.unwrap().unwrap();
    assert!(!tenant.disabled);
    assert!(
        tenant
            .policy
            .allowed
            .unwrap()
            .contains(Permission::ImapAuthenticate)
    );
    assert!(
        tenant
            .policy
            .disabled
            .contains(Permission::Pop3Authenticate)
    );
    assert!(directory.tenant("closed").await.unwrap().unwrap().disabled);
    assert!(directory.tenant("missing").await.unwrap().is_none());
    db.drop().await;
}

#[tokio::test]
async fn unusable_rows_are_data_errors() {
    let Some(db) = TestDb::new("unusable_rows_are_data_errors").await else {
        return;
    };
    db.exec(
        "INSERT INTO accounts (name, password) VALUES ('bad-hash@example.org', '$argon2id$garbage')",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO accounts (name, password) VALUES ('bad-scope@example.org', NULL)",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO credentials (account, id, kind, hash, scope) VALUES \
         ('bad-scope@example.org', 1, 'app-password', '{PLAIN}x', '{\"replace\": [\"noSuchPermission\"]}')",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO accounts (name) VALUES ('gap@example.org')",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO recovery_codes (account, idx, hash) VALUES ('gap@example.org', 1, '{PLAIN}x')",
        &[],
    )
    .await;
    let directory = db.directory();
    for name in [
        "bad-hash@example.org",
        "bad-scope@example.org",
        "gap@example.org",
    ] {
        assert!(
            matches!(directory.account(name).await, Err(DirectoryError::Data(_))),
            "{name}"
        );
    }
    // A query naming a column that does not exist is the operator's fault.
    let mut config = db.config();
    config.queries.tenant = "SELECT nope FROM tenants WHERE name = $1".into();
    let directory = portcullis_sql::SqlDirectory::new(config).unwrap();
    assert!(matches!(
        directory.tenant("x").await,
        Err(DirectoryError::Data(_))
    ));
    db.drop().await;
}

#[tokio::test]
async fn custom_queries_read_other_tables() {
    let Some(db) = TestDb::new("custom_queries_read_other_tables").await else {
        return;
    };
    db.exec(
        "CREATE TABLE users (login varchar(255) PRIMARY KEY, pw text, active smallint, uid integer)",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO users VALUES ('bob@example.org', $1, 0, 9)",
        &[&hash("bob-secret")],
    )
    .await;
    let mut config = db.config();
    config.queries.account = "SELECT login AS name, pw AS password, ARRAY['user'] AS roles, \
        active = 0 AS disabled, uid AS id FROM users WHERE login = $1"
        .into();
    config.queries.account_name_by_id = "SELECT login AS name FROM users WHERE uid = $1".into();
    config.queries.credentials = String::new();
    config.queries.totp = String::new();
    config.queries.recovery_codes = String::new();
    let directory = portcullis_sql::SqlDirectory::new(config).unwrap();
    let bob = directory.account("bob@example.org").await.unwrap().unwrap();
    assert!(bob.disabled);
    assert_eq!(bob.id, Some(9));
    assert_eq!(bob.roles, ["user"]);
    assert!(bob.credentials.is_empty() && bob.totp.is_none());
    assert_eq!(
        directory.account_name_by_id(9).await.unwrap().as_deref(),
        Some("bob@example.org")
    );
    db.drop().await;
}
