//! [`LdapConfig`]: where the server is and how entries map to accounts.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use zeroize::Zeroizing;

/// The service account's password: zeroized on drop, `<redacted>` in
/// `Debug`, deserialized from a plain string.
///
/// ```
/// use portcullis_ldap::BindPassword;
/// let password = BindPassword::from("s3cret");
/// assert_eq!(format!("{password:?}"), "<redacted>");
/// assert_eq!(password.expose(), "s3cret");
/// ```
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub struct BindPassword(Zeroizing<String>);

impl BindPassword {
    /// The password text, for the bind. Never log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for BindPassword {
    fn from(value: String) -> Self {
        BindPassword(Zeroizing::new(value))
    }
}

impl From<&str> for BindPassword {
    fn from(value: &str) -> Self {
        BindPassword(Zeroizing::new(value.to_owned()))
    }
}

impl fmt::Debug for BindPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How deep the account search goes below [`LdapConfig::base`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchScope {
    /// The base entry only.
    Base,
    /// The base's direct children.
    One,
    /// The whole subtree (default).
    #[default]
    Sub,
}

/// Where an entry's data is read from. Attribute names are matched
/// case-insensitively, as LDAP does.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AttributeMap {
    /// The canonical login name (`mail`). When the entry lacks it, the
    /// name that was looked up is used.
    pub name: String,
    /// The password hash (`userPassword`): RFC 2307 `{SSHA}`, `{CRYPT}`,
    /// `{ARGON2}`… or PHC/crypt strings, as `portcullis-credentials`
    /// parses them. An entry without it has no password (app passwords
    /// may still work).
    pub password: String,
    /// The display name (`displayName`), reported in [`LdapAccount`](crate::LdapAccount).
    pub display_name: String,
    /// Group DNs on the entry (`memberOf`); ignored when
    /// [`LdapConfig::group_search`] is set.
    pub groups: String,
    /// The tenant name (unset: accounts have no tenant).
    pub tenant: Option<String>,
    /// An attribute whose value disables the account (unset: never
    /// disabled by the directory). See [`disabled_values`](Self::disabled_values).
    pub disabled: Option<String>,
    /// Values of [`disabled`](Self::disabled) that mean "disabled",
    /// compared case-insensitively. Empty: any value disables.
    /// Default: `TRUE`, `1`, `yes`, `disabled`.
    pub disabled_values: Vec<String>,
    /// A base32 TOTP secret (unset: no second factor from LDAP).
    pub totp_secret: Option<String>,
    /// App password and API key records, one JSON object per value in
    /// the `portcullis-credentials` `CredentialRecord` form (unset: none).
    pub app_passwords: Option<String>,
}

impl Default for AttributeMap {
    fn default() -> Self {
        AttributeMap {
            name: "mail".into(),
            password: "userPassword".into(),
            display_name: "displayName".into(),
            groups: "memberOf".into(),
            tenant: None,
            disabled: None,
            disabled_values: vec!["TRUE".into(), "1".into(), "yes".into(), "disabled".into()],
            totp_secret: None,
            app_passwords: None,
        }
    }
}

/// Groups found by a second search instead of a `memberOf` attribute.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupSearch {
    /// Where groups live (`ou=groups,dc=example,dc=org`).
    pub base: String,
    /// The filter; `%D` is the account entry's DN, `%u`/`%n`/`%d` as in
    /// [`LdapConfig::filter`], all RFC 4515-escaped. Default:
    /// `(&(objectClass=groupOfNames)(member=%D))`.
    pub filter: String,
}

impl Default for GroupSearch {
    fn default() -> Self {
        GroupSearch {
            base: String::new(),
            filter: "(&(objectClass=groupOfNames)(member=%D))".into(),
        }
    }
}

/// The LDAP directory's settings, as a server's configuration file holds
/// them (every field has a default; `deny_unknown_fields` catches typos).
///
/// ```
/// use portcullis_ldap::LdapConfig;
/// let config: LdapConfig = toml::from_str(r#"
///     url = "ldap://127.0.0.1:389"
///     bind_dn = "cn=portcullis,ou=services,dc=example,dc=org"
///     bind_password = "service-secret"
///     base = "ou=people,dc=example,dc=org"
///     filter = "(&(objectClass=inetOrgPerson)(mail=%u))"
///     group_roles = { "cn=mail-admins,ou=groups,dc=example,dc=org" = ["admin"] }
///     [attributes]
///     tenant = "o"
///     disabled = "employeeType"
/// "#)?;
/// assert_eq!(config.pool_size, 8);
/// assert!(!format!("{config:?}").contains("service-secret"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LdapConfig {
    /// `ldap://host:port` (plain, or StartTLS with [`starttls`](Self::starttls))
    /// or `ldaps://host:port`. Default `ldap://127.0.0.1:389`.
    pub url: String,
    /// Upgrade an `ldap://` connection with StartTLS (default `false`).
    /// Certificates are checked against the system's roots
    /// (`SSL_CERT_FILE` is honoured).
    pub starttls: bool,
    /// Skip certificate checks (default `false`): for a lab only.
    pub danger_accept_invalid_certs: bool,
    /// The service account that searches (empty: search anonymously).
    pub bind_dn: String,
    /// Its password.
    pub bind_password: BindPassword,
    /// Where accounts are searched (`ou=people,dc=example,dc=org`).
    pub base: String,
    /// How deep (default `sub`).
    pub scope: SearchScope,
    /// The account filter. `%u` is the whole login name, `%n` its local
    /// part, `%d` its domain, `%%` a percent sign; every value is
    /// escaped per RFC 4515. Default
    /// `(&(objectClass=inetOrgPerson)(mail=%u))`.
    pub filter: String,
    /// Attribute names.
    pub attributes: AttributeMap,
    /// Find groups with a search instead of [`AttributeMap::groups`].
    pub group_search: Option<GroupSearch>,
    /// Group → role names, like OIDC's `group_roles`. A key matches a
    /// group's DN (case-insensitively) or its first RDN value (the CN).
    pub group_roles: BTreeMap<String, Vec<String>>,
    /// Roles every account has (default `["user"]`).
    pub default_roles: Vec<String>,
    /// Tenants whose accounts sign in nowhere.
    pub disabled_tenants: Vec<String>,
    /// Connections kept and used at most at once (default 8).
    pub pool_size: usize,
    /// TCP + TLS connect and service bind, in milliseconds (default 3000).
    pub connect_timeout_ms: u64,
    /// Every operation, and the wait for a free connection, in
    /// milliseconds (default 2000).
    pub timeout_ms: u64,
}

impl Default for LdapConfig {
    fn default() -> Self {
        LdapConfig {
            url: "ldap://127.0.0.1:389".into(),
            starttls: false,
            danger_accept_invalid_certs: false,
            bind_dn: String::new(),
            bind_password: BindPassword::default(),
            base: String::new(),
            scope: SearchScope::Sub,
            filter: "(&(objectClass=inetOrgPerson)(mail=%u))".into(),
            attributes: AttributeMap::default(),
            group_search: None,
            group_roles: BTreeMap::new(),
            default_roles: vec!["user".into()],
            disabled_tenants: Vec::new(),
            pool_size: 8,
            connect_timeout_ms: 3000,
            timeout_ms: 2000,
        }
    }
}

impl LdapConfig {
    /// The connect timeout.
    #[must_use]
    pub fn connect_timeout(&self) -> Duration {
        Duration::from_millis(self.connect_timeout_ms.max(1))
    }

    /// The per-operation timeout.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.max(1))
    }
}
