//! Password hashes: argon2id for new hashes, constant-time verification of
//! every legacy form met when migrating a mail directory.
//!
//! A stored string is parsed once into a typed [`StoredHash`] (one private
//! type per scheme behind one [`StoredHash::verify`] entry). Before any work
//! is done, the stored cost parameters are checked against the policy's
//! [`CostLimits`]: a hostile or corrupt directory entry cannot buy a 4 GiB
//! argon2 run or a 2³¹-round bcrypt. Besides the per-parameter caps, each
//! hash's estimated work (computed from its stored parameters when it is
//! parsed, [`StoredHash::work`]) must fit one per-verification budget,
//! [`CostLimits::max_work`], so that no combination of allowed parameters
//! costs seconds either.

mod argon2id;
mod bcrypt;
mod des_crypt;
mod digest;
mod md5_crypt;
mod memory;
mod pbkdf2;
mod plain;
mod scram;
mod scrypt;
mod sha_crypt;
mod work;

use core::fmt;

use subtle::Choice;

use crate::RandomSource;
use crate::error::{Error, HashError};

pub use argon2id::Argon2Params;
pub use scram::{
    MAX_SCRAM_SALT_LEN, SCRAM_MIN_ITERATIONS, SCRAM_SALT_LEN, ScramCredential, ScramHash,
};

/// The longest password this crate hashes, in bytes (the default of
/// [`HashPolicy::max_password_len`]).
///
/// Longer inputs are refused as [`HashError::Mismatch`] without hashing,
/// whatever the scheme.
pub const DEFAULT_MAX_PASSWORD_LEN: usize = 1024;

/// The longest secret verified against the crypt family: sha512-crypt
/// `$6$`, sha256-crypt `$5$` and md5-crypt `$1$`, in bytes.
///
/// These schemes hash the password once or twice in *every* round (and
/// once per byte of itself before the rounds), so their cost grows with
/// the secret's length times the rounds, and the client chooses the length:
/// sha512-crypt at 1,000,000 rounds takes 0.3 s for an 8-byte password but
/// 4–5 s for a 1,024-byte one. 256 bytes is far beyond any typed password
/// or passphrase, is where `openssl passwd` itself stops reading, and
/// bounds a 5,000-round `$6$` at about 8 ms.
///
/// A longer secret is a wrong secret: it is refused as
/// [`HashError::Mismatch`], after hashing its first 256 bytes and
/// discarding the result, so an over-long secret costs the same as the
/// longest accepted one and is never a cheaper probe. The work estimate of
/// these schemes ([`StoredHash::work`]) assumes a secret of this length.
///
/// Not affected: bcrypt reads at most 72 bytes; PBKDF2, scrypt and argon2
/// digest the password once (HMAC pre-hashes a key longer than its block),
/// so its length adds one pass, not one per iteration.
pub const MAX_CRYPT_PASSWORD_LEN: usize = 256;

/// The default per-verification work budget, [`CostLimits::max_work`]:
/// 20,000,000 work units (one unit ≈ one SHA-256 compression), about one
/// second of one core on the reference machine.
///
/// It admits every hash the usual tools make with their defaults or
/// common settings, the costliest being passlib's sha512-crypt at 656,000
/// rounds (16.4 M, 0.77 s with a 256-byte password), bcrypt cost 13
/// (9.8 M, 0.47 s) and scrypt `ln=17, r=8, p=1` (6.3 M, 0.29 s); it
/// refuses scrypt `ln=17, r=8, p=16` (101 M, 3.5 s), PBKDF2-SHA512 or
/// -SHA1 at 2,000,000 iterations with a 128-byte output (40 M / 28 M,
/// 2.5 s / 1.5 s) and sha512-crypt at 1,000,000 rounds (25 M, 1.1 s with a
/// 256-byte password). One unit measured 30–65 ns across schemes; the
/// figures are in `docs/security-model.md`, "Per-verification work
/// budget".
pub const DEFAULT_MAX_WORK: u64 = 20_000_000;

