//! RFC 6238 TOTP with replay protection and safe enrolment, on `totp-rs`.
//!
//! - [`Totp::verify`] returns the accepted time step; the caller stores it,
//!   and a later code for the same or an earlier step is
//!   [`TotpRefusal::Replayed`] (RFC 6238 §5.2: a code is accepted once).
//! - [`TotpEnrolment`] holds a new secret until a code made from it is
//!   entered ([`TotpEnrolment::confirm`]), so a user who scanned the QR code
//!   wrongly cannot lock themself out.
//! - `otpauth://totp/…` URIs (the key-uri format read by authenticator apps)
//!   are parsed and built for QR codes. They carry the seed: they are
//!   returned as [`Secret`].

use core::fmt;

use time::OffsetDateTime;
use totp_rs::Algorithm;

use crate::error::{ConfigError, Error, TotpRefusal};
use crate::{RandomSource, Secret};

/// Shortest accepted seed: 128 bits (RFC 4226 §4; totp-rs enforces it).
pub const MIN_TOTP_SECRET_LEN: usize = 16;
/// Seed length of new enrolments: 160 bits, RFC 4226's recommendation.
pub const NEW_TOTP_SECRET_LEN: usize = 20;
/// Largest accepted skew, in steps either side of now.
pub const MAX_TOTP_SKEW: u8 = 4;

/// The HMAC of a TOTP.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TotpAlgorithm {
    /// HMAC-SHA-1: what every authenticator app supports (the default).
    #[default]
    Sha1,
    /// HMAC-SHA-256 (some apps silently fall back to SHA-1).
    Sha256,
    /// HMAC-SHA-512 (some apps silently fall back to SHA-1).
    Sha512,
}

impl TotpAlgorithm {
    fn to_totp_rs(self) -> Algorithm {
        match self {
            TotpAlgorithm::Sha1 => Algorithm::SHA1,
            TotpAlgorithm::Sha256 => Algorithm::SHA256,
            TotpAlgorithm::Sha512 => Algorithm::SHA512,
        }
    }

    fn from_totp_rs(algorithm: Algorithm) -> TotpAlgorithm {
        match algorithm {
            Algorithm::SHA256 => TotpAlgorithm::Sha256,
            Algorithm::SHA512 => TotpAlgorithm::Sha512,
            _ => TotpAlgorithm::Sha1,
        }
    }
}

/// TOTP parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TotpParams {
    /// HMAC (default SHA-1).
    pub algorithm: TotpAlgorithm,
    /// Code length, 6 to 8 (default 6).
    pub digits: u8,
    /// Step length in seconds (default 30).
    pub step_seconds: u64,
    /// Steps accepted either side of now for clock drift (default 1, at
    /// most [`MAX_TOTP_SKEW`]; RFC 6238 §5.2 recommends one).
    pub skew: u8,
}

impl Default for TotpParams {
    fn default() -> TotpParams {
        TotpParams {
            algorithm: TotpAlgorithm::Sha1,
            digits: 6,
            step_seconds: 30,
            skew: 1,
        }
    }
}

impl TotpParams {
    fn check(&self) -> Result<(), ConfigError> {
        if !(6..=8).contains(&self.digits) {
            return Err(ConfigError::Totp("digits must be 6, 7 or 8"));
        }
        if self.step_seconds == 0 {
            return Err(ConfigError::Totp("step must be at least one second"));
        }
        if self.skew > MAX_TOTP_SKEW {
            return Err(ConfigError::Totp("skew must be at most MAX_TOTP_SKEW"));
        }
        Ok(())
    }
}

/// The time step a code was accepted for; store it as the credential's
/// last used step.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct TotpStep(pub u64);

/// An enrolled TOTP factor: seed, parameters, and the labels shown by
/// authenticator apps.
///
/// `Debug` redacts the seed. Serialized (for the directory), the seed is
/// base32 in the `secret` field: protect the directory accordingly.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "StoredTotp", into = "StoredTotp")]
pub struct Totp {
    inner: totp_rs::Totp,
    params: TotpParams,
}

/// The serialized form of a [`Totp`].
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredTotp {
    secret: String,
    #[serde(flatten)]
    params: TotpParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    issuer: Option<String>,
    #[serde(default)]
    account: String,
}

impl Drop for StoredTotp {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret);
    }
}

impl TryFrom<StoredTotp> for Totp {
    type Error = ConfigError;

    fn try_from(stored: StoredTotp) -> Result<Totp, ConfigError> {
        let seed = zeroize::Zeroizing::new(
            data_encoding::BASE32_NOPAD
                .decode(
                    stored
                        .secret
                        .trim_end_matches('=')
                        .to_ascii_uppercase()
                        .as_bytes(),
                )
                .map_err(|_| ConfigError::Totp("secret is not base32"))?,
        );
        Totp::new(
            &seed,
            stored.params,
            stored.issuer.as_deref(),
            &stored.account,
        )
    }
}

