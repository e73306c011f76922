//! [`AuthenticatorBuilder`]: the settings of an [`Authenticator`], safe by
//! default.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use portcullis_credentials::{HashPolicy, OsRandom, PasswordWithCode, RandomSource, Verifier};
use portcullis_impersonation::{ImpersonationPolicy, LoginSyntax};
use portcullis_oidc::OidcValidator;
use portcullis_permissions::{LoginPolicy, Surface};
use portcullis_sasl::MechanismPolicy;
use portcullis_sasl::scram::ScramDummyKey;
use time::OffsetDateTime;

use crate::authenticator::{Clock, Inner, ScramSetup};
use crate::directory::{Directory, DynDirectory};
use crate::hashing::Hashing;
use crate::revocation::{DynRevocationStore, RevocationStore, SharedTier};
use crate::second_factor::SecondFactorHint;
use crate::throttle::{DynThrottleStore, MemoryThrottle, ThrottlePolicy, ThrottleStore};
use crate::{Authenticator, Error};

/// Configures an [`Authenticator`].
pub struct AuthenticatorBuilder {
    directory: Option<Arc<dyn DynDirectory>>,
    oidc: Option<Arc<OidcValidator>>,
    oidc_default_roles: Vec<String>,
    syntax: LoginSyntax,
    impersonation: ImpersonationPolicy,
    login_policy: LoginPolicy,
    mechanisms: MechanismPolicy,
    surface_mechanisms: BTreeMap<Surface, MechanismPolicy>,
    trust_loopback: bool,
    throttle_policy: ThrottlePolicy,
    throttle: Option<Arc<dyn DynThrottleStore>>,
    hash_policy: HashPolicy,
    verifier: Option<Verifier>,
    password_with_code: Option<PasswordWithCode>,
    second_factor_hint: SecondFactorHint,
    clock: Option<Clock>,
    random: Option<Box<dyn RandomSource + Send>>,
    hashing: Hashing,
    realm: String,
    cache: Option<(u64, Duration)>,
    revocations: Option<Arc<dyn DynRevocationStore>>,
    shared_tier: Option<(zeroize::Zeroizing<Vec<u8>>, Duration)>,
    scram_iterations: Option<u32>,
    app_passwords_without_id: usize,
}

