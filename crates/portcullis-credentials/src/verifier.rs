//! [`Verifier`]: the hash policy, the verification cache and the dummy
//! hashes in one cheap-to-clone, `Send + Sync` value: what a server holds
//! and calls on every login.

use std::net::IpAddr;
use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use crate::cache::{CacheKey, DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL, VerificationCache};
use crate::error::{CredentialRefusal, Error, HashError};
use crate::hash::{HashPolicy, SecretHashing, StoredHash, Verified};
use crate::record::{CredentialMatch, CredentialOptions, NewCredential};
use crate::{
    CredentialId, CredentialKind, CredentialRecord, PasswordWithCode, RandomSource, Secret,
};

/// Verifies passwords and credentials; clone it freely (an `Arc` inside).
///
/// All methods are blocking CPU work (argon2 takes ~16 ms); an async server
/// calls them from `spawn_blocking` or a dedicated pool.
///
/// ```
/// use std::net::{IpAddr, Ipv4Addr};
/// use portcullis_credentials::{
///     CredentialId, CredentialKind, CredentialOptions, OsRandom, Secret, Verifier,
/// };
///
/// let verifier = Verifier::new()?;
/// let now = time::OffsetDateTime::now_utc();
/// let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
///
/// // Mint an app password; print `minted.secret` once, store `minted.record`.
/// let minted = verifier.new_app_password(CredentialId(1), CredentialOptions::default(), now, &mut OsRandom)?;
///
/// // At login: the secret names its credential id, so exactly one record is checked.
/// let presented = Secret::from(minted.secret.expose());
/// let ok = verifier.verify_credential("alice@example.org", &presented, &minted.record, now, ip)?;
/// assert_eq!(ok.kind, CredentialKind::AppPassword);
///
/// // An unknown user or credential id costs the same as a wrong secret.
/// let refusal = verifier.dummy_verify(&presented, CredentialKind::AppPassword);
/// assert_eq!(refusal.kind(), "mismatch");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct Verifier {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    policy: HashPolicy,
    secret_hashing: SecretHashing,
    cache: Option<VerificationCache>,
    dummy_password: StoredHash,
    dummy_generated: StoredHash,
    password_with_code: Option<PasswordWithCode>,
}

/// Builds a [`Verifier`]; every setting has a safe default.
#[derive(Clone, Debug)]
pub struct VerifierBuilder {
    policy: HashPolicy,
    secret_hashing: SecretHashing,
    cache: Option<(u64, Duration)>,
    password_with_code: Option<PasswordWithCode>,
}

impl Default for VerifierBuilder {
    fn default() -> VerifierBuilder {
        VerifierBuilder {
            policy: HashPolicy::default(),
            secret_hashing: SecretHashing::default(),
            cache: Some((DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL)),
            password_with_code: None,
        }
    }
}

impl VerifierBuilder {
    /// The hash policy (default: OWASP argon2id, default cost limits).
    #[must_use]
    pub fn policy(mut self, policy: HashPolicy) -> VerifierBuilder {
        self.policy = policy;
        self
    }

    /// How new app passwords and API keys are hashed (default `{SSHA256}`).
    #[must_use]
    pub fn secret_hashing(mut self, hashing: SecretHashing) -> VerifierBuilder {
        self.secret_hashing = hashing;
        self
    }

    /// Cache size and entry lifetime (default 100,000 entries, 1 hour).
    #[must_use]
    pub fn cache(mut self, capacity: u64, ttl: Duration) -> VerifierBuilder {
        self.cache = Some((capacity, ttl));
        self
    }

    /// No verification cache: every login hashes.
    #[must_use]
    pub fn without_cache(mut self) -> VerifierBuilder {
        self.cache = None;
        self
    }

    /// Accept `password` + separator + TOTP code in the password field
    /// (off by default; see [`PasswordWithCode`]).
    #[must_use]
    pub fn password_with_code(mut self, policy: PasswordWithCode) -> VerifierBuilder {
        self.password_with_code = Some(policy);
        self
    }

