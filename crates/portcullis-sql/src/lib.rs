//! A production [`portcullis::Directory`] over PostgreSQL.
//!
//! Mail operators keep accounts in SQL. [`SqlDirectory`] reads them with
//! configurable queries, in the spirit of Dovecot's `password_query` and
//! `user_query`: accounts (password hash, roles, tenant, disabled flag,
//! revision, number), identity-provider principals with local app
//! passwords, app passwords and API keys, TOTP enrolments, recovery codes
//! and tenants. It records used TOTP steps and recovery codes in the
//! database, each in one atomic `UPDATE … RETURNING`, so two servers
//! sharing the database cannot both accept the same code.
//!
//! The default schema is [`DEFAULT_SCHEMA`] (`migrations/0001_init.sql`);
//! the default queries ([`Queries`]) read it. `docs/sql-directory.md` in
//! the repository describes both.
//!
//! # Security
//!
//! - Every query takes its values as bound parameters (`$1`, `$2`); no
//!   name is ever pasted into SQL text. Names holding NUL (which PostgreSQL
//!   text cannot store) or longer than [`MAX_NAME_LEN`] bytes are refused
//!   before any query and are unknown.
//! - A server that is down, refuses connections, or answers later than
//!   [`SqlConfig::query_timeout_ms`] gives [`DirectoryError::Unavailable`]:
//!   the authenticator answers "try later", never a grant and never
//!   "wrong password". The pool opens new connections when the server is
//!   back.
//! - A row the directory cannot use (a malformed hash, an unknown scope
//!   permission, a negative number) gives [`DirectoryError::Data`].
//! - Password hashes and TOTP secrets are held in `portcullis` types,
//!   whose `Debug` redacts them; [`SqlConfig`]'s `Debug` redacts the
//!   connection string (it may hold the database password).
//! - TLS to the database is not implemented yet: connect over loopback or
//!   a Unix socket (a `host=/run/postgresql` connection string), or
//!   through a TLS tunnel. `sslmode=require` fails to connect rather than
//!   falling back to cleartext.
//!
//! # Example
//!
//! ```no_run
//! use portcullis::Authenticator;
//! use portcullis_sql::{SqlConfig, SqlDirectory};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = SqlConfig::new("postgres://portcullis:secret@127.0.0.1:5432/mail")
//!     .with_schema("auth");
//! let directory = SqlDirectory::new(config)?;
//! // Once, when deploying (or run migrations/0001_init.sql yourself):
//! directory.apply_default_schema().await?;
//! let authenticator = Authenticator::builder().directory(directory).build()?;
//! # let _ = authenticator;
//! # Ok(())
//! # }
//! ```
//!
//! # Dependencies
//!
//! | crate | why |
//! |---|---|
//! | `tokio-postgres` | the async PostgreSQL driver; it pipelines the four queries of an account lookup into one round trip, and decodes `timestamptz` as `time` and `json`/`jsonb` as `serde_json` |
//! | `deadpool-postgres` | the bounded connection pool, with statement caching and timeouts on waiting and connecting |
//! | `tokio` | `time::timeout` around every lookup; `try_join!` for the pipelined queries |
//! | `serde`, `serde_json` | [`SqlConfig`] and the JSON columns (scopes, account and tenant policies) |
//! | `time`, `ipnet` | credential expiry and IP allowlists, as `portcullis-credentials` records hold them |
//! | `thiserror` | [`Error`] |
//!
//! This crate has no feature flags.
#![forbid(unsafe_code)]

mod config;
mod directory;
mod rows;

pub use config::{
    DEFAULT_ACCOUNT_NAME_BY_ID_QUERY, DEFAULT_ACCOUNT_QUERY, DEFAULT_CREDENTIALS_QUERY,
    DEFAULT_PRINCIPAL_QUERY, DEFAULT_RECOVERY_CODES_QUERY, DEFAULT_TENANT_QUERY,
    DEFAULT_TOTP_QUERY, DEFAULT_USE_RECOVERY_CODE_QUERY, DEFAULT_USE_TOTP_STEP_QUERY, Queries,
    RoleConfig, SqlConfig,
};
pub use directory::SqlDirectory;
pub use portcullis::DirectoryError;

/// The default schema (`migrations/0001_init.sql`): the tables the default
/// [`Queries`] read. Apply it with [`SqlDirectory::apply_default_schema`]
/// or with `psql -f`.
pub const DEFAULT_SCHEMA: &str = include_str!("../migrations/0001_init.sql");

/// Longest name looked up, in bytes. Longer names are unknown without a
/// query (no mail system has such login names, and PostgreSQL indexes
/// refuse entries over about 2700 bytes anyway).
pub const MAX_NAME_LEN: usize = 1024;

/// Why a [`SqlDirectory`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable (the operator's fault): a malformed
    /// connection string, a bad schema name, a zero pool size, a role graph
    /// with an unknown parent or a cycle.
    #[error("SQL directory configuration: {0}")]
    Config(String),
}
