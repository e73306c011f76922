//! The keys a SCRAM server checks a proof with, their dummy stand-in for
//! unknown users, and the hash functions.

use core::fmt;

use hmac_0_13::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2_0_11::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::error::Error;
use crate::mechanism::Mechanism;

/// The longest salt [`ScramKeys::new`] accepts, in bytes (Dovecot and
/// `portcullis-credentials` make 16-byte salts).
pub const MAX_SALT_LEN: usize = 256;

/// The salt length of [`ScramKeys::dummy`], in bytes: the length of the
/// salts of real entries (Dovecot's and `portcullis-credentials`'), so
/// that the dummy's `s=` looks like theirs.
pub const DUMMY_SALT_LEN: usize = 16;

/// The block size of SHA-1 and SHA-256, in bytes: the longest HMAC key
/// used unhashed (RFC 2104 §2).
const BLOCK_LEN: usize = 64;

/// The hash function of a SCRAM mechanism.
///
/// Non-exhaustive: SCRAM-SHA-512 (a draft) may be added.
///
/// ```
/// use portcullis_sasl::{Mechanism, scram::ScramHash};
/// assert_eq!(ScramHash::Sha256.output_len(), 32);
/// assert_eq!(ScramHash::Sha1.mechanism(true), Mechanism::ScramSha1Plus);
/// assert_eq!(Mechanism::ScramSha256.scram_hash(), Some(ScramHash::Sha256));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScramHash {
    /// SHA-1 (RFC 5802).
    Sha1,
    /// SHA-256 (RFC 7677).
    Sha256,
}

impl ScramHash {
    /// Length in bytes of the hash's output: of `StoredKey`, `ServerKey`,
    /// the client proof and the server signature.
    #[must_use]
    pub const fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
        }
    }

    /// The mechanism of this hash, with or without `-PLUS`.
    #[must_use]
    pub const fn mechanism(self, plus: bool) -> Mechanism {
        match (self, plus) {
            (Self::Sha1, false) => Mechanism::ScramSha1,
            (Self::Sha1, true) => Mechanism::ScramSha1Plus,
            (Self::Sha256, false) => Mechanism::ScramSha256,
            (Self::Sha256, true) => Mechanism::ScramSha256Plus,
        }
    }

    /// `HMAC(key, parts…)` with the parts concatenated.
    pub(crate) fn hmac(self, key: &MacKey, parts: &[&[u8]]) -> Zeroizing<Vec<u8>> {
        // RFC 2104 §2: a key shorter than the block is padded with zeros
        // to the block; `MacKey` holds exactly that block, so keying
        // cannot fail and the MAC is that of the bare key.
        match self {
            Self::Sha1 => {
                let mut mac = <Hmac<Sha1> as KeyInit>::new(&(*key.block).into());
                for part in parts {
                    mac.update(part);
                }
                Zeroizing::new(mac.finalize().into_bytes().to_vec())
            }
            Self::Sha256 => {
                let mut mac = <Hmac<Sha256> as KeyInit>::new(&(*key.block).into());
                for part in parts {
                    mac.update(part);
                }
                Zeroizing::new(mac.finalize().into_bytes().to_vec())
            }
        }
    }

    /// `H(bytes)`.
    pub(crate) fn digest(self, bytes: &[u8]) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(match self {
            Self::Sha1 => Sha1::digest(bytes).to_vec(),
            Self::Sha256 => Sha256::digest(bytes).to_vec(),
        })
    }
}

/// An HMAC key of at most one block, held as the zero-padded block.
#[derive(Clone)]
pub(crate) struct MacKey {
    block: Zeroizing<[u8; BLOCK_LEN]>,
    len: usize,
}

impl MacKey {
    /// `None` when the key is longer than a block.
    fn new(bytes: &[u8]) -> Option<Self> {
        let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
        block.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(Self {
            block,
            len: bytes.len(),
        })
    }

    fn bytes(&self) -> &[u8] {
        self.block.get(..self.len).unwrap_or_default()
    }
}

/// The keys of one account for one SCRAM exchange (RFC 5802 §3): hash,
/// iteration count, salt, `StoredKey` and `ServerKey` — or a dummy that
/// no proof matches, for an unknown user or an account without SCRAM keys
/// ([`ScramKeys::dummy`]).
///
/// The server never needs the password: `portcullis-credentials`'
/// `ScramCredential` (from a Dovecot `{SCRAM-SHA-256}` entry) has exactly
/// these parts. The keys are zeroized on drop; `Debug` shows the hash, the
/// iteration count and whether this is a dummy, nothing else.
///
/// ```
/// use portcullis_sasl::scram::{ScramHash, ScramKeys};
/// let keys = ScramKeys::new(ScramHash::Sha256, 4096, b"salt", &[1; 32], &[2; 32])?;
/// assert_eq!(format!("{keys:?}"), "ScramKeys { hash: Sha256, iterations: 4096, dummy: false, .. }");
/// assert!(ScramKeys::new(ScramHash::Sha256, 4096, b"salt", &[1; 20], &[2; 32]).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ScramKeys {
    hash: ScramHash,
    iterations: u32,
    salt: Vec<u8>,
    stored_key: MacKey,
    server_key: MacKey,
    dummy: bool,
}

