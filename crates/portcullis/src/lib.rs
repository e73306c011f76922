//! One `verify` call per login for mail and groupware servers.
//!
//! A server (IMAP, SMTP submission, POP3, ManageSieve, JMAP, CalDAV,
//! CardDAV, WebDAV, a web portal) asks one question per login attempt:
//! *who is this, acting as whom, and what may this session do?* The
//! [`Authenticator`] answers with a typed [`Decision`] — a [`Grant`] with
//! the session's rights and a [`SessionBinding`], or a [`Denial`] with a
//! precise internal [`DenialReason`] and a [`PublicFailure`] that renders
//! the protocol's own reply.
//!
//! ```
//! use portcullis::{Account, Authenticator, AuthRequest, Decision, MemoryDirectory,
//!     RequestCredentials, Surface};
//! use portcullis_credentials::{HashPolicy, OsRandom, StoredHash};
//!
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let hash = HashPolicy::default().hash_password(b"correct horse", &mut OsRandom)?;
//! let directory = MemoryDirectory::builder()
//!     .account(Account::new("alice@example.org")
//!         .with_password(StoredHash::parse(&hash)?)
//!         .with_roles(["user"]))
//!     .build();
//! let authenticator = Authenticator::builder().directory(directory).build()?;
//!
//! // IMAP `AUTHENTICATE PLAIN`, over TLS, with the decoded client response.
//! let request = AuthRequest::new(Surface::Imap, "192.0.2.7".parse()?, RequestCredentials::Sasl {
//!     mechanism: "PLAIN".into(),
//!     responses: vec![b"\0alice@example.org\0correct horse".to_vec()],
//! }).with_tls(true);
//! match authenticator.verify(&request).await {
//!     Decision::Grant(grant) => assert_eq!(grant.acting_as, "alice@example.org"),
//!     Decision::Deny(denial) | Decision::TryLater(denial) => {
//!         panic!("{}", denial.public.imap()) // "NO [AUTHENTICATIONFAILED] ..."
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The decision order
//!
//! Each step is recorded in [`Authenticator::explain`]'s trace:
//! 1. **parse** the credentials (SASL through `portcullis-sasl`; cleartext
//!    passwords need TLS);
//! 2. **throttle** per client network and per (network, login);
//! 3. **resolve the login name** (`target%actor`, SASL authzid);
//! 4. **find the account** (or a principal of the local credential store);
//! 5. **verify the credential** — with a dummy verify of the same cost when
//!    the account or credential is unknown;
//! 6. the **account gate** (disabled, tenant, `authenticate`);
//! 7. the credential's **expiry and address** limits;
//! 8. **scope** the rights (a credential's scope ⊆ the account's rights);
//! 9. the **surface gate** against the scope;
//! 10. the **impersonation policy**;
//! 11. the **second factor**;
//! 12. **grant**.
//!
//! Before the secret is proven (steps 1–5) every failure has the same
//! public face and costs the same work, so accounts cannot be enumerated.
//! After it, the reply may be honest ("app passwords cannot be used to
//! impersonate; use your account password").
//!
//! # Directories
//!
//! [`Directory`] is an async trait (native `async fn`, `Send` futures) for
//! accounts, roles, tenants, the local credential store of IdP principals,
//! and the one-time state of TOTP steps and recovery codes.
//! [`MemoryDirectory`] is built in code; [`FileDirectory`] reads the TOML
//! format of `docs/directory-format.md` and reloads it on demand.
//!
//! # Throttling and audit
//!
//! Failures are counted per client network and per (network, login) pair
//! ([`ThrottlePolicy`], [`ThrottleStore`], [`MemoryThrottle`]); a pair is
//! locked out, never an account. Every decision emits one `tracing` event
//! with target `portcullis::audit` and the fields `surface`, `remote_ip`,
//! `login`, `account`, `acting_as`, `credential_kind`, `credential_id`,
//! `outcome`, `reason` — never a secret.
//!
//! # Revocations and several servers
//!
//! With a [`RevocationStore`] ([`MemoryRevocations`] in one process,
//! `portcullis-redis` across servers), every grant records the revocation
//! [`Epoch`]s it was judged under, verification-cache entries are keyed by
//! them, and [`Authenticator::revoke_account`] /
//! [`Authenticator::revoke_credential`] end the cached logins and the
//! sessions ([`Authenticator::revalidate`]) they cover. The store may also
//! keep a shared tier of the verification cache
//! ([`AuthenticatorBuilder::shared_verification_cache`]).
//!
//! # Feature flags
//!
//! | feature | default | what it does |
//! |---|---|---|
//! | `tokio` | yes | password hashing runs on tokio's blocking pool ([`Hashing::SpawnBlocking`]) so argon2 never stalls the executor |
//!
//! # Dependencies
//!
//! - `portcullis-permissions`, `-credentials`, `-sasl`, `-impersonation`,
//!   `-oidc`: the decisions this crate composes.
//! - `tokio` (feature `tokio`): `spawn_blocking` for hashing.
//! - `tracing`: the audit events.
//! - `time`: instants of expiry and throttling; `ipnet`: allowlists and
//!   throttle buckets.
//! - `sha2`: session fingerprints and file revisions.
//! - `serde`, `serde_json`, `toml`: the directory file and problem bodies.
//! - `zeroize`, `subtle`: secrets in requests.
//! - `totp-rs`: TOTP codes.
//! - `thiserror`: the error types.
//! - `futures-util`: `join`, so the pair's throttle check and the
//!   revocation epoch read of a login go out together (one round trip to a
//!   shared store).

#![forbid(unsafe_code)]

mod audit;
mod authenticator;
mod builder;
mod client_address;
mod decide;
mod decision;
mod directory;
mod error;
mod file;
mod hashing;
mod memory;
mod reason;
mod rehash;
mod reply;
mod request;
mod revalidate;
mod revocation;
mod sasl;
mod second_factor;
mod secret;
mod secret_format;
mod throttle;
mod trace;

pub use audit::AUDIT_TARGET;
pub use authenticator::{Authenticator, Clock};
pub use builder::AuthenticatorBuilder;
pub use client_address::{TrustedProxies, forwarded_address_from_imap_id};
pub use decision::{CredentialKind, CredentialRef, Decision, Denial, Grant, SessionBinding};
pub use directory::{Account, Directory, DirectoryError, Tenant, TotpAlgorithm, TotpSettings};
pub use error::Error;
pub use file::{FileDirectory, Settings};
pub use hashing::Hashing;
pub use memory::{MemoryDirectory, MemoryDirectoryBuilder};
pub use portcullis_credentials::CredentialRecord;
pub use portcullis_permissions::{Permission, PermissionSet, Surface};
pub use portcullis_sasl::scram::{ChannelBindingData, ChannelBindingType};
pub use reason::DenialReason;
pub use rehash::Rehash;
pub use reply::{FailureClass, HttpFailure, HttpScheme, PublicFailure};
pub use request::{AuthRequest, RequestCredentials};
pub use revocation::{
    Epoch, MemoryRevocations, Revocation, RevocationError, RevocationStore, VerificationDigest,
    credential_field,
};
pub use sasl::{SaslProgress, SaslSession, SaslStart};
pub use second_factor::SecondFactorHint;
pub use secret::SecretString;
pub use throttle::{
    BucketCheck, DEFAULT_MAX_BUCKETS, MemoryThrottle, SecretDigest, ThrottleKey, ThrottlePolicy,
    ThrottleRule, ThrottleStore,
};
pub use trace::{Explained, TraceStep};
