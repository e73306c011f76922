//! `portcullis-ldap`: a production [`Directory`](portcullis::Directory)
//! over OpenLDAP (or any LDAPv3 server), so a mail server can keep its
//! accounts where operators already keep them.
//!
//! Two login styles, as Dovecot and Stalwart offer:
//!
//! - **attribute** mode, [`LdapDirectory`]: the account lookup searches
//!   with a service account and hands the entry's `userPassword`
//!   (`{SSHA}`, `{CRYPT}`, `{ARGON2}`, PHC…) to the authenticator, which
//!   verifies it constant-time, caches the verification and offers a
//!   rehash. Groups map to roles, and a tenant, a disabled flag, a TOTP
//!   secret and app-password records can come from attributes too.
//! - **bind** mode, [`LdapBindVerifier`]: bind as the DN the search found
//!   with the presented password, so the server checks it. It stands
//!   beside the `Directory` (the authenticator verifies secrets itself).
//!
//! Every value placed in a filter is escaped per RFC 4515
//! ([`escape_filter_value`]); no DN is ever built from user input.
//! Connections come from a bounded pool; connects and operations have
//! timeouts, and a server that is down or slow makes the login "try
//! later" ([`DirectoryError::Unavailable`](portcullis::DirectoryError)),
//! never a grant and never "wrong password". Referrals are not followed.
//!
//! ```no_run
//! use portcullis::Authenticator;
//! use portcullis_ldap::{LdapConfig, LdapDirectory};
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let config: LdapConfig = toml::from_str(r#"
//!     url = "ldap://127.0.0.1:389"
//!     bind_dn = "cn=portcullis,ou=services,dc=example,dc=org"
//!     bind_password = "service-secret"
//!     base = "ou=people,dc=example,dc=org"
//!     filter = "(&(objectClass=inetOrgPerson)(mail=%u))"
//!     group_roles = { "mail-admins" = ["admin"] }
//! "#)?;
//! let authenticator = Authenticator::builder()
//!     .directory(LdapDirectory::new(config)?)
//!     .build()?;
//! # let _ = authenticator; Ok(()) }
//! ```
//!
//! The whole configuration, the seed used by the tests and the commands
//! that start a throw-away `slapd` (`.ci/services/slapd.sh`) are in
//! `docs/ldap-directory.md`.
//!
//! # Dependencies, and why
//!
//! | crate | why |
//! |---|---|
//! | `portcullis`, `portcullis-credentials`, `portcullis-permissions`, `portcullis-impersonation` | the `Directory` trait and `Account`; `StoredHash` parses RFC 2307 values; the role graph; canonical names |
//! | `ldap3` | the async LDAP client (tokio), with TLS through rustls on aws-lc-rs |
//! | `tokio` | the pool's semaphore, timeouts, and the task that drives each connection |
//! | `serde`, `serde_json` | the configuration; app-password records stored as JSON values |
//! | `tracing` | debug events (never a secret) |
//! | `zeroize` | the service password is wiped on drop |
#![forbid(unsafe_code)]

mod bind;
mod config;
mod directory;
mod escape;
mod pool;

pub use bind::LdapBindVerifier;
pub use config::{AttributeMap, BindPassword, GroupSearch, LdapConfig, SearchScope};
pub use directory::{LdapAccount, LdapConfigError, LdapDirectory, MAX_GROUPS, MAX_NAME_LEN};
pub use escape::{escape_dn_value, escape_filter_value};