impl ScramKeys {
    /// Keys as the directory stores them.
    ///
    /// # Errors
    /// [`Error::BadScramKeys`] (a configuration or directory fault) when a
    /// key is not [`ScramHash::output_len`] bytes, the salt is empty or
    /// longer than [`MAX_SALT_LEN`], or `iterations` is 0.
    pub fn new(
        hash: ScramHash,
        iterations: u32,
        salt: &[u8],
        stored_key: &[u8],
        server_key: &[u8],
    ) -> Result<Self, Error> {
        let len = hash.output_len();
        if iterations == 0
            || salt.is_empty()
            || salt.len() > MAX_SALT_LEN
            || stored_key.len() != len
            || server_key.len() != len
        {
            return Err(Error::BadScramKeys);
        }
        Ok(Self {
            hash,
            iterations,
            salt: salt.to_vec(),
            stored_key: MacKey::new(stored_key).ok_or(Error::BadScramKeys)?,
            server_key: MacKey::new(server_key).ok_or(Error::BadScramKeys)?,
            dummy: false,
        })
    }

    /// Stand-in keys for `username` when the account does not exist or
    /// has no SCRAM keys of this hash: the exchange runs exactly as for a
    /// real account and ends in [`Error::ProofMismatch`], whatever the
    /// client sends.
    ///
    /// The salt ([`DUMMY_SALT_LEN`] bytes) and keys are derived from the
    /// user name with `key` (HMAC-SHA-256), so the same name always gets
    /// the same salt, as a real account does: asking twice does not tell
    /// an unknown user from a known one. Pass the iteration count of the
    /// directory's real entries (4,096 for `doveadm pw`), and the user
    /// name as the directory was asked for it. An `iterations` of 0 is
    /// taken as 1.
    ///
    /// ```
    /// use portcullis_sasl::scram::{ScramDummyKey, ScramHash, ScramKeys};
    /// let key = ScramDummyKey::new([42; 32]); // from the OS CSPRNG at start-up, kept for the process
    /// let a = ScramKeys::dummy(ScramHash::Sha256, 4096, "nobody@example.org", &key);
    /// let b = ScramKeys::dummy(ScramHash::Sha256, 4096, "nobody@example.org", &key);
    /// let c = ScramKeys::dummy(ScramHash::Sha256, 4096, "ghost@example.org", &key);
    /// assert_eq!(a.salt(), b.salt());
    /// assert_ne!(a.salt(), c.salt());
    /// assert!(a.is_dummy());
    /// ```
    #[must_use]
    pub fn dummy(hash: ScramHash, iterations: u32, username: &str, key: &ScramDummyKey) -> Self {
        let derive = |what: &[u8]| {
            ScramHash::Sha256.hmac(
                &key.0,
                &[
                    b"portcullis-sasl SCRAM dummy\0",
                    what,
                    b"\0",
                    hash.mechanism(false).name().as_bytes(),
                    b"\0",
                    username.as_bytes(),
                ],
            )
        };
        let len = hash.output_len();
        let salt = derive(b"salt");
        let stored_key = derive(b"stored-key");
        let server_key = derive(b"server-key");
        let part = |bytes: &[u8], len: usize| -> MacKey {
            // SHA-256's 32 bytes cover every salt and key length used here.
            MacKey::new(bytes.get(..len).unwrap_or(bytes)).unwrap_or_else(|| MacKey {
                block: Zeroizing::new([0; BLOCK_LEN]),
                len: 0,
            })
        };
        Self {
            hash,
            iterations: iterations.max(1),
            salt: salt.get(..DUMMY_SALT_LEN).unwrap_or(&salt).to_vec(),
            stored_key: part(&stored_key, len),
            server_key: part(&server_key, len),
            dummy: true,
        }
    }

    /// The hash these keys belong to.
    #[must_use]
    pub const fn hash(&self) -> ScramHash {
        self.hash
    }

    /// The iteration count sent to the client (`i=`).
    #[must_use]
    pub const fn iterations(&self) -> u32 {
        self.iterations
    }

    /// The salt sent to the client (`s=`).
    #[must_use]
    pub fn salt(&self) -> &[u8] {
        &self.salt
    }

    /// Whether these are [`ScramKeys::dummy`] keys.
    #[must_use]
    pub const fn is_dummy(&self) -> bool {
        self.dummy
    }