/// A password-hash scheme.
///
/// [`Scheme::name`] is the stable lowercase/kebab-case name printed by the
/// CLI and written to logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// Argon2id (RFC 9106), PHC `$argon2id$`, Dovecot `{ARGON2ID}`.
    Argon2id,
    /// Argon2i, PHC `$argon2i$`, Dovecot `{ARGON2I}`.
    Argon2i,
    /// Argon2d, PHC `$argon2d$`.
    Argon2d,
    /// scrypt, PHC `$scrypt$`.
    Scrypt,
    /// PBKDF2-HMAC-SHA1, passlib `$pbkdf2$`.
    Pbkdf2Sha1,
    /// PBKDF2-HMAC-SHA256, PHC or passlib `$pbkdf2-sha256$`.
    Pbkdf2Sha256,
    /// PBKDF2-HMAC-SHA512, PHC or passlib `$pbkdf2-sha512$`.
    Pbkdf2Sha512,
    /// bcrypt `$2a$`/`$2b$`/`$2y$`, Dovecot `{BLF-CRYPT}`.
    Bcrypt,
    /// sha512-crypt `$6$`, Dovecot `{SHA512-CRYPT}`.
    Sha512Crypt,
    /// sha256-crypt `$5$`, Dovecot `{SHA256-CRYPT}`.
    Sha256Crypt,
    /// md5-crypt `$1$`, Dovecot `{MD5-CRYPT}` (verify only).
    Md5Crypt,
    /// Traditional DES `crypt(3)` (13 characters), `{CRYPT}`/`{DES-CRYPT}`.
    DesCrypt,
    /// Salted SHA-512, `{SSHA512}`.
    Ssha512,
    /// Salted SHA-256, `{SSHA256}`.
    Ssha256,
    /// Salted SHA-1, `{SSHA}`.
    Ssha,
    /// Unsalted SHA-512, `{SHA512}`.
    Sha512,
    /// Unsalted SHA-256, `{SHA256}`.
    Sha256,
    /// Unsalted SHA-1, `{SHA}`/`{SHA1}`.
    Sha1,
    /// Cleartext, `{PLAIN}`/`{CLEARTEXT}`/`{CLEAR}`.
    Plain,
    /// SCRAM-SHA-1 keys (RFC 5802), Dovecot `{SCRAM-SHA-1}`; see
    /// [`ScramCredential`].
    ScramSha1,
    /// SCRAM-SHA-256 keys (RFC 7677), Dovecot `{SCRAM-SHA-256}`; see
    /// [`ScramCredential`].
    ScramSha256,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 21] = [
        Scheme::Argon2id,
        Scheme::Argon2i,
        Scheme::Argon2d,
        Scheme::Scrypt,
        Scheme::Pbkdf2Sha1,
        Scheme::Pbkdf2Sha256,
        Scheme::Pbkdf2Sha512,
        Scheme::Bcrypt,
        Scheme::Sha512Crypt,
        Scheme::Sha256Crypt,
        Scheme::Md5Crypt,
        Scheme::DesCrypt,
        Scheme::Ssha512,
        Scheme::Ssha256,
        Scheme::Ssha,
        Scheme::Sha512,
        Scheme::Sha256,
        Scheme::Sha1,
        Scheme::Plain,
        Scheme::ScramSha1,
        Scheme::ScramSha256,
    ];

    /// Stable lowercase name (`argon2id`, `sha512-crypt`, `ssha512`, …).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::Argon2id => "argon2id",
            Scheme::Argon2i => "argon2i",
            Scheme::Argon2d => "argon2d",
            Scheme::Scrypt => "scrypt",
            Scheme::Pbkdf2Sha1 => "pbkdf2-sha1",
            Scheme::Pbkdf2Sha256 => "pbkdf2-sha256",
            Scheme::Pbkdf2Sha512 => "pbkdf2-sha512",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Sha512Crypt => "sha512-crypt",
            Scheme::Sha256Crypt => "sha256-crypt",
            Scheme::Md5Crypt => "md5-crypt",
            Scheme::DesCrypt => "des-crypt",
            Scheme::Ssha512 => "ssha512",
            Scheme::Ssha256 => "ssha256",
            Scheme::Ssha => "ssha",
            Scheme::Sha512 => "sha512",
            Scheme::Sha256 => "sha256",
            Scheme::Sha1 => "sha1",
            Scheme::Plain => "plain",
            Scheme::ScramSha1 => "scram-sha-1",
            Scheme::ScramSha256 => "scram-sha-256",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Scheme {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A successful verification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Verified {
    /// The scheme of the stored hash.
    pub scheme: Scheme,
    /// The hash should be replaced by a fresh argon2id hash at this login:
    /// the scheme is not argon2id, or its parameters are below the policy
    /// (SCRAM entries only below [`SCRAM_MIN_ITERATIONS`], see
    /// [`StoredHash::needs_rehash`]).
    pub needs_rehash: bool,
}

/// Upper bounds on the cost of a stored hash, checked before verifying
/// (style.md: "cap them by policy before verifying").
///
/// Two kinds of bound apply, both refused as
/// [`HashError::ParametersTooCostly`] before any hashing:
///
/// - **per parameter** (`argon2_max_m_kib`, `bcrypt_max_cost`, …): what
///   one parameter may be, e.g. so that no entry buys 4 GiB of memory;
/// - **per verification** ([`max_work`](CostLimits::max_work)): what the
///   whole verification may cost, estimated from all stored parameters
///   together (`parameter` is then `"work"`). Parameters each within their
///   cap can still multiply into seconds (scrypt `p=16` at 128 MiB: 3.5 s);
///   the budget refuses those.
///
/// The work unit is one SHA-256 compression-function call (a 64-byte
/// block, ≈ 50 ns on the reference machine); each scheme's estimate
/// (see [`StoredHash::work`]) converts its own count by a measured weight:
///
/// | scheme | estimated work (units) |
/// |---|---|
/// | argon2 | 12 × m (KiB) × t (the p lanes share the m blocks) |
/// | scrypt | 3 × 2·N·r·p (128-byte BlockMix blocks: fill and read V) |
/// | PBKDF2 | iterations × ⌈output / PRF output⌉ × 2 compressions × (1 for SHA-1/SHA-256, 5 for SHA-512) |
/// | bcrypt | 1,200 × 2^cost |
/// | sha512-crypt | 5 × 5 SHA-512 blocks × rounds (for a [`MAX_CRYPT_PASSWORD_LEN`]-byte secret) |
/// | sha256-crypt | 9 SHA-256 blocks × rounds (same) |
/// | SCRAM | 2 × (iterations × 2 compressions + about 25), the two forms of the password that may be tried (see [`ScramCredential`]) |
/// | md5-crypt, DES crypt, digests, `{PLAIN}` | fixed, at most about 20,000 |
///
/// The defaults admit every parameter set produced by the usual tools with
/// their defaults (argon2-cffi m=64 MiB t=3 p=4, Dovecot `{ARGON2ID}`
/// m=64 MiB t=3, passlib sha512-crypt 656,000 rounds, PBKDF2-SHA1 at
/// OWASP's 1,300,000 rounds, bcrypt cost 12 and 13, scrypt N=2¹⁷ r=8 p=1)
/// while keeping the worst single verification under about a second on one
/// core ([`DEFAULT_MAX_WORK`]).
///
/// ```
/// use portcullis_credentials::{CostLimits, HashError, HashPolicy, StoredHash};
///
/// // Every parameter is within its cap, but together they cost seconds.
/// let stored = StoredHash::parse(
///     "$scrypt$ln=17,r=8,p=16$c2FsdHNhbHQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
/// )?;
/// assert!(stored.work() > CostLimits::default().max_work);
/// let refused = stored.verify(b"hunter2", &HashPolicy::default()).unwrap_err();
/// assert!(matches!(refused, HashError::ParametersTooCostly { parameter: "work", .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CostLimits {
    /// Largest argon2 memory, in KiB (default 131,072 = 128 MiB).
    pub argon2_max_m_kib: u32,
    /// Largest argon2 time cost (default 10).
    pub argon2_max_t: u32,
    /// Largest argon2 parallelism (default 16).
    pub argon2_max_p: u32,
    /// Largest bcrypt cost (default 13, about 0.6 s).
    pub bcrypt_max_cost: u32,
    /// Largest scrypt memory `128·r·N`, in KiB (default 131,072 = 128 MiB).
    pub scrypt_max_memory_kib: u64,
    /// Largest scrypt parallelism `p` (default 16).
    pub scrypt_max_p: u32,
    /// Largest PBKDF2 iteration count (default 2,000,000), also of SCRAM
    /// entries (`{SCRAM-SHA-256}`), whose keys are PBKDF2 of the password.
    pub pbkdf2_max_rounds: u32,
    /// Largest sha-crypt rounds (default 1,000,000).
    pub sha_crypt_max_rounds: u32,
    /// Largest estimated work of one verification, in work units (one unit
    /// ≈ one SHA-256 compression; default [`DEFAULT_MAX_WORK`], about one
    /// second of one core). Compared with [`StoredHash::work`].
    pub max_work: u64,
}

