//! A small bounded pool of service-bound LDAP connections.

use std::future::Future;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use portcullis::DirectoryError;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::config::{BindPassword, LdapConfig};

/// `DirectoryError::Unavailable` with context.
pub(crate) fn unavailable(what: impl std::fmt::Display) -> DirectoryError {
    DirectoryError::Unavailable(format!("ldap: {what}"))
}

/// Runs `operation` within `limit`, turning a time-out into
/// `Unavailable`.
pub(crate) async fn bounded<T>(
    limit: Duration,
    what: &str,
    operation: impl Future<Output = Result<T, LdapError>>,
) -> Result<T, DirectoryError> {
    match tokio::time::timeout(limit, operation).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(unavailable(format_args!("{what}: {error}"))),
        Err(_) => Err(unavailable(format_args!(
            "{what}: no answer within {} ms",
            limit.as_millis()
        ))),
    }
}

#[derive(Debug)]
pub(crate) struct Pool {
    url: String,
    starttls: bool,
    no_tls_verify: bool,
    bind_dn: String,
    bind_password: BindPassword,
    connect_timeout: Duration,
    pub(crate) timeout: Duration,
    size: usize,
    permits: Semaphore,
    idle: Mutex<Vec<Ldap>>,
}

/// A connection borrowed from the pool, bound as the service account.
/// Hand it back with [`Conn::release`] after a clean operation; dropped
/// otherwise (a connection in an unknown state is never reused).
pub(crate) struct Conn<'a> {
    pub(crate) ldap: Ldap,
    pool: &'a Pool,
    _permit: SemaphorePermit<'a>,
}

impl std::fmt::Debug for Conn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").finish_non_exhaustive()
    }
}

impl Conn<'_> {
    /// Returns the connection to the pool.
    pub(crate) fn release(self) {
        let mut idle = self.pool.idle();
        if idle.len() < self.pool.size {
            idle.push(self.ldap);
        }
    }
}

impl Pool {
    pub(crate) fn new(config: &LdapConfig) -> Self {
        let size = config.pool_size.clamp(1, Semaphore::MAX_PERMITS);
        Pool {
            url: config.url.clone(),
            starttls: config.starttls,
            no_tls_verify: config.danger_accept_invalid_certs,
            bind_dn: config.bind_dn.clone(),
            bind_password: config.bind_password.clone(),
            connect_timeout: config.connect_timeout(),
            timeout: config.timeout(),
            size,
            permits: Semaphore::new(size),
            idle: Mutex::new(Vec::with_capacity(size)),
        }
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Ldap>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A service-bound connection: an idle one, or a new one. Waits at
    /// most the operation timeout for a free slot.
    pub(crate) async fn get(&self) -> Result<Conn<'_>, DirectoryError> {
        let permit = match tokio::time::timeout(self.timeout, self.permits.acquire()).await {
            Ok(Ok(permit)) => permit,
            Ok(Err(_)) => return Err(unavailable("the connection pool is closed")),
            Err(_) => {
                return Err(unavailable(format_args!(
                    "no free connection within {} ms",
                    self.timeout.as_millis()
                )));
            }
        };
        loop {
            let candidate = self.idle().pop();
            let Some(mut ldap) = candidate else { break };
            if !ldap.is_closed() {
                return Ok(Conn {
                    ldap,
                    pool: self,
                    _permit: permit,
                });
            }
        }
        let ldap = self.connect().await?;
        Ok(Conn {
            ldap,
            pool: self,
            _permit: permit,
        })
    }

    /// A new connection, bound as the service account (anonymous when no
    /// bind DN is configured).
    pub(crate) async fn connect(&self) -> Result<Ldap, DirectoryError> {
        let settings = LdapConnSettings::new()
            .set_conn_timeout(self.connect_timeout)
            .set_starttls(self.starttls)
            .set_no_tls_verify(self.no_tls_verify);
        let (connection, mut ldap) = bounded(
            self.connect_timeout,
            "connect",
            LdapConnAsync::with_settings(settings, &self.url),
        )
        .await?;
        tokio::spawn(async move {
            if let Err(error) = connection.drive().await {
                tracing::debug!(target: "portcullis::ldap", %error, "ldap connection closed");
            }
        });
        if !self.bind_dn.is_empty() {
            let result = bounded(
                self.connect_timeout,
                "service bind",
                ldap.with_timeout(self.connect_timeout)
                    .simple_bind(&self.bind_dn, self.bind_password.expose()),
            )
            .await?;
            if result.rc != 0 {
                // The operator's configuration (or the server) is wrong;
                // logins wait rather than fail as "wrong password".
                return Err(unavailable(format_args!(
                    "the service bind as {:?} failed with result code {}",
                    self.bind_dn, result.rc
                )));
            }
        }
        Ok(ldap)
    }
}
