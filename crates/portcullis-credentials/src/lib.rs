//! Credentials (draft).
#![forbid(unsafe_code)]

mod error;
pub mod hash;
mod random;
mod secret;

pub use error::{ConfigError, CredentialRefusal, Error, HashError, RandomError, RecoveryRefusal, TotpRefusal};
pub use hash::{Argon2Params, CostLimits, HashPolicy, Scheme, StoredHash, Verified};
#[cfg(feature = "os-rng")]
pub use random::OsRandom;
pub use random::RandomSource;
pub use secret::Secret;
