//! Permissions for mail and groupware servers: a Stalwart-compatible
//! catalogue, fixed-size permission sets, roles, account policy, tenant
//! clamps, credential scopes and per-surface login rights.
//!
//! The crate does no I/O. It answers two questions for every login, and keeps
//! them apart:
//!
//! 1. **The account gate** — may this *account* sign in at all? Judged on the
//!    account's effective rights: they must hold [`Permission::Authenticate`].
//! 2. **The surface gate** — may this *credential* open this *surface*
//!    (IMAP, SMTP, POP3, ManageSieve, JMAP, DAV, web portal, web admin)?
//!    Judged on the credential's scoped rights with the surface's own login
//!    permission ([`Surface::login_permission`]).
//!
//! No global right is ever required inside a credential scope: an app
//! password scoped to `imapAuthenticate` opens IMAP and nothing else, and it
//! does not open the web portal, because [`Surface::Portal`] needs
//! `portalAuthenticate`. [`LoginMode::StalwartCompat`] reproduces Stalwart's
//! stricter rule for deployments that need it.
//!
//! The other invariants:
//! - **A credential's scope is a subset of its account's rights**
//!   ([`CredentialScope::apply`]), so losing a role shrinks every credential.
//! - **Deny wins**: a permission disabled by any role in the graph, by the
//!   account or by its tenant is off ([`RoleGraph::resolve`],
//!   [`AccountPolicy::effective`], [`TenantPolicy::clamp`]).
//! - **Fail closed**: unknown permission names (in [`NameMode::Strict`]),
//!   unknown roles and over-deep role graphs are errors.
//!
//! ```
//! use portcullis_permissions::{
//!     AccountPolicy, CredentialScope, LoginPolicy, LoginRefusal, Permission, RoleGraph, Surface,
//! };
//!
//! let roles = RoleGraph::with_presets().resolve(&["user"])?;
//! let account = AccountPolicy::Inherit.effective(&roles, None);
//!
//! // An app password that only opens IMAP.
//! let scope = CredentialScope::Replace(Permission::ImapAuthenticate.into());
//! let scoped = scope.apply(&account);
//!
//! let gates = LoginPolicy::default();
//! assert_eq!(gates.check(&account, &scoped, Surface::Imap), Ok(()));
//! assert_eq!(
//!     gates.check(&account, &scoped, Surface::Portal),
//!     Err(LoginRefusal::SurfaceNotInScope(Surface::Portal)),
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The catalogue
//! [`Permission`] has every Stalwart v0.16 permission with its numeric id
//! (0–659) plus four surface permissions: `jmapAuthenticate` (660),
//! `davAuthenticate` (661), `portalAuthenticate` (662) and
//! `adminAuthenticate` (663). It is generated at build time from
//! `data/permissions.tsv`. A [`PermissionSet`] is `ceil(COUNT / 64)` = 11
//! words (88 bytes).
//!
//! # Feature flags
//! | feature | default | what it does |
//! |---|---|---|
//! | `serde` | yes | (de)serializes permissions as camelCase names, sets as lists of names |
//!
//! # Dependencies
//! - `bitflags`: the small closed [`SurfaceSet`] (never the permission set,
//!   which is far wider than 128 bits).
//! - `thiserror`: the error types.
//! - `serde` (optional): configuration files.

#![forbid(unsafe_code)]

mod account;
mod error;
mod explain;
mod login;
mod permission;
pub mod preset;
mod role;
mod scope;
mod set;
mod surface;

pub use account::{AccountPolicy, TenantPolicy};
pub use error::Error;
pub use explain::{AccountExplanation, Reason, explain_account};
pub use login::{LoginMode, LoginPolicy, LoginRefusal};
pub use permission::{Group, Permission};
pub use role::{Effect, MAX_ROLE_DEPTH, Role, RoleExplanation, RoleGraph, RoleRights, RoleSource};
pub use scope::{CredentialScope, Escalation, SCOPE_PRESETS, can_grant};
pub use set::{Iter, NameMode, ParsedNames, PermissionSet, WORDS};
pub use surface::{Surface, SurfaceSet};
