//! Stalwart-compatible app passwords: `app_` + base32 of (credential id as
//! u32 big-endian ‖ 18 random bytes).
//!
//! # What Stalwart does (checked against its source, v0.16)
//! - Building: `app_`, then the 22 bytes encoded **without padding** with
//!   Stalwart's own base32 alphabet `abcdefghijklmnopqrstuvwxyz792013`
//!   (lowercase letters for values 0–25, then `7 9 2 0 1 3` for 26–31), bits
//!   packed most-significant first as in RFC 4648. The result is always 36
//!   characters after the prefix (176 bits; the last character carries one
//!   bit and four zero bits).
//! - Parsing: the prefix `app` followed by one separator character (`_` in
//!   current versions, a space in older ones), then the base32 text, which
//!   must decode to exactly 22 bytes.
//! - Verifying: only the 18 random bytes are checked against the stored
//!   hash of the credential named by the id, so exactly one hash is
//!   verified per attempt.
//!
//! The alphabet is *not* RFC 4648's (`A–Z2–7`). This crate generates
//! Stalwart's alphabet by default (so secrets work on both), and also
//! accepts and can generate RFC 4648 uppercase base32
//! ([`AppPasswordAlphabet::Rfc4648`]). The two alphabets differ in letter
//! case, so a token decodes under at most one of them in practice.

use core::fmt;
use std::sync::LazyLock;

use data_encoding::{BASE32_NOPAD, Encoding, Specification};
use zeroize::Zeroizing;

use crate::error::RandomError;
use crate::{RandomSource, Secret};

/// Random bytes in an app password (144 bits).
pub const APP_PASSWORD_RANDOM_LEN: usize = 18;
/// Bytes encoded after the prefix: credential id (4) + random (18).
const PAYLOAD_LEN: usize = 4 + APP_PASSWORD_RANDOM_LEN;
/// Longest presented string considered for parsing.
const MAX_PRESENTED_LEN: usize = 64;

/// Stalwart's base32 symbols, values 0 to 31.
const STALWART_SYMBOLS: &str = "abcdefghijklmnopqrstuvwxyz792013";

static RFC4648_BASE32: Encoding = BASE32_NOPAD;

static STALWART_BASE32: LazyLock<Option<Encoding>> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols.push_str(STALWART_SYMBOLS);
    spec.encoding().ok()
});

/// A credential's identifier within its account (Stalwart's document id).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct CredentialId(pub u32);

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which base32 alphabet to write an app password in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AppPasswordAlphabet {
    /// Stalwart's lowercase alphabet (`abcdefghijklmnopqrstuvwxyz792013`):
    /// the secret also works on a Stalwart server.
    #[default]
    Stalwart,
    /// RFC 4648 base32 without padding (`A–Z2–7`).
    Rfc4648,
}

/// A parsed or freshly generated app password.
///
/// `Debug` shows the credential id only.
///
/// ```
/// use portcullis_credentials::{AppPassword, CredentialId};
///
/// let app = AppPassword::from_parts(CredentialId(7), [0x42; 18]);
/// let text = app.encode(Default::default());
/// let parsed = AppPassword::parse(text.expose()).unwrap();
/// assert_eq!(parsed.credential_id(), CredentialId(7));
/// assert_eq!(parsed.random(), &[0x42; 18]);
/// ```
pub struct AppPassword {
    credential_id: CredentialId,
    random: Zeroizing<[u8; APP_PASSWORD_RANDOM_LEN]>,
}

impl AppPassword {
    /// An app password from its parts.
    #[must_use]
    pub fn from_parts(
        credential_id: CredentialId,
        random: [u8; APP_PASSWORD_RANDOM_LEN],
    ) -> AppPassword {
        AppPassword {
            credential_id,
            random: Zeroizing::new(random),
        }
    }

    /// A new app password for `credential_id` with 18 bytes from `rng`.
    ///
    /// # Errors
    /// [`RandomError`] if the random source fails.
    pub fn generate(
        credential_id: CredentialId,
        rng: &mut dyn RandomSource,
    ) -> Result<AppPassword, RandomError> {
        let mut random = Zeroizing::new([0u8; APP_PASSWORD_RANDOM_LEN]);
        rng.fill(random.as_mut_slice())?;
        Ok(AppPassword {
            credential_id,
            random,
        })
    }

