//! [`MemoryDirectory`]: an in-memory directory for tests and embedding.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use portcullis_impersonation::normalize_name;
use portcullis_permissions::{Role, RoleGraph};

use crate::directory::{Account, Directory, DirectoryError, Tenant};
use crate::{CredentialKind, Rehash};

/// Everything a directory holds at one moment.
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) accounts: HashMap<String, Arc<Account>>,
    pub(crate) principals: HashMap<String, Arc<Account>>,
    pub(crate) roles: Arc<RoleGraph>,
    pub(crate) tenants: HashMap<String, Tenant>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            accounts: HashMap::new(),
            principals: HashMap::new(),
            roles: Arc::new(RoleGraph::with_presets()),
            tenants: HashMap::new(),
        }
    }
}

/// What logins consume: used TOTP steps and recovery codes. Kept apart from
/// the snapshot, so reloading a file does not forget it.
#[derive(Debug, Default)]
struct Usage {
    totp_steps: HashMap<String, u64>,
    recovery_used: HashSet<(String, usize)>,
}

#[derive(Debug, Default)]
struct Inner {
    data: RwLock<Snapshot>,
    usage: Mutex<Usage>,
}

/// An in-memory [`Directory`]: cheap to clone (shared inside), mutable at
/// run time (add an account, delete an app password), with the built-in
/// role presets (`user`, `tenant-admin`, `admin`).
///
/// ```
/// use portcullis::{Account, MemoryDirectory};
/// use portcullis_credentials::StoredHash;
/// let directory = MemoryDirectory::builder()
///     .account(Account::new("alice@example.org")
///         .with_password(StoredHash::parse("{PLAIN}correct horse")?)
///         .with_roles(["user"]))
///     .build();
/// assert!(directory.get("alice@example.org").is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct MemoryDirectory {
    inner: Arc<Inner>,
}

/// Builds a [`MemoryDirectory`].
#[derive(Debug, Default)]
pub struct MemoryDirectoryBuilder {
    snapshot: Snapshot,
}

pub(crate) fn key(name: &str) -> String {
    normalize_name(name).unwrap_or_else(|_| name.to_owned())
}

impl MemoryDirectoryBuilder {
    /// Adds (or replaces) a role in the graph.
    #[must_use]
    pub fn role(mut self, role: Role) -> Self {
        Arc::make_mut(&mut self.snapshot.roles).insert(role);
        self
    }

    /// Replaces the whole role graph (the presets are not added back).
    #[must_use]
    pub fn role_graph(mut self, graph: RoleGraph) -> Self {
        self.snapshot.roles = Arc::new(graph);
        self
    }

    /// Adds a tenant.
    #[must_use]
    pub fn tenant(mut self, name: impl Into<String>, tenant: Tenant) -> Self {
        self.snapshot.tenants.insert(name.into(), tenant);
        self
    }

    /// Adds an account.
    #[must_use]
    pub fn account(mut self, account: Account) -> Self {
        self.snapshot
            .accounts
            .insert(key(&account.name), Arc::new(account));
        self
    }

    /// Adds a principal of the local credential store (an identity that
    /// lives at an IdP, with locally stored app passwords).
    #[must_use]
    pub fn principal(mut self, principal: Account) -> Self {
        self.snapshot
            .principals
            .insert(key(&principal.name), Arc::new(principal));
        self
    }

    /// The directory.
    #[must_use]
    pub fn build(self) -> MemoryDirectory {
        MemoryDirectory {
            inner: Arc::new(Inner {
                data: RwLock::new(self.snapshot),
                usage: Mutex::new(Usage::default()),
            }),
        }
    }
}

impl MemoryDirectory {
    /// A builder.
    #[must_use]
    pub fn builder() -> MemoryDirectoryBuilder {
        MemoryDirectoryBuilder::default()
    }