impl From<Totp> for StoredTotp {
    fn from(totp: Totp) -> StoredTotp {
        StoredTotp {
            secret: data_encoding::BASE32_NOPAD.encode(totp.inner.secret().as_ref()),
            params: totp.params,
            issuer: totp.inner.issuer().map(str::to_owned),
            account: totp.inner.account_name().to_owned(),
        }
    }
}

impl Totp {
    /// A factor from a raw seed (at least [`MIN_TOTP_SECRET_LEN`] bytes).
    ///
    /// # Errors
    /// [`ConfigError::Totp`] for parameters out of range, a short seed, or
    /// an issuer/account containing `:`.
    pub fn new(
        seed: &[u8],
        params: TotpParams,
        issuer: Option<&str>,
        account: &str,
    ) -> Result<Totp, ConfigError> {
        params.check()?;
        let inner = totp_rs::Builder::new()
            .with_algorithm(params.algorithm.to_totp_rs())
            .with_digits(params.digits)
            .with_skew(params.skew.into())
            .with_step_duration(params.step_seconds)
            .with_secret(seed.to_vec())
            .with_issuer(issuer)
            .with_account_name(account)
            .build()
            .map_err(|error| ConfigError::Totp(totp_error(&error)))?;
        Ok(Totp { inner, params })
    }

    /// Parses an `otpauth://totp/Issuer:account?secret=…&…` URI; the skew
    /// (not part of the URI) is taken from `skew`.
    ///
    /// # Errors
    /// [`ConfigError::OtpauthUri`] for a URI that is not a usable TOTP.
    pub fn from_uri(uri: &str, skew: u8) -> Result<Totp, ConfigError> {
        let parsed = totp_rs::Totp::from_url(uri)
            .map_err(|error| ConfigError::OtpauthUri(totp_error(&error)))?;
        let params = TotpParams {
            algorithm: TotpAlgorithm::from_totp_rs(parsed.algorithm()),
            digits: parsed.digits(),
            step_seconds: parsed.step(),
            skew,
        };
        Totp::new(
            parsed.secret().as_ref(),
            params,
            parsed.issuer(),
            parsed.account_name(),
        )
    }

    /// The `otpauth://` URI for a QR code. It contains the seed.
    ///
    /// # Errors
    /// [`ConfigError::OtpauthUri`] when the account name is empty.
    pub fn to_uri(&self) -> Result<Secret, ConfigError> {
        self.inner
            .to_url()
            .map(Secret::from)
            .map_err(|error| ConfigError::OtpauthUri(totp_error(&error)))
    }

    /// The seed in base32 (for manual entry in an app).
    #[must_use]
    pub fn secret_base32(&self) -> Secret {
        Secret::from(data_encoding::BASE32_NOPAD.encode(self.inner.secret().as_ref()))
    }

    /// The parameters.
    #[must_use]
    pub fn params(&self) -> TotpParams {
        self.params
    }

    /// The issuer label, if any.
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.inner.issuer()
    }

    /// The account label.
    #[must_use]
    pub fn account(&self) -> &str {
        self.inner.account_name()
    }

    /// The code for `now` (for tests and for showing a code during setup).
    #[must_use]
    pub fn code_at(&self, now: OffsetDateTime) -> Secret {
        let seconds = u64::try_from(now.unix_timestamp()).unwrap_or(0);
        Secret::from(self.inner.generate(seconds).to_string())
    }

    /// Verifies `code` at `now`, refusing steps at or before `last_step`.
    ///
    /// # Errors
    /// [`TotpRefusal::Malformed`] for a code that is not `digits` ASCII
    /// digits, [`TotpRefusal::Invalid`] for a wrong code,
    /// [`TotpRefusal::Replayed`] for a right code whose step was used.
    pub fn verify(
        &self,
        code: &str,
        now: OffsetDateTime,
        last_step: Option<TotpStep>,
    ) -> Result<TotpStep, TotpRefusal> {
        if code.len() != usize::from(self.params.digits)
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(TotpRefusal::Malformed);
        }
        let seconds = u64::try_from(now.unix_timestamp()).map_err(|_| TotpRefusal::Invalid)?;
        let step = TotpStep(
            self.inner
                .check(code, seconds)
                .ok_or(TotpRefusal::Invalid)?,
        );
        if last_step.is_some_and(|last| step <= last) {
            return Err(TotpRefusal::Replayed);
        }
        Ok(step)
    }
}

