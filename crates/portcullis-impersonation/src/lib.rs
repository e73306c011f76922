//! Impersonation (master-user login) for mail and groupware servers: the
//! login-name syntax (`target%actor`, `target*master`, SASL authzid), an
//! [`ImpersonationPolicy`] with safe defaults, and typed refusals that tell a
//! correctly authenticated actor *why* it was refused.
//!
//! Administrators, support staff and SSO front ends (webmail portals that
//! sign users in on their behalf) sign in *as* another account with their
//! own credentials. The crate does no I/O: the caller parses the login,
//! verifies the actor's secret, looks both accounts up, and asks the policy.
//!
//! # Worked example: a webmail SSO front end
//!
//! A webmail portal authenticates its users itself, then opens their IMAP
//! sessions as `user%portal-service` with the portal's own password. It must
//! reach ordinary mailboxes and never an administrator's.
//!
//! ```
//! use portcullis_impersonation::{
//!     AccountFacts, ActorCredential, Attempt, CredentialClass, CredentialId,
//!     ImpersonationPolicy, LoginSyntax, Refusal,
//! };
//! use portcullis_permissions::{preset, Permission, PermissionSet, Surface};
//!
//! // The portal's service account may sign in and impersonate; nothing else.
//! let portal = AccountFacts::new(
//!     "portal-service",
//!     PermissionSet::from_slice(&[Permission::Authenticate, Permission::Impersonate]),
//! );
//! let jane = AccountFacts::new("jane@example.org", preset::user_rights())
//!     .member_of("webmail-users");
//! let postmaster = AccountFacts::new("postmaster@example.org", PermissionSet::all())
//!     .member_of("webmail-users");
//!
//! // Only webmail users; admin targets are refused by default.
//! let mut policy = ImpersonationPolicy::default();
//! policy.target_groups = Some(vec!["webmail-users".to_owned()]);
//! let syntax = LoginSyntax::default(); // `%` on, `*` off
//!
//! // 1. Parse. The secret to verify is the portal's.
//! let login = syntax.parse("jane@example.org%portal-service")?;
//! assert_eq!(login.authenticating(), "portal-service");
//!
//! // 2. The caller verifies the portal's password, then asks the policy.
//! let password = ActorCredential::new(CredentialClass::Password, CredentialId(1), portal.rights);
//! let session = policy.decide(&Attempt::new(&login, &portal, &password, Some(&jane)).on(Surface::Imap))?;
//! assert_eq!(session.authenticated, "portal-service");
//! assert_eq!(session.acting_as, "jane@example.org");
//! assert!(session.rights.contains(Permission::ImapAuthenticate));
//! assert!(!session.rights.contains(Permission::Impersonate)); // no chaining
//! assert_eq!(session.actor_credential.id, CredentialId(1)); // revoke it, lose the session
//!
//! // 3. An administrator is out of reach, even inside the allowed group.
//! let login = syntax.parse("postmaster@example.org%portal-service")?;
//! let refused = policy.decide(&Attempt::new(&login, &portal, &password, Some(&postmaster)));
//! assert_eq!(refused, Err(Refusal::AdminTarget));
//! assert_eq!(refused.unwrap_err().public_message(), "you may not act as this account");
//!
//! // 4. The portal's app password cannot impersonate, and the refusal says why.
//! let app_password =
//!     ActorCredential::new(CredentialClass::AppPassword, CredentialId(2), portal.rights);
//! let login = syntax.parse("jane@example.org%portal-service")?;
//! let refused = policy.decide(&Attempt::new(&login, &portal, &app_password, Some(&jane)));
//! assert_eq!(
//!     refused.map_err(|refusal| refusal.public_message()),
//!     Err("app passwords cannot be used to impersonate; use your account password"),
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Login-name syntax
//! [`LoginSyntax::parse`] reads `target<sep>actor` into a [`LoginName`]; the
//! actor's secret is the one checked ([`LoginName::authenticating`]).
//! - **Separators** ([`Separators`]) are configurable; the default is `%`
//!   (Stalwart) alone. `*` (Dovecot) is off by default, as in Dovecot; turn
//!   it on when migrating. [`Separators::NONE`] disables the syntax.
//! - **Exactly one** separator splits. Two or more are refused as ambiguous
//!   ([`SyntaxError::AmbiguousSeparators`]); Stalwart silently takes the last
//!   one and Dovecot the first, and either surprises someone.
//! - **Escape**: `%%` is a literal `%`, so `100%%@example.org` logs in as
//!   `100%@example.org`. (Or disable the separator.) A target ending, or
//!   an actor starting, with the separator cannot be written this way
//!   (`a%%%b` is ambiguous); use the authzid for those.
//! - **Empty parts** are refused (`%admin`, `alice%`).
//! - **`a%a` is a plain login**, compared after normalisation.
//! - **Normalisation** ([`normalize_name`], applied to each part and to the
//!   authzid): Unicode NFC; the domain after the last `@` lower-cased; the
//!   local part's case kept; control characters and `@` with an empty side
//!   refused.
//! - **Length**: at most [`MAX_LOGIN_BYTES`] (512) bytes, checked first.
//!
//! # SASL authzid
//! [`LoginSyntax::resolve`] takes the authcid (or login name) and the
//! optional authzid (RFC 4616 PLAIN, RFC 7628 OAUTHBEARER `a=`) and returns
//! one [`LoginName`]: the authcid authenticates; a non-empty authzid that
//! differs means "act as the authzid"; an equal one is a plain login. If the
//! login uses `target%actor` *and* an authzid names someone else, it is
//! refused ([`SyntaxError::ConflictingAuthzid`]). The same policy applies to
//! both forms.
//!
//! # Policy
//! [`ImpersonationPolicy::decide`] judges an [`Attempt`]: the actor's and
//! target's [`AccountFacts`] (name, tenant, domain, groups, effective rights)
//! and the actor's [`ActorCredential`] (class, id, scoped rights). Defaults:
//! - the actor needs `impersonate` in its **effective** rights;
//! - the actor must have used a **primary** credential (password,
//!   password + TOTP, OIDC token); app passwords and API keys are refused
//!   with [`Refusal::AppPasswordCannotImpersonate`] unless
//!   [`ImpersonationPolicy::allow_scoped_credentials`] is set *and* the
//!   credential's scoped rights hold `impersonate`;
//! - same tenant only; optional domain allowlist and target groups;
//! - no target holding admin rights (any of
//!   [`portcullis_permissions::preset::administrative`]) unless
//!   `allow_admin_targets`.
//!
//! A granted [`Resolution`] carries `authenticated` (actor), `acting_as`
//! (target), `rights` = the target's rights ∩ the ceiling, and the actor's
//! credential. The default ceiling removes every administrative right, and
//! `impersonate` is always removed, so impersonation cannot chain and the
//! session never gets the actor's (or the target's) admin surfaces. A
//! scoped credential, where allowed, also never opens a login surface
//! outside its own scope.
//!
//! # Refusals
//! Every [`Refusal`] has an internal reason (`Display`, [`Refusal::kind`])
//! and a [`Refusal::public_message`]. **Show the public message only to an
//! actor whose secret was verified**; an actor whose own credentials failed
//! gets the generic authentication failure, so accounts cannot be
//! enumerated. (The `portcullis` facade enforces this order.) Refusals about
//! the target share one public message, so even an authenticated actor
//! learns nothing about accounts it may not reach.
//!
//! # Audit
//! [`ImpersonationPolicy::decide`] emits one `tracing` event per attempt,
//! target [`AUDIT_TARGET`] (`portcullis::audit`), with the fields `event`,
//! `surface`, `remote_ip`, `login`, `form`, `account` (actor), `acting_as`
//! (target), `credential_kind`, `credential_id`, `outcome` (`granted`,
//! `refused`, or `plain` when the target is the actor itself) and `reason`
//! (the refusal's kind).
//! No secret is ever recorded. [`ImpersonationPolicy::evaluate`] decides
//! without the event.
//!
//! # Feature flags
//! | feature | default | what it does |
//! |---|---|---|
//! | `serde` | yes | (de)serializes [`ImpersonationPolicy`], [`LoginSyntax`] (separators as a string such as `"%*"`) and [`CredentialClass`] |
//!
//! # Dependencies
//! - `portcullis-permissions`: the permission sets judged and returned.
//! - `unicode-normalization`: NFC for login names.
//! - `tracing`: the audit event.
//! - `thiserror`: the error types.
//! - `serde` (optional): configuration files.

#![forbid(unsafe_code)]

mod account;
mod attempt;
mod audit;
mod credential;
mod error;
mod login;
mod name;
mod policy;
mod refusal;
mod resolution;
mod separator;

pub use account::AccountFacts;
pub use attempt::Attempt;
pub use audit::AUDIT_TARGET;
pub use credential::{ActorCredential, CredentialClass, CredentialId};
pub use error::{ConfigError, Error, Field, SyntaxError};
pub use login::{LoginForm, LoginName, LoginSyntax, MAX_LOGIN_BYTES};
pub use name::normalize_name;
pub use policy::ImpersonationPolicy;
pub use refusal::Refusal;
pub use resolution::Resolution;
pub use separator::Separators;
