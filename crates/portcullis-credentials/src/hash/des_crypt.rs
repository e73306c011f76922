//! Traditional DES `crypt(3)`: 2 salt characters and 11 hash characters,
//! as found under `{CRYPT}` in old LDAP and Dovecot directories. Only the
//! first 8 password bytes count. Verify only, always `needs_rehash`.
//!
//! Computed by `pwhash` (feature `legacy-crypt`); the comparison uses
//! `subtle`.

use subtle::Choice;
#[cfg(feature = "legacy-crypt")]
use subtle::ConstantTimeEq;

use super::{CostLimits, HashPolicy, HashScheme, Scheme, work};
use crate::error::HashError;

const NAME: &str = "des-crypt";

#[derive(Clone)]
pub(crate) struct DesCryptHash {
    #[cfg_attr(
        not(feature = "legacy-crypt"),
        allow(dead_code, reason = "read only with legacy-crypt")
    )]
    stored: String,
}

impl DesCryptHash {
    pub(crate) fn parse(stored: &str) -> Result<DesCryptHash, HashError> {
        let crypt_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
        if stored.len() != 13 || !stored.chars().all(crypt_char) {
            return Err(HashError::malformed(
                NAME,
                "expected 13 crypt(3) characters",
            ));
        }
        if cfg!(not(feature = "legacy-crypt")) {
            return Err(HashError::UnsupportedScheme(
                "des-crypt (feature legacy-crypt is off)".into(),
            ));
        }
        Ok(DesCryptHash {
            stored: stored.to_owned(),
        })
    }
}

impl HashScheme for DesCryptHash {
    fn scheme(&self) -> Scheme {
        Scheme::DesCrypt
    }

    fn check_cost(&self, _limits: &CostLimits) -> Result<(), HashError> {
        // Fixed 25 iterations.
        Ok(())
    }

    fn work(&self) -> u64 {
        // Only the first 8 password bytes are read.
        work::DES_CRYPT
    }

    #[cfg(feature = "legacy-crypt")]
    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        let salt = self
            .stored
            .get(..2)
            .ok_or(HashError::malformed(NAME, "missing salt"))?;
        #[expect(
            deprecated,
            reason = "pwhash deprecates DES crypt for new hashes; we only verify"
        )]
        let computed = pwhash::unix_crypt::hash_with(salt, password)
            .map_err(|_| HashError::malformed(NAME, "rejected by pwhash"))?;
        let computed = zeroize::Zeroizing::new(computed);
        Ok(computed.as_bytes().ct_eq(self.stored.as_bytes()))
    }

    #[cfg(not(feature = "legacy-crypt"))]
    fn matches(&self, _password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        Err(HashError::UnsupportedScheme(
            "des-crypt (feature legacy-crypt is off)".into(),
        ))
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}
