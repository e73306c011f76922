//! Credential records: what a directory stores for a password, an app
//! password or an API key, and how a presented secret is checked against
//! one.

use std::net::IpAddr;

use ipnet::IpNet;
use portcullis_permissions::CredentialScope;
use time::OffsetDateTime;

use crate::error::{CredentialRefusal, Error};
use crate::hash::{HashPolicy, Scheme, SecretHashing, StoredHash, Verified};
use crate::{ApiKey, AppPassword, CredentialId, RandomSource, Secret};

/// What kind of secret a record holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// The account's password (chosen by a person).
    Password,
    /// A generated app password (`app_…`).
    AppPassword,
    /// A generated API key (`API_…`).
    ApiKey,
}

impl CredentialKind {
    /// Stable kebab-case name (`password`, `app-password`, `api-key`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::AppPassword => "app-password",
            CredentialKind::ApiKey => "api-key",
        }
    }
}

/// A stored credential. Serde-friendly: times are RFC 3339 strings, the
/// hash is its string form, networks are CIDR strings, the scope is
/// `portcullis-permissions`' [`CredentialScope`].
///
/// ```
/// use portcullis_credentials::CredentialRecord;
///
/// let record: CredentialRecord = toml::from_str(r#"
///     id = 7
///     kind = "app-password"
///     hash = "{SSHA256}aGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQgaGVsbG8gd29ybGQ="
///     description = "Thunderbird on the laptop"
///     created_at = "2025-01-01T00:00:00Z"
///     allowed_ips = ["192.0.2.0/24"]
///     scope = { replace = ["imapAuthenticate"] }
/// "#)?;
/// assert_eq!(record.id.0, 7);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct CredentialRecord {
    /// The credential's id within its account (for app passwords and API
    /// keys, the id encoded in the secret).
    pub id: CredentialId,
    /// What kind of secret this is.
    pub kind: CredentialKind,
    /// The stored hash of the secret (for app passwords and API keys: of
    /// their random bytes only).
    pub hash: StoredHash,
    /// Free text shown to the user ("Thunderbird on the laptop").
    #[serde(default)]
    pub description: String,
    /// When the credential was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it stops working, if ever.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// Networks it may be used from; empty means anywhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_ips: Vec<IpNet>,
    /// What it may do, within the account's rights.
    #[serde(default)]
    pub scope: CredentialScope,
    /// When it last verified, if the directory records that.
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_used: Option<OffsetDateTime>,
    /// Bumped by the directory on every change (new secret, scope change,
    /// deletion). Part of the verification cache key, so a bump
    /// invalidates cached verifications at once.
    #[serde(default)]
    pub revision: u64,
}

/// A successful verification of a secret against a record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CredentialMatch {
    /// The record's id.
    pub id: CredentialId,
    /// The record's kind.
    pub kind: CredentialKind,
    /// The stored hash's scheme.
    pub scheme: Scheme,
    /// The stored hash should be replaced at this login.
    pub needs_rehash: bool,
    /// The verification came from the cache (no hash was computed).
    pub cached: bool,
}

/// The bytes of a presented secret that the stored hash covers.
pub(crate) enum Material<'a> {
    Whole(&'a [u8]),
    AppPassword(AppPassword),
    ApiKey(ApiKey),
}

impl Material<'_> {
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Material::Whole(bytes) => bytes,
            Material::AppPassword(app) => app.random(),
            Material::ApiKey(key) => key.random(),
        }
    }
}

