//! [`LdapDirectory`]: the [`Directory`] over an LDAP server, attribute mode.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use ldap3::{DerefAliases, Scope, SearchEntry, SearchOptions, SearchResult};
use portcullis::{Account, CredentialRecord, Directory, DirectoryError, Tenant, TotpSettings};
use portcullis_credentials::StoredHash;
use portcullis_permissions::RoleGraph;

use crate::config::{LdapConfig, SearchScope};
use crate::escape::{Placeholder, Values, check_template, expand};
use crate::pool::{Conn, Pool, bounded, unavailable};

/// Longest login name that is searched for, in bytes. Longer names, and
/// names holding control characters (NUL included), are answered "no such
/// account" without a round trip.
pub const MAX_NAME_LEN: usize = 1024;

/// Most groups read for one account by a group search.
pub const MAX_GROUPS: i32 = 1000;

/// A configuration the directory cannot work with (the operator's fault).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdapConfigError(String);

impl fmt::Display for LdapConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid LDAP directory configuration: {}", self.0)
    }
}

impl std::error::Error for LdapConfigError {}

/// An account as found in LDAP: the facade's [`Account`] plus what only
/// LDAP knows.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LdapAccount {
    /// The entry's distinguished name.
    pub dn: String,
    /// The display name attribute's first value.
    pub display_name: Option<String>,
    /// The account, as the authenticator sees it.
    pub account: Account,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: LdapConfig,
    pub(crate) pool: Pool,
    roles: Arc<RoleGraph>,
    /// `group_roles` with lower-cased keys.
    group_roles: HashMap<String, Vec<String>>,
    totp_steps: Mutex<HashMap<String, u64>>,
}

/// A [`Directory`] over an LDAP server (OpenLDAP, 389-DS, Active Directory
/// with a suitable mapping) in **attribute** mode: the account lookup
/// searches with the service account and hands the entry's `userPassword`
/// to the authenticator, which verifies it (cache, rehash signal and
/// constant-time comparison included).
///
/// Cheap to clone (shared inside). Lookups use a bounded pool of
/// connections; every connect and operation is bounded by a timeout, and
/// a server that is down or slow gives [`DirectoryError::Unavailable`]
/// (the login gets "try later", never a grant and never "wrong
/// password"). Referrals are never followed.
///
/// What the directory cannot store (it only reads LDAP): used TOTP steps
/// are remembered in this process only (several servers sharing one
/// directory do not see each other's steps), and there are no recovery
/// codes and no IdP principals.
///
/// ```no_run
/// use portcullis_ldap::{LdapConfig, LdapDirectory};
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let directory = LdapDirectory::new(LdapConfig {
///     url: "ldap://127.0.0.1:389".into(),
///     bind_dn: "cn=portcullis,ou=services,dc=example,dc=org".into(),
///     bind_password: "service-secret".into(),
///     base: "ou=people,dc=example,dc=org".into(),
///     ..LdapConfig::default()
/// })?;
/// if let Some(found) = directory.lookup("alice@example.org").await? {
///     println!("{} is {}", found.account.name, found.dn);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct LdapDirectory {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for LdapDirectory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LdapDirectory")
            .field("url", &self.inner.config.url)
            .field("base", &self.inner.config.base)
            .finish_non_exhaustive()
    }
}

fn check_filter(template: &str, allow_dn: bool, what: &str) -> Result<(), LdapConfigError> {
    check_template(template, allow_dn)
        .map_err(|error| LdapConfigError(format!("{what}: {error}")))?;
    let sample = expand(
        template,
        &Values {
            user: "user@example.org",
            entry_dn: "uid=user,dc=example,dc=org",
        },
    );
    ldap3::parse_filter(&sample)
        .map(|_| ())
        .map_err(|()| LdapConfigError(format!("{what}: {template:?} is not an LDAP filter")))
}

impl LdapDirectory {
    /// A directory with the built-in role presets (`user`,
    /// `tenant-admin`, `admin`). No connection is made until the first
    /// lookup.
    ///
    /// # Errors
    /// The URL is not `ldap://` or `ldaps://`, the search base is empty,
    /// or a filter template has an unknown placeholder or does not parse.
    pub fn new(config: LdapConfig) -> Result<Self, LdapConfigError> {
        Self::with_role_graph(config, RoleGraph::with_presets())
    }

