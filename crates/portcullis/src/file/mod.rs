//! [`FileDirectory`]: a directory read from a TOML file, reloadable.
//!
//! The format is documented, key by key, in `docs/directory-format.md`; an
//! example is `crates/portcullis/tests/data/directory.toml`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use portcullis_credentials::HashPolicy;
use portcullis_impersonation::{ImpersonationPolicy, LoginSyntax};
use portcullis_oidc::OidcValidator;
use portcullis_permissions::{LoginPolicy, RoleGraph};
use portcullis_sasl::MechanismPolicy;

use crate::directory::{Account, Directory, DirectoryError, Tenant};
use crate::memory::{MemoryDirectory, Snapshot};
use crate::throttle::ThrottlePolicy;
use crate::{Authenticator, AuthenticatorBuilder, Error};

mod format;

use format::parse;

/// The authenticator settings a directory file carries (`[settings]` and
/// `[oidc]`). Apply them with [`AuthenticatorBuilder::settings`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Settings {
    /// The HTTP realm.
    pub realm: String,
    /// The login gates.
    pub login_policy: LoginPolicy,
    /// The login-name syntax.
    pub login_syntax: LoginSyntax,
    /// The impersonation policy.
    pub impersonation: ImpersonationPolicy,
    /// The SASL mechanism policy.
    pub mechanisms: MechanismPolicy,
    /// The PBKDF2 count of the directory's SCRAM keys, when `enabled`
    /// lists a SCRAM mechanism (which turns SCRAM on, see
    /// [`AuthenticatorBuilder::scram`]).
    pub scram_iterations: Option<u32>,
    /// Whether loopback clients count as a local transport.
    pub trust_loopback: bool,
    /// The throttle.
    pub throttle: ThrottlePolicy,
    /// The hash policy.
    pub hash_policy: HashPolicy,
    /// The OIDC validator, with the key sets of `jwks_file` entries loaded.
    pub oidc: Option<Arc<OidcValidator>>,
    /// Roles of token principals without a directory entry or mapped roles.
    pub oidc_default_roles: Vec<String>,
    /// `password` + separator + TOTP code on protocols that cannot prompt.
    pub password_with_code: Option<portcullis_credentials::PasswordWithCode>,
    /// What a right password without its second factor is told.
    pub second_factor_hint: crate::SecondFactorHint,
    /// Front ends whose word about the original client address counts
    /// (none by default); the server applies it, see [`crate::TrustedProxies`].
    pub trusted_proxies: crate::TrustedProxies,
    /// How many whole-secret app passwords a secret without a credential
    /// id is tried against (see
    /// [`AuthenticatorBuilder::app_passwords_without_id`]; 0: none).
    pub app_passwords_without_id: usize,
}

impl AuthenticatorBuilder {
    /// Applies the settings of a directory file.
    #[must_use]
    pub fn settings(self, settings: Settings) -> Self {
        let builder = self
            .realm(settings.realm)
            .login_policy(settings.login_policy)
            .login_syntax(settings.login_syntax)
            .impersonation(settings.impersonation)
            .mechanisms(settings.mechanisms)
            .trust_loopback(settings.trust_loopback)
            .throttle_policy(settings.throttle)
            .hash_policy(settings.hash_policy)
            .oidc_default_roles(settings.oidc_default_roles)
            .second_factor_hint(settings.second_factor_hint)
            .app_passwords_without_id(settings.app_passwords_without_id);
        let builder = match settings.scram_iterations {
            Some(iterations) => builder.scram(iterations),
            None => builder,
        };
        let builder = match settings.password_with_code {
            Some(policy) => builder.password_with_code(policy),
            None => builder,
        };
        match settings.oidc {
            Some(validator) => builder.oidc(validator),
            None => builder,
        }
    }
}