fn totp_error(error: &totp_rs::TotpError) -> &'static str {
    match error {
        totp_rs::TotpError::InvalidDigits { .. } => "digits must be 6, 7 or 8",
        totp_rs::TotpError::InvalidStepZero => "step must be at least one second",
        totp_rs::TotpError::SecretTooShort { .. } => "secret shorter than 128 bits",
        totp_rs::TotpError::SecretNotSet => "missing secret",
        totp_rs::TotpError::InvalidAlgorithm { .. } => "unknown algorithm",
        totp_rs::TotpError::InvalidSecret => "secret is not base32",
        totp_rs::TotpError::InvalidScheme { .. } => "scheme is not otpauth",
        totp_rs::TotpError::InvalidHost { .. } => "not a totp URI",
        totp_rs::TotpError::AccountNameNotSet => "missing account name",
        totp_rs::TotpError::InvalidAccountName { .. }
        | totp_rs::TotpError::AccountNameDecode { .. } => "invalid account name (no `:`)",
        totp_rs::TotpError::InvalidIssuer { .. }
        | totp_rs::TotpError::IssuerDecode { .. }
        | totp_rs::TotpError::IssuerMismatch { .. } => "invalid issuer",
        _ => "invalid TOTP",
    }
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("params", &self.params)
            .field("issuer", &self.inner.issuer())
            .field("account", &self.inner.account_name())
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A TOTP factor being set up: active only once [`TotpEnrolment::confirm`]
/// has seen a valid code from the new seed.
///
/// ```
/// use portcullis_credentials::{OsRandom, TotpEnrolment, TotpParams};
///
/// let now = time::OffsetDateTime::now_utc();
/// let enrolment = TotpEnrolment::begin(TotpParams::default(), Some("Example"), "alice@example.org", &mut OsRandom)?;
/// let _qr = enrolment.uri()?; // show as a QR code
/// let code = enrolment.totp().code_at(now); // what the user's app shows
/// let enrolled = enrolment.confirm(code.expose_str().unwrap(), now).map_err(|(_, refusal)| refusal)?;
/// // Store `enrolled.totp` and `enrolled.last_step`; the same code cannot be replayed.
/// assert!(enrolled.totp.verify(code.expose_str().unwrap(), now, Some(enrolled.last_step)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct TotpEnrolment {
    pending: Totp,
}

/// A confirmed enrolment: the factor to store and the step its confirming
/// code used (store it as the last used step).
#[derive(Clone, Debug)]
pub struct EnrolledTotp {
    /// The factor to store.
    pub totp: Totp,
    /// The step of the confirming code.
    pub last_step: TotpStep,
}

impl TotpEnrolment {
    /// Starts an enrolment with a fresh 160-bit seed from `rng`.
    ///
    /// # Errors
    /// [`Error::Random`] or [`Error::Config`].
    pub fn begin(
        params: TotpParams,
        issuer: Option<&str>,
        account: &str,
        rng: &mut dyn RandomSource,
    ) -> Result<TotpEnrolment, Error> {
        let mut seed = zeroize::Zeroizing::new([0u8; NEW_TOTP_SECRET_LEN]);
        rng.fill(seed.as_mut_slice())?;
        Ok(TotpEnrolment {
            pending: Totp::new(seed.as_slice(), params, issuer, account)?,
        })
    }

    /// The pending factor (to show its URI, seed or current code).
    #[must_use]
    pub fn totp(&self) -> &Totp {
        &self.pending
    }

    /// The `otpauth://` URI for the QR code.
    ///
    /// # Errors
    /// As [`Totp::to_uri`].
    pub fn uri(&self) -> Result<Secret, ConfigError> {
        self.pending.to_uri()
    }

    /// Activates the factor if `code` is valid for the new seed at `now`;
    /// otherwise gives the enrolment back with the refusal, so the user can
    /// try again.
    ///
    /// # Errors
    /// The enrolment and a [`TotpRefusal`].
    pub fn confirm(
        self,
        code: &str,
        now: OffsetDateTime,
    ) -> Result<EnrolledTotp, (TotpEnrolment, TotpRefusal)> {
        match self.pending.verify(code, now, None) {
            Ok(step) => Ok(EnrolledTotp {
                totp: self.pending,
                last_step: step,
            }),
            Err(refusal) => Err((self, refusal)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: seed "12345678901234567890", SHA-1, 8 digits.
    #[test]
    fn rfc6238_sha1_vectors() {
        let totp = Totp::new(
            b"12345678901234567890",
            TotpParams {
                digits: 8,
                skew: 0,
                ..TotpParams::default()
            },
            None,
            "test",
        )
        .unwrap();
        for (seconds, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (2_000_000_000, "69279037"),
        ] {
            let now = OffsetDateTime::from_unix_timestamp(seconds).unwrap();
            assert_eq!(totp.code_at(now).expose_str(), Some(code));
            assert_eq!(
                totp.verify(code, now, None),
                Ok(TotpStep(seconds.unsigned_abs() / 30))
            );
        }
    }

    #[test]
    fn rejects_bad_params() {
        let bad = TotpParams {
            digits: 9,
            ..TotpParams::default()
        };
        assert!(Totp::new(&[0; 20], bad, None, "a").is_err());
        assert!(Totp::new(&[0; 15], TotpParams::default(), None, "a").is_err());
    }
}
