//! The [`Directory`] trait: where accounts, roles, tenants and credentials
//! come from.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use portcullis_credentials::{CredentialId, CredentialRecord, ScramCredential, StoredHash};
use portcullis_permissions::{AccountPolicy, RoleGraph, TenantPolicy};
use time::OffsetDateTime;

use crate::{CredentialKind, SecretString};

/// Why a directory could not answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// Environment: the backing store is unreachable (a temporary failure;
    /// the login gets "try later").
    #[error("directory unavailable: {0}")]
    Unavailable(String),
    /// Directory data: an entry cannot be used (the operator's fault).
    #[error("directory data unusable: {0}")]
    Data(String),
}

/// An account (or a locally stored IdP principal) as the directory knows it.
///
/// ```
/// use portcullis::Account;
/// let account = Account::new("alice@example.org").with_roles(["user"]);
/// assert_eq!(account.name, "alice@example.org");
/// assert!(account.password.is_none());
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Account {
    /// The canonical login name (`alice@example.org`).
    pub name: String,
    /// The primary password hash; `None` for principals whose password
    /// lives at an identity provider.
    pub password: Option<StoredHash>,
    /// Role names, resolved with [`Directory::roles`].
    pub roles: Vec<String>,
    /// How the account's own lists combine with its roles.
    pub policy: AccountPolicy,
    /// The tenant, if any.
    pub tenant: Option<String>,
    /// Groups (for impersonation target groups).
    pub groups: Vec<String>,
    /// A disabled account signs in nowhere.
    pub disabled: bool,
    /// TOTP second factor, when enrolled.
    pub totp: Option<TotpSettings>,
    /// Hashes of the unused-or-used recovery codes; the directory remembers
    /// which were used ([`Directory::use_recovery_code`]).
    pub recovery_codes: Vec<StoredHash>,
    /// App passwords and API keys, as `portcullis-credentials` records
    /// (their hash covers the secret's random part; mint them with
    /// `portcullis app-password new` or `portcullis_credentials::new_app_password`).
    pub credentials: Vec<CredentialRecord>,
    /// App passwords and API keys whose stored hash covers the **whole**
    /// secret string (`app_…` included), as directories outside
    /// `portcullis-credentials` often store them. Looked up like
    /// `credentials`, verified against the whole secret.
    pub whole_secret_credentials: Vec<CredentialRecord>,
    /// SCRAM keys stored beside a password of another scheme (an argon2id
    /// account that also signs in with SCRAM-SHA-256). An account whose
    /// `password` is itself a `{SCRAM-…}` hash needs none: its keys are
    /// used ([`Account::scram_credential`]). Without either, the account
    /// cannot use SCRAM.
    pub scram_keys: Option<ScramCredential>,
    /// Bumped on every change, for caches that hold data derived from the
    /// account.
    pub revision: u64,
    /// The account's number, as encoded in its API keys (Stalwart's account
    /// id): lets a bare `Authorization: Bearer API_…` find the account.
    pub id: Option<u32>,
}

impl Account {
    /// An account with no password, no roles and no credentials.
    #[must_use]
    pub fn new(name: impl Into<String>) -> Self {
        Account {
            name: name.into(),
            password: None,
            roles: Vec::new(),
            policy: AccountPolicy::Inherit,
            tenant: None,
            groups: Vec::new(),
            disabled: false,
            totp: None,
            recovery_codes: Vec::new(),
            credentials: Vec::new(),
            whole_secret_credentials: Vec::new(),
            scram_keys: None,
            revision: 0,
            id: None,
        }
    }

    /// Stores SCRAM keys beside the password (see [`Account::scram_keys`]).
    #[must_use]
    pub fn with_scram_keys(mut self, keys: ScramCredential) -> Self {
        self.scram_keys = Some(keys);
        self
    }

    /// The SCRAM keys the account signs in with: [`Account::scram_keys`],
    /// else those of a `{SCRAM-…}` password.
    #[must_use]
    pub fn scram_credential(&self) -> Option<&ScramCredential> {
        self.scram_keys
            .as_ref()
            .or_else(|| self.password.as_ref().and_then(StoredHash::scram))
    }

    /// Sets the account's number (the one its API keys encode).
    #[must_use]
    pub fn with_id(mut self, id: u32) -> Self {
        self.id = Some(id);
        self
    }

    /// Sets the password hash.
    #[must_use]
    pub fn with_password(mut self, hash: StoredHash) -> Self {
        self.password = Some(hash);
        self
    }