impl Default for CostLimits {
    fn default() -> CostLimits {
        CostLimits {
            argon2_max_m_kib: 128 * 1024,
            argon2_max_t: 10,
            argon2_max_p: 16,
            bcrypt_max_cost: 13,
            scrypt_max_memory_kib: 128 * 1024,
            scrypt_max_p: 16,
            pbkdf2_max_rounds: 2_000_000,
            sha_crypt_max_rounds: 1_000_000,
            max_work: DEFAULT_MAX_WORK,
        }
    }
}

impl CostLimits {
    /// No limits at all: any stored parameters are honoured, however
    /// costly. Only for offline tools that check a single trusted hash.
    #[must_use]
    pub const fn danger_unbounded() -> CostLimits {
        CostLimits {
            argon2_max_m_kib: u32::MAX,
            argon2_max_t: u32::MAX,
            argon2_max_p: u32::MAX,
            bcrypt_max_cost: u32::MAX,
            scrypt_max_memory_kib: u64::MAX,
            scrypt_max_p: u32::MAX,
            pbkdf2_max_rounds: u32::MAX,
            sha_crypt_max_rounds: u32::MAX,
            max_work: u64::MAX,
        }
    }
}

/// How passwords are hashed and verified.
///
/// ```
/// use portcullis_credentials::{HashPolicy, OsRandom, StoredHash};
///
/// let policy = HashPolicy::default(); // argon2id m=19456 KiB, t=2, p=1 (OWASP)
/// let phc = policy.hash_password(b"hunter2", &mut OsRandom)?;
/// let stored = StoredHash::parse(&phc)?;
/// let verified = stored.verify(b"hunter2", &policy)?;
/// assert_eq!(verified.scheme.name(), "argon2id");
/// assert!(!verified.needs_rehash);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct HashPolicy {
    /// Parameters for new hashes; stored argon2id hashes below them report
    /// `needs_rehash`.
    pub argon2: Argon2Params,
    /// Caps on stored parameters, checked before verifying.
    pub limits: CostLimits,
    /// Passwords longer than this (bytes) are refused without hashing
    /// (default [`DEFAULT_MAX_PASSWORD_LEN`]).
    pub max_password_len: usize,
    /// Argon2 memory kept per thread between verifications, in KiB
    /// (default: the policy's `m`, so the common case never maps fresh
    /// memory; larger legacy hashes allocate per call).
    pub retained_memory_kib: u32,
}

