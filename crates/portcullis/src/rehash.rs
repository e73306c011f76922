//! [`Rehash`]: a stronger hash of a password that was just verified, for the
//! server to store in place of a legacy one.

use core::fmt;

use portcullis_credentials::StoredHash;

use crate::revalidate::fingerprint_of;

/// A new stored hash for the password a [`Grant`](crate::Grant) verified.
///
/// The authenticator offers one when the account's stored hash is weaker
/// than its [`HashPolicy`](portcullis_credentials::HashPolicy) (a
/// `{SSHA512}`, crypt or plain entry, or argon2id with smaller parameters)
/// and it still had the plaintext to hash: the next good login upgrades
/// the account without the user doing anything. Storing it is up to the
/// server (the [`Directory`](crate::Directory) trait is read-only);
/// [`MemoryDirectory::apply_rehash`](crate::MemoryDirectory::apply_rehash)
/// does it for the in-memory directory.
///
/// Store it only if the account's hash is still the one that was verified
/// ([`Rehash::replaces`]): a password changed in the meantime must win.
/// The grant's session binding accepts both the old and the new hash, so
/// storing it does not end the session it came with.
#[derive(Clone)]
pub struct Rehash {
    account: String,
    // Boxed: a parsed hash is large, and grants travel by value.
    hash: Box<StoredHash>,
    replaces: String,
}

impl Rehash {
    pub(crate) fn new(account: String, hash: StoredHash, old: &StoredHash) -> Rehash {
        Rehash {
            account,
            hash: Box::new(hash),
            replaces: password_fingerprint(old),
        }
    }

    /// The account whose password it is (the actor's when impersonating:
    /// it is their password that was checked).
    #[must_use]
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The new stored hash (an argon2id PHC string with the policy's
    /// parameters; `as_str` gives the text to store).
    #[must_use]
    pub fn hash(&self) -> &StoredHash {
        &self.hash
    }

    /// Whether `current`, the account's stored hash now, is still the one
    /// that was verified; store the new hash only then, in the same
    /// transaction (compare and set).
    #[must_use]
    pub fn replaces(&self, current: &StoredHash) -> bool {
        password_fingerprint(current) == self.replaces
    }

    /// The session-binding fingerprint the account's password has once the
    /// new hash is stored.
    pub(crate) fn fingerprint(&self) -> String {
        password_fingerprint(&self.hash)
    }
}

/// The session-binding fingerprint of an account password.
pub(crate) fn password_fingerprint(hash: &StoredHash) -> String {
    fingerprint_of(&[hash.as_str().as_bytes()])
}

impl PartialEq for Rehash {
    fn eq(&self, other: &Rehash) -> bool {
        self.account == other.account
            && self.hash.as_str() == other.hash.as_str()
            && self.replaces == other.replaces
    }
}

impl Eq for Rehash {}

// The hash is not the password, but it is still material for an offline
// guess: show its scheme only, like `StoredHash` does.
impl fmt::Debug for Rehash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rehash")
            .field("account", &self.account)
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}
