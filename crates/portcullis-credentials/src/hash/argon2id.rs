//! Argon2 (RFC 9106): new hashes with argon2id, verification of
//! `$argon2id$`, `$argon2i$`, `$argon2d$` PHC strings.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Params, Version};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{CostLimits, HashPolicy, HashScheme, Scheme, memory, work};
use crate::error::{ConfigError, Error, HashError};

/// Salt length of new hashes (RFC 9106 §3.1 recommends 16 bytes).
pub(crate) const SALT_LEN: usize = 16;
/// Output length of new hashes.
const OUTPUT_LEN: usize = 32;
/// Longest stored output accepted (longer outputs buy nothing).
const MAX_OUTPUT_LEN: usize = 128;
/// One argon2 block is 1 KiB.
const BLOCK_KIB: usize = 1;

/// Argon2id parameters for new hashes.
///
/// The default, [`Argon2Params::OWASP`], is the OWASP Password Storage
/// Cheat Sheet's first argon2id configuration: m = 19 MiB (19,456 KiB),
/// t = 2, p = 1 (<https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id>).
/// It costs about 16 ms on one core of the project's machines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Argon2Params {
    /// OWASP's recommendation: m = 19,456 KiB, t = 2, p = 1.
    pub const OWASP: Argon2Params = Argon2Params {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    fn to_params(self) -> Result<Params, ConfigError> {
        Params::new(self.m_kib, self.t, self.p, Some(OUTPUT_LEN)).map_err(|_| {
            ConfigError::Argon2("rejected by the argon2 crate (m ≥ 8·p, t ≥ 1, 1 ≤ p < 2²⁴)")
        })
    }
}

impl Default for Argon2Params {
    fn default() -> Argon2Params {
        Argon2Params::OWASP
    }
}

/// A parsed argon2 PHC string.
#[derive(Clone)]
pub(crate) struct Argon2Hash {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl Argon2Hash {
    pub(crate) fn parse(stored: &str) -> Result<Argon2Hash, HashError> {
        const NAME: &str = "argon2";
        let phc = PasswordHash::new(stored)
            .map_err(|_| HashError::malformed(NAME, "not a PHC string"))?;
        let algorithm = Algorithm::try_from(phc.algorithm.as_str())
            .map_err(|_| HashError::malformed(NAME, "unknown argon2 variant"))?;
        // The reference implementation reads a missing `v=` as version 0x10.
        let version = match phc.version {
            None => Version::V0x10,
            Some(v) => {
                Version::try_from(v).map_err(|_| HashError::malformed(NAME, "unknown version"))?
            }
        };
        let params = Params::try_from(&phc)
            .map_err(|_| HashError::malformed(NAME, "invalid m/t/p parameters"))?;
        let salt = phc
            .salt
            .ok_or(HashError::malformed(NAME, "missing salt"))?
            .as_ref()
            .to_vec();
        if salt.len() < Salt::MIN_LENGTH {
            return Err(HashError::malformed(NAME, "salt shorter than 8 bytes"));
        }
        let expected = phc
            .hash
            .ok_or(HashError::malformed(NAME, "missing hash"))?
            .as_ref()
            .to_vec();
        if expected.len() < Params::MIN_OUTPUT_LEN || expected.len() > MAX_OUTPUT_LEN {
            return Err(HashError::malformed(NAME, "hash length out of range"));
        }
        Ok(Argon2Hash {
            algorithm,
            version,
            params,
            salt,
            expected,
        })
    }

    /// Parses and requires the given variant (`{ARGON2ID}` must hold `$argon2id$`).
    pub(crate) fn parse_expecting(stored: &str, scheme: Scheme) -> Result<Argon2Hash, HashError> {
        let hash = Argon2Hash::parse(stored)?;
        if hash.scheme() == scheme {
            Ok(hash)
        } else {
            Err(HashError::malformed(
                "argon2",
                "prefix and PHC variant disagree",
            ))
        }
    }

    /// The fixed dummy: the policy's parameters, a constant salt and an
    /// all-zero expected output that no password produces in practice.
    pub(crate) fn dummy(params: &Argon2Params) -> Result<Argon2Hash, ConfigError> {
        Ok(Argon2Hash {
            algorithm: Algorithm::Argon2id,
            version: Version::V0x13,
            params: params.to_params()?,
            salt: b"portcullis-dummy".to_vec(),
            expected: vec![0; OUTPUT_LEN],
        })
    }

