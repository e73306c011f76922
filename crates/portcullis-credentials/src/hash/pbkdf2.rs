//! PBKDF2-HMAC (RFC 8018) in its two common string forms:
//!
//! - PHC: `$pbkdf2-sha256$i=600000,l=32$<B64 salt>$<B64 hash>`;
//! - passlib MCF: `$pbkdf2-sha256$29000$<ab64 salt>$<ab64 hash>` (also
//!   `$pbkdf2$` for SHA-1 and `$pbkdf2-sha512$`), where "ab64" is base64
//!   with `.` in place of `+` and no padding.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use pbkdf2::sha2::{Sha256, Sha512};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{CostLimits, HashPolicy, HashScheme, Scheme, work};
use crate::error::HashError;

const NAME: &str = "pbkdf2";
/// Longest accepted derived key.
const MAX_OUTPUT_LEN: usize = 128;
/// Longest accepted salt.
const MAX_SALT_LEN: usize = 128;

#[derive(Clone)]
pub(crate) struct Pbkdf2Hash {
    scheme: Scheme,
    rounds: u32,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

impl Pbkdf2Hash {
    pub(crate) fn parse(stored: &str) -> Result<Pbkdf2Hash, HashError> {
        let mut fields = stored.split('$');
        let (Some(""), Some(id), Some(params), Some(salt), Some(hash), None) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            return Err(HashError::malformed(NAME, "expected $id$params$salt$hash"));
        };
        let scheme = match id {
            "pbkdf2" => Scheme::Pbkdf2Sha1,
            "pbkdf2-sha256" => Scheme::Pbkdf2Sha256,
            "pbkdf2-sha512" => Scheme::Pbkdf2Sha512,
            _ => return Err(HashError::malformed(NAME, "unknown pbkdf2 variant")),
        };
        let (rounds, salt, expected) = if params.contains('=') {
            parse_phc(params, salt, hash)?
        } else {
            let rounds = params
                .parse::<u32>()
                .map_err(|_| HashError::malformed(NAME, "rounds is not a number"))?;
            (rounds, decode_ab64(salt)?, decode_ab64(hash)?)
        };
        if rounds == 0 {
            return Err(HashError::malformed(NAME, "zero rounds"));
        }
        if expected.is_empty() || expected.len() > MAX_OUTPUT_LEN || salt.len() > MAX_SALT_LEN {
            return Err(HashError::malformed(
                NAME,
                "salt or hash length out of range",
            ));
        }
        Ok(Pbkdf2Hash {
            scheme,
            rounds,
            salt,
            expected,
        })
    }
}

/// PHC parameters `i=<rounds>[,l=<len>]`, B64 salt and hash.
fn parse_phc(params: &str, salt: &str, hash: &str) -> Result<(u32, Vec<u8>, Vec<u8>), HashError> {
    let mut rounds = None;
    let mut length = None;
    for pair in params.split(',') {
        let (key, value) = pair
            .split_once('=')
            .ok_or(HashError::malformed(NAME, "parameter without `=`"))?;
        let value = value
            .parse::<u32>()
            .map_err(|_| HashError::malformed(NAME, "parameter is not a number"))?;
        match key {
            "i" => rounds = Some(value),
            "l" => length = Some(value),
            _ => return Err(HashError::malformed(NAME, "unknown parameter")),
        }
    }
    let rounds = rounds.ok_or(HashError::malformed(NAME, "missing i="))?;
    let salt = decode_b64(salt)?;
    let expected = decode_b64(hash)?;
    if length.is_some_and(|length| usize::try_from(length).ok() != Some(expected.len())) {
        return Err(HashError::malformed(
            NAME,
            "l= disagrees with the hash length",
        ));
    }
    Ok((rounds, salt, expected))
}

fn decode_b64(text: &str) -> Result<Vec<u8>, HashError> {
    STANDARD_NO_PAD
        .decode(text)
        .map_err(|_| HashError::malformed(NAME, "invalid base64"))
}

/// passlib's "adapted base64": `.` instead of `+`, no padding.
fn decode_ab64(text: &str) -> Result<Vec<u8>, HashError> {
    let standard: String = text
        .chars()
        .map(|c| if c == '.' { '+' } else { c })
        .collect();
    decode_b64(&standard)
}

impl HashScheme for Pbkdf2Hash {
    fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn check_cost(&self, limits: &CostLimits) -> Result<(), HashError> {
        if self.rounds > limits.pbkdf2_max_rounds {
            return Err(HashError::ParametersTooCostly {
                scheme: self.scheme,
                parameter: "rounds",
                value: self.rounds.into(),
                limit: limits.pbkdf2_max_rounds.into(),
            });
        }
        Ok(())
    }

    fn work(&self) -> u64 {
        let (prf_len, compression) = match self.scheme {
            Scheme::Pbkdf2Sha1 => (20, work::SHA1_COMPRESSION),
            Scheme::Pbkdf2Sha512 => (64, work::SHA512_COMPRESSION),
            _ => (32, work::SHA256_COMPRESSION),
        };
        work::pbkdf2(self.rounds, self.expected.len(), prf_len, compression)
    }

    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        let mut out = Zeroizing::new(vec![0u8; self.expected.len()]);
        match self.scheme {
            Scheme::Pbkdf2Sha1 => {
                pbkdf2::pbkdf2_hmac::<sha1::Sha1>(password, &self.salt, self.rounds, &mut out)
            }
            Scheme::Pbkdf2Sha512 => {
                pbkdf2::pbkdf2_hmac::<Sha512>(password, &self.salt, self.rounds, &mut out)
            }
            _ => pbkdf2::pbkdf2_hmac::<Sha256>(password, &self.salt, self.rounds, &mut out),
        }
        Ok(out.as_slice().ct_eq(&self.expected))
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_style_phc_vector() {
        // The pbkdf2 crate's own PHC test vector (RFC 6070-style inputs).
        let stored = "$pbkdf2-sha256$i=4096,l=40$c2FsdFNBTFRzYWx0U0FMVHNhbHRTQUxUc2FsdFNBTFRzYWx0$NIyJ28vTKy8y2BS4EW6EzysXNH68GAAYHE4qH7jdU+HGNVGMfaxH6Q";
        let hash = Pbkdf2Hash::parse(stored).unwrap();
        let policy = HashPolicy::default();
        assert!(bool::from(
            hash.matches(b"passwordPASSWORDpassword", &policy).unwrap()
        ));
        assert!(!bool::from(hash.matches(b"password", &policy).unwrap()));
    }

    #[test]
    fn rejects_bad_shapes() {
        for stored in [
            "$pbkdf2-sha256$i=1$c2FsdA",
            "$pbkdf2-sha256$x$c2FsdA$c2FsdA",
            "$pbkdf2-md5$1$c2FsdA$c2FsdA",
        ] {
            assert_eq!(
                Pbkdf2Hash::parse(stored).err().map(|e| e.kind()),
                Some("malformed-hash"),
                "{stored}"
            );
        }
    }
}