impl fmt::Debug for AuthenticatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatorBuilder")
            .field("realm", &self.realm)
            .field("directory", &self.directory.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for AuthenticatorBuilder {
    fn default() -> Self {
        AuthenticatorBuilder {
            directory: None,
            oidc: None,
            oidc_default_roles: vec![portcullis_permissions::preset::USER.to_owned()],
            syntax: LoginSyntax::default(),
            impersonation: ImpersonationPolicy::default(),
            login_policy: LoginPolicy::default(),
            mechanisms: MechanismPolicy::new(),
            surface_mechanisms: BTreeMap::new(),
            trust_loopback: false,
            throttle_policy: ThrottlePolicy::default(),
            throttle: None,
            hash_policy: HashPolicy::default(),
            verifier: None,
            password_with_code: None,
            second_factor_hint: SecondFactorHint::default(),
            clock: None,
            random: None,
            hashing: Hashing::default(),
            realm: "portcullis".to_owned(),
            cache: Some((DEFAULT_CACHE_ENTRIES, DEFAULT_CACHE_TTL)),
            revocations: None,
            shared_tier: None,
            scram_iterations: None,
            app_passwords_without_id: 0,
        }
    }
}

impl AuthenticatorBuilder {
    /// The directory (required).
    #[must_use]
    pub fn directory(mut self, directory: impl Directory) -> Self {
        self.directory = Some(Arc::new(directory));
        self
    }

    /// OIDC providers for bearer tokens. Without one, bearer logins are
    /// refused and OAUTHBEARER/XOAUTH2 are not advertised.
    #[must_use]
    pub fn oidc(mut self, validator: Arc<OidcValidator>) -> Self {
        self.oidc = Some(validator);
        self
    }

    /// Roles given to a token's principal that has no directory entry and
    /// no mapped roles (default: `user`).
    #[must_use]
    pub fn oidc_default_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.oidc_default_roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The login-name syntax (`%` by default).
    #[must_use]
    pub fn login_syntax(mut self, syntax: LoginSyntax) -> Self {
        self.syntax = syntax;
        self
    }

    /// The impersonation policy.
    #[must_use]
    pub fn impersonation(mut self, policy: ImpersonationPolicy) -> Self {
        self.impersonation = policy;
        self
    }

    /// The login gates.
    #[must_use]
    pub fn login_policy(mut self, policy: LoginPolicy) -> Self {
        self.login_policy = policy;
        self
    }

    /// The SASL mechanism policy (also applied to Basic logins as PLAIN:
    /// no cleartext password without TLS).
    #[must_use]
    pub fn mechanisms(mut self, policy: MechanismPolicy) -> Self {
        self.mechanisms = policy;
        self
    }

    /// A mechanism policy for one surface, in place of the general one
    /// ([`mechanisms`](Self::mechanisms)): say, LOGIN with base64 prompts
    /// on SMTP submission for old Outlook clients while IMAP offers PLAIN
    /// and the bearer mechanisms only.
    #[must_use]
    pub fn mechanisms_for(mut self, surface: Surface, policy: MechanismPolicy) -> Self {
        self.surface_mechanisms.insert(surface, policy);
        self
    }

    /// Treats loopback clients as a local transport, which the mechanism
    /// policy may trust ([`MechanismPolicy::trust_local_transport`]).
    #[must_use]
    pub fn trust_loopback(mut self, trust: bool) -> Self {
        self.trust_loopback = trust;
        self
    }

    /// The throttle's settings.
    #[must_use]
    pub fn throttle_policy(mut self, policy: ThrottlePolicy) -> Self {
        self.throttle_policy = policy;
        self
    }

    /// Where throttle counts live (default: a [`MemoryThrottle`]).
    #[must_use]
    pub fn throttle_store(mut self, store: impl ThrottleStore) -> Self {
        self.throttle = Some(Arc::new(store));
        self
    }

    /// The password hash policy (cost limits, argon2 parameters of the
    /// dummy verify). Ignored when [`AuthenticatorBuilder::verifier`] is set.
    #[must_use]
    pub fn hash_policy(mut self, policy: HashPolicy) -> Self {
        self.hash_policy = policy;
        self
    }

    /// The credential verifier (hash policy, verified-credential cache,
    /// dummy hashes) from `portcullis-credentials`; by default one is built
    /// from [`AuthenticatorBuilder::hash_policy`] and
    /// [`AuthenticatorBuilder::verification_cache`].
    #[must_use]
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Accepts `password` + separator + TOTP code in the password field for
    /// accounts with a second factor, on protocols that cannot prompt for
    /// one (off by default; see `portcullis_credentials::PasswordWithCode`
    /// for the trade-off). Such accounts then always need the code.
    #[must_use]
    pub fn password_with_code(mut self, policy: PasswordWithCode) -> Self {
        self.password_with_code = Some(policy);
        self
    }

    /// What a right password without its second factor is told (default
    /// [`SecondFactorHint::Reveal`]; see its docs for the trade-off).
    #[must_use]
    pub fn second_factor_hint(mut self, hint: SecondFactorHint) -> Self {
        self.second_factor_hint = hint;
        self
    }

    /// The clock (default: the system clock).
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Drives SCRAM exchanges in [`SaslSession`](crate::SaslSession):
    /// the SCRAM mechanisms the mechanism policy enables are offered and
    /// accepted. Off by default, so that no client is steered to a
    /// mechanism its account has no keys for.
    ///
    /// `iterations` is the PBKDF2 count of the directory's SCRAM keys
    /// (4,096 for `doveadm pw` and `portcullis hash --scheme
    /// scram-sha-256`): an unknown user, or an account without SCRAM keys,
    /// is answered with stand-in keys of this count, so that the
    /// server-first message does not tell them from a real account. An
    /// account signs in with SCRAM only if it has keys of the mechanism's
    /// hash ([`Account::scram_credential`](crate::Account::scram_credential)):
    /// an argon2id password alone cannot answer a SCRAM proof.
    #[must_use]
    pub fn scram(mut self, iterations: u32) -> Self {
        self.scram_iterations = Some(iterations);
        self
    }

    /// Lets app passwords whose secret names no credential id sign in (the
    /// ones Stalwart issued, `$app$<name>$<hash>`, imported by `portcullis
    /// import stalwart` as whole-secret records): a password-form secret
    /// without an id that does not verify as the account password is tried
    /// against the account's whole-secret app passwords, at most `max` of
    /// them (0, the default, turns this off).
    ///
    /// The cost is the reason it is off by default: a wrong password for
    /// such an account costs up to `max` more hash verifications, and how
    /// long a refusal takes tells an account with such app passwords (and
    /// roughly how many) from an unknown name. Each attempt still counts
    /// once towards the throttle. Re-issue the app passwords (`app_…`
    /// secrets carry their id) and turn this off.
    #[must_use]
    pub fn app_passwords_without_id(mut self, max: usize) -> Self {
        self.app_passwords_without_id = max;
        self
    }

    /// The random source used at build time: the key of the digests that
    /// recognise a resent wrong secret, and (unless a
    /// [`verifier`](Self::verifier) is given) the dummy hash salt and the
    /// verification cache key.
    #[must_use]
    pub fn random(mut self, random: impl RandomSource + Send + 'static) -> Self {
        self.random = Some(Box::new(random));
        self
    }

    /// Where hashing runs (default: tokio's blocking pool when the `tokio`
    /// feature is on and a runtime is present).
    #[must_use]
    pub fn hashing(mut self, hashing: Hashing) -> Self {
        self.hashing = hashing;
        self
    }

    /// The realm of HTTP challenges (default `portcullis`).
    #[must_use]
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// Bounds the verified-credential cache (default 100,000 entries for
    /// an hour); `entries = 0` turns it off, so every login hashes.
    #[must_use]
    pub fn verification_cache(mut self, entries: u64, ttl: Duration) -> Self {
        self.cache = (entries > 0).then_some((entries, ttl));
        self
    }

    /// Where revocation epochs live (default: none, and
    /// [`Authenticator::revoke_account`] answers
    /// [`RevocationError::NotConfigured`](crate::RevocationError::NotConfigured)).
    /// With a store, every grant records the epochs it was judged under,
    /// cached verifications are keyed by them, and
    /// [`Authenticator::revalidate`] ends the sessions a revocation moved
    /// past (see [`RevocationStore`]). A shared store
    /// (`portcullis-redis`) makes a revocation on one server end cached
    /// logins and sessions on all of them.
    #[must_use]
    pub fn revocation_store(mut self, store: impl RevocationStore) -> Self {
        self.revocations = Some(Arc::new(store));
        self
    }

    /// Turns on the shared tier of the verification cache, kept by the
    /// [`revocation_store`](Self::revocation_store): a secret verified on
    /// one server is not hashed again on another for `ttl`. Entries are
    /// keyed digests ([`VerificationDigest`](crate::VerificationDigest))
    /// under `key`, which every server of the deployment must share and
    /// which must never be stored beside them (a file only the servers
    /// read): with the key, a digest could be brute-forced at HMAC speed.
    /// At least 32 bytes, else [`build`](Self::build) fails.
    #[must_use]
    pub fn shared_verification_cache(mut self, key: &[u8], ttl: Duration) -> Self {
        self.shared_tier = Some((zeroize::Zeroizing::new(key.to_vec()), ttl));
        self
    }

    /// Builds the authenticator: makes the dummy hash (with the policy's
    /// argon2 parameters) and the cache key.
    ///
    /// # Errors
    /// [`Error::MissingDirectory`]; [`Error::Credentials`] if the random
    /// source fails or the argon2 parameters are invalid;
    /// [`Error::Settings`] for a shared verification cache without a
    /// revocation store, or with a key shorter than 32 bytes.
    pub fn build(self) -> Result<Authenticator, Error> {
        let directory = self.directory.ok_or(Error::MissingDirectory)?;
        let shared_tier = match self.shared_tier {
            None => None,
            Some(_) if self.revocations.is_none() => {
                return Err(Error::Settings(
                    "a shared verification cache needs a revocation store".to_owned(),
                ));
            }
            Some((key, _)) if key.len() < 32 => {
                return Err(Error::Settings(
                    "the shared verification cache key must be at least 32 bytes".to_owned(),
                ));
            }
            Some((key, ttl)) => Some(SharedTier::new(&key, ttl)),
        };
        let mut random: Box<dyn RandomSource + Send> = match self.random {
            Some(random) => random,
            None => Box::new(OsRandom),
        };
        let mut secret_digest_key = [0u8; 64];
        random
            .fill(&mut secret_digest_key)
            .map_err(portcullis_credentials::Error::from)?;
        let scram = match self.scram_iterations {
            Some(iterations) => {
                let mut key = [0u8; 32];
                random
                    .fill(&mut key)
                    .map_err(portcullis_credentials::Error::from)?;
                Some(ScramSetup {
                    iterations,
                    dummy_key: ScramDummyKey::new(key),
                })
            }
            None => None,
        };
        let verifier = match self.verifier {
            Some(verifier) => verifier,
            None => {
                let builder = Verifier::builder().policy(self.hash_policy);
                let builder = match self.cache {
                    Some((entries, ttl)) => builder.cache(
                        entries,
                        time::Duration::try_from(ttl).unwrap_or(time::Duration::HOUR),
                    ),
                    None => builder.without_cache(),
                };
                builder.build_with(&mut *random)?
            }
        };
        let clock = self
            .clock
            .unwrap_or_else(|| Arc::new(OffsetDateTime::now_utc));
        Ok(Authenticator {
            inner: Arc::new(Inner {
                directory,
                oidc: self.oidc,
                oidc_default_roles: self.oidc_default_roles,
                syntax: self.syntax,
                impersonation: self.impersonation,
                login_policy: self.login_policy,
                mechanisms: self.mechanisms,
                surface_mechanisms: self.surface_mechanisms,
                trust_loopback: self.trust_loopback,
                throttle_policy: self.throttle_policy,
                throttle: self
                    .throttle
                    .unwrap_or_else(|| Arc::new(MemoryThrottle::default())),
                verifier,
                password_with_code: self.password_with_code,
                second_factor_hint: self.second_factor_hint,
                compiled_roles: std::sync::Mutex::new(None),
                clock,
                hashing: self.hashing,
                realm: Arc::from(self.realm),
                secret_digest_key,
                revocations: self.revocations,
                shared_tier,
                scram,
                app_passwords_without_id: self.app_passwords_without_id,
                epochs_warned_at: std::sync::atomic::AtomicI64::new(0),
            }),
        })
    }
}

/// Default size of the verified-credential cache.
const DEFAULT_CACHE_ENTRIES: u64 = portcullis_credentials::DEFAULT_CACHE_CAPACITY;

/// Default lifetime of a verified-credential cache entry (one hour).
const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(3600);
