//! The crate's error enum and its typed sub-enums.
//!
//! Every operation returns the narrowest type that describes its outcome
//! ([`HashError`] for a password hash, [`CredentialRefusal`] for a
//! credential record, [`TotpRefusal`], [`RecoveryRefusal`]); [`Error`] is
//! their union at the crate boundary. Each has a stable kebab-case `kind()`
//! for logs and the CLI.

use crate::hash::Scheme;

/// Everything that can go wrong in this crate.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A password hash did not verify, or could not be used (see
    /// [`HashError`] for whose fault each case is).
    #[error(transparent)]
    Hash(#[from] HashError),
    /// A credential (password, app password, API key) was refused.
    #[error(transparent)]
    Credential(#[from] CredentialRefusal),
    /// A TOTP code was refused.
    #[error(transparent)]
    Totp(#[from] TotpRefusal),
    /// A recovery code was refused.
    #[error(transparent)]
    Recovery(#[from] RecoveryRefusal),
    /// The random source failed (the host's fault; retry later).
    #[error(transparent)]
    Random(#[from] RandomError),
    /// A parameter given by the caller is out of range (API misuse or
    /// configuration).
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl Error {
    /// Stable kebab-case name of the case.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Hash(error) => error.kind(),
            Error::Credential(error) => error.kind(),
            Error::Totp(error) => error.kind(),
            Error::Recovery(error) => error.kind(),
            Error::Random(_) => "random-unavailable",
            Error::Config(_) => "invalid-config",
        }
    }
}

/// Why a password did not verify against a stored hash.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HashError {
    /// The password does not match (the peer's fault).
    #[error("password does not match")]
    Mismatch,
    /// The stored hash uses a scheme this crate does not verify (the
    /// directory's: migrate it). Holds the scheme's name as written.
    #[error("unsupported hash scheme `{0}`")]
    UnsupportedScheme(String),
    /// The stored hash is not a well-formed string of its scheme (the
    /// directory's).
    #[error("malformed {scheme} hash: {reason}")]
    MalformedHash {
        /// The scheme the string claimed to be, or `unknown`.
        scheme: &'static str,
        /// What is wrong, without echoing the hash.
        reason: &'static str,
    },
    /// The stored parameters exceed the policy's cost limits, either one
    /// parameter's cap or the per-verification work budget (a corrupt or
    /// hostile directory entry; raise the limit only if the entry is
    /// genuine).
    #[error("{}", too_costly(*.scheme, .parameter, *.value, *.limit))]
    ParametersTooCostly {
        /// The scheme of the stored hash.
        scheme: Scheme,
        /// Which parameter is over the limit (`m`, `t`, `p`, `cost`,
        /// `rounds`, …), or `work` when the parameters together exceed the
        /// per-verification budget ([`CostLimits::max_work`](crate::CostLimits::max_work)).
        parameter: &'static str,
        /// The stored value, or for `work` the estimated work in work units
        /// ([`StoredHash::work`](crate::StoredHash::work)).
        value: u64,
        /// The policy's limit (for `work`, the budget).
        limit: u64,
    },
}

impl HashError {
    /// Stable kebab-case name of the case.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            HashError::Mismatch => "mismatch",
            HashError::UnsupportedScheme(_) => "unsupported-scheme",
            HashError::MalformedHash { .. } => "malformed-hash",
            HashError::ParametersTooCostly { .. } => "parameters-too-costly",
        }
    }

    pub(crate) const fn malformed(scheme: &'static str, reason: &'static str) -> HashError {
        HashError::MalformedHash { scheme, reason }
    }
}

/// The message of [`HashError::ParametersTooCostly`].
fn too_costly(scheme: Scheme, parameter: &str, value: u64, limit: u64) -> String {
    if parameter == "work" {
        format!(
            "stored {scheme} hash would cost an estimated {value} work units to verify, \
             over the per-verification budget of {limit}"
        )
    } else {
        format!(
            "stored {scheme} parameters exceed the policy limit ({parameter} = {value}, limit {limit})"
        )
    }
}

