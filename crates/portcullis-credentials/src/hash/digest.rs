//! LDAP/Dovecot digests: salted `{SSHA512}`, `{SSHA256}`, `{SSHA}` (digest
//! of password ‖ salt, stored as base64 of digest ‖ salt) and unsalted
//! `{SHA512}`, `{SHA256}`, `{SHA}`. Fast hashes: verify only, always
//! `needs_rehash`.
//!
//! Dovecot's `.HEX`/`.B64` suffix chooses the encoding; without one, base64
//! is assumed, except that an unsalted digest written as hex of exactly the
//! digest's length is read as hex (Dovecot does the same).

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use pbkdf2::sha2::{Digest, Sha256, Sha512};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use super::{CostLimits, HashPolicy, HashScheme, Scheme, work};
use crate::error::HashError;

const NAME: &str = "digest";
/// Longest accepted salt.
const MAX_SALT_LEN: usize = 256;

/// Base64 that accepts the value with or without its `=` padding.
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Dovecot's encoding suffix (`{SHA256.HEX}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    Base64,
    Hex,
}

impl Encoding {
    pub(crate) fn parse(suffix: &str) -> Result<Encoding, HashError> {
        match suffix.to_ascii_uppercase().as_str() {
            "HEX" => Ok(Encoding::Hex),
            "B64" | "BASE64" => Ok(Encoding::Base64),
            _ => Err(HashError::malformed(NAME, "unknown encoding suffix")),
        }
    }

    pub(crate) fn decode(self, text: &str) -> Result<Vec<u8>, HashError> {
        match self {
            Encoding::Base64 => LENIENT_BASE64
                .decode(text.trim_end())
                .map_err(|_| HashError::malformed(NAME, "invalid base64")),
            Encoding::Hex => data_encoding::HEXLOWER_PERMISSIVE
                .decode(text.trim_end().as_bytes())
                .map_err(|_| HashError::malformed(NAME, "invalid hex")),
        }
    }
}

#[derive(Clone)]
pub(crate) struct DigestHash {
    scheme: Scheme,
    salt: Vec<u8>,
    expected: Vec<u8>,
}

fn digest_len(scheme: Scheme) -> usize {
    match scheme {
        Scheme::Ssha512 | Scheme::Sha512 => 64,
        Scheme::Ssha256 | Scheme::Sha256 => 32,
        _ => 20,
    }
}

fn is_salted(scheme: Scheme) -> bool {
    matches!(scheme, Scheme::Ssha512 | Scheme::Ssha256 | Scheme::Ssha)
}

impl DigestHash {
    pub(crate) fn parse(
        scheme: Scheme,
        text: &str,
        encoding: Option<Encoding>,
    ) -> Result<DigestHash, HashError> {
        let len = digest_len(scheme);
        let encoding = encoding.unwrap_or_else(|| {
            let hex_shaped = text.len() == 2 * len && text.bytes().all(|b| b.is_ascii_hexdigit());
            if !is_salted(scheme) && hex_shaped {
                Encoding::Hex
            } else {
                Encoding::Base64
            }
        });
        let mut bytes = encoding.decode(text)?;
        if is_salted(scheme) {
            if bytes.len() < len || bytes.len() > len + MAX_SALT_LEN {
                return Err(HashError::malformed(
                    NAME,
                    "salted digest has the wrong length",
                ));
            }
            let salt = bytes.split_off(len);
            Ok(DigestHash {
                scheme,
                salt,
                expected: bytes,
            })
        } else if bytes.len() == len {
            Ok(DigestHash {
                scheme,
                salt: Vec::new(),
                expected: bytes,
            })
        } else {
            Err(HashError::malformed(NAME, "digest has the wrong length"))
        }
    }
}

impl HashScheme for DigestHash {
    fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn check_cost(&self, _limits: &CostLimits) -> Result<(), HashError> {
        Ok(())
    }

    fn work(&self) -> u64 {
        match self.scheme {
            Scheme::Ssha512 | Scheme::Sha512 => {
                work::single_pass(self.salt.len(), 128, 17, work::SHA512_COMPRESSION)
            }
            Scheme::Ssha256 | Scheme::Sha256 => {
                work::single_pass(self.salt.len(), 64, 9, work::SHA256_COMPRESSION)
            }
            _ => work::single_pass(self.salt.len(), 64, 9, work::SHA1_COMPRESSION),
        }
    }

    fn matches(&self, password: &[u8], _policy: &HashPolicy) -> Result<Choice, HashError> {
        let computed: Zeroizing<Vec<u8>> = Zeroizing::new(match self.scheme {
            Scheme::Ssha512 | Scheme::Sha512 => Sha512::new()
                .chain_update(password)
                .chain_update(&self.salt)
                .finalize()
                .to_vec(),
            Scheme::Ssha256 | Scheme::Sha256 => Sha256::new()
                .chain_update(password)
                .chain_update(&self.salt)
                .finalize()
                .to_vec(),
            _ => sha1::Sha1::new()
                .chain_update(password)
                .chain_update(&self.salt)
                .finalize()
                .to_vec(),
        });
        Ok(computed.as_slice().ct_eq(&self.expected))
    }

    fn needs_rehash(&self, _policy: &HashPolicy) -> bool {
        true
    }
}

/// `{SSHA256}` of `secret` with `salt`: base64(SHA-256(secret ‖ salt) ‖ salt).
pub(crate) fn ssha256(secret: &[u8], salt: &[u8]) -> String {
    let mut raw = Sha256::new()
        .chain_update(secret)
        .chain_update(salt)
        .finalize()
        .to_vec();
    raw.extend_from_slice(salt);
    format!(
        "{{SSHA256}}{}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsalted_hex_is_detected() {
        // SHA-1("password")
        let hex = "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8";
        let hash = DigestHash::parse(Scheme::Sha1, hex, None).unwrap();
        assert!(bool::from(
            hash.matches(b"password", &HashPolicy::default()).unwrap()
        ));
        let b64 = "W6ph5Mm5Pz8GgiULbPgzG37mj9g=";
        let hash = DigestHash::parse(Scheme::Sha1, b64, None).unwrap();
        assert!(bool::from(
            hash.matches(b"password", &HashPolicy::default()).unwrap()
        ));
    }
}