impl Default for HashPolicy {
    fn default() -> HashPolicy {
        HashPolicy {
            argon2: Argon2Params::OWASP,
            limits: CostLimits::default(),
            max_password_len: DEFAULT_MAX_PASSWORD_LEN,
            retained_memory_kib: Argon2Params::OWASP.m_kib,
        }
    }
}

impl HashPolicy {
    /// A policy with these argon2 parameters for new hashes (and the
    /// per-thread retained memory sized to them).
    #[must_use]
    pub fn with_argon2(argon2: Argon2Params) -> HashPolicy {
        HashPolicy {
            argon2,
            retained_memory_kib: argon2.m_kib,
            ..HashPolicy::default()
        }
    }

    /// Hashes a new password with argon2id and a fresh 16-byte salt;
    /// returns the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
    ///
    /// # Errors
    /// [`Error::Random`] if the salt cannot be drawn; [`Error::Config`] if
    /// the policy's parameters are invalid.
    pub fn hash_password(
        &self,
        password: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<String, Error> {
        let mut salt = [0u8; argon2id::SALT_LEN];
        rng.fill(&mut salt)?;
        argon2id::hash_new(password, &salt, self)
    }

    /// Hashes a generated high-entropy secret (app password, API key) the
    /// way `hashing` says.
    pub(crate) fn hash_generated(
        &self,
        secret: &[u8],
        hashing: SecretHashing,
        rng: &mut dyn RandomSource,
    ) -> Result<StoredHash, Error> {
        let text = match hashing {
            SecretHashing::SaltedSha256 => {
                let mut salt = [0u8; 16];
                rng.fill(&mut salt)?;
                digest::ssha256(secret, &salt)
            }
            SecretHashing::Argon2id => self.hash_password(secret, rng)?,
        };
        Ok(StoredHash::parse(&text)?)
    }

    /// A fixed stored hash of the given kind with the same cost as a real
    /// one: what an unknown user or credential id is verified against.
    pub(crate) fn dummy_for(&self, hashing: SecretHashing) -> Result<StoredHash, Error> {
        match hashing {
            SecretHashing::Argon2id => self.dummy_hash(),
            SecretHashing::SaltedSha256 => Ok(StoredHash::parse(&digest::ssha256(
                b"portcullis-dummy",
                &[0; 16],
            ))?),
        }
    }

    /// A fixed hash with exactly the policy's parameters, used to spend the
    /// same time on an unknown user as on a wrong password.
    pub(crate) fn dummy_hash(&self) -> Result<StoredHash, Error> {
        let hash = argon2id::Argon2Hash::dummy(&self.argon2)?;
        Ok(StoredHash::new(Box::from("<dummy>"), Inner::Argon2(hash)))
    }
}

/// How the stored hash of a *generated* secret (app password, API key) is
/// made.
///
/// The default is [`SecretHashing::SaltedSha256`]: `{SSHA256}` with a
/// 16-byte salt. A password hash must be slow because people choose
/// guessable passwords; these secrets are 144 (app password) or 160 (API
/// key) bits from the OS CSPRNG, so even a stolen directory leaves 2¹⁴³
/// guesses on average, far beyond any brute force, and a slow hash would
/// only hand every client a 16 ms CPU lever per attempt (a denial-of-service
/// amplifier) and make mail clients that reconnect often expensive. Choose
/// [`SecretHashing::Argon2id`] to hash them like passwords (the verification
/// cache then absorbs repeat logins).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretHashing {
    /// `{SSHA256}`: SHA-256 of secret ‖ 16-byte salt, about a microsecond.
    #[default]
    SaltedSha256,
    /// argon2id with the policy's parameters.
    Argon2id,
}

