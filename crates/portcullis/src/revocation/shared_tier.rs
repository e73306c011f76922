//! The shared tier of the verification cache: the keyed digests the
//! [`RevocationStore`](super::RevocationStore) keeps for every node.

use std::time::Duration;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{Epoch, VerificationDigest};

/// The key and lifetime of shared entries.
pub(crate) struct SharedTier {
    mac: Hmac<Sha256>,
    pub(crate) ttl: Duration,
}

/// What a shared entry is about: the fields of the local cache's key.
pub(crate) struct Verified<'a> {
    pub(crate) account: &'a str,
    pub(crate) kind: &'a str,
    pub(crate) id: u32,
    pub(crate) revision: u64,
    pub(crate) stored_hash: &'a str,
    pub(crate) epoch: Epoch,
}

impl SharedTier {
    /// A tier keyed with `key` (the builder checks it has at least 32
    /// bytes). The HMAC key is SHA-256 of it, so that a key of any length
    /// makes one block and nothing can fail.
    pub(crate) fn new(key: &[u8], ttl: Duration) -> SharedTier {
        let mut block = zeroize::Zeroizing::new([0u8; 64]);
        for (out, byte) in block.iter_mut().zip(Sha256::digest(key)) {
            *out = byte;
        }
        let mac = <Hmac<Sha256> as KeyInit>::new(&(*block).into());
        SharedTier { mac, ttl }
    }

    /// The digest of `secret` verified for `entry`: every variable-length
    /// field length-prefixed, so no two entries share an encoding.
    pub(crate) fn digest(&self, entry: &Verified<'_>, secret: &[u8]) -> VerificationDigest {
        let mut mac = self.mac.clone();
        mac.update(b"portcullis shared-verification v1");
        for part in [
            entry.account.as_bytes(),
            entry.kind.as_bytes(),
            entry.stored_hash.as_bytes(),
            secret,
        ] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.update(&entry.id.to_be_bytes());
        mac.update(&entry.revision.to_be_bytes());
        mac.update(&entry.epoch.account.to_be_bytes());
        mac.update(&entry.epoch.credential.to_be_bytes());
        VerificationDigest(mac.finalize().into_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(epoch: Epoch) -> Verified<'static> {
        Verified {
            account: "alice",
            kind: "password",
            id: 0,
            revision: 1,
            stored_hash: "$argon2id$…",
            epoch,
        }
    }

    const EPOCH: Epoch = Epoch {
        account: 7,
        credential: 9,
    };

    #[test]
    fn a_digest_depends_on_key_epoch_and_secret() {
        let tier = SharedTier::new(&[1; 32], Duration::from_secs(60));
        let base = tier.digest(&entry(EPOCH), b"pw");
        assert_eq!(tier.digest(&entry(EPOCH), b"pw"), base);
        assert_ne!(tier.digest(&entry(EPOCH), b"pw2"), base);
        for epoch in [
            Epoch {
                account: 8,
                ..EPOCH
            },
            Epoch {
                credential: 10,
                ..EPOCH
            },
        ] {
            assert_ne!(tier.digest(&entry(epoch), b"pw"), base);
        }
        let other = SharedTier::new(&[2; 32], Duration::from_secs(60));
        assert_ne!(other.digest(&entry(EPOCH), b"pw"), base);
        let moved = Verified {
            account: "alic",
            stored_hash: "e$argon2id$…",
            ..entry(EPOCH)
        };
        assert_ne!(tier.digest(&moved, b"pw"), base);
    }
}
