//! [`SqlDirectory`]: the [`Directory`] implementation.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod, Runtime};
use ipnet::IpNet;
use portcullis::{Account, Directory, DirectoryError, Tenant, TotpAlgorithm, TotpSettings};
use portcullis_credentials::{CredentialId, CredentialKind, CredentialRecord, StoredHash};
use portcullis_permissions::{
    AccountPolicy, CredentialScope, PermissionSet, Role, RoleGraph, TenantPolicy,
};
use time::OffsetDateTime;
use tokio_postgres::types::ToSql;
use tokio_postgres::{NoTls, Row};

use crate::config::SqlConfig;
use crate::rows::{driver, get, int_param, json, unsigned};
use crate::{DEFAULT_SCHEMA, Error, MAX_NAME_LEN};

/// A [`Directory`] over PostgreSQL: a bounded connection pool, the
/// configured [`Queries`](crate::Queries), and the role graph of the
/// configuration. Cheap to clone (shared inside).
///
/// Building it opens no connection: the pool connects on the first lookup,
/// so a server that starts before its database still starts, and answers
/// "try later" until the database is reachable.
#[derive(Clone)]
pub struct SqlDirectory {
    inner: Arc<Inner>,
}

struct Inner {
    pool: Pool,
    config: SqlConfig,
    roles: Arc<RoleGraph>,
}

impl fmt::Debug for SqlDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.inner.pool.status();
        f.debug_struct("SqlDirectory")
            .field("config", &self.inner.config)
            .field("pool_size", &status.size)
            .field("pool_available", &status.available)
            .finish_non_exhaustive()
    }
}

/// The tenant clamp as the file directory writes it.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TenantPolicyJson {
    #[serde(default)]
    allowed: Option<PermissionSet>,
    #[serde(default)]
    disable: PermissionSet,
}

