//! scrypt (RFC 7914) PHC strings: `$scrypt$ln=…,r=…,p=…$salt$hash`.

use argon2::password_hash::phc::PasswordHash;
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{CostLimits, HashPolicy, HashScheme, Scheme, work};
use crate::error::HashError;

const NAME: &str = "scrypt";

/// RFC 7914 §2: `p ≤ ((2^32 − 1) · 32) / (128 · r)`, i.e. `r · p < 2^30`.
const MAX_R_TIMES_P: u64 = 1 << 30;

#[derive(Clone)]
pub(crate) struct ScryptHash {
    log_n: u8,
    r: u32,
    p: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl ScryptHash {
    pub(crate) fn parse(stored: &str) -> Result<ScryptHash, HashError> {
        let phc = PasswordHash::new(stored)
            .map_err(|_| HashError::malformed(NAME, "not a PHC string"))?;
        let get = |name: &str| {
            phc.params
                .get_decimal(name)
                .ok_or(HashError::malformed(NAME, "missing ln, r or p"))
        };
        let log_n =
            u8::try_from(get("ln")?).map_err(|_| HashError::malformed(NAME, "ln out of range"))?;
        let r = get("r")?;
        let p = get("p")?;
        // RFC 7914 §2 bounds p·r below 2^30. Checked here in u64 because
        // scrypt 0.12 multiplies `r * p` in u32 (an overflow panic under
        // overflow checks, a wrapped and accepted product otherwise).
        if u64::from(r).saturating_mul(u64::from(p)) >= MAX_R_TIMES_P {
            return Err(HashError::malformed(NAME, "invalid ln/r/p"));
        }
        // Validate the rest of the combination the way the scrypt crate does.
        scrypt::Params::new(log_n, r, p)
            .map_err(|_| HashError::malformed(NAME, "invalid ln/r/p"))?;
        let salt = phc
            .salt
            .ok_or(HashError::malformed(NAME, "missing salt"))?
            .as_ref()
            .to_vec();
        let expected = phc
            .hash
            .ok_or(HashError::malformed(NAME, "missing hash"))?
            .as_ref()
            .to_vec();
        Ok(ScryptHash {
            log_n,
            r,
            p,
            salt,
            expected,
        })
    }

    /// `128·r·N` bytes, in KiB.
    fn memory_kib(&self) -> u64 {
        let n = 1u64.checked_shl(u32::from(self.log_n)).unwrap_or(u64::MAX);
        n.saturating_mul(u64::from(self.r)).saturating_mul(128) / 1024
    }
}

impl HashScheme for ScryptHash {
    fn scheme(&self) -> Scheme {
        Scheme::Scrypt
    }

    fn check_cost(&self, limits: &CostLimits) -> Result<(), HashError> {
        let memory = self.memory_kib();
        if memory > limits.scrypt_max_memory_kib {
            return Err(HashError::ParametersTooCostly {
                scheme: Scheme::Scrypt,
                parameter: "memory_kib",
                value: memory,
                limit: limits.scrypt_max_memory_kib,
            });
        }
        if self.p > limits.scrypt_max_p {
            return Err(HashError::ParametersTooCostly {
                scheme: Scheme::Scrypt,
                parameter: "p",
                value: self.p.into(),
                limit: limits.scrypt_max_p.into(),
            });
        }
        Ok(())
    }

    fn work(&self) -> u64 {
        work::scrypt(self.log_n, self.r, self.p)
    }

    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        let params = scrypt::Params::new(self.log_n, self.r, self.p)
            .map_err(|_| HashError::malformed(NAME, "invalid ln/r/p"))?;
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        scrypt::scrypt(password, &self.salt, &params, &mut out)
            .map_err(|_| HashError::malformed(NAME, "invalid output length"))?;
        Ok(out.as_slice().ct_eq(&self.expected))
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}