/// Why a presented secret was refused for a [`CredentialRecord`](crate::CredentialRecord).
///
/// `Expired` and `IpNotAllowed` are only reported after the secret itself
/// verified, so they tell nothing to someone who does not hold it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialRefusal {
    /// The secret does not match (the peer's fault).
    #[error("credential does not match")]
    Mismatch,
    /// The credential's `expires_at` has passed (the peer holds a stale
    /// credential).
    #[error("credential expired")]
    Expired,
    /// The client's address is outside the credential's allowed networks.
    #[error("credential not allowed from this address")]
    IpNotAllowed,
    /// An API key was presented where an app password is expected, or the
    /// other way round (the peer's fault).
    #[error("wrong kind of credential")]
    WrongKind,
    /// The presented secret is not a well-formed app password or API key
    /// (the peer's fault).
    #[error("malformed credential")]
    Malformed,
    /// The stored hash could not be used (the directory's fault).
    #[error(transparent)]
    StoredHash(HashError),
}

impl CredentialRefusal {
    /// Stable kebab-case name of the case.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            CredentialRefusal::Mismatch => "mismatch",
            CredentialRefusal::Expired => "expired",
            CredentialRefusal::IpNotAllowed => "ip-not-allowed",
            CredentialRefusal::WrongKind => "wrong-kind",
            CredentialRefusal::Malformed => "malformed",
            CredentialRefusal::StoredHash(error) => error.kind(),
        }
    }
}

impl From<HashError> for CredentialRefusal {
    fn from(error: HashError) -> CredentialRefusal {
        match error {
            HashError::Mismatch => CredentialRefusal::Mismatch,
            other => CredentialRefusal::StoredHash(other),
        }
    }
}

/// Why a TOTP code was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TotpRefusal {
    /// The code is not valid for any step in the window (the peer's fault).
    #[error("invalid code")]
    Invalid,
    /// The code is valid but its step was already used (RFC 6238 §5.2: a
    /// code is accepted once; a replay, or the user's second login within
    /// the same 30 s).
    #[error("code already used")]
    Replayed,
    /// The code is not made of the configured number of digits (the
    /// peer's fault).
    #[error("malformed code")]
    Malformed,
}

impl TotpRefusal {
    /// Stable kebab-case name of the case.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            TotpRefusal::Invalid => "invalid-code",
            TotpRefusal::Replayed => "replayed",
            TotpRefusal::Malformed => "malformed",
        }
    }
}

/// Why a recovery code was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecoveryRefusal {
    /// No unused code matches (the peer's fault, or the code was used).
    #[error("no matching unused recovery code")]
    NoMatch,
    /// The input is not shaped like a recovery code (the peer's fault).
    #[error("malformed recovery code")]
    Malformed,
}

impl RecoveryRefusal {
    /// Stable kebab-case name of the case.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            RecoveryRefusal::NoMatch => "mismatch",
            RecoveryRefusal::Malformed => "malformed",
        }
    }
}

/// The random source could not deliver bytes (the host's fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the random source failed")]
pub struct RandomError;

/// A caller-supplied parameter is out of range (API misuse or a bad
/// configuration file).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Argon2 parameters rejected by the `argon2` crate or by the limits.
    #[error("invalid argon2 parameters: {0}")]
    Argon2(&'static str),
    /// TOTP parameters out of range (digits 6–8, step > 0, secret ≥ 128 bits).
    #[error("invalid TOTP parameters: {0}")]
    Totp(&'static str),
    /// An `otpauth://` URI that cannot be used.
    #[error("invalid otpauth URI: {0}")]
    OtpauthUri(&'static str),
    /// Recovery code count out of range.
    #[error("invalid recovery code parameters: {0}")]
    Recovery(&'static str),
    /// SCRAM parameters out of range for a new credential (iterations,
    /// salt length).
    #[error("invalid SCRAM parameters: {0}")]
    Scram(&'static str),
}
