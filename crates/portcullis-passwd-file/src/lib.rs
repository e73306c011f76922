//! `portcullis-passwd-file`: a [`portcullis::Directory`] over Dovecot's
//! passwd-file, read unchanged, so a server moving from Dovecot keeps its
//! users file as it is.
//!
//! ```text
//! user:{SCHEME}hash:uid:gid:gecos:home:shell:extra_fields
//! ```
//!
//! ```no_run
//! use portcullis::Authenticator;
//! use portcullis_passwd_file::{Options, PasswdFileDirectory};
//!
//! let directory = PasswdFileDirectory::load("/etc/dovecot/users", Options::default())?;
//! for warning in directory.warnings() {
//!     eprintln!("/etc/dovecot/users: {warning}"); // e.g. line 7: `nodelay`: ignored (...)
//! }
//! let authenticator = Authenticator::builder().directory(directory.clone()).build()?;
//! // On SIGHUP: a file that fails to parse leaves the old one in force.
//! if let Err(error) = directory.reload() {
//!     eprintln!("/etc/dovecot/users not reloaded: {error}");
//! }
//! # let _ = authenticator;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The format
//!
//! One account per line; only `user:password` is needed, and missing or
//! empty trailing fields are fine. Lines that are blank or start with `#`
//! are skipped; LF and CR LF endings both work. Everything after the
//! seventh `:` is the extra-fields list (its values may hold `:`), a
//! space-separated list of `key=value` pairs and bare `key` flags. Names
//! are normalised as the authenticator normalises logins (NFC, lower-case
//! domain; [`Options::lowercase_names`] for Dovecot's `%Lu`). The full
//! description, with every scheme and field, is `docs/passwd-file.md`.
//!
//! **Malformed lines** (not UTF-8, an empty user name, no password field,
//! a malformed hash of a known scheme, an invalid `user=` or `allow_nets=`)
//! and **names claimed twice** refuse the file with an [`Error`] naming
//! the line numbers, never the password field.
//!
//! # Passwords
//!
//! The password field is handed to
//! [`StoredHash::parse`](portcullis_credentials::StoredHash::parse) as
//! written, so every scheme `portcullis-credentials` verifies works, now
//! and as it learns more: `{ARGON2ID}`, `{ARGON2I}`, `{BLF-CRYPT}`,
//! `{SHA512-CRYPT}`, `{SHA256-CRYPT}`, `{MD5-CRYPT}`, `{CRYPT}`,
//! `{DES-CRYPT}`, `{SSHA512}`, `{SSHA256}`, `{SSHA}`, `{SHA512}`,
//! `{SHA256}`, `{SHA}`/`{SHA1}`, `{PLAIN}`/`{CLEAR}`/`{CLEARTEXT}`
//! (`.HEX`/`.B64` suffixes included). Two Dovecot conventions are applied
//! first: a field without `{…}` is of [`Options::default_scheme`]
//! (`CRYPT`, so `$6$…`, `$2y$…` and DES strings work bare), and Dovecot's
//! `{MD5}` (md5-crypt, `$1$…`) is read as `{MD5-CRYPT}`. An empty field,
//! or a bare `x`, `*…` or `!…` (the passwd(5) lock marks), gives an
//! account without a password.
//!
//! A scheme `StoredHash::parse` refuses as unsupported (`{CRAM-MD5}`,
//! `{PBKDF2}`, `{OTP}`, …) does not refuse the file: the account
//! is loaded **without a password** (every password login to it is
//! refused) and a [`WarningKind::UnsupportedScheme`] names the line.
//!
//! # Extra fields
//!
//! | field | here |
//! |---|---|
//! | `nologin`, `fail` | honoured: the account is disabled |
//! | `user=name` | honoured: `name` is the account's canonical name ([`portcullis::Account::name`], what grants carry); the directory also answers to it |
//! | `userdb_…` | kept for the server in [`Entry::userdb_fields`] (no warning) |
//! | `allow_nets=`, `allow_real_nets=` | cannot be enforced (a `Directory` never sees the client address): the account is **disabled**, with a warning ([`Options::danger_ignore_allow_nets`] loads it enabled; [`Entry::allows_address`] checks) |
//! | `noauthenticate` | the account is disabled, with a warning |
//! | `nodelay`, `nopassword`, `reason`, `proxy`, `host`, … | ignored, with a [`WarningKind::Ignored`] warning (none widens access when ignored) |
//! | anything else | ignored, with a [`WarningKind::Unknown`] warning |
//!
//! Nothing is dropped silently: each ignored field is a [`Warning`]
//! (line, field key, what happened) for the caller to log, and
//! [`Options::strict`] refuses a file that has any.
//!
//! # Roles
//!
//! Dovecot has no roles. Every account gets [`Options::default_roles`]
//! (`["user"]`), resolved in [`Options::role_graph`] (the presets of
//! `portcullis-permissions`); a role missing from the graph refuses the
//! options ([`Error::Roles`]).
//!
//! # Dependencies, and why
//!
//! | crate | why |
//! |---|---|
//! | `portcullis` | the `Directory` trait and `Account` |
//! | `portcullis-credentials` | `StoredHash::parse`, which decides which schemes work, and the cost caps checked at load |
//! | `portcullis-permissions` | the `RoleGraph` served to the authenticator |
//! | `portcullis-impersonation` | `normalize_name`, so file names compare as the authenticator's logins do |
//! | `ipnet` | parsing `allow_nets=` networks |
//! | `sha2` | account revisions that change with their line (for the authenticator's caches) |
//! | `thiserror` | the error types |
#![forbid(unsafe_code)]

mod directory;
mod entry;
mod error;
mod field;
mod file;
mod net;
mod options;
mod warning;

pub use directory::PasswdFileDirectory;
pub use entry::Entry;
pub use error::{Error, LineError};
pub use file::{MAX_LINE_BYTES, PasswdFile};
pub use net::AllowedNet;
pub use options::{DEFAULT_ROLE, DEFAULT_SCHEME, Options};
pub use warning::{Warning, WarningKind};