fn valid_schema(schema: &str) -> bool {
    let mut chars = schema.chars();
    let first_ok = chars
        .next()
        .is_some_and(|first| first.is_ascii_lowercase() || first == '_');
    first_ok
        && schema.len() <= 63
        && schema
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Whether a name can be looked up at all: PostgreSQL text cannot hold
/// NUL, and no login name is longer than [`MAX_NAME_LEN`].
fn usable(name: &str) -> bool {
    !name.contains('\0') && name.len() <= MAX_NAME_LEN
}

fn unavailable(message: impl Into<String>) -> DirectoryError {
    DirectoryError::Unavailable(message.into())
}

fn data(message: impl Into<String>) -> DirectoryError {
    DirectoryError::Data(message.into())
}

impl SqlDirectory {
    /// A directory for this configuration. Opens no connection.
    ///
    /// # Errors
    /// [`Error::Config`] for a malformed connection string, a schema name
    /// that is not a plain lower-case identifier, a pool size of zero, or a
    /// role graph that does not compile.
    pub fn new(config: SqlConfig) -> Result<Self, Error> {
        let mut pg: tokio_postgres::Config = config
            .url
            .parse()
            .map_err(|error| Error::Config(format!("connection string: {error}")))?;
        if config.pool_size == 0 {
            return Err(Error::Config("pool_size must be at least 1".into()));
        }
        let mut options = pg.get_options().unwrap_or_default().to_owned();
        if let Some(schema) = &config.schema {
            if !valid_schema(schema) {
                return Err(Error::Config(format!(
                    "schema `{schema}`: use lower-case letters, digits and `_` (at most 63)"
                )));
            }
            options.push_str(&format!(" -c search_path={schema}"));
        }
        options.push_str(&format!(
            " -c statement_timeout={}",
            config.query_timeout_ms
        ));
        pg.options(options.trim_start());
        pg.connect_timeout(config.connect_timeout());
        pg.application_name("portcullis-sql");

        let mut graph = if config.role_presets {
            RoleGraph::with_presets()
        } else {
            RoleGraph::new()
        };
        for role in &config.roles {
            let mut built = Role::new(role.name.clone())
                .enable(role.enable)
                .disable(role.disable);
            for parent in &role.parents {
                built = built.parent(parent.clone());
            }
            graph.insert(built);
        }
        graph
            .compile()
            .map_err(|error| Error::Config(format!("roles: {error}")))?;

        let manager_config = ManagerConfig {
            // A connection the server closed is noticed and replaced.
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = Manager::from_config(pg, NoTls, manager_config);
        let pool = Pool::builder(manager)
            .max_size(config.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(config.query_timeout()))
            .create_timeout(Some(config.connect_timeout()))
            .recycle_timeout(Some(config.connect_timeout()))
            .build()
            .map_err(|error| Error::Config(format!("pool: {error}")))?;
        Ok(SqlDirectory {
            inner: Arc::new(Inner {
                pool,
                config,
                roles: Arc::new(graph),
            }),
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &SqlConfig {
        &self.inner.config
    }

    /// Creates the configured schema (if any) and the tables of
    /// [`DEFAULT_SCHEMA`] that do not exist yet.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] if the database cannot be reached;
    /// [`DirectoryError::Data`] if a statement fails (permissions, a
    /// conflicting table).
    pub async fn apply_default_schema(&self) -> Result<(), DirectoryError> {
        let client = self.client().await?;
        if let Some(schema) = &self.inner.config.schema {
            // `schema` is a validated identifier from the configuration.
            client
                .batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .await
                .map_err(|error| driver(&error))?;
        }
        client
            .batch_execute(DEFAULT_SCHEMA)
            .await
            .map_err(|error| driver(&error))
    }

    /// Checks that the database answers (`SELECT 1`), for a readiness
    /// probe.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] if it does not, in time.
    pub async fn check(&self) -> Result<(), DirectoryError> {
        self.timed(async {
            let client = self.client().await?;
            client
                .simple_query("SELECT 1")
                .await
                .map_err(|error| driver(&error))?;
            Ok(())
        })
        .await
    }

    async fn client(&self) -> Result<Object, DirectoryError> {
        self.inner
            .pool
            .get()
            .await
            .map_err(|error| unavailable(format!("PostgreSQL pool: {error}")))
    }

    fn timeout(&self) -> Duration {
        self.inner.config.query_timeout()
    }

    /// Runs a lookup under the query timeout.
    async fn timed<T>(
        &self,
        lookup: impl Future<Output = Result<T, DirectoryError>>,
    ) -> Result<T, DirectoryError> {
        match tokio::time::timeout(self.timeout(), lookup).await {
            Ok(result) => result,
            Err(_) => Err(unavailable(format!(
                "PostgreSQL did not answer within {} ms",
                self.inner.config.query_timeout_ms
            ))),
        }
    }

    async fn load(&self, name: &str, which: Which) -> Result<Option<Arc<Account>>, DirectoryError> {
        if !usable(name) {
            return Ok(None);
        }
        let queries = &self.inner.config.queries;
        let none = String::new();
        let (account_sql, principal_sql) = match which {
            Which::Account => (&queries.account, &none),
            Which::Principal => (&none, &queries.principal),
            Which::Either => (&queries.account, &queries.principal),
        };
        let rows = self
            .timed(async {
                let client = self.client().await?;
                let params: [&(dyn ToSql + Sync); 1] = [&name];
                // Issued together on one connection, the driver pipelines
                // them: one round trip, known account or not.
                tokio::try_join!(
                    query(&client, account_sql, &params),
                    query(&client, principal_sql, &params),
                    query(&client, &queries.credentials, &params),
                    query(&client, &queries.totp, &params),
                    query(&client, &queries.recovery_codes, &params),
                )
            })
            .await?;
        let (accounts, principals, credentials, totp, codes) = rows;
        // An account wins over a principal of the same name, as the
        // facade's own two-call lookup decides.
        let (accounts, principal) = if accounts.is_empty() {
            (principals, true)
        } else {
            (accounts, false)
        };
        let row = match accounts.as_slice() {
            [] => return Ok(None),
            [row] => row,
            _ => {
                return Err(data(format!(
                    "{} rows for account {name:?}",
                    accounts.len()
                )));
            }
        };
        let mut account = account_from(row, name, principal)?;
        for row in &credentials {
            let (record, whole) = credential_from(row, name)?;
            if whole {
                account.whole_secret_credentials.push(record);
            } else {
                account.credentials.push(record);
            }
        }
        match totp.as_slice() {
            [] => {}
            [row] => account.totp = Some(totp_from(row, name)?),
            _ => return Err(data(format!("several TOTP enrolments for {name:?}"))),
        }
        for (position, row) in codes.iter().enumerate() {
            let index: Option<usize> = unsigned(row, "idx")?;
            if index.is_some_and(|index| index != position) {
                return Err(data(format!(
                    "recovery codes of {name:?}: `idx` must run 0, 1, 2, … without gaps"
                )));
            }
            let hash = get::<&str>(row, "hash")?
                .ok_or_else(|| data(format!("recovery code of {name:?} without a hash")))?;
            account.recovery_codes.push(parse_hash(hash, name)?);
        }
        Ok(Some(Arc::new(account)))
    }

    /// Runs one of the "use" statements; whether it returned a row.
    async fn consume(&self, sql: &str, account: &str, value: i64) -> Result<bool, DirectoryError> {
        if !usable(account) {
            return Err(data("an account name PostgreSQL cannot hold"));
        }
        if sql.is_empty() {
            return Err(data("this directory has no query to record used codes"));
        }
        self.timed(async {
            let client = self.client().await?;
            let statement = client
                .prepare_cached(sql)
                .await
                .map_err(|error| driver(&error))?;
            let value = int_param(statement.params().get(1), value)?;
            let rows = client
                .query(&statement, &[&account, value.as_ref()])
                .await
                .map_err(|error| driver(&error))?;
            Ok(!rows.is_empty())
        })
        .await
    }
}

/// Which rows an account lookup reads.
#[derive(Clone, Copy, Debug)]
enum Which {
    /// An account the directory authenticates.
    Account,
    /// A principal of the local credential store.
    Principal,
    /// The account, else the principal: both queries, one round trip.
    Either,
}

/// Runs a query (none, if its text is empty).
async fn query(
    client: &Object,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<Row>, DirectoryError> {
    if sql.is_empty() {
        return Ok(Vec::new());
    }
    let statement = client
        .prepare_cached(sql)
        .await
        .map_err(|error| driver(&error))?;
    client
        .query(&statement, params)
        .await
        .map_err(|error| driver(&error))
}

fn parse_hash(text: &str, name: &str) -> Result<StoredHash, DirectoryError> {
    StoredHash::parse(text).map_err(|error| data(format!("hash of {name:?}: {error}")))
}

fn strings(row: &Row, column: &str) -> Result<Vec<String>, DirectoryError> {
    Ok(get::<Vec<String>>(row, column)?.unwrap_or_default())
}

fn account_from(row: &Row, looked_up: &str, principal: bool) -> Result<Account, DirectoryError> {
    let name = get::<String>(row, "name")?.unwrap_or_else(|| looked_up.to_owned());
    let mut account = Account::new(name);
    if !principal && let Some(hash) = get::<&str>(row, "password")? {
        account.password = Some(parse_hash(hash, looked_up)?);
    }
    account.roles = strings(row, "roles")?;
    account.tenant = get::<String>(row, "tenant")?;
    account.groups = strings(row, "groups")?;
    account.disabled = get::<bool>(row, "disabled")?.unwrap_or(false);
    account.revision = unsigned(row, "revision")?.unwrap_or(0);
    account.id = unsigned(row, "id")?;
    account.policy = json::<AccountPolicy>(row, "policy")?.unwrap_or_default();
    Ok(account)
}

fn credential_from(row: &Row, account: &str) -> Result<(CredentialRecord, bool), DirectoryError> {
    let id: u32 = unsigned(row, "id")?
        .ok_or_else(|| data(format!("credential of {account:?} without an id")))?;
    let context = || format!("credential {id} of {account:?}");
    let kind = match get::<&str>(row, "kind")? {
        Some("app-password") => CredentialKind::AppPassword,
        Some("api-key") => CredentialKind::ApiKey,
        other => {
            return Err(data(format!(
                "{}: kind {other:?} is neither `app-password` nor `api-key`",
                context()
            )));
        }
    };
    let hash =
        get::<&str>(row, "hash")?.ok_or_else(|| data(format!("{} without a hash", context())))?;
    let hash = StoredHash::parse(hash).map_err(|error| data(format!("{}: {error}", context())))?;
    let allowed_ips = strings(row, "allowed_ips")?
        .iter()
        .map(|net| {
            net.parse::<IpNet>()
                .or_else(|_| net.parse::<std::net::IpAddr>().map(IpNet::from))
                .map_err(|_| data(format!("{}: allowed_ips entry {net:?}", context())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let record = CredentialRecord {
        id: CredentialId(id),
        kind,
        hash,
        description: get::<String>(row, "description")?.unwrap_or_default(),
        created_at: get::<OffsetDateTime>(row, "created_at")?.unwrap_or(OffsetDateTime::UNIX_EPOCH),
        expires_at: get::<OffsetDateTime>(row, "expires_at")?,
        allowed_ips,
        scope: scope_from(row, &context)?,
        last_used: None,
        revision: unsigned(row, "revision")?.unwrap_or(0),
    };
    let whole = get::<bool>(row, "whole_secret")?.unwrap_or(false);
    Ok((record, whole))
}

/// A credential scope: `CredentialScope` JSON, or a preset name
/// (`"imap-only"`, as the file directory accepts) as a JSON string or
/// plain text.
fn scope_from(row: &Row, context: &dyn Fn() -> String) -> Result<CredentialScope, DirectoryError> {
    let value = match json::<serde_json::Value>(row, "scope") {
        Ok(value) => value,
        Err(error) => match get::<&str>(row, "scope") {
            Ok(Some(word)) => Some(serde_json::Value::String(word.to_owned())),
            _ => return Err(error),
        },
    };
    match value {
        None | Some(serde_json::Value::Null) => Ok(CredentialScope::Inherit),
        Some(serde_json::Value::String(word)) => CredentialScope::preset(&word)
            .ok_or_else(|| data(format!("{}: unknown scope preset {word:?}", context()))),
        Some(value) => serde_json::from_value(value)
            .map_err(|error| data(format!("{}: scope: {error}", context()))),
    }
}

fn totp_from(row: &Row, account: &str) -> Result<TotpSettings, DirectoryError> {
    let secret = get::<String>(row, "secret")?
        .ok_or_else(|| data(format!("TOTP of {account:?} without a secret")))?;
    let mut totp = TotpSettings::new(secret);
    if let Some(digits) = unsigned(row, "digits")? {
        totp.digits = digits;
    }
    if let Some(period) = unsigned(row, "period")? {
        totp.step = period;
    }
    if let Some(skew) = unsigned(row, "skew")? {
        totp.skew = skew;
    }
    if let Some(algorithm) = get::<&str>(row, "algorithm")? {
        totp.algorithm = match algorithm.to_ascii_uppercase().as_str() {
            "SHA1" => TotpAlgorithm::Sha1,
            "SHA256" => TotpAlgorithm::Sha256,
            "SHA512" => TotpAlgorithm::Sha512,
            other => {
                return Err(data(format!("TOTP of {account:?}: algorithm {other:?}")));
            }
        };
    }
    if !(6..=8).contains(&totp.digits) || totp.step == 0 {
        return Err(data(format!(
            "TOTP of {account:?}: digits 6-8 and a period above 0"
        )));
    }
    Ok(totp)
}

impl Directory for SqlDirectory {
    async fn account(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        self.load(name, Which::Account).await
    }

    async fn principal(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        self.load(name, Which::Principal).await
    }

    /// Both lookups in the one pipelined round trip.
    async fn account_or_principal(
        &self,
        name: &str,
    ) -> Result<Option<Arc<Account>>, DirectoryError> {
        self.load(name, Which::Either).await
    }

    async fn roles(&self) -> Result<Arc<RoleGraph>, DirectoryError> {
        Ok(Arc::clone(&self.inner.roles))
    }

    async fn account_name_by_id(&self, id: u32) -> Result<Option<String>, DirectoryError> {
        let sql = &self.inner.config.queries.account_name_by_id;
        if sql.is_empty() {
            return Ok(None);
        }
        let rows = self
            .timed(async {
                let client = self.client().await?;
                let statement = client
                    .prepare_cached(sql)
                    .await
                    .map_err(|error| driver(&error))?;
                let id = int_param(statement.params().first(), i64::from(id))?;
                client
                    .query(&statement, &[id.as_ref()])
                    .await
                    .map_err(|error| driver(&error))
            })
            .await?;
        match rows.as_slice() {
            [] => Ok(None),
            [row] => get::<String>(row, "name"),
            _ => Err(data(format!(
                "{} accounts have the number {id}",
                rows.len()
            ))),
        }
    }

    async fn tenant(&self, name: &str) -> Result<Option<Tenant>, DirectoryError> {
        if !usable(name) {
            return Ok(None);
        }
        let sql = &self.inner.config.queries.tenant;
        let rows = self
            .timed(async {
                let client = self.client().await?;
                query(&client, sql, &[&name]).await
            })
            .await?;
        let row = match rows.as_slice() {
            [] => return Ok(None),
            [row] => row,
            _ => return Err(data(format!("{} rows for tenant {name:?}", rows.len()))),
        };
        let policy = json::<TenantPolicyJson>(row, "policy")?
            .map(|policy| TenantPolicy {
                allowed: policy.allowed,
                disabled: policy.disable,
            })
            .unwrap_or_default();
        let disabled = get::<bool>(row, "disabled")?.unwrap_or(false);
        Ok(Some(Tenant::new(policy).disabled(disabled)))
    }

    async fn use_totp_step(&self, account: &str, step: u64) -> Result<bool, DirectoryError> {
        let step = i64::try_from(step).map_err(|_| data(format!("TOTP step {step}")))?;
        self.consume(&self.inner.config.queries.use_totp_step, account, step)
            .await
    }

    async fn use_recovery_code(&self, account: &str, index: usize) -> Result<bool, DirectoryError> {
        let index =
            i64::try_from(index).map_err(|_| data(format!("recovery code index {index}")))?;
        self.consume(&self.inner.config.queries.use_recovery_code, account, index)
            .await
    }
}