/// A [`Directory`] read from a TOML file (format: `docs/directory-format.md`).
///
/// Cheap to clone. [`FileDirectory::reload`] re-reads the file and swaps the
/// accounts atomically; used TOTP steps and recovery codes are kept.
///
/// ```
/// use portcullis::FileDirectory;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/directory.toml");
/// let directory = FileDirectory::load(path)?;
/// let authenticator = directory.authenticator()?;
/// assert!(authenticator.mechanisms(portcullis::Surface::Imap, true, "192.0.2.1".parse()?).contains(&"PLAIN"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct FileDirectory {
    path: PathBuf,
    memory: MemoryDirectory,
    settings: Arc<std::sync::RwLock<Settings>>,
}

impl FileDirectory {
    /// Reads and checks the file.
    ///
    /// # Errors
    /// [`Error::Io`] when unreadable, [`Error::Config`] when invalid (with
    /// the offending key), [`Error::Oidc`] for a bad provider.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref().to_path_buf();
        let (snapshot, settings) = read(&path)?;
        let memory = MemoryDirectory::default();
        memory.replace(snapshot);
        Ok(FileDirectory {
            path,
            memory,
            settings: Arc::new(std::sync::RwLock::new(settings)),
        })
    }

    /// Parses a file's text (relative `jwks_file` paths resolve against
    /// `base`).
    ///
    /// # Errors
    /// As [`FileDirectory::load`].
    pub fn from_toml(text: &str, base: impl AsRef<Path>) -> Result<Self, Error> {
        let (snapshot, settings) = parse(text, base.as_ref())?;
        let memory = MemoryDirectory::default();
        memory.replace(snapshot);
        Ok(FileDirectory {
            path: base.as_ref().to_path_buf(),
            memory,
            settings: Arc::new(std::sync::RwLock::new(settings)),
        })
    }

    /// Re-reads the file. On error the old contents stay in force.
    /// Settings are re-read too, but an authenticator already built keeps
    /// the settings it was built with.
    ///
    /// # Errors
    /// As [`FileDirectory::load`].
    pub fn reload(&self) -> Result<(), Error> {
        let (snapshot, settings) = read(&self.path)?;
        self.memory.replace(snapshot);
        *self
            .settings
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = settings;
        Ok(())
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The settings in the file.
    #[must_use]
    pub fn settings(&self) -> Settings {
        self.settings
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The in-memory view (to change accounts at run time, until the next
    /// reload).
    #[must_use]
    pub fn memory(&self) -> &MemoryDirectory {
        &self.memory
    }

    /// An authenticator over this directory with the file's settings.
    ///
    /// # Errors
    /// As [`AuthenticatorBuilder::build`].
    pub fn authenticator(&self) -> Result<Authenticator, Error> {
        Authenticator::builder()
            .directory(self.clone())
            .settings(self.settings())
            .build()
    }
}

impl Directory for FileDirectory {
    async fn account(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Directory::account(&self.memory, name).await
    }

    async fn principal(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Directory::principal(&self.memory, name).await
    }

    async fn roles(&self) -> Result<Arc<RoleGraph>, DirectoryError> {
        Directory::roles(&self.memory).await
    }

    async fn tenant(&self, name: &str) -> Result<Option<Tenant>, DirectoryError> {
        Directory::tenant(&self.memory, name).await
    }

    async fn account_name_by_id(&self, id: u32) -> Result<Option<String>, DirectoryError> {
        Directory::account_name_by_id(&self.memory, id).await
    }

    async fn use_totp_step(&self, account: &str, step: u64) -> Result<bool, DirectoryError> {
        Directory::use_totp_step(&self.memory, account, step).await
    }

    async fn use_recovery_code(&self, account: &str, index: usize) -> Result<bool, DirectoryError> {
        Directory::use_recovery_code(&self.memory, account, index).await
    }
}

fn read(path: &Path) -> Result<(Snapshot, Settings), Error> {
    let text = std::fs::read_to_string(path).map_err(|error| Error::Io {
        path: path.display().to_string(),
        message: error.to_string(),
    })?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    parse(&text, base)
}