    fn compute(
        &self,
        password: &[u8],
        out: &mut [u8],
        policy: &HashPolicy,
    ) -> Result<(), HashError> {
        let context = Argon2::new(self.algorithm, self.version, self.params.clone());
        let retain = (policy.retained_memory_kib as usize) / BLOCK_KIB;
        memory::with_blocks(self.params.block_count(), retain, |blocks| {
            context.hash_password_into_with_memory(password, &self.salt, out, blocks)
        })
        .map_err(|_| HashError::malformed("argon2", "rejected by the argon2 crate"))
    }
}

impl HashScheme for Argon2Hash {
    fn scheme(&self) -> Scheme {
        match self.algorithm {
            Algorithm::Argon2d => Scheme::Argon2d,
            Algorithm::Argon2i => Scheme::Argon2i,
            Algorithm::Argon2id => Scheme::Argon2id,
        }
    }

    fn check_cost(&self, limits: &CostLimits) -> Result<(), HashError> {
        let scheme = self.scheme();
        for (parameter, value, limit) in [
            ("m", self.params.m_cost(), limits.argon2_max_m_kib),
            ("t", self.params.t_cost(), limits.argon2_max_t),
            ("p", self.params.p_cost(), limits.argon2_max_p),
        ] {
            if value > limit {
                return Err(HashError::ParametersTooCostly {
                    scheme,
                    parameter,
                    value: value.into(),
                    limit: limit.into(),
                });
            }
        }
        Ok(())
    }

    fn work(&self) -> u64 {
        work::argon2(self.params.m_cost(), self.params.t_cost())
    }

    fn matches(&self, password: &[u8], policy: &HashPolicy) -> Result<Choice, HashError> {
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        self.compute(password, &mut out, policy)?;
        Ok(out.as_slice().ct_eq(&self.expected))
    }

    fn needs_rehash(&self, policy: &HashPolicy) -> bool {
        let wanted = &policy.argon2;
        self.algorithm != Algorithm::Argon2id
            || self.version != Version::V0x13
            || self.params.m_cost() < wanted.m_kib
            || self.params.t_cost() < wanted.t
            || self.params.p_cost() < wanted.p
            || self.expected.len() < OUTPUT_LEN
            || self.salt.len() < SALT_LEN
    }
}

/// Hashes a new password into a PHC string.
pub(crate) fn hash_new(password: &[u8], salt: &[u8], policy: &HashPolicy) -> Result<String, Error> {
    let params = policy.argon2.to_params()?;
    let hash = Argon2Hash {
        algorithm: Algorithm::Argon2id,
        version: Version::V0x13,
        params: params.clone(),
        salt: salt.to_vec(),
        expected: Vec::new(),
    };
    let mut out = Zeroizing::new([0u8; OUTPUT_LEN]);
    hash.compute(password, out.as_mut_slice(), policy)?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|_| ConfigError::Argon2("cannot encode parameters"))?,
        salt: Some(Salt::new(salt).map_err(|_| ConfigError::Argon2("invalid salt"))?),
        hash: Some(Output::new(out.as_slice()).map_err(|_| ConfigError::Argon2("invalid output"))?),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_policy() -> HashPolicy {
        HashPolicy::with_argon2(Argon2Params {
            m_kib: 64,
            t: 1,
            p: 1,
        })
    }

    #[test]
    fn round_trip() {
        let policy = small_policy();
        let phc = hash_new(b"pw", b"saltsaltsaltsalt", &policy).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        let hash = Argon2Hash::parse(&phc).unwrap();
        assert!(bool::from(hash.matches(b"pw", &policy).unwrap()));
        assert!(!bool::from(hash.matches(b"pW", &policy).unwrap()));
        assert!(!hash.needs_rehash(&policy));
        assert!(hash.needs_rehash(&HashPolicy::default()));
    }

    #[test]
    fn caps_before_hashing() {
        let huge = "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let hash = Argon2Hash::parse(huge).unwrap();
        assert_eq!(
            hash.check_cost(&CostLimits::default()).unwrap_err(),
            HashError::ParametersTooCostly {
                scheme: Scheme::Argon2id,
                parameter: "m",
                value: 4_194_304,
                limit: 131_072
            }
        );
    }

    #[test]
    fn dummy_never_matches() {
        let policy = small_policy();
        let dummy = Argon2Hash::dummy(&policy.argon2).unwrap();
        assert!(!bool::from(dummy.matches(b"", &policy).unwrap()));
    }
}
