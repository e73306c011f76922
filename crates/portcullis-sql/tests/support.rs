//! Shared helpers: a private schema per test, seeding, a cheap hash policy.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use portcullis_credentials::{Argon2Params, HashPolicy, OsRandom};
use portcullis_sql::{SqlConfig, SqlDirectory};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, NoTls};

pub(crate) const NOW: i64 = 1_800_000_000;

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).unwrap()
}

/// The server's URL, or `None` after printing the skip line.
pub(crate) fn url(test: &str) -> Option<String> {
    match std::env::var("PORTCULLIS_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!(
                "{test}: skipped: set PORTCULLIS_TEST_POSTGRES_URL (see .ci/services/postgres.sh)"
            );
            None
        }
    }
}

/// argon2id with tiny parameters: the tests run unoptimised.
pub(crate) fn policy() -> HashPolicy {
    HashPolicy::with_argon2(Argon2Params {
        m_kib: 64,
        t: 1,
        p: 1,
    })
}

pub(crate) fn hash(password: &str) -> String {
    policy()
        .hash_password(password.as_bytes(), &mut OsRandom)
        .unwrap()
}

/// A schema of its own, with the default tables, and a superuser-free
/// admin connection whose search_path is that schema.
pub(crate) struct TestDb {
    pub(crate) url: String,
    pub(crate) schema: String,
    pub(crate) admin: Client,
}

fn unique_schema() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "t_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

impl TestDb {
    /// `None` (after the skip line) when no server is configured.
    pub(crate) async fn new(test: &str) -> Option<TestDb> {
        let url = url(test)?;
        let schema = unique_schema();
        let (admin, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
        tokio::spawn(connection);
        let db = TestDb { url, schema, admin };
        db.directory().apply_default_schema().await.unwrap();
        db.admin
            .batch_execute(&format!("SET search_path TO {}", db.schema))
            .await
            .unwrap();
        Some(db)
    }

    pub(crate) fn config(&self) -> SqlConfig {
        SqlConfig::new(self.url.clone())
            .with_schema(self.schema.clone())
            .with_timeouts(Duration::from_secs(5), Duration::from_secs(5))
    }

    /// A directory (its own pool: a second one is a second server).
    pub(crate) fn directory(&self) -> SqlDirectory {
        SqlDirectory::new(self.config()).unwrap()
    }

    pub(crate) async fn exec(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) {
        self.admin.execute(sql, params).await.unwrap();
    }

    /// An account with a password and roles.
    pub(crate) async fn account(&self, name: &str, password: &str, roles: &[&str]) {
        let roles: Vec<String> = roles.iter().map(|role| (*role).to_owned()).collect();
        self.exec(
            "INSERT INTO accounts (name, password, roles) VALUES ($1, $2, $3)",
            &[&name, &hash(password), &roles],
        )
        .await;
    }

    pub(crate) async fn drop(self) {
        self.admin
            .batch_execute(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .await
            .unwrap();
    }
}
