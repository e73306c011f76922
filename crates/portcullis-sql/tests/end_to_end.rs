//! The whole path: `portcullis::Authenticator` over a `SqlDirectory`.

use std::net::IpAddr;
use std::time::Duration;

use portcullis::{AuthRequest, Authenticator, Decision, Hashing, RequestCredentials, Surface};
use portcullis_credentials::{
    CredentialId, CredentialOptions, OsRandom, SecretHashing, new_app_password,
};
use portcullis_permissions::CredentialScope;
use portcullis_sql::{SqlConfig, SqlDirectory};

use crate::support::{TestDb, now, policy};

fn authenticator(directory: SqlDirectory) -> Authenticator {
    Authenticator::builder()
        .directory(directory)
        .hash_policy(policy())
        .hashing(Hashing::Inline)
        .clock(now)
        .build()
        .unwrap()
}

/// SASL PLAIN over TLS, each from its own address (no throttling between
/// the cases).
fn plain(surface: Surface, authcid: &str, password: &str, client: u8) -> AuthRequest {
    let message = format!("\0{authcid}\0{password}").into_bytes();
    AuthRequest::new(
        surface,
        IpAddr::from([192, 0, 2, client]),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![message],
        },
    )
    .with_tls(true)
}

fn kind(decision: &Decision) -> &'static str {
    match decision {
        Decision::Grant(_) => "grant",
        Decision::Deny(denial) | Decision::TryLater(denial) => denial.reason.kind(),
    }
}

#[tokio::test]
async fn logins_through_postgres() {
    let Some(db) = TestDb::new("logins_through_postgres").await else {
        return;
    };
    db.account("alice@example.org", "alice-secret", &["user"])
        .await;
    db.account("dave@example.org", "dave-secret", &["user"])
        .await;
    db.exec(
        "UPDATE accounts SET disabled = true WHERE name = 'dave@example.org'",
        &[],
    )
    .await;
    let minted = new_app_password(
        CredentialId(5),
        CredentialOptions {
            scope: CredentialScope::preset("imap-only").unwrap(),
            ..CredentialOptions::default()
        },
        now(),
        SecretHashing::default(),
        &policy(),
        &mut OsRandom,
    )
    .unwrap();
    let app_secret = minted.secret.expose_str().unwrap().to_owned();
    let scope = serde_json::to_string(&minted.record.scope).unwrap();
    db.exec(
        "INSERT INTO credentials (account, id, kind, hash, scope, created_at) \
         VALUES ('alice@example.org', 5, 'app-password', $1, $2::text::jsonb, '2020-01-01T00:00:00Z')",
        &[&minted.record.hash.as_str(), &scope],
    )
    .await;
    let auth = authenticator(db.directory());

    let good = auth
        .verify(&plain(
            Surface::Imap,
            "alice@example.org",
            "alice-secret",
            1,
        ))
        .await;
    match &good {
        Decision::Grant(grant) => assert_eq!(grant.account, "alice@example.org"),
        other => panic!("alice: {other:?}"),
    }

    let wrong = auth
        .verify(&plain(Surface::Imap, "alice@example.org", "wrong", 2))
        .await;
    let unknown = auth
        .verify(&plain(Surface::Imap, "nobody@example.org", "wrong", 3))
        .await;
    let injected = auth
        .verify(&plain(Surface::Imap, "' OR '1'='1", "' OR '1'='1", 4))
        .await;
    let (Decision::Deny(wrong), Decision::Deny(unknown), Decision::Deny(injected)) =
        (&wrong, &unknown, &injected)
    else {
        panic!("expected denials: {wrong:?} {unknown:?} {injected:?}");
    };
    assert_eq!(unknown.reason.kind(), "unknown-user");
    assert_ne!(wrong.reason.kind(), "unknown-user");
    // The same public face: no user enumeration.
    assert_eq!(wrong.public, unknown.public);
    assert_eq!(injected.public, unknown.public);

    let app_imap = auth
        .verify(&plain(Surface::Imap, "alice@example.org", &app_secret, 5))
        .await;
    assert_eq!(kind(&app_imap), "grant", "{app_imap:?}");
    let app_smtp = auth
        .verify(&plain(Surface::Smtp, "alice@example.org", &app_secret, 6))
        .await;
    assert!(matches!(app_smtp, Decision::Deny(_)), "{app_smtp:?}");

    let disabled = auth
        .verify(&plain(Surface::Imap, "dave@example.org", "dave-secret", 7))
        .await;
    assert!(matches!(disabled, Decision::Deny(_)), "{disabled:?}");
    assert_eq!(kind(&disabled), "account-disabled");
    db.drop().await;
}

#[tokio::test]
async fn a_down_database_is_try_later() {
    // Runs without a server: nothing listens on the port.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let directory = SqlDirectory::new(
        SqlConfig::new(format!("postgres://u:p@127.0.0.1:{port}/db"))
            .with_timeouts(Duration::from_millis(500), Duration::from_millis(800)),
    )
    .unwrap();
    let auth = authenticator(directory);
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "alice@example.org",
            "alice-secret",
            8,
        ))
        .await;
    assert!(matches!(decision, Decision::TryLater(_)), "{decision:?}");
    assert_eq!(kind(&decision), "directory-unavailable");
}