    /// Builds the verifier; the cache key is drawn from `rng`.
    ///
    /// # Errors
    /// [`Error::Config`] for invalid argon2 parameters, [`Error::Random`]
    /// if `rng` fails.
    pub fn build_with(self, rng: &mut dyn RandomSource) -> Result<Verifier, Error> {
        let cache = match self.cache {
            Some((capacity, ttl)) => Some(VerificationCache::new(capacity, ttl, rng)?),
            None => None,
        };
        Ok(Verifier {
            inner: Arc::new(Inner {
                dummy_password: self.policy.dummy_for(SecretHashing::Argon2id)?,
                dummy_generated: self.policy.dummy_for(self.secret_hashing)?,
                policy: self.policy,
                secret_hashing: self.secret_hashing,
                cache,
                password_with_code: self.password_with_code,
            }),
        })
    }

    /// Builds the verifier with a cache key from the OS CSPRNG.
    ///
    /// # Errors
    /// As [`VerifierBuilder::build_with`].
    #[cfg(feature = "os-rng")]
    pub fn build(self) -> Result<Verifier, Error> {
        self.build_with(&mut crate::OsRandom)
    }
}

impl Verifier {
    /// A builder with safe defaults.
    #[must_use]
    pub fn builder() -> VerifierBuilder {
        VerifierBuilder::default()
    }

    /// The default verifier (OWASP argon2id, `{SSHA256}` for generated
    /// secrets, a 100,000-entry cache), keyed from the OS CSPRNG.
    ///
    /// # Errors
    /// [`Error::Random`] if the OS CSPRNG fails.
    #[cfg(feature = "os-rng")]
    pub fn new() -> Result<Verifier, Error> {
        Verifier::builder().build()
    }

    /// The hash policy.
    #[must_use]
    pub fn policy(&self) -> &HashPolicy {
        &self.inner.policy
    }

    /// The verification cache, if enabled.
    #[must_use]
    pub fn cache(&self) -> Option<&VerificationCache> {
        self.inner.cache.as_ref()
    }

    /// The `PasswordWithCode` policy, if enabled.
    #[must_use]
    pub fn password_with_code(&self) -> Option<&PasswordWithCode> {
        self.inner.password_with_code.as_ref()
    }

