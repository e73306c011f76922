//! [`SqlConfig`]: where the database is, how long to wait for it, and the
//! queries that read it.

use std::fmt;
use std::time::Duration;

use portcullis_permissions::PermissionSet;
use serde::Deserialize;

/// The configuration of a [`SqlDirectory`](crate::SqlDirectory), usually
/// read from the `[directory]` section of a server's settings file.
///
/// Every field but `url` has a default; the queries default to the tables
/// of the default schema ([`DEFAULT_SCHEMA`](crate::DEFAULT_SCHEMA)).
///
/// ```
/// use portcullis_sql::SqlConfig;
///
/// let config: SqlConfig = toml::from_str(r#"
///     url = "postgres://portcullis:hunter2@127.0.0.1:5432/mail"
///     schema = "auth"
///     pool_size = 4
///
///     [queries]
///     account = "SELECT user_name AS name, pw AS password FROM users WHERE user_name = $1"
///
///     [[roles]]
///     name = "imap-only"
///     enable = ["authenticate", "imapAuthenticate"]
/// "#)?;
/// assert_eq!(config.pool_size, 4);
/// assert!(config.queries.totp.contains("$1"));
/// // The password in the URL is never printed.
/// assert!(!format!("{config:?}").contains("hunter2"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SqlConfig {
    /// A libpq-style connection string: `postgres://user:password@host:port/db`
    /// or `host=… user=… dbname=…`. TLS is not supported yet
    /// (`sslmode=require` fails to connect): use a loopback or Unix-socket
    /// connection, or a TLS tunnel, until it is.
    pub url: String,
    /// The schema the default queries and [`apply_default_schema`]
    /// use, set as the connection's `search_path` (default: the server's
    /// `search_path`, normally `public`). Letters, digits and `_` only.
    ///
    /// [`apply_default_schema`]: crate::SqlDirectory::apply_default_schema
    #[serde(default)]
    pub schema: Option<String>,
    /// Most connections the pool holds (default 8).
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// How long opening a connection may take, in milliseconds (default 3000).
    #[serde(default = "default_connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// How long one lookup may take, waiting for a pooled connection
    /// included, in milliseconds (default 3000). It is also sent to the
    /// server as `statement_timeout`. A lookup that takes longer is
    /// abandoned and the login gets "try later".
    #[serde(default = "default_query_timeout_ms")]
    pub query_timeout_ms: u64,
    /// Whether the built-in role presets (`user`, `tenant-admin`, `admin`)
    /// are part of the role graph (default `true`).
    #[serde(default = "default_true")]
    pub role_presets: bool,
    /// Further roles, in the file directory's `[[roles]]` format. Roles
    /// are configuration, not database rows: the graph is compiled once,
    /// when the directory is built.
    #[serde(default)]
    pub roles: Vec<RoleConfig>,
    /// The queries.
    #[serde(default)]
    pub queries: Queries,
}

impl fmt::Debug for SqlConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold the database password.
        f.debug_struct("SqlConfig")
            .field("url", &"<redacted>")
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("query_timeout_ms", &self.query_timeout_ms)
            .field("role_presets", &self.role_presets)
            .field("roles", &self.roles)
            .field("queries", &self.queries)
            .finish()
    }
}

impl SqlConfig {
    /// A configuration with every default, for this connection string.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        SqlConfig {
            url: url.into(),
            schema: None,
            pool_size: default_pool_size(),
            connect_timeout_ms: default_connect_timeout_ms(),
            query_timeout_ms: default_query_timeout_ms(),
            role_presets: true,
            roles: Vec::new(),
            queries: Queries::default(),
        }
    }

    /// Sets the schema (the connection's `search_path`).
    #[must_use]
    pub fn with_schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Sets the pool size.
    #[must_use]
    pub fn with_pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// Sets the connect and query timeouts.
    #[must_use]
    pub fn with_timeouts(mut self, connect: Duration, query: Duration) -> Self {
        self.connect_timeout_ms = u64::try_from(connect.as_millis()).unwrap_or(u64::MAX);
        self.query_timeout_ms = u64::try_from(query.as_millis()).unwrap_or(u64::MAX);
        self
    }

    pub(crate) fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms)
    }

    pub(crate) fn query_timeout(&self) -> Duration {
        Duration::from_millis(self.query_timeout_ms)
    }
}

/// A role of the graph, as the file directory's `[[roles]]` entries.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RoleConfig {
    /// The role's name.
    pub name: String,
    /// Roles it inherits from.
    #[serde(default)]
    pub parents: Vec<String>,
    /// Permissions it grants (camelCase names).
    #[serde(default)]
    pub enable: PermissionSet,
    /// Permissions it denies (deny wins).
    #[serde(default)]
    pub disable: PermissionSet,
}

