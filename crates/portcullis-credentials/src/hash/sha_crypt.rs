//! sha512-crypt `$6$` and sha256-crypt `$5$` (Drepper's SHA-crypt, as in
//! glibc `crypt(3)`), Dovecot `{SHA512-CRYPT}`/`{SHA256-CRYPT}`.
//!
//! The rounds are read and capped here; the comparison itself runs inside
//! the `sha-crypt` crate (constant-time via `ctutils`), because the
//! algorithm's output transposition is private to that crate.

use sha_crypt::{PasswordHashRef, PasswordVerifier, ShaCrypt};
use subtle::Choice;

use super::{CostLimits, HashPolicy, HashScheme, MAX_CRYPT_PASSWORD_LEN, Scheme, work};
use crate::error::HashError;

const NAME: &str = "sha-crypt";
/// Rounds when the string has no `rounds=` field.
const DEFAULT_ROUNDS: u32 = 5_000;
/// Bounds of the `rounds=` field in Drepper's specification.
const ROUNDS_RANGE: core::ops::RangeInclusive<u32> = 1_000..=999_999_999;

#[derive(Clone)]
pub(crate) struct ShaCryptHash {
    scheme: Scheme,
    rounds: u32,
    stored: String,
}

impl ShaCryptHash {
    pub(crate) fn parse(stored: &str) -> Result<ShaCryptHash, HashError> {
        let mut fields = stored.split('$');
        let (Some(""), Some(id), Some(first)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(HashError::malformed(
                NAME,
                "expected $id$[rounds=N$]salt$hash",
            ));
        };
        let scheme = match id {
            "6" => Scheme::Sha512Crypt,
            "5" => Scheme::Sha256Crypt,
            _ => return Err(HashError::malformed(NAME, "expected $5$ or $6$")),
        };
        let rounds = match first.strip_prefix("rounds=") {
            Some(rounds) => {
                let rounds = rounds
                    .parse::<u32>()
                    .map_err(|_| HashError::malformed(NAME, "rounds is not a number"))?;
                if !ROUNDS_RANGE.contains(&rounds) {
                    return Err(HashError::malformed(
                        NAME,
                        "rounds outside 1000..=999999999",
                    ));
                }
                fields
                    .next()
                    .ok_or(HashError::malformed(NAME, "missing salt"))?;
                rounds
            }
            None => DEFAULT_ROUNDS,
        };
        let hash = fields
            .next()
            .ok_or(HashError::malformed(NAME, "missing hash"))?;
        let expected_len = if scheme == Scheme::Sha512Crypt {
            86
        } else {
            43
        };
        if hash.len() != expected_len || fields.next().is_some() {
            return Err(HashError::malformed(
                NAME,
                "hash field has the wrong length",
            ));
        }
        PasswordHashRef::new(stored)
            .map_err(|_| HashError::malformed(NAME, "not a crypt string"))?;
        Ok(ShaCryptHash {
            scheme,
            rounds,
            stored: stored.to_owned(),
        })
    }

    /// Parses and requires the given variant (`{SHA512-CRYPT}` must hold `$6$`).
    pub(crate) fn parse_expecting(stored: &str, scheme: Scheme) -> Result<ShaCryptHash, HashError> {
        let hash = ShaCryptHash::parse(stored)?;
        if hash.scheme == scheme {
            Ok(hash)
        } else {
            Err(HashError::malformed(NAME, "prefix and crypt id disagree"))
        }
    }
}

impl HashScheme for ShaCryptHash {
    fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn check_cost(&self, limits: &CostLimits) -> Result<(), HashError> {
        if self.rounds > limits.sha_crypt_max_rounds {
            return Err(HashError::ParametersTooCostly {
                scheme: self.scheme,
                parameter: "rounds",
                value: self.rounds.into(),
                limit: limits.sha_crypt_max_rounds.into(),
            });
        }
        Ok(())
    }

    fn work(&self) -> u64 {
        if self.scheme == Scheme::Sha512Crypt {
            work::sha_crypt(self.rounds, 64, 128, 17, work::SHA512_COMPRESSION)
        } else {
            work::sha_crypt(self.rounds, 32, 64, 9, work::SHA256_COMPRESSION)
        }
    }

    fn max_secret_len(&self) -> usize {
        MAX_CRYPT_PASSWORD_LEN
    }

    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        let stored = PasswordHashRef::new(&self.stored)
            .map_err(|_| HashError::malformed(NAME, "not a crypt string"))?;
        let verifier = ShaCrypt::default();
        match verifier.verify_password(password, stored) {
            Ok(()) => Ok(Choice::from(1)),
            Err(sha_crypt::password_hash::Error::PasswordInvalid) => Ok(Choice::from(0)),
            Err(_) => Err(HashError::malformed(
                NAME,
                "rejected by the sha-crypt crate",
            )),
        }
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}
