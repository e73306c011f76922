//! Credentials for mail and groupware servers: password hashes, app
//! passwords, API keys, TOTP, recovery codes, secret types and a
//! verification cache.
//!
//! The crate is CPU-only and sans-I/O: it verifies what a directory hands
//! it. Time (`now`) and randomness ([`RandomSource`]) are passed in;
//! [`OsRandom`] (feature `os-rng`) is the convenience source.
//!
//! - **Password hashes** ([`hash`]): new hashes are argon2id with the OWASP
//!   parameters (m = 19,456 KiB, t = 2, p = 1), configurable through
//!   [`HashPolicy`]. Every form met when migrating a mail directory
//!   verifies in constant time behind one entry, [`StoredHash::verify`]:
//!   PHC argon2id/i/d, scrypt, PBKDF2, bcrypt, sha512/sha256/md5-crypt, DES
//!   crypt and the LDAP/Dovecot `{SCHEME}` prefixes, Dovecot's SCRAM keys
//!   included ([`ScramCredential`], below). Stored cost parameters
//!   are capped by policy *before* any work ([`CostLimits`]), each on its
//!   own and together against one per-verification work budget
//!   ([`CostLimits::max_work`], about a second of one core); crypt-family
//!   secrets are bounded by [`hash::MAX_CRYPT_PASSWORD_LEN`]. The result
//!   says whether to rehash ([`Verified::needs_rehash`]).
//! - **SCRAM keys** ([`ScramCredential`], RFC 5802 and RFC 7677):
//!   derived from a password (PBKDF2-HMAC-SHA-1/-SHA-256 after SASLprep),
//!   read and written in Dovecot's `{SCRAM-SHA-256}` form. Such an entry
//!   verifies PLAIN/LOGIN passwords through [`StoredHash::verify`] too,
//!   and [`StoredHash::scram`] hands its keys to a SCRAM exchange
//!   (`portcullis-sasl`'s `ScramServer`).
//! - **App passwords and API keys** in Stalwart's formats ([`AppPassword`],
//!   [`ApiKey`]): parsing yields the credential id, so exactly one stored
//!   hash is verified per attempt. A [`CredentialRecord`] adds expiry, an
//!   address allowlist and a [`CredentialScope`](portcullis_permissions::CredentialScope).
//! - **Equal time for unknown users**: [`Verifier::dummy_verify`] spends
//!   the cost of a wrong secret against a fixed dummy hash.
//! - **TOTP** ([`Totp`], RFC 6238) with replay protection ([`TotpStep`])
//!   and confirmed enrolment ([`TotpEnrolment`]); **recovery codes**
//!   ([`RecoveryCodes`]); the optional [`PasswordWithCode`] policy.
//! - **Verification cache** ([`VerificationCache`]): a repeat login skips
//!   argon2; keyed by an HMAC of the secret under a per-process key.
//! - **[`Secret`]**: zeroized on drop, redacted `Debug`, constant-time `==`.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use portcullis_credentials::{
//!     CredentialId, CredentialKind, CredentialRecord, OsRandom, Secret, StoredHash, Verifier,
//! };
//!
//! let verifier = Verifier::new()?;
//! let now = time::OffsetDateTime::now_utc();
//! let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
//!
//! // A password record as a directory would store it.
//! let phc = verifier.hash_password(b"correct horse", &mut OsRandom)?;
//! let record = CredentialRecord {
//!     id: CredentialId(0),
//!     kind: CredentialKind::Password,
//!     hash: StoredHash::parse(&phc)?,
//!     description: String::new(),
//!     created_at: now,
//!     expires_at: None,
//!     allowed_ips: Vec::new(),
//!     scope: Default::default(),
//!     last_used: None,
//!     revision: 1,
//! };
//!
//! let password = Secret::from("correct horse");
//! let first = verifier.verify_credential("alice", &password, &record, now, ip)?;
//! let again = verifier.verify_credential("alice", &password, &record, now, ip)?;
//! assert!(!first.cached && again.cached); // the repeat skipped argon2
//!
//! let wrong = Secret::from("battery staple");
//! let refusal = verifier.verify_credential("alice", &wrong, &record, now, ip).unwrap_err();
//! assert_eq!(refusal.kind(), "mismatch");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Feature flags
//! | feature | default | what it does |
//! |---|---|---|
//! | `os-rng` | yes | [`OsRandom`] and the constructors that use it (`getrandom`) |
//! | `legacy-crypt` | yes | verify md5-crypt `$1$` and DES `crypt(3)` (via `pwhash`); without it they are `unsupported-scheme` |
//!
//! # Dependencies
//! - `argon2`, `scrypt`, `pbkdf2` (with its `sha2`/`hmac` re-exports),
//!   `sha-crypt`, `sha1` (RustCrypto): the hash schemes; `pbkdf2`, `hmac`,
//!   `sha2` and `sha1` also derive and check SCRAM keys.
//! - `stringprep`: SASLprep (RFC 4013) of passwords before SCRAM key
//!   derivation, as RFC 5802 §2.2 asks (the SCRAM client does the same).
//! - `bcrypt`: bcrypt `$2a$/$2b$/$2y$`.
//! - `pwhash` (optional): md5-crypt and DES crypt, verify only.
//! - `totp-rs`: RFC 6238 codes and `otpauth://` URIs.
//! - `moka`: the bounded concurrent verification cache.
//! - `subtle`: every comparison of secret-derived bytes; `zeroize`: secrets
//!   are wiped on drop.
//! - `data-encoding` (Stalwart's and RFC 4648 base32, Crockford base32, hex)
//!   and `base64` (PHC, LDAP, API keys).
//! - `time` (instants), `ipnet` (allowlists), `serde` (records),
//!   `thiserror` (errors), `portcullis-permissions` (credential scopes),
//!   `getrandom` (optional, [`OsRandom`]).

#![forbid(unsafe_code)]

mod api_key;
mod app_password;
mod cache;
mod error;
pub mod hash;
mod random;
mod record;
mod recovery;
mod second_factor;
mod secret;
mod totp;
mod verifier;

pub use api_key::{API_KEY_RANDOM_LEN, ApiKey};
pub use app_password::{APP_PASSWORD_RANDOM_LEN, AppPassword, AppPasswordAlphabet, CredentialId};
pub use cache::{CacheKey, DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL, VerificationCache};
pub use error::{
    ConfigError, CredentialRefusal, Error, HashError, RandomError, RecoveryRefusal, TotpRefusal,
};
pub use hash::{
    Argon2Params, CostLimits, HashPolicy, Scheme, ScramCredential, ScramHash, SecretHashing,
    StoredHash, Verified,
};
#[cfg(feature = "os-rng")]
pub use random::OsRandom;
pub use random::RandomSource;
pub use record::{
    CredentialKind, CredentialMatch, CredentialOptions, CredentialRecord, NewCredential,
    new_api_key, new_app_password, verify,
};
pub use recovery::{DEFAULT_RECOVERY_CODES, MAX_RECOVERY_CODES, NewRecoveryCodes, RecoveryCodes};
pub use second_factor::{PasswordAndCode, PasswordWithCode};
pub use secret::Secret;
pub use totp::{
    EnrolledTotp, MAX_TOTP_SKEW, MIN_TOTP_SECRET_LEN, NEW_TOTP_SECRET_LEN, Totp, TotpAlgorithm,
    TotpEnrolment, TotpParams, TotpStep,
};
pub use verifier::{Verifier, VerifierBuilder};
