//! Hostile names are looked up literally: they find nothing, or the one
//! account stored under exactly that name.

use portcullis::{Directory, DirectoryError};

use crate::support::TestDb;

const HOSTILE: [&str; 14] = [
    "'",
    "alice@example.org'",
    "' OR '1'='1",
    "alice@example.org' OR '1'='1' --",
    "x'; DROP TABLE accounts; --",
    "alice@example.org; SELECT 1",
    "alice@example.org--",
    "alice@example.org/*",
    "/* */alice@example.org",
    "alice\\@example.org",
    "\\'; DROP TABLE accounts; --",
    "alice@example.org\\",
    "%",
    "$1",
];

#[tokio::test]
async fn injection_attempts_find_nothing() {
    let Some(db) = TestDb::new("injection_attempts_find_nothing").await else {
        return;
    };
    db.account("alice@example.org", "alice-secret", &["user"])
        .await;
    db.exec("INSERT INTO tenants (name) VALUES ('example')", &[])
        .await;
    db.exec(
        "INSERT INTO totp (account, secret) VALUES ('alice@example.org', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')",
        &[],
    )
    .await;
    db.exec(
        "INSERT INTO recovery_codes (account, idx, hash) VALUES ('alice@example.org', 0, '{PLAIN}x')",
        &[],
    )
    .await;
    let directory = db.directory();
    for name in HOSTILE {
        assert!(directory.account(name).await.unwrap().is_none(), "{name:?}");
        assert!(
            directory.principal(name).await.unwrap().is_none(),
            "{name:?}"
        );
        assert!(directory.tenant(name).await.unwrap().is_none(), "{name:?}");
        assert!(!directory.use_totp_step(name, 7).await.unwrap(), "{name:?}");
        assert!(
            !directory.use_recovery_code(name, 0).await.unwrap(),
            "{name:?}"
        );
    }
    // Nothing was dropped or consumed.
    let count: i64 = db
        .admin
        .query_one("SELECT count(*) FROM accounts", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
    assert!(
        directory
            .account("alice@example.org")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        directory
            .use_totp_step("alice@example.org", 7)
            .await
            .unwrap()
    );
    assert!(
        directory
            .use_recovery_code("alice@example.org", 0)
            .await
            .unwrap()
    );
    db.drop().await;
}

#[tokio::test]
async fn a_hostile_name_finds_only_its_own_account() {
    let Some(db) = TestDb::new("a_hostile_name_finds_only_its_own_account").await else {
        return;
    };
    db.account("alice@example.org", "alice-secret", &["user"])
        .await;
    for name in HOSTILE {
        db.account(name, "pw", &["user"]).await;
    }
    let directory = db.directory();
    for name in HOSTILE {
        let account = directory.account(name).await.unwrap().unwrap();
        assert_eq!(account.name, name);
    }
    assert!(directory.account("' OR '1'='2").await.unwrap().is_none());
    db.drop().await;
}

#[tokio::test]
async fn nul_and_overlong_names_are_refused_before_the_query() {
    // No server needed for the refusals: they happen before any query.
    let directory = portcullis_sql::SqlDirectory::new(portcullis_sql::SqlConfig::new(
        "postgres://u@127.0.0.1:1/db",
    ))
    .unwrap();
    for name in ["alice@example.org\0", "\0", "alice\0' OR '1'='1"] {
        assert!(directory.account(name).await.unwrap().is_none());
        assert!(directory.principal(name).await.unwrap().is_none());
        assert!(directory.tenant(name).await.unwrap().is_none());
        assert!(matches!(
            directory.use_totp_step(name, 1).await,
            Err(DirectoryError::Data(_))
        ));
        assert!(matches!(
            directory.use_recovery_code(name, 0).await,
            Err(DirectoryError::Data(_))
        ));
    }
    let huge = "a".repeat(100_000);
    assert!(directory.account(&huge).await.unwrap().is_none());
}

#[tokio::test]
async fn long_names_are_looked_up_and_find_nothing() {
    let Some(db) = TestDb::new("long_names_are_looked_up_and_find_nothing").await else {
        return;
    };
    db.account("alice@example.org", "alice-secret", &["user"])
        .await;
    let directory = db.directory();
    let long = format!(
        "{}@example.org",
        "'".repeat(portcullis_sql::MAX_NAME_LEN - 12)
    );
    assert!(long.len() <= portcullis_sql::MAX_NAME_LEN);
    assert!(directory.account(&long).await.unwrap().is_none());
    assert!(directory.account(&"é".repeat(500)).await.unwrap().is_none());
    db.drop().await;
}