    /// Hashes a new password (argon2id, policy parameters) into a PHC string.
    ///
    /// # Errors
    /// As [`HashPolicy::hash_password`].
    pub fn hash_password(
        &self,
        password: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<String, Error> {
        self.inner.policy.hash_password(password, rng)
    }

    /// Verifies a password against a stored hash, without the cache.
    ///
    /// # Errors
    /// A [`HashError`].
    pub fn verify_hash(&self, password: &[u8], stored: &StoredHash) -> Result<Verified, HashError> {
        stored.verify(password, &self.inner.policy)
    }

    /// Verifies `presented` against `record` of `account`, through the
    /// cache: a repeat of a secret that verified before (same account,
    /// credential, revision and stored hash, within the TTL) skips the
    /// hash. Expiry and the address allowlist are always checked.
    ///
    /// # Errors
    /// A [`CredentialRefusal`].
    pub fn verify_credential(
        &self,
        account: &str,
        presented: &Secret,
        record: &CredentialRecord,
        now: OffsetDateTime,
        remote_ip: IpAddr,
    ) -> Result<CredentialMatch, CredentialRefusal> {
        self.verify_credential_in_epochs(account, presented, record, Some([0, 0]), now, remote_ip)
    }

    /// [`verify_credential`](Self::verify_credential) with revocation
    /// epochs read from a shared store (see [`CacheKey::epochs`]): a cache
    /// entry made under other epochs is not used. `None` (the epochs
    /// could not be read) neither reads nor writes the cache: the secret
    /// is verified against the hash.
    ///
    /// # Errors
    /// A [`CredentialRefusal`].
    pub fn verify_credential_in_epochs(
        &self,
        account: &str,
        presented: &Secret,
        record: &CredentialRecord,
        epochs: Option<[u64; 2]>,
        now: OffsetDateTime,
        remote_ip: IpAddr,
    ) -> Result<CredentialMatch, CredentialRefusal> {
        let material = record.material(presented)?;
        let key = CacheKey {
            account,
            kind: record.kind,
            id: record.id,
            revision: record.revision,
            epochs: epochs.unwrap_or_default(),
            stored_hash: record.hash.as_str(),
        };
        let cache = self.inner.cache.as_ref().filter(|_| epochs.is_some());
        let (verified, cached) =
            match cache.and_then(|cache| cache.get(&key, material.bytes(), now)) {
                Some(verified) => (verified, true),
                None => {
                    let verified = record.hash.verify(material.bytes(), &self.inner.policy)?;
                    if let Some(cache) = cache {
                        cache.insert(&key, material.bytes(), verified, now);
                    }
                    (verified, false)
                }
            };
        record.check_use(now, remote_ip)?;
        Ok(CredentialMatch {
            id: record.id,
            kind: record.kind,
            scheme: verified.scheme,
            needs_rehash: record.needs_rehash(verified),
            cached,
        })
    }

    /// Spends the time of a wrong secret of `kind` and refuses: call it for
    /// an unknown user or an unknown credential id, so that the reply time
    /// does not reveal which accounts or credentials exist.
    ///
    /// For passwords the dummy is an argon2id hash with exactly the
    /// policy's parameters; for app passwords and API keys it is a stored
    /// hash of the configured [`SecretHashing`]. The result is always
    /// [`CredentialRefusal::Mismatch`].
    #[must_use]
    pub fn dummy_verify(&self, presented: &Secret, kind: CredentialKind) -> CredentialRefusal {
        let dummy = match kind {
            CredentialKind::Password => &self.inner.dummy_password,
            CredentialKind::AppPassword | CredentialKind::ApiKey => &self.inner.dummy_generated,
        };
        let mut buffer = zeroize::Zeroizing::new([0u8; crate::API_KEY_RANDOM_LEN]);
        let material: &[u8] = match kind {
            CredentialKind::Password => presented.expose(),
            CredentialKind::AppPassword => {
                let random = buffer
                    .get_mut(..crate::APP_PASSWORD_RANDOM_LEN)
                    .unwrap_or_default();
                if let Some(app) = crate::AppPassword::parse(presented.expose()) {
                    random.copy_from_slice(app.random());
                }
                random
            }
            CredentialKind::ApiKey => {
                if let Some(key) = crate::ApiKey::parse(presented.expose()) {
                    buffer.copy_from_slice(key.random());
                }
                buffer.as_slice()
            }
        };
        // The outcome is discarded: the dummy never matches in practice,
        // and the refusal must not depend on it either way.
        let _ = core::hint::black_box(dummy.verify(material, &self.inner.policy));
        CredentialRefusal::Mismatch
    }

    /// Mints an app password (see [`new_app_password`](crate::new_app_password)).
    ///
    /// # Errors
    /// [`Error::Random`] or [`Error::Config`].
    pub fn new_app_password(
        &self,
        id: CredentialId,
        options: CredentialOptions,
        now: OffsetDateTime,
        rng: &mut dyn RandomSource,
    ) -> Result<NewCredential, Error> {
        crate::new_app_password(
            id,
            options,
            now,
            self.inner.secret_hashing,
            &self.inner.policy,
            rng,
        )
    }

    /// Mints an API key (see [`new_api_key`](crate::new_api_key)).
    ///
    /// # Errors
    /// [`Error::Random`] or [`Error::Config`].
    pub fn new_api_key(
        &self,
        account_id: u32,
        id: CredentialId,
        options: CredentialOptions,
        now: OffsetDateTime,
        rng: &mut dyn RandomSource,
    ) -> Result<NewCredential, Error> {
        crate::new_api_key(
            account_id,
            id,
            options,
            now,
            self.inner.secret_hashing,
            &self.inner.policy,
            rng,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_send_sync_clone() {
        fn check<T: Send + Sync + Clone>() {}
        check::<Verifier>();
    }
}