    /// Sets the roles.
    #[must_use]
    pub fn with_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the account policy.
    #[must_use]
    pub fn with_policy(mut self, policy: AccountPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the tenant.
    #[must_use]
    pub fn in_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Adds a group.
    #[must_use]
    pub fn member_of(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }

    /// Disables (or enables) the account.
    #[must_use]
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }

    /// Enrols a TOTP second factor.
    #[must_use]
    pub fn with_totp(mut self, totp: TotpSettings) -> Self {
        self.totp = Some(totp);
        self
    }

    /// Adds a recovery code hash.
    #[must_use]
    pub fn with_recovery_code(mut self, hash: StoredHash) -> Self {
        self.recovery_codes.push(hash);
        self
    }

    /// Adds an app password or API key.
    #[must_use]
    pub fn with_credential(mut self, credential: CredentialRecord) -> Self {
        self.credentials.push(credential);
        self
    }

    /// Sets the revision.
    #[must_use]
    pub fn with_revision(mut self, revision: u64) -> Self {
        self.revision = revision;
        self
    }

    /// The app password or API key with this kind and id.
    #[must_use]
    pub fn credential(&self, kind: CredentialKind, id: u64) -> Option<&CredentialRecord> {
        self.find_credential(kind, id).map(|(record, _)| record)
    }

    /// The record and whether its hash covers the whole secret.
    pub(crate) fn find_credential(
        &self,
        kind: CredentialKind,
        id: u64,
    ) -> Option<(&CredentialRecord, bool)> {
        let kind = kind.stored()?;
        let id = CredentialId(u32::try_from(id).ok()?);
        let matches =
            |credential: &&CredentialRecord| credential.id == id && credential.kind == kind;
        self.credentials
            .iter()
            .find(matches)
            .map(|record| (record, false))
            .or_else(|| {
                self.whole_secret_credentials
                    .iter()
                    .find(matches)
                    .map(|record| (record, true))
            })
    }
}

/// A TOTP enrolment (RFC 6238).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TotpSettings {
    /// The shared secret, base32 (RFC 4648), at least 128 bits.
    pub secret: SecretString,
    /// Code length: 6 to 8 digits.
    pub digits: u32,
    /// Time step in seconds (30).
    pub step: u64,
    /// Steps accepted before and after the current one (1).
    pub skew: u8,
    /// The HMAC hash: `SHA1` (default), `SHA256` or `SHA512`.
    pub algorithm: TotpAlgorithm,
}

impl TotpSettings {
    /// SHA-1, 6 digits, 30 s steps, one step of skew: what authenticator
    /// apps expect.
    #[must_use]
    pub fn new(secret_base32: impl Into<SecretString>) -> Self {
        TotpSettings {
            secret: secret_base32.into(),
            digits: 6,
            step: 30,
            skew: 1,
            algorithm: TotpAlgorithm::Sha1,
        }
    }

    /// The code an authenticator app shows at `at` (for tests and tools);
    /// `None` if the secret is not valid base32 of at least 128 bits.
    #[must_use]
    pub fn code_at(&self, at: OffsetDateTime) -> Option<String> {
        let unix = u64::try_from(at.unix_timestamp()).ok()?;
        crate::second_factor::current_code(self, unix)
    }
}

/// The HMAC of a TOTP enrolment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1 (RFC 6238 default).
    #[default]
    Sha1,
    /// HMAC-SHA-256.
    Sha256,
    /// HMAC-SHA-512.
    Sha512,
}

/// A tenant: its clamp on its accounts' rights, and whether it is open.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Tenant {
    /// The clamp.
    pub policy: TenantPolicy,
    /// A disabled tenant's accounts sign in nowhere.
    pub disabled: bool,
}

impl Tenant {
    /// An open tenant with this clamp.
    #[must_use]
    pub fn new(policy: TenantPolicy) -> Self {
        Tenant {
            policy,
            disabled: false,
        }
    }

    /// Disables (or enables) the tenant.
    #[must_use]
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = disabled;
        self
    }
}