    /// Parses `app_…` (or the older `app …`) in either alphabet; `None` if
    /// the input is not an app password.
    #[must_use]
    pub fn parse(presented: &[u8]) -> Option<AppPassword> {
        if presented.len() > MAX_PRESENTED_LEN {
            return None;
        }
        let body = presented
            .strip_prefix(b"app_")
            .or_else(|| presented.strip_prefix(b"app "))?;
        let mut payload = Zeroizing::new([0u8; PAYLOAD_LEN]);
        let decoded = [STALWART_BASE32.as_ref(), Some(&RFC4648_BASE32)]
            .into_iter()
            .flatten()
            .any(|encoding| decode_exact(encoding, body, payload.as_mut_slice()));
        if !decoded {
            return None;
        }
        let (id, random) = payload.split_first_chunk::<4>()?;
        let random: [u8; APP_PASSWORD_RANDOM_LEN] = random.try_into().ok()?;
        Some(AppPassword::from_parts(
            CredentialId(u32::from_be_bytes(*id)),
            random,
        ))
    }

    /// The credential this app password names.
    #[must_use]
    pub fn credential_id(&self) -> CredentialId {
        self.credential_id
    }

    /// The 18 random bytes: what the stored hash is a hash of.
    #[must_use]
    pub fn random(&self) -> &[u8; APP_PASSWORD_RANDOM_LEN] {
        &self.random
    }

    /// The text the user types: `app_` + base32.
    #[must_use]
    pub fn encode(&self, alphabet: AppPasswordAlphabet) -> Secret {
        let mut payload = Zeroizing::new([0u8; PAYLOAD_LEN]);
        let (id, random) = payload.split_at_mut(4);
        id.copy_from_slice(&self.credential_id.0.to_be_bytes());
        random.copy_from_slice(self.random.as_slice());
        let encoding = match alphabet {
            AppPasswordAlphabet::Stalwart => STALWART_BASE32.as_ref().unwrap_or(&RFC4648_BASE32),
            AppPasswordAlphabet::Rfc4648 => &RFC4648_BASE32,
        };
        let mut text = Zeroizing::new(String::with_capacity(4 + encoding.encode_len(PAYLOAD_LEN)));
        text.push_str("app_");
        encoding.encode_append(payload.as_slice(), &mut text);
        Secret::new(text.as_bytes().to_vec())
    }
}

/// Decodes `text` into exactly `out.len()` bytes.
fn decode_exact(encoding: &Encoding, text: &[u8], out: &mut [u8]) -> bool {
    match encoding.decode_len(text.len()) {
        Ok(len) if len == out.len() => encoding.decode_mut(text, out).is_ok(),
        _ => false,
    }
}

impl fmt::Debug for AppPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppPassword")
            .field("credential_id", &self.credential_id)
            .field("random", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stalwart_alphabet_round_trip_and_shape() {
        let app = AppPassword::from_parts(CredentialId(0x0102_0304), [0xff; 18]);
        let text = app.encode(AppPasswordAlphabet::Stalwart);
        let text = text.expose_str().unwrap();
        assert_eq!(text.len(), 4 + 36);
        assert!(text.starts_with("app_aeba"), "{text}");
        assert!(text[4..].chars().all(|c| STALWART_SYMBOLS.contains(c)));
        let parsed = AppPassword::parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.credential_id(), CredentialId(0x0102_0304));
        assert_eq!(parsed.random(), &[0xff; 18]);
    }

    #[test]
    fn older_space_form_and_rfc4648() {
        let app = AppPassword::from_parts(CredentialId(9), [1; 18]);
        let stalwart = app.encode(AppPasswordAlphabet::Stalwart);
        let spaced = stalwart.expose_str().unwrap().replacen("app_", "app ", 1);
        assert_eq!(
            AppPassword::parse(spaced.as_bytes())
                .unwrap()
                .credential_id(),
            CredentialId(9)
        );
        let rfc = app.encode(AppPasswordAlphabet::Rfc4648);
        assert!(
            rfc.expose_str().unwrap()[4..]
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
        );
        assert_eq!(AppPassword::parse(rfc.expose()).unwrap().random(), &[1; 18]);
    }

    #[test]
    fn rejects_non_app_passwords() {
        for text in [
            &b"hunter2"[..],
            b"app_",
            b"app_abc",
            b"APP_aaaa",
            b"app-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        ] {
            assert!(AppPassword::parse(text).is_none());
        }
        // 36 symbols but a non-zero trailing bit pattern is not canonical.
        let mut text = AppPassword::from_parts(CredentialId(1), [0; 18])
            .encode(AppPasswordAlphabet::Stalwart)
            .expose()
            .to_vec();
        if let Some(last) = text.last_mut() {
            *last = b'b';
        }
        assert!(AppPassword::parse(&text).is_none());
    }

    #[test]
    fn debug_hides_the_random_part() {
        let app = AppPassword::from_parts(CredentialId(3), [0xab; 18]);
        let debug = format!("{app:?}");
        assert!(!debug.contains("171") && !debug.contains("ab,"), "{debug}");
    }
}
