//! [`LdapBindVerifier`]: bind mode, where the LDAP server checks the
//! password.

use portcullis::DirectoryError;

use crate::directory::LdapDirectory;
use crate::pool::{bounded, unavailable};

/// **Bind** mode: finds the account's entry with the service account,
/// then binds as that entry's DN with the presented password, so the
/// server checks it (for directories whose hashes cannot be read, or
/// that apply their own password policy).
///
/// This does not fit the facade's [`Directory`](portcullis::Directory)
/// trait, where the authenticator verifies secrets itself; a server uses
/// it directly, next to [`LdapDirectory::lookup`] for the account's
/// roles and state. Rules it keeps:
///
/// - an empty password never reaches a bind (an empty simple bind is an
///   anonymous bind, which succeeds);
/// - it binds only as a DN its search found, never one built from input;
/// - the connection is bound as the service account again before it goes
///   back to the pool (or dropped if that fails).
///
/// An unknown name answers `false` without a bind, which is faster than
/// a wrong password: throttle and delay failures in the caller.
///
/// ```no_run
/// use portcullis_ldap::{LdapBindVerifier, LdapConfig, LdapDirectory};
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let directory = LdapDirectory::new(LdapConfig {
///     base: "ou=people,dc=example,dc=org".into(),
///     ..LdapConfig::default()
/// })?;
/// let verifier = LdapBindVerifier::new(directory);
/// let ok = verifier.verify("alice@example.org", "alice-secret").await?;
/// # let _ = ok; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct LdapBindVerifier {
    directory: LdapDirectory,
}

impl LdapBindVerifier {
    /// A verifier searching and binding through this directory's pool.
    #[must_use]
    pub fn new(directory: LdapDirectory) -> Self {
        LdapBindVerifier { directory }
    }

    /// Whether `password` is the password of the account `name`.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when the server cannot be reached,
    /// times out or is busy (never `Ok(false)`: a down server is not a
    /// wrong password); [`DirectoryError::Data`] when the name matches
    /// several entries.
    pub async fn verify(&self, name: &str, password: &str) -> Result<bool, DirectoryError> {
        if password.is_empty() {
            return Ok(false);
        }
        let inner = &self.directory.inner;
        let mut conn = inner.pool.get().await?;
        let Some(entry) = self.directory.search_account(&mut conn, name).await? else {
            conn.release();
            return Ok(false);
        };
        if entry.dn.is_empty() {
            conn.release();
            return Ok(false);
        }
        let timeout = inner.pool.timeout;
        let result = bounded(
            timeout,
            "user bind",
            conn.ldap
                .with_timeout(timeout)
                .simple_bind(&entry.dn, password),
        )
        .await?;
        let verdict = match result.rc {
            0 => true,
            // inappropriateAuthentication, invalidCredentials,
            // insufficientAccessRights, unwillingToPerform (locked):
            // the password does not open the account.
            48..=50 | 53 => false,
            // busy, unavailable, other: the server cannot answer now.
            51 | 52 | 80 => {
                return Err(unavailable(format_args!(
                    "user bind: result code {} ({})",
                    result.rc, result.text
                )));
            }
            _ => false,
        };
        // Become the service account again before the connection is reused.
        let config = &inner.config;
        let restored = bounded(
            timeout,
            "service rebind",
            conn.ldap
                .with_timeout(timeout)
                .simple_bind(&config.bind_dn, config.bind_password.expose()),
        )
        .await;
        if matches!(restored, Ok(ref result) if result.rc == 0) {
            conn.release();
        }
        Ok(verdict)
    }
}