/// Where the authenticator looks things up. Implement it over your own
/// store (SQL, LDAP, a management API); [`MemoryDirectory`](crate::MemoryDirectory)
/// and [`FileDirectory`](crate::FileDirectory) are ready-made.
///
/// Every method returns a `Send` future, so the authenticator works on a
/// multi-threaded runtime. Names are canonical login names (NFC, lower-case
/// domain; see `portcullis_impersonation::normalize_name`).
pub trait Directory: Send + Sync + 'static {
    /// The account with this name (accounts this directory authenticates).
    fn account(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Arc<Account>>, DirectoryError>> + Send;

    /// The local credential store for principals whose identity lives at an
    /// identity provider: their app passwords and API keys (their password
    /// stays at the IdP, so `password` is `None`), roles and state.
    fn principal(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Arc<Account>>, DirectoryError>> + Send;

    /// The account with this name, else the principal of that name: the
    /// one lookup the authenticator makes per login. The default asks
    /// [`account`](Self::account) and then [`principal`](Self::principal),
    /// always both, so that a name that does not exist costs the directory
    /// what one that does costs (a remote directory's latency would
    /// otherwise tell which names exist). A remote directory should answer
    /// both in one round trip.
    fn account_or_principal(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Arc<Account>>, DirectoryError>> + Send {
        async move {
            let account = self.account(name).await?;
            let principal = self.principal(name).await?;
            Ok(account.or(principal))
        }
    }

    /// The role graph (with the built-in presets, if the directory wants
    /// them).
    fn roles(&self) -> impl Future<Output = Result<Arc<RoleGraph>, DirectoryError>> + Send;

    /// The name of the account with this number (see [`Account::id`]), so
    /// that an API key presented without a user name (`Authorization:
    /// Bearer API_…`) finds its account. The default knows no numbers:
    /// such keys are then refused like an unknown user.
    ///
    /// # Errors
    /// As the other lookups; [`DirectoryError::Data`] if two accounts share
    /// the number.
    fn account_name_by_id(
        &self,
        id: u32,
    ) -> impl Future<Output = Result<Option<String>, DirectoryError>> + Send {
        let _ = id;
        async { Ok(None) }
    }

    /// A tenant by name.
    fn tenant(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Tenant>, DirectoryError>> + Send;

    /// The account's (or principal's) revision, for cache invalidation.
    fn revision(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<u64>, DirectoryError>> + Send {
        async move {
            if let Some(account) = self.account(name).await? {
                return Ok(Some(account.revision));
            }
            Ok(self
                .principal(name)
                .await?
                .map(|principal| principal.revision))
        }
    }

    /// Records that a TOTP time step was used by this account. Returns
    /// `false` if this step (or a later one) was used before: a replay
    /// (RFC 6238 §5.2). Must be atomic.
    fn use_totp_step(
        &self,
        account: &str,
        step: u64,
    ) -> impl Future<Output = Result<bool, DirectoryError>> + Send;

    /// Marks recovery code number `index` of the account as used. Returns
    /// `false` if it was used before. Must be atomic.
    fn use_recovery_code(
        &self,
        account: &str,
        index: usize,
    ) -> impl Future<Output = Result<bool, DirectoryError>> + Send;
}

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The object-safe twin of [`Directory`], so the authenticator is not generic.
pub(crate) trait DynDirectory: Send + Sync {
    fn account_or_principal<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Account>>, DirectoryError>>;
    fn roles(&self) -> BoxFuture<'_, Result<Arc<RoleGraph>, DirectoryError>>;
    fn account_name_by_id(&self, id: u32) -> BoxFuture<'_, Result<Option<String>, DirectoryError>>;
    fn tenant<'a>(&'a self, name: &'a str)
    -> BoxFuture<'a, Result<Option<Tenant>, DirectoryError>>;
    fn use_totp_step<'a>(
        &'a self,
        account: &'a str,
        step: u64,
    ) -> BoxFuture<'a, Result<bool, DirectoryError>>;
    fn use_recovery_code<'a>(
        &'a self,
        account: &'a str,
        index: usize,
    ) -> BoxFuture<'a, Result<bool, DirectoryError>>;
}

impl<D: Directory> DynDirectory for D {
    fn account_or_principal<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<Arc<Account>>, DirectoryError>> {
        Box::pin(Directory::account_or_principal(self, name))
    }

    fn roles(&self) -> BoxFuture<'_, Result<Arc<RoleGraph>, DirectoryError>> {
        Box::pin(Directory::roles(self))
    }

    fn account_name_by_id(&self, id: u32) -> BoxFuture<'_, Result<Option<String>, DirectoryError>> {
        Box::pin(Directory::account_name_by_id(self, id))
    }

    fn tenant<'a>(
        &'a self,
        name: &'a str,
    ) -> BoxFuture<'a, Result<Option<Tenant>, DirectoryError>> {
        Box::pin(Directory::tenant(self, name))
    }

    fn use_totp_step<'a>(
        &'a self,
        account: &'a str,
        step: u64,
    ) -> BoxFuture<'a, Result<bool, DirectoryError>> {
        Box::pin(Directory::use_totp_step(self, account, step))
    }

    fn use_recovery_code<'a>(
        &'a self,
        account: &'a str,
        index: usize,
    ) -> BoxFuture<'a, Result<bool, DirectoryError>> {
        Box::pin(Directory::use_recovery_code(self, account, index))
    }
}