/// What every scheme type provides behind [`StoredHash::verify`].
trait HashScheme {
    /// The scheme (for the result and for errors).
    fn scheme(&self) -> Scheme;
    /// Refuses stored parameters above the per-parameter limits, before
    /// any hashing.
    fn check_cost(&self, limits: &CostLimits) -> Result<(), HashError>;
    /// Estimated work of one verification, in work units (see `work`),
    /// from the stored parameters alone.
    fn work(&self) -> u64;
    /// The longest secret this scheme verifies; a longer one is a wrong
    /// secret (see [`MAX_CRYPT_PASSWORD_LEN`]).
    fn max_secret_len(&self) -> usize {
        usize::MAX
    }
    /// Recomputes and compares in constant time.
    fn matches(&self, password: &[u8], policy: &HashPolicy) -> Result<Choice, HashError>;
    /// Whether a successful login should rehash.
    fn needs_rehash(&self, policy: &HashPolicy) -> bool;
}

/// A stored password hash, parsed once into its scheme's typed form.
///
/// Accepts PHC strings (`$argon2id$`, `$argon2i$`, `$argon2d$`, `$scrypt$`,
/// `$pbkdf2-sha256$`, `$pbkdf2-sha512$`), passlib's `$pbkdf2…$` MCF forms,
/// crypt strings (`$2a$`/`$2b$`/`$2y$`, `$6$`, `$5$`, `$1$`), and the
/// LDAP/Dovecot `{SCHEME}` prefixes (`{ARGON2ID}`, `{ARGON2I}`,
/// `{BLF-CRYPT}`, `{SHA512-CRYPT}`, `{SHA256-CRYPT}`, `{MD5-CRYPT}`,
/// `{SSHA512}`, `{SSHA256}`, `{SSHA}`, `{SHA512}`, `{SHA256}`, `{SHA}`,
/// `{CRYPT}`, `{DES-CRYPT}`, `{PLAIN}`/`{CLEARTEXT}`/`{CLEAR}`, with
/// Dovecot's optional `.HEX`/`.B64` encoding suffix), and Dovecot's SCRAM
/// keys `{SCRAM-SHA-256}`/`{SCRAM-SHA-1}` (verified by deriving `StoredKey`
/// from the password; [`StoredHash::scram`] hands the keys to a SCRAM
/// exchange). Prefix names are case-insensitive, as in Dovecot.
///
/// `Debug` shows the scheme only: a `{PLAIN}` entry is the password.
/// Serialized, it is the original string.
#[derive(Clone)]
pub struct StoredHash {
    source: Box<str>,
    inner: Inner,
    /// Estimated work of one verification, computed once at parse time.
    work: u64,
}

#[derive(Clone)]
enum Inner {
    Argon2(argon2id::Argon2Hash),
    Scrypt(scrypt::ScryptHash),
    Pbkdf2(pbkdf2::Pbkdf2Hash),
    Bcrypt(bcrypt::BcryptHash),
    ShaCrypt(sha_crypt::ShaCryptHash),
    Md5Crypt(md5_crypt::Md5CryptHash),
    DesCrypt(des_crypt::DesCryptHash),
    Digest(digest::DigestHash),
    Plain(plain::PlainHash),
    Scram(ScramCredential),
}

impl Inner {
    fn as_scheme(&self) -> &dyn HashScheme {
        match self {
            Inner::Argon2(hash) => hash,
            Inner::Scrypt(hash) => hash,
            Inner::Pbkdf2(hash) => hash,
            Inner::Bcrypt(hash) => hash,
            Inner::ShaCrypt(hash) => hash,
            Inner::Md5Crypt(hash) => hash,
            Inner::DesCrypt(hash) => hash,
            Inner::Digest(hash) => hash,
            Inner::Plain(hash) => hash,
            Inner::Scram(hash) => hash,
        }
    }
}

