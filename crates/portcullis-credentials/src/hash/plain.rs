//! Cleartext `{PLAIN}`, `{CLEARTEXT}`, `{CLEAR}` (with Dovecot's optional
//! `.B64`/`.HEX` encoding). Always `needs_rehash`.
//!
//! The comparison is of SHA-256 digests of both sides, in constant time,
//! so neither the content nor the length of the stored password leaks.

use pbkdf2::sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::digest::Encoding;
use super::{CostLimits, HashPolicy, HashScheme, Scheme, work};
use crate::error::HashError;

#[derive(Clone)]
pub(crate) struct PlainHash {
    digest: Zeroizing<[u8; 32]>,
}

impl PlainHash {
    pub(crate) fn parse(text: &str, encoding: Option<Encoding>) -> Result<PlainHash, HashError> {
        let stored = match encoding {
            Some(encoding) => Zeroizing::new(encoding.decode(text)?),
            None => Zeroizing::new(text.as_bytes().to_vec()),
        };
        Ok(PlainHash {
            digest: Zeroizing::new(Sha256::digest(stored.as_slice()).into()),
        })
    }
}

impl HashScheme for PlainHash {
    fn scheme(&self) -> Scheme {
        Scheme::Plain
    }

    fn check_cost(&self, _limits: &CostLimits) -> Result<(), HashError> {
        Ok(())
    }

    fn work(&self) -> u64 {
        // One SHA-256 of the presented secret.
        work::single_pass(0, 64, 9, work::SHA256_COMPRESSION)
    }

    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        let computed: Zeroizing<[u8; 32]> = Zeroizing::new(Sha256::digest(password).into());
        Ok(computed.as_slice().ct_eq(self.digest.as_slice()))
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}