/// The SQL the directory runs, in the spirit of Dovecot's `password_query`
/// and `user_query`. Each takes the values it needs as bound parameters
/// (`$1`, `$2`): a name is never pasted into the SQL text.
///
/// Result columns are read **by name**; a column a query leaves out takes
/// its default (see each field). An empty string turns an optional query
/// off (no app passwords, no TOTP, ...).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[non_exhaustive]
pub struct Queries {
    /// The account by name (`$1` text). Columns: `name` (default: the
    /// looked-up name), `password` (hash text; NULL = none), `roles`
    /// (text[]; default none), `tenant`, `groups` (text[]), `disabled`
    /// (bool), `revision` (bigint), `id` (integer/bigint, 0..2³²), `policy`
    /// (json/jsonb/text: an `AccountPolicy`). No row: unknown account.
    pub account: String,
    /// An identity provider's principal by name (`$1` text): the same
    /// columns as `account`; its `password` is ignored.
    pub principal: String,
    /// The name of the account with this number (`$1` bigint). Column
    /// `name`. Two rows are a data error. Empty: API keys presented
    /// without a user name are refused.
    pub account_name_by_id: String,
    /// The app passwords and API keys of an account or principal (`$1`
    /// text). Columns: `id`, `kind` (`app-password` | `api-key`), `hash`,
    /// `scope` (json/jsonb/text: a `CredentialScope` such as
    /// `{"replace": ["imapAuthenticate"]}`, or a preset name such as
    /// `"imap-only"`; NULL = inherit),
    /// `description`, `created_at` (timestamptz), `expires_at`,
    /// `allowed_ips` (text[] of CIDRs), `revision`, `whole_secret` (bool:
    /// the hash covers the whole `app_…` string).
    pub credentials: String,
    /// The TOTP enrolment (`$1` text). Columns: `secret` (base32),
    /// `digits` (6), `period` (30), `skew` (1), `algorithm` (`SHA1`).
    pub totp: String,
    /// The recovery code hashes (`$1` text). Columns `idx` (0, 1, 2, …
    /// without gaps, in order) and `hash`; used codes included.
    pub recovery_codes: String,
    /// A tenant by name (`$1` text). Columns: `disabled` (bool), `policy`
    /// (json/jsonb/text: `{"allowed": [...], "disable": [...]}`, as the
    /// file directory's `[[tenants]]`; NULL = no clamp).
    pub tenant: String,
    /// Records a used TOTP step (`$1` account, `$2` step bigint) and
    /// returns a row only if no step at or after it was used before. Must
    /// decide and write in one statement, so that two servers sharing the
    /// database cannot both accept one code.
    pub use_totp_step: String,
    /// Marks recovery code `$2` (integer) of account `$1` used and returns
    /// a row only if it was unused: one statement, for the same reason.
    pub use_recovery_code: String,
}

/// Default of [`Queries::account`].
pub const DEFAULT_ACCOUNT_QUERY: &str = "SELECT name, password, roles, tenant, groups, disabled, revision, id, policy \
     FROM accounts WHERE name = $1 AND NOT principal";
/// Default of [`Queries::principal`].
pub const DEFAULT_PRINCIPAL_QUERY: &str = "SELECT name, roles, tenant, groups, disabled, revision, id, policy \
     FROM accounts WHERE name = $1 AND principal";
/// Default of [`Queries::account_name_by_id`].
pub const DEFAULT_ACCOUNT_NAME_BY_ID_QUERY: &str = "SELECT name FROM accounts WHERE id = $1";
/// Default of [`Queries::credentials`].
pub const DEFAULT_CREDENTIALS_QUERY: &str = "SELECT id, kind, hash, whole_secret, scope, description, created_at, expires_at, \
     allowed_ips, revision FROM credentials WHERE account = $1 ORDER BY kind, id";
/// Default of [`Queries::totp`].
pub const DEFAULT_TOTP_QUERY: &str =
    "SELECT secret, digits, period, skew, algorithm FROM totp WHERE account = $1";
/// Default of [`Queries::recovery_codes`].
pub const DEFAULT_RECOVERY_CODES_QUERY: &str =
    "SELECT idx, hash FROM recovery_codes WHERE account = $1 ORDER BY idx";
/// Default of [`Queries::tenant`].
pub const DEFAULT_TENANT_QUERY: &str = "SELECT disabled, policy FROM tenants WHERE name = $1";
/// Default of [`Queries::use_totp_step`].
pub const DEFAULT_USE_TOTP_STEP_QUERY: &str = "UPDATE totp SET last_step = $2 \
     WHERE account = $1 AND (last_step IS NULL OR last_step < $2) RETURNING account";
/// Default of [`Queries::use_recovery_code`].
pub const DEFAULT_USE_RECOVERY_CODE_QUERY: &str = "UPDATE recovery_codes SET used = true, used_at = now() \
     WHERE account = $1 AND idx = $2 AND NOT used RETURNING idx";

impl Default for Queries {
    fn default() -> Self {
        Queries {
            account: DEFAULT_ACCOUNT_QUERY.to_owned(),
            principal: DEFAULT_PRINCIPAL_QUERY.to_owned(),
            account_name_by_id: DEFAULT_ACCOUNT_NAME_BY_ID_QUERY.to_owned(),
            credentials: DEFAULT_CREDENTIALS_QUERY.to_owned(),
            totp: DEFAULT_TOTP_QUERY.to_owned(),
            recovery_codes: DEFAULT_RECOVERY_CODES_QUERY.to_owned(),
            tenant: DEFAULT_TENANT_QUERY.to_owned(),
            use_totp_step: DEFAULT_USE_TOTP_STEP_QUERY.to_owned(),
            use_recovery_code: DEFAULT_USE_RECOVERY_CODE_QUERY.to_owned(),
        }
    }
}

const fn default_pool_size() -> usize {
    8
}

const fn default_connect_timeout_ms() -> u64 {
    3000
}

const fn default_query_timeout_ms() -> u64 {
    3000
}

const fn default_true() -> bool {
    true
}
