//! md5-crypt `$1$` (Poul-Henning Kamp's FreeBSD scheme), Dovecot
//! `{MD5-CRYPT}`: verify only, always `needs_rehash`.
//!
//! Computed by `pwhash` (feature `legacy-crypt`); the comparison of the
//! recomputed string with the stored one uses `subtle`.

use subtle::Choice;
#[cfg(feature = "legacy-crypt")]
use subtle::ConstantTimeEq;

use super::{CostLimits, HashPolicy, HashScheme, MAX_CRYPT_PASSWORD_LEN, Scheme, work};
use crate::error::HashError;

const NAME: &str = "md5-crypt";
/// md5-crypt reads at most 8 salt characters.
const MAX_SALT_LEN: usize = 8;

#[derive(Clone)]
pub(crate) struct Md5CryptHash {
    #[cfg_attr(
        not(feature = "legacy-crypt"),
        allow(dead_code, reason = "read only with legacy-crypt")
    )]
    stored: String,
}

impl Md5CryptHash {
    pub(crate) fn parse(stored: &str) -> Result<Md5CryptHash, HashError> {
        let rest = stored
            .strip_prefix("$1$")
            .ok_or(HashError::malformed(NAME, "expected $1$"))?;
        let (salt, hash) = rest
            .split_once('$')
            .ok_or(HashError::malformed(NAME, "expected $1$salt$hash"))?;
        let crypt_char = |c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/';
        if salt.len() > MAX_SALT_LEN || !salt.chars().all(crypt_char) {
            return Err(HashError::malformed(NAME, "invalid salt"));
        }
        if hash.len() != 22 || !hash.chars().all(crypt_char) {
            return Err(HashError::malformed(NAME, "hash field has the wrong shape"));
        }
        if cfg!(not(feature = "legacy-crypt")) {
            return Err(HashError::UnsupportedScheme(
                "$1$ (feature legacy-crypt is off)".into(),
            ));
        }
        Ok(Md5CryptHash {
            stored: stored.to_owned(),
        })
    }
}

impl HashScheme for Md5CryptHash {
    fn scheme(&self) -> Scheme {
        Scheme::Md5Crypt
    }

    fn check_cost(&self, _limits: &CostLimits) -> Result<(), HashError> {
        // Fixed 1000 rounds.
        Ok(())
    }

    fn work(&self) -> u64 {
        work::md5_crypt()
    }

    fn max_secret_len(&self) -> usize {
        MAX_CRYPT_PASSWORD_LEN
    }

    #[cfg(feature = "legacy-crypt")]
    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        #[expect(
            deprecated,
            reason = "pwhash deprecates md5-crypt for new hashes; we only verify"
        )]
        let computed = pwhash::md5_crypt::hash_with(self.stored.as_str(), password)
            .map_err(|_| HashError::malformed(NAME, "rejected by pwhash"))?;
        let computed = zeroize::Zeroizing::new(computed);
        Ok(computed.as_bytes().ct_eq(self.stored.as_bytes()))
    }

    #[cfg(not(feature = "legacy-crypt"))]
    fn matches(&self, _password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        Err(HashError::UnsupportedScheme(
            "$1$ (feature legacy-crypt is off)".into(),
        ))
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}
