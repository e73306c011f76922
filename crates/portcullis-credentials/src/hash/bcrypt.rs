//! bcrypt `$2a$`, `$2b$`, `$2y$` (Dovecot `{BLF-CRYPT}`).
//!
//! The three prefixes compute the same function for every password shorter
//! than 255 bytes (`$2b$` fixed an OpenBSD length wrap; `$2y$` is PHP's name
//! for a correct `$2a$`). `$2x$` marks hashes made by the buggy
//! crypt_blowfish sign extension and is refused as unsupported.

use std::str::FromStr;

use bcrypt::{HashParts, Version};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{CostLimits, HashPolicy, HashScheme, Scheme, work};
use crate::error::HashError;

const NAME: &str = "bcrypt";

#[derive(Clone)]
pub(crate) struct BcryptHash {
    cost: u32,
    salt: [u8; 16],
    /// The stored string normalised to `$2b$`, compared whole.
    normalized: String,
}

impl BcryptHash {
    pub(crate) fn parse(stored: &str) -> Result<BcryptHash, HashError> {
        match stored.get(..4) {
            Some("$2a$" | "$2b$" | "$2y$") => {}
            Some("$2x$") => return Err(HashError::UnsupportedScheme("$2x$".into())),
            _ => return Err(HashError::malformed(NAME, "expected $2a$, $2b$ or $2y$")),
        }
        let parts = HashParts::from_str(stored)
            .map_err(|_| HashError::malformed(NAME, "not a bcrypt string"))?;
        let cost = parts.get_cost();
        if !(4..=31).contains(&cost) {
            return Err(HashError::malformed(NAME, "cost outside 4..=31"));
        }
        Ok(BcryptHash {
            cost,
            salt: parts.get_salt_raw(),
            normalized: parts.format_for_version(Version::TwoB),
        })
    }
}

impl HashScheme for BcryptHash {
    fn scheme(&self) -> Scheme {
        Scheme::Bcrypt
    }

    fn check_cost(&self, limits: &CostLimits) -> Result<(), HashError> {
        if self.cost > limits.bcrypt_max_cost {
            return Err(HashError::ParametersTooCostly {
                scheme: Scheme::Bcrypt,
                parameter: "cost",
                value: self.cost.into(),
                limit: limits.bcrypt_max_cost.into(),
            });
        }
        Ok(())
    }

    fn work(&self) -> u64 {
        work::bcrypt(self.cost)
    }

    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        // bcrypt reads at most 72 bytes of the password (its defined behaviour).
        let computed = bcrypt::hash_with_salt(password, self.cost, self.salt)
            .map_err(|_| HashError::malformed(NAME, "rejected by the bcrypt crate"))?;
        let computed = Zeroizing::new(computed.format_for_version(Version::TwoB));
        Ok(computed.as_bytes().ct_eq(self.normalized.as_bytes()))
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}