    /// A directory with this role graph (group roles and default roles
    /// must name its roles).
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn with_role_graph(config: LdapConfig, roles: RoleGraph) -> Result<Self, LdapConfigError> {
        let url = config.url.to_ascii_lowercase();
        if !(url.starts_with("ldap://") || url.starts_with("ldaps://")) {
            return Err(LdapConfigError(format!(
                "url {:?} is neither ldap:// nor ldaps://",
                config.url
            )));
        }
        if config.starttls && url.starts_with("ldaps://") {
            return Err(LdapConfigError(
                "starttls is for ldap:// URLs; ldaps:// is TLS already".into(),
            ));
        }
        if config.base.trim().is_empty() {
            return Err(LdapConfigError("the search base is empty".into()));
        }
        check_filter(&config.filter, false, "filter")?;
        if check_template(&config.filter, false)
            .map_err(LdapConfigError)?
            .iter()
            .all(|placeholder| *placeholder == Placeholder::EntryDn)
        {
            return Err(LdapConfigError(format!(
                "filter {:?} uses none of %u, %n, %d: it would find the same entry for every name",
                config.filter
            )));
        }
        if let Some(groups) = &config.group_search {
            if groups.base.trim().is_empty() {
                return Err(LdapConfigError("the group search base is empty".into()));
            }
            check_filter(&groups.filter, true, "group_search.filter")?;
        }
        let group_roles = config
            .group_roles
            .iter()
            .map(|(group, roles)| (group.to_lowercase(), roles.clone()))
            .collect();
        Ok(LdapDirectory {
            inner: Arc::new(Inner {
                pool: Pool::new(&config),
                config,
                roles: Arc::new(roles),
                group_roles,
                totp_steps: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &LdapConfig {
        &self.inner.config
    }

    /// Looks an account up: one search (two with a group search) on a
    /// pooled connection.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when the server cannot be reached,
    /// times out or is busy; [`DirectoryError::Data`] when the name matches
    /// several entries, the server answers with a referral, or the entry
    /// holds an unusable password hash.
    pub async fn lookup(&self, name: &str) -> Result<Option<LdapAccount>, DirectoryError> {
        let mut conn = self.inner.pool.get().await?;
        let Some(entry) = self.search_account(&mut conn, name).await? else {
            conn.release();
            return Ok(None);
        };
        let groups = match &self.inner.config.group_search {
            Some(_) => self.search_groups(&mut conn, name, &entry.dn).await?,
            None => values(&entry, &self.inner.config.attributes.groups),
        };
        conn.release();
        self.map_entry(name, &entry, groups).map(Some)
    }

    /// The account entry for `name`, if exactly one matches.
    pub(crate) async fn search_account(
        &self,
        conn: &mut Conn<'_>,
        name: &str,
    ) -> Result<Option<SearchEntry>, DirectoryError> {
        // Control characters are never part of a login name, and servers
        // do not all compare them literally (slapd ignores a trailing NUL
        // in an assertion value, even escaped as `\00`).
        if name.is_empty() || name.len() > MAX_NAME_LEN || name.chars().any(char::is_control) {
            return Ok(None);
        }
        let config = &self.inner.config;
        let filter = expand(
            &config.filter,
            &Values {
                user: name,
                entry_dn: "",
            },
        );
        let attributes = self.attribute_list();
        let timeout = self.inner.pool.timeout;
        let SearchResult(entries, result) = bounded(
            timeout,
            "account search",
            conn.ldap
                .with_search_options(SearchOptions::new().sizelimit(2).deref(DerefAliases::Never))
                .with_timeout(timeout)
                .search(&config.base, scope(config.scope), &filter, attributes),
        )
        .await?;
        check_result(result.rc, &result.text, "account search")?;
        let mut entries = entries
            .into_iter()
            .filter(|entry| !entry.is_ref())
            .map(SearchEntry::construct);
        match (entries.next(), entries.next()) {
            (None, _) => Ok(None),
            (Some(entry), None) => Ok(Some(entry)),
            (Some(_), Some(_)) => Err(ambiguous()),
        }
    }

    async fn search_groups(
        &self,
        conn: &mut Conn<'_>,
        name: &str,
        dn: &str,
    ) -> Result<Vec<String>, DirectoryError> {
        let Some(groups) = &self.inner.config.group_search else {
            return Ok(Vec::new());
        };
        let filter = expand(
            &groups.filter,
            &Values {
                user: name,
                entry_dn: dn,
            },
        );
        let timeout = self.inner.pool.timeout;
        let SearchResult(entries, result) = bounded(
            timeout,
            "group search",
            conn.ldap
                .with_search_options(
                    SearchOptions::new()
                        .sizelimit(MAX_GROUPS)
                        .deref(DerefAliases::Never),
                )
                .with_timeout(timeout)
                .search(&groups.base, Scope::Subtree, &filter, vec!["1.1"]),
        )
        .await?;
        check_result(result.rc, &result.text, "group search")?;
        Ok(entries
            .into_iter()
            .filter(|entry| !entry.is_ref())
            .map(|entry| SearchEntry::construct(entry).dn)
            .collect())
    }

    fn attribute_list(&self) -> Vec<String> {
        let attributes = &self.inner.config.attributes;
        let mut list = vec![
            attributes.name.clone(),
            attributes.password.clone(),
            attributes.display_name.clone(),
            "modifyTimestamp".to_owned(),
        ];
        if self.inner.config.group_search.is_none() {
            list.push(attributes.groups.clone());
        }
        list.extend(
            [
                &attributes.tenant,
                &attributes.disabled,
                &attributes.totp_secret,
                &attributes.app_passwords,
            ]
            .into_iter()
            .flatten()
            .cloned(),
        );
        list.retain(|attribute| !attribute.is_empty());
        list
    }

    fn map_entry(
        &self,
        name: &str,
        entry: &SearchEntry,
        groups: Vec<String>,
    ) -> Result<LdapAccount, DirectoryError> {
        let config = &self.inner.config;
        let attributes = &config.attributes;
        let names = values(entry, &attributes.name);
        let canonical = names
            .iter()
            .find(|candidate| candidate.eq_ignore_ascii_case(name))
            .or_else(|| names.first())
            .map_or(name, String::as_str);
        let canonical = portcullis_impersonation::normalize_name(canonical).map_err(|error| {
            DirectoryError::Data(format!(
                "ldap entry {:?}: unusable name attribute: {error}",
                entry.dn
            ))
        })?;
        let mut account = Account::new(canonical);
        if let Some(stored) = values(entry, &attributes.password).first() {
            // Never put the value in the message: it is a password hash.
            let hash = StoredHash::parse(stored).map_err(|error| {
                DirectoryError::Data(format!(
                    "ldap entry {:?}: unusable {} value: {error}",
                    entry.dn, attributes.password
                ))
            })?;
            account = account.with_password(hash);
        }
        let roles = self.roles_for(&groups);
        account = account.with_roles(roles);
        for group in groups {
            account = account.member_of(group);
        }
        if let Some(tenant) = attributes
            .tenant
            .as_deref()
            .and_then(|attribute| values(entry, attribute).into_iter().next())
        {
            account = account.in_tenant(tenant);
        }
        if let Some(attribute) = attributes.disabled.as_deref() {
            let found = values(entry, attribute);
            let disabled = if attributes.disabled_values.is_empty() {
                !found.is_empty()
            } else {
                found.iter().any(|value| {
                    attributes
                        .disabled_values
                        .iter()
                        .any(|disabled| disabled.eq_ignore_ascii_case(value.trim()))
                })
            };
            account = account.disabled(disabled);
        }
        if let Some(secret) = attributes
            .totp_secret
            .as_deref()
            .and_then(|attribute| values(entry, attribute).into_iter().next())
        {
            account = account.with_totp(TotpSettings::new(secret));
        }
        if let Some(attribute) = attributes.app_passwords.as_deref() {
            for (index, text) in values(entry, attribute).iter().enumerate() {
                match serde_json::from_str::<CredentialRecord>(text) {
                    Ok(record) => account = account.with_credential(record),
                    // Skipping a broken record only removes a way in.
                    Err(error) => tracing::warn!(
                        target: "portcullis::ldap",
                        dn = %entry.dn,
                        index,
                        %error,
                        "skipping an unparseable app password record"
                    ),
                }
            }
        }
        account = account.with_revision(revision(entry));
        Ok(LdapAccount {
            dn: entry.dn.clone(),
            display_name: values(entry, &attributes.display_name).into_iter().next(),
            account,
        })
    }

    /// Default roles, then the roles of each group (by DN or first RDN
    /// value), without duplicates.
    fn roles_for(&self, groups: &[String]) -> Vec<String> {
        let mut roles: Vec<String> = Vec::new();
        let mut add = |role: &String| {
            if !roles.contains(role) {
                roles.push(role.clone());
            }
        };
        self.inner.config.default_roles.iter().for_each(&mut add);
        for group in groups {
            let dn = group.to_lowercase();
            let keys = [Some(dn.clone()), first_rdn_value(&dn)];
            for key in keys.iter().flatten() {
                if let Some(mapped) = self.inner.group_roles.get(key) {
                    mapped.iter().for_each(&mut add);
                }
            }
        }
        roles
    }
}

/// `cn=mail-admins,ou=groups` → `mail-admins` (unescaped text is fine
/// for matching configured names).
fn first_rdn_value(dn: &str) -> Option<String> {
    let first = dn.split(',').next()?;
    let (_, value) = first.split_once('=')?;
    Some(value.trim().to_owned())
}

fn scope(scope: SearchScope) -> Scope {
    match scope {
        SearchScope::Base => Scope::Base,
        SearchScope::One => Scope::OneLevel,
        SearchScope::Sub => Scope::Subtree,
    }
}

fn ambiguous() -> DirectoryError {
    DirectoryError::Data("ldap: the name matches more than one entry".into())
}

/// Maps a search's result code.
fn check_result(rc: u32, text: &str, what: &str) -> Result<(), DirectoryError> {
    match rc {
        0 => Ok(()),
        // sizeLimitExceeded with a limit of 2: several entries match.
        4 if what == "account search" => Err(ambiguous()),
        10 => Err(DirectoryError::Data(format!(
            "ldap {what}: the server answered with a referral, which is not followed"
        ))),
        32 => Err(DirectoryError::Data(format!(
            "ldap {what}: the search base does not exist ({text})"
        ))),
        // timeLimitExceeded, adminLimitExceeded, busy, unavailable,
        // unwillingToPerform, other: the server cannot answer now.
        3 | 11 | 51 | 52 | 53 | 80 => Err(unavailable(format_args!(
            "{what}: result code {rc} ({text})"
        ))),
        _ => Err(DirectoryError::Data(format!(
            "ldap {what}: result code {rc} ({text})"
        ))),
    }
}

/// The attribute's values (names compared case-insensitively); binary
/// values that are not UTF-8 are skipped.
fn values(entry: &SearchEntry, attribute: &str) -> Vec<String> {
    let mut found: Vec<String> = entry
        .attrs
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(attribute))
        .flat_map(|(_, values)| values.iter().cloned())
        .collect();
    found.extend(
        entry
            .bin_attrs
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(attribute))
            .flat_map(|(_, values)| values.iter())
            .filter_map(|value| String::from_utf8(value.clone()).ok()),
    );
    found
}

/// `modifyTimestamp` (`20260101120000Z`) as a number that grows with
/// every change; 0 without it.
fn revision(entry: &SearchEntry) -> u64 {
    values(entry, "modifyTimestamp")
        .first()
        .map(|stamp| {
            stamp
                .chars()
                .take_while(char::is_ascii_digit)
                .filter_map(|digit| digit.to_digit(10))
                .fold(0_u64, |acc, digit| {
                    acc.saturating_mul(10).saturating_add(u64::from(digit))
                })
        })
        .unwrap_or(0)
}

impl Directory for LdapDirectory {
    async fn account(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Ok(self
            .lookup(name)
            .await?
            .map(|found| Arc::new(found.account)))
    }

    async fn principal(&self, _name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        Ok(None)
    }

    async fn roles(&self) -> Result<Arc<RoleGraph>, DirectoryError> {
        Ok(Arc::clone(&self.inner.roles))
    }

    async fn tenant(&self, name: &str) -> Result<Option<Tenant>, DirectoryError> {
        let disabled = self
            .inner
            .config
            .disabled_tenants
            .iter()
            .any(|tenant| tenant == name);
        Ok(Some(Tenant::default().disabled(disabled)))
    }

    async fn use_totp_step(&self, account: &str, step: u64) -> Result<bool, DirectoryError> {
        let mut steps = self
            .inner
            .totp_steps
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match steps.get(account) {
            Some(last) if *last >= step => Ok(false),
            _ => {
                steps.insert(account.to_owned(), step);
                Ok(true)
            }
        }
    }

    async fn use_recovery_code(
        &self,
        _account: &str,
        _index: usize,
    ) -> Result<bool, DirectoryError> {
        // LDAP accounts carry no recovery codes.
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rdn_values() {
        assert_eq!(
            first_rdn_value("cn=mail-admins,ou=groups,dc=example,dc=org").as_deref(),
            Some("mail-admins")
        );
        assert_eq!(first_rdn_value("nonsense"), None);
    }

    #[test]
    fn bad_configurations_are_refused() {
        let base = || LdapConfig {
            base: "dc=example,dc=org".into(),
            ..LdapConfig::default()
        };
        assert!(LdapDirectory::new(base()).is_ok());
        for config in [
            LdapConfig {
                url: "http://x".into(),
                ..base()
            },
            LdapConfig {
                base: String::new(),
                ..base()
            },
            LdapConfig {
                filter: "(uid=%x)".into(),
                ..base()
            },
            LdapConfig {
                filter: "(uid=%u".into(),
                ..base()
            },
            LdapConfig {
                filter: "(objectClass=*)".into(),
                ..base()
            },
            LdapConfig {
                url: "ldaps://x".into(),
                starttls: true,
                ..base()
            },
        ] {
            assert!(LdapDirectory::new(config.clone()).is_err(), "{config:?}");
        }
    }
}