impl CredentialRecord {
    /// Extracts what the stored hash covers, refusing a secret of the
    /// wrong kind or for another credential id.
    pub(crate) fn material<'a>(
        &self,
        presented: &'a Secret,
    ) -> Result<Material<'a>, CredentialRefusal> {
        let bytes = presented.expose();
        match self.kind {
            CredentialKind::Password => Ok(Material::Whole(bytes)),
            CredentialKind::AppPassword => match AppPassword::parse(bytes) {
                Some(app) if app.credential_id() == self.id => Ok(Material::AppPassword(app)),
                Some(_) => Err(CredentialRefusal::Mismatch),
                None if ApiKey::parse(bytes).is_some() => Err(CredentialRefusal::WrongKind),
                None => Err(CredentialRefusal::Malformed),
            },
            CredentialKind::ApiKey => match ApiKey::parse(bytes) {
                Some(key) if key.credential_id() == self.id => Ok(Material::ApiKey(key)),
                Some(_) => Err(CredentialRefusal::Mismatch),
                None if AppPassword::parse(bytes).is_some() => Err(CredentialRefusal::WrongKind),
                None => Err(CredentialRefusal::Malformed),
            },
        }
    }

    /// Checks expiry and the address allowlist (after the secret matched).
    pub(crate) fn check_use(
        &self,
        now: OffsetDateTime,
        remote_ip: IpAddr,
    ) -> Result<(), CredentialRefusal> {
        if self.expires_at.is_some_and(|expires| expires <= now) {
            return Err(CredentialRefusal::Expired);
        }
        // An IPv4 client seen through an IPv6 socket arrives as ::ffff:a.b.c.d.
        let ip = remote_ip.to_canonical();
        if !self.allowed_ips.is_empty() && !self.allowed_ips.iter().any(|net| net.contains(&ip)) {
            return Err(CredentialRefusal::IpNotAllowed);
        }
        Ok(())
    }

    /// Whether this record's hash should be replaced, given its kind.
    ///
    /// For generated secrets a fast salted SHA-2 hash is the intended form
    /// (see [`SecretHashing`]); only cleartext and broken primitives are
    /// flagged.
    pub(crate) fn needs_rehash(&self, verified: Verified) -> bool {
        match self.kind {
            CredentialKind::Password => verified.needs_rehash,
            CredentialKind::AppPassword | CredentialKind::ApiKey => matches!(
                verified.scheme,
                Scheme::Plain | Scheme::Sha1 | Scheme::Ssha | Scheme::Md5Crypt | Scheme::DesCrypt
            ),
        }
    }

    /// Verifies `presented` against this record (no cache).
    ///
    /// Order: kind and id of the secret, the hash (constant time), then
    /// expiry and the address allowlist. `Expired` and `IpNotAllowed` are
    /// therefore only reported to a caller who holds the right secret.
    ///
    /// # Errors
    /// A [`CredentialRefusal`].
    pub fn verify(
        &self,
        presented: &Secret,
        now: OffsetDateTime,
        remote_ip: IpAddr,
        policy: &HashPolicy,
    ) -> Result<CredentialMatch, CredentialRefusal> {
        let material = self.material(presented)?;
        let verified = self.hash.verify(material.bytes(), policy)?;
        self.check_use(now, remote_ip)?;
        Ok(CredentialMatch {
            id: self.id,
            kind: self.kind,
            scheme: verified.scheme,
            needs_rehash: self.needs_rehash(verified),
            cached: false,
        })
    }
}

/// Verifies `presented` against `record` with the default [`HashPolicy`]
/// and no cache. Servers should prefer [`Verifier::verify_credential`](crate::Verifier::verify_credential).
///
/// # Errors
/// A [`CredentialRefusal`].
pub fn verify(
    presented: &Secret,
    record: &CredentialRecord,
    now: OffsetDateTime,
    remote_ip: IpAddr,
) -> Result<CredentialMatch, CredentialRefusal> {
    record.verify(presented, now, remote_ip, &HashPolicy::default())
}

/// The optional fields of a new app password or API key.
#[derive(Clone, Debug, Default)]
pub struct CredentialOptions {
    /// Free text shown to the user.
    pub description: String,
    /// When it stops working.
    pub expires_at: Option<OffsetDateTime>,
    /// Networks it may be used from (empty: anywhere).
    pub allowed_ips: Vec<IpNet>,
    /// What it may do.
    pub scope: CredentialScope,
}

/// A freshly minted credential: the secret, shown to the user once, and
/// the record to store. `Debug` redacts the secret.
#[derive(Debug)]
pub struct NewCredential {
    /// The text the user types or configures (`app_…`, `API_…`).
    pub secret: Secret,
    /// What the directory stores.
    pub record: CredentialRecord,
}

/// Mints an app password: the secret (`app_…`, Stalwart alphabet) and its
/// record, whose hash covers the 18 random bytes.
///
/// # Errors
/// [`Error::Random`] if `rng` fails; [`Error::Config`] for an invalid
/// argon2 policy when `hashing` is argon2id.
pub fn new_app_password(
    id: CredentialId,
    options: CredentialOptions,
    now: OffsetDateTime,
    hashing: SecretHashing,
    policy: &HashPolicy,
    rng: &mut dyn RandomSource,
) -> Result<NewCredential, Error> {
    let app = AppPassword::generate(id, rng)?;
    let hash = policy.hash_generated(app.random(), hashing, rng)?;
    Ok(NewCredential {
        secret: app.encode(crate::AppPasswordAlphabet::Stalwart),
        record: record(id, CredentialKind::AppPassword, hash, options, now),
    })
}

/// Mints an API key for `account_id`: the secret (`API_…`) and its record,
/// whose hash covers the 20 random bytes.
///
/// # Errors
/// As [`new_app_password`].
pub fn new_api_key(
    account_id: u32,
    id: CredentialId,
    options: CredentialOptions,
    now: OffsetDateTime,
    hashing: SecretHashing,
    policy: &HashPolicy,
    rng: &mut dyn RandomSource,
) -> Result<NewCredential, Error> {
    let key = ApiKey::generate(account_id, id, rng)?;
    let hash = policy.hash_generated(key.random(), hashing, rng)?;
    Ok(NewCredential {
        secret: key.encode(),
        record: record(id, CredentialKind::ApiKey, hash, options, now),
    })
}

fn record(
    id: CredentialId,
    kind: CredentialKind,
    hash: StoredHash,
    options: CredentialOptions,
    now: OffsetDateTime,
) -> CredentialRecord {
    CredentialRecord {
        id,
        kind,
        hash,
        description: options.description,
        created_at: now,
        expires_at: options.expires_at,
        allowed_ips: options.allowed_ips,
        scope: options.scope,
        last_used: None,
        revision: 0,
    }
}