/// Longest stored hash string accepted by [`StoredHash::parse`].
pub const MAX_STORED_HASH_LEN: usize = 4096;

impl StoredHash {
    /// Parses a stored hash string.
    ///
    /// # Errors
    /// [`HashError::UnsupportedScheme`] for a recognisable but unsupported
    /// scheme (e.g. `{CRAM-MD5}`, `$7$`), [`HashError::MalformedHash`]
    /// for anything else that is not a well-formed hash.
    pub fn parse(stored: &str) -> Result<StoredHash, HashError> {
        if stored.len() > MAX_STORED_HASH_LEN {
            return Err(HashError::malformed(
                "unknown",
                "longer than MAX_STORED_HASH_LEN",
            ));
        }
        let inner = if let Some(rest) = stored.strip_prefix('{') {
            parse_prefixed(rest)?
        } else if stored.starts_with('$') {
            parse_modular(stored)?
        } else {
            return Err(HashError::malformed(
                "unknown",
                "no `$id$` or `{SCHEME}` prefix",
            ));
        };
        Ok(StoredHash::new(Box::from(stored), inner))
    }

    fn new(source: Box<str>, inner: Inner) -> StoredHash {
        let work = inner.as_scheme().work();
        StoredHash {
            source,
            inner,
            work,
        }
    }

    /// The scheme of this hash.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.inner.as_scheme().scheme()
    }

    /// The string this hash was parsed from (password-equivalent for
    /// `{PLAIN}` and fast unsalted digests: handle as a secret).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Estimated work of verifying one secret against this hash, in work
    /// units (one unit ≈ one SHA-256 compression; see [`CostLimits`] for
    /// each scheme's formula).
    ///
    /// Computed from the stored parameters when the hash is parsed, never
    /// from a presented secret: where the cost grows with the secret's
    /// length it assumes the longest accepted one.
    #[must_use]
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Checks the stored parameters against `limits`: each parameter
    /// against its cap, then the whole estimated [`work`](Self::work)
    /// against [`CostLimits::max_work`]. [`StoredHash::verify`] does this
    /// first; a directory may also call it when it loads an entry.
    ///
    /// # Errors
    /// [`HashError::ParametersTooCostly`] naming the parameter over its cap,
    /// or `parameter: "work"` with the estimate and the budget.
    pub fn check_cost(&self, limits: &CostLimits) -> Result<(), HashError> {
        let scheme = self.inner.as_scheme();
        scheme.check_cost(limits)?;
        if self.work > limits.max_work {
            return Err(HashError::ParametersTooCostly {
                scheme: scheme.scheme(),
                parameter: "work",
                value: self.work,
                limit: limits.max_work,
            });
        }
        Ok(())
    }

    /// Verifies `password` in constant time with respect to its content.
    ///
    /// Stored parameters are checked against `policy.limits` first
    /// ([`StoredHash::check_cost`]), so a hash over its caps or over the
    /// work budget costs nothing.
    ///
    /// # Errors
    /// [`HashError::Mismatch`] when the password is wrong (or longer than
    /// `policy.max_password_len`, or than [`MAX_CRYPT_PASSWORD_LEN`] for
    /// the crypt family); [`HashError::ParametersTooCostly`] when the
    /// stored parameters exceed the limits.
    pub fn verify(&self, password: &[u8], policy: &HashPolicy) -> Result<Verified, HashError> {
        self.check_cost(&policy.limits)?;
        let scheme = self.inner.as_scheme();
        if password.len() > policy.max_password_len {
            return Err(HashError::Mismatch);
        }
        let max_secret_len = scheme.max_secret_len();
        if password.len() > max_secret_len {
            // Spend what the longest accepted secret costs, then refuse: an
            // over-long secret must not be a cheaper probe than a real
            // attempt (the client chooses the length, and a shortcut here
            // would tell which accounts have crypt-family hashes).
            let prefix = password.get(..max_secret_len).unwrap_or(password);
            let _ = core::hint::black_box(scheme.matches(prefix, policy));
            return Err(HashError::Mismatch);
        }
        if bool::from(scheme.matches(password, policy)?) {
            Ok(Verified {
                scheme: scheme.scheme(),
                needs_rehash: scheme.needs_rehash(policy),
            })
        } else {
            Err(HashError::Mismatch)
        }
    }

    /// Whether a hash like this one should be replaced at the next good
    /// login (weak scheme or parameters below `policy`).
    ///
    /// SCRAM entries report it only below [`SCRAM_MIN_ITERATIONS`]:
    /// replacing their keys by argon2id would end SCRAM logins for the
    /// account.
    #[must_use]
    pub fn needs_rehash(&self, policy: &HashPolicy) -> bool {
        self.inner.as_scheme().needs_rehash(policy)
    }

    /// The SCRAM keys, when this is a `{SCRAM-SHA-1}` or `{SCRAM-SHA-256}`
    /// entry: what a SCRAM exchange needs (salt, iteration count,
    /// `StoredKey`, `ServerKey`). `None` for every other scheme; such an
    /// account cannot use SCRAM (a server then runs the exchange against a
    /// dummy, so the client cannot tell it from a wrong password).
    ///
    /// ```
    /// use portcullis_credentials::StoredHash;
    /// use portcullis_credentials::hash::ScramHash;
    /// let stored = StoredHash::parse(
    ///     "{SCRAM-SHA-1}4096,G1/+XPqXbbiqtDcjhN0VkA==,nOgKvwwDtz5vul2IfDL8eLJyN58=,77a9ME9PjU3UTkWhHLk1og1o2hM=",
    /// )?;
    /// let scram = stored.scram().ok_or("not SCRAM")?;
    /// assert_eq!((scram.hash(), scram.iterations(), scram.salt().len()), (ScramHash::Sha1, 4096, 16));
    /// assert!(StoredHash::parse("{PLAIN}x")?.scram().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn scram(&self) -> Option<&ScramCredential> {
        match &self.inner {
            Inner::Scram(credential) => Some(credential),
            _ => None,
        }
    }
}