    /// Checks `proof` over `auth_message` (RFC 5802 §3): `ClientKey =
    /// proof XOR HMAC(StoredKey, AuthMessage)` and `H(ClientKey) ==
    /// StoredKey`, in constant time, and computes the server signature
    /// `HMAC(ServerKey, AuthMessage)`. The same work is done for a dummy,
    /// whose result is then false.
    pub(crate) fn check_proof(
        &self,
        auth_message: &[&[u8]],
        proof: &[u8],
    ) -> (Choice, Zeroizing<Vec<u8>>) {
        let signature = self.hash.hmac(&self.stored_key, auth_message);
        let client_key: Zeroizing<Vec<u8>> = Zeroizing::new(
            proof
                .iter()
                .zip(signature.iter())
                .map(|(p, s)| p ^ s)
                .collect(),
        );
        let computed = self.hash.digest(&client_key);
        let lengths = Choice::from(u8::from(proof.len() == self.hash.output_len()));
        let genuine = Choice::from(u8::from(!self.dummy));
        let matched = computed.as_slice().ct_eq(self.stored_key.bytes()) & lengths & genuine;
        let server_signature = self.hash.hmac(&self.server_key, auth_message);
        (matched, server_signature)
    }
}

impl fmt::Debug for ScramKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScramKeys")
            .field("hash", &self.hash)
            .field("iterations", &self.iterations)
            .field("dummy", &self.dummy)
            .finish_non_exhaustive()
    }
}

/// The server's secret for [`ScramKeys::dummy`]: 32 random bytes, drawn
/// once (at start-up, or stored with the configuration so that salts stay
/// the same across restarts and across the servers of one cluster) and
/// never shown. Zeroized on drop; `Debug` is redacted.
///
/// Keep it secret: whoever holds it can tell dummy salts from real ones.
///
/// ```
/// use portcullis_sasl::scram::ScramDummyKey;
/// let key = ScramDummyKey::new([7; 32]);
/// assert_eq!(format!("{key:?}"), "ScramDummyKey(<redacted>)");
/// ```
#[derive(Clone)]
pub struct ScramDummyKey(MacKey);

impl ScramDummyKey {
    /// Wraps 32 secret random bytes.
    #[must_use]
    pub fn new(bytes: [u8; 32]) -> Self {
        let bytes = Zeroizing::new(bytes);
        let mut block = Zeroizing::new([0u8; BLOCK_LEN]);
        for (slot, byte) in block.iter_mut().zip(bytes.iter()) {
            *slot = *byte;
        }
        Self(MacKey { block, len: 32 })
    }
}

impl fmt::Debug for ScramDummyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ScramDummyKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_key_hmac_matches_rfc4231_and_rfc2202() {
        let key = MacKey::new(b"Jefe").unwrap();
        let mac = ScramHash::Sha256.hmac(&key, &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            mac.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let mac = ScramHash::Sha1.hmac(&key, &[b"what do ya want for nothing?"]);
        assert_eq!(
            mac.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert!(MacKey::new(&[0; 65]).is_none());
        assert_eq!(MacKey::new(&[1; 64]).unwrap().bytes(), &[1; 64]);
    }

    #[test]
    fn dummy_salts_and_keys() {
        let key = ScramDummyKey::new([1; 32]);
        for hash in [ScramHash::Sha1, ScramHash::Sha256] {
            let dummy = ScramKeys::dummy(hash, 0, "u", &key);
            assert_eq!(dummy.iterations(), 1);
            assert_eq!(dummy.salt().len(), DUMMY_SALT_LEN);
            assert_eq!(dummy.stored_key.bytes().len(), hash.output_len());
            assert_eq!(dummy.server_key.bytes().len(), hash.output_len());
            let other_key = ScramKeys::dummy(hash, 1, "u", &ScramDummyKey::new([2; 32]));
            assert_ne!(dummy.salt(), other_key.salt());
        }
        let sha1 = ScramKeys::dummy(ScramHash::Sha1, 1, "u", &key);
        let sha256 = ScramKeys::dummy(ScramHash::Sha256, 1, "u", &key);
        assert_ne!(sha1.salt(), sha256.salt());
    }

    #[test]
    fn the_dummy_flag_refuses_a_proof_that_would_match() {
        for hash in [ScramHash::Sha1, ScramHash::Sha256] {
            let client_key = vec![9u8; hash.output_len()];
            let stored = hash.digest(&client_key);
            let real = ScramKeys::new(hash, 4096, b"salt", &stored, &stored).unwrap();
            let signature = hash.hmac(&real.stored_key, &[b"auth-message"]);
            let proof: Vec<u8> = client_key
                .iter()
                .zip(signature.iter())
                .map(|(a, b)| a ^ b)
                .collect();
            // The message may come in parts: the MAC is of their concatenation.
            let (ok, _) = real.check_proof(&[b"auth-", b"message"], &proof);
            assert!(bool::from(ok));
            let dummy = ScramKeys {
                dummy: true,
                ..real.clone()
            };
            assert!(!bool::from(dummy.check_proof(&[b"auth-message"], &proof).0));
            let short = proof.get(..proof.len() - 1).unwrap();
            assert!(!bool::from(real.check_proof(&[b"auth-message"], short).0));
        }
    }
}