    /// The account with this name, if any (synchronously).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Arc<Account>> {
        self.read().accounts.get(&key(name)).cloned()
    }

    /// Adds or replaces an account; a replaced account's revision is bumped
    /// past the old one.
    pub fn insert_account(&self, mut account: Account) {
        let mut data = self.write();
        let name = key(&account.name);
        if let Some(old) = data.accounts.get(&name) {
            account.revision = account.revision.max(old.revision.saturating_add(1));
        }
        data.accounts.insert(name, Arc::new(account));
    }

    /// Adds or replaces a principal of the local credential store.
    pub fn insert_principal(&self, mut principal: Account) {
        let mut data = self.write();
        let name = key(&principal.name);
        if let Some(old) = data.principals.get(&name) {
            principal.revision = principal.revision.max(old.revision.saturating_add(1));
        }
        data.principals.insert(name, Arc::new(principal));
    }

    /// Removes an account. Returns whether it existed.
    pub fn remove_account(&self, name: &str) -> bool {
        self.write().accounts.remove(&key(name)).is_some()
    }

    /// Changes an account (or principal) in place and bumps its revision.
    /// Returns whether it existed.
    pub fn update(&self, name: &str, change: impl FnOnce(&mut Account)) -> bool {
        let mut data = self.write();
        let name = key(name);
        let map = if data.accounts.contains_key(&name) {
            &mut data.accounts
        } else {
            &mut data.principals
        };
        match map.get_mut(&name) {
            Some(entry) => {
                let account = Arc::make_mut(entry);
                change(account);
                account.revision = account.revision.saturating_add(1);
                true
            }
            None => false,
        }
    }

    /// Stores the stronger hash a grant offered ([`Grant::rehash`]), if the
    /// account's password is still the one that was verified. Returns
    /// whether it was stored. Sessions opened with the old hash stay
    /// valid; the account's revision is bumped.
    ///
    /// [`Grant::rehash`]: crate::Grant::rehash
    pub fn apply_rehash(&self, rehash: &Rehash) -> bool {
        let mut data = self.write();
        let name = key(rehash.account());
        let entry = match data.accounts.get_mut(&name) {
            Some(entry) => Some(entry),
            None => data.principals.get_mut(&name),
        };
        let Some(entry) = entry else {
            return false;
        };
        // Compare and set under the one write lock: a password changed
        // since the login must not be overwritten.
        if !entry
            .password
            .as_ref()
            .is_some_and(|hash| rehash.replaces(hash))
        {
            return false;
        }
        let account = Arc::make_mut(entry);
        account.password = Some(rehash.hash().clone());
        account.revision = account.revision.saturating_add(1);
        true
    }

    /// Deletes an app password or API key. Sessions it opened fail
    /// [`Authenticator::revalidate`](crate::Authenticator::revalidate) from
    /// now on. Returns whether it existed.
    pub fn remove_credential(&self, account: &str, kind: CredentialKind, id: u64) -> bool {
        let (Some(kind), Ok(id)) = (kind.stored(), u32::try_from(id)) else {
            return false;
        };
        let id = portcullis_credentials::CredentialId(id);
        let mut found = false;
        self.update(account, |entry| {
            let before = entry.credentials.len() + entry.whole_secret_credentials.len();
            let keep = |credential: &portcullis_credentials::CredentialRecord| {
                !(credential.id == id && credential.kind == kind)
            };
            entry.credentials.retain(keep);
            entry.whole_secret_credentials.retain(keep);
            found = entry.credentials.len() + entry.whole_secret_credentials.len() != before;
        });
        found
    }

    pub(crate) fn replace(&self, snapshot: Snapshot) {
        *self.write() = snapshot;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.inner
            .data
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Snapshot> {
        self.inner
            .data
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn usage(&self) -> std::sync::MutexGuard<'_, Usage> {
        self.inner
            .usage
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl Directory for MemoryDirectory {
    async fn account(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Ok(self.read().accounts.get(name).cloned())
    }

    async fn principal(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Ok(self.read().principals.get(name).cloned())
    }

    async fn roles(&self) -> Result<Arc<RoleGraph>, DirectoryError> {
        Ok(Arc::clone(&self.read().roles))
    }

    async fn tenant(&self, name: &str) -> Result<Option<Tenant>, DirectoryError> {
        Ok(self.read().tenants.get(name).cloned())
    }

    async fn account_name_by_id(&self, id: u32) -> Result<Option<String>, DirectoryError> {
        // A scan: bare API keys are rare next to name lookups, and an index
        // would have to follow every `update`.
        let data = self.read();
        let mut named = data
            .accounts
            .values()
            .chain(data.principals.values())
            .filter(|account| account.id == Some(id))
            .map(|account| account.name.clone());
        match (named.next(), named.next()) {
            (Some(_), Some(_)) => Err(DirectoryError::Data(format!(
                "two accounts have the id {id}"
            ))),
            (name, _) => Ok(name),
        }
    }

    async fn use_totp_step(&self, account: &str, step: u64) -> Result<bool, DirectoryError> {
        let mut usage = self.usage();
        match usage.totp_steps.get(account) {
            Some(last) if *last >= step => Ok(false),
            _ => {
                usage.totp_steps.insert(account.to_owned(), step);
                Ok(true)
            }
        }
    }

    async fn use_recovery_code(&self, account: &str, index: usize) -> Result<bool, DirectoryError> {
        Ok(self
            .usage()
            .recovery_used
            .insert((account.to_owned(), index)))
    }
}