impl From<ScramCredential> for StoredHash {
    /// The stored hash of a new SCRAM credential (its source string is
    /// [`ScramCredential::encode`]).
    fn from(credential: ScramCredential) -> StoredHash {
        StoredHash::new(
            credential.encode().into_boxed_str(),
            Inner::Scram(credential),
        )
    }
}

impl fmt::Debug for StoredHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredHash")
            .field("scheme", &self.scheme())
            .finish_non_exhaustive()
    }
}

impl core::str::FromStr for StoredHash {
    type Err = HashError;

    fn from_str(stored: &str) -> Result<StoredHash, HashError> {
        StoredHash::parse(stored)
    }
}

impl serde::Serialize for StoredHash {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> serde::Deserialize<'de> for StoredHash {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<StoredHash, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        StoredHash::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `{SCHEME}rest` or `{SCHEME.ENC}rest` (LDAP userPassword, Dovecot).
fn parse_prefixed(after_brace: &str) -> Result<Inner, HashError> {
    let (name, rest) = after_brace.split_once('}').ok_or(HashError::malformed(
        "unknown",
        "unterminated `{SCHEME}` prefix",
    ))?;
    let (name, encoding) = match name.split_once('.') {
        Some((name, encoding)) => (name, Some(digest::Encoding::parse(encoding)?)),
        None => (name, None),
    };
    let upper = name.to_ascii_uppercase();
    let inner = match upper.as_str() {
        "ARGON2ID" => Inner::Argon2(argon2id::Argon2Hash::parse_expecting(
            rest,
            Scheme::Argon2id,
        )?),
        "ARGON2I" => Inner::Argon2(argon2id::Argon2Hash::parse_expecting(
            rest,
            Scheme::Argon2i,
        )?),
        // OpenLDAP's argon2 module (`pw-argon2`): the PHC string names the
        // variant itself.
        "ARGON2" => Inner::Argon2(argon2id::Argon2Hash::parse(rest)?),
        "BLF-CRYPT" => Inner::Bcrypt(bcrypt::BcryptHash::parse(rest)?),
        "SHA512-CRYPT" => Inner::ShaCrypt(sha_crypt::ShaCryptHash::parse_expecting(
            rest,
            Scheme::Sha512Crypt,
        )?),
        "SHA256-CRYPT" => Inner::ShaCrypt(sha_crypt::ShaCryptHash::parse_expecting(
            rest,
            Scheme::Sha256Crypt,
        )?),
        "MD5-CRYPT" => Inner::Md5Crypt(md5_crypt::Md5CryptHash::parse(rest)?),
        "DES-CRYPT" => Inner::DesCrypt(des_crypt::DesCryptHash::parse(rest)?),
        // `{CRYPT}` is whatever the system's crypt(3) understands.
        "CRYPT" => {
            if rest.starts_with('$') {
                parse_modular(rest)?
            } else {
                Inner::DesCrypt(des_crypt::DesCryptHash::parse(rest)?)
            }
        }
        "SSHA512" => Inner::Digest(digest::DigestHash::parse(Scheme::Ssha512, rest, encoding)?),
        "SSHA256" => Inner::Digest(digest::DigestHash::parse(Scheme::Ssha256, rest, encoding)?),
        "SSHA" => Inner::Digest(digest::DigestHash::parse(Scheme::Ssha, rest, encoding)?),
        "SHA512" => Inner::Digest(digest::DigestHash::parse(Scheme::Sha512, rest, encoding)?),
        "SHA256" => Inner::Digest(digest::DigestHash::parse(Scheme::Sha256, rest, encoding)?),
        "SHA" | "SHA1" => Inner::Digest(digest::DigestHash::parse(Scheme::Sha1, rest, encoding)?),
        "PLAIN" | "CLEARTEXT" | "CLEAR" => Inner::Plain(plain::PlainHash::parse(rest, encoding)?),
        "SCRAM-SHA-256" | "SCRAM-SHA-1" if encoding.is_some() => {
            return Err(HashError::malformed(
                "scram",
                "SCRAM entries take no encoding suffix",
            ));
        }
        "SCRAM-SHA-256" => Inner::Scram(ScramCredential::parse_body(ScramHash::Sha256, rest)?),
        "SCRAM-SHA-1" => Inner::Scram(ScramCredential::parse_body(ScramHash::Sha1, rest)?),
        _ => return Err(HashError::UnsupportedScheme(format!("{{{upper}}}"))),
    };
    Ok(inner)
}

/// `$id$…`: PHC strings and crypt(3) Modular Crypt Format.
fn parse_modular(stored: &str) -> Result<Inner, HashError> {
    let id = stored
        .get(1..)
        .and_then(|rest| rest.split('$').next())
        .unwrap_or_default();
    let inner = match id {
        "argon2id" | "argon2i" | "argon2d" => Inner::Argon2(argon2id::Argon2Hash::parse(stored)?),
        "scrypt" => Inner::Scrypt(scrypt::ScryptHash::parse(stored)?),
        "pbkdf2" | "pbkdf2-sha256" | "pbkdf2-sha512" => {
            Inner::Pbkdf2(pbkdf2::Pbkdf2Hash::parse(stored)?)
        }
        "2a" | "2b" | "2y" => Inner::Bcrypt(bcrypt::BcryptHash::parse(stored)?),
        "6" | "5" => Inner::ShaCrypt(sha_crypt::ShaCryptHash::parse(stored)?),
        "1" => Inner::Md5Crypt(md5_crypt::Md5CryptHash::parse(stored)?),
        "" => return Err(HashError::malformed("unknown", "empty `$id$`")),
        other => {
            let shown: String = other.chars().take(24).collect();
            return Err(HashError::UnsupportedScheme(format!("${shown}$")));
        }
    };
    Ok(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openldap_argon2_prefix_holds_any_variant() {
        // doveadm's {ARGON2ID} vector (hunter2) in OpenLDAP's pw-argon2 form.
        let phc = "$argon2id$v=19$m=65536,t=3,p=1$yNCMVdBl+sNwdrtQozu/Qw$IgUfjP+btdoNkLWWMoWPiWiQVo3p04ekj+4DH0Z8Cpg";
        let stored = StoredHash::parse(&format!("{{ARGON2}}{phc}")).unwrap();
        assert_eq!(stored.scheme(), Scheme::Argon2id);
        let policy = HashPolicy::default();
        assert!(stored.verify(b"hunter2", &policy).is_ok());
        assert!(stored.verify(b"hunter3", &policy).is_err());
        assert!(StoredHash::parse("{ARGON2}$bcrypt$x").is_err());
    }

    #[test]
    fn names_are_unique_and_kebab() {
        let mut names: Vec<_> = Scheme::ALL.iter().map(|s| s.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Scheme::ALL.len());
        for name in names {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            );
        }
    }

    #[test]
    fn unknown_forms_are_typed() {
        assert_eq!(
            StoredHash::parse("{CRAM-MD5}abc").unwrap_err(),
            HashError::UnsupportedScheme("{CRAM-MD5}".into())
        );
        assert_eq!(
            StoredHash::parse("$7$abc").unwrap_err(),
            HashError::UnsupportedScheme("$7$".into())
        );
        assert_eq!(
            StoredHash::parse("hunter2").unwrap_err().kind(),
            "malformed-hash"
        );
        assert_eq!(
            StoredHash::parse("{SHA").unwrap_err().kind(),
            "malformed-hash"
        );
    }

    #[test]
    fn debug_hides_the_hash() {
        let stored = StoredHash::parse("{PLAIN}hunter2").unwrap();
        let debug = format!("{stored:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("Plain"), "{debug}");
    }
}
