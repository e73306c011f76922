//! Stalwart-compatible API keys: `API_` + base64url (RFC 4648 §5, no
//! padding) of (account id as u32 big-endian ‖ credential id as u32
//! big-endian ‖ 20 random bytes).
//!
//! Checked against Stalwart's source (v0.16): the decoded payload must be
//! exactly 28 bytes (38 base64url characters), both ids are big-endian
//! `u32`s, and only the 20 random bytes are verified against the stored
//! hash of the credential named by the ids.

use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use crate::error::RandomError;
use crate::{CredentialId, RandomSource, Secret};

/// Random bytes in an API key (160 bits).
pub const API_KEY_RANDOM_LEN: usize = 20;
/// Decoded payload: account id (4) + credential id (4) + random (20).
const PAYLOAD_LEN: usize = 8 + API_KEY_RANDOM_LEN;
/// Longest presented string considered for parsing.
const MAX_PRESENTED_LEN: usize = 64;

/// A parsed or freshly generated API key.
///
/// `Debug` shows the ids only.
///
/// ```
/// use portcullis_credentials::{ApiKey, CredentialId};
///
/// let key = ApiKey::from_parts(12, CredentialId(3), [7; 20]);
/// let text = key.encode();
/// assert!(text.expose_str().unwrap().starts_with("API_"));
/// let parsed = ApiKey::parse(text.expose()).unwrap();
/// assert_eq!((parsed.account_id(), parsed.credential_id()), (12, CredentialId(3)));
/// ```
pub struct ApiKey {
    account_id: u32,
    credential_id: CredentialId,
    random: Zeroizing<[u8; API_KEY_RANDOM_LEN]>,
}

impl ApiKey {
    /// An API key from its parts.
    #[must_use]
    pub fn from_parts(
        account_id: u32,
        credential_id: CredentialId,
        random: [u8; API_KEY_RANDOM_LEN],
    ) -> ApiKey {
        ApiKey {
            account_id,
            credential_id,
            random: Zeroizing::new(random),
        }
    }

    /// A new API key with 20 bytes from `rng`.
    ///
    /// # Errors
    /// [`RandomError`] if the random source fails.
    pub fn generate(
        account_id: u32,
        credential_id: CredentialId,
        rng: &mut dyn RandomSource,
    ) -> Result<ApiKey, RandomError> {
        let mut random = Zeroizing::new([0u8; API_KEY_RANDOM_LEN]);
        rng.fill(random.as_mut_slice())?;
        Ok(ApiKey {
            account_id,
            credential_id,
            random,
        })
    }

    /// Parses `API_…`; `None` if the input is not an API key.
    #[must_use]
    pub fn parse(presented: &[u8]) -> Option<ApiKey> {
        if presented.len() > MAX_PRESENTED_LEN {
            return None;
        }
        let body = presented.strip_prefix(b"API_")?;
        let mut payload = Zeroizing::new([0u8; PAYLOAD_LEN + 2]);
        let len = URL_SAFE_NO_PAD
            .decode_slice(body, payload.as_mut_slice())
            .ok()?;
        if len != PAYLOAD_LEN {
            return None;
        }
        let (account, rest) = payload.split_first_chunk::<4>()?;
        let (credential, rest) = rest.split_first_chunk::<4>()?;
        let random: [u8; API_KEY_RANDOM_LEN] = rest.get(..API_KEY_RANDOM_LEN)?.try_into().ok()?;
        Some(ApiKey::from_parts(
            u32::from_be_bytes(*account),
            CredentialId(u32::from_be_bytes(*credential)),
            random,
        ))
    }

    /// The account the key belongs to.
    #[must_use]
    pub fn account_id(&self) -> u32 {
        self.account_id
    }

    /// The credential this key names.
    #[must_use]
    pub fn credential_id(&self) -> CredentialId {
        self.credential_id
    }

    /// The 20 random bytes: what the stored hash is a hash of.
    #[must_use]
    pub fn random(&self) -> &[u8; API_KEY_RANDOM_LEN] {
        &self.random
    }

    /// The text presented as a bearer token: `API_` + base64url.
    #[must_use]
    pub fn encode(&self) -> Secret {
        let mut payload = Zeroizing::new([0u8; PAYLOAD_LEN]);
        let (ids, random) = payload.split_at_mut(8);
        let (account, credential) = ids.split_at_mut(4);
        account.copy_from_slice(&self.account_id.to_be_bytes());
        credential.copy_from_slice(&self.credential_id.0.to_be_bytes());
        random.copy_from_slice(self.random.as_slice());
        let mut text = Zeroizing::new(String::from("API_"));
        URL_SAFE_NO_PAD.encode_string(payload.as_slice(), &mut text);
        Secret::new(text.as_bytes().to_vec())
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("account_id", &self.account_id)
            .field("credential_id", &self.credential_id)
            .field("random", &"<redacted>")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_big_endian_ids_then_random() {
        let key = ApiKey::from_parts(0x0102_0304, CredentialId(0x0506_0708), [0; 20]);
        let text = key.encode();
        let text = text.expose_str().unwrap();
        assert_eq!(text.len(), 4 + 38);
        let raw = URL_SAFE_NO_PAD.decode(&text[4..]).unwrap();
        assert_eq!(&raw[..8], &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn rejects_wrong_lengths_and_prefixes() {
        let short = format!("API_{}", URL_SAFE_NO_PAD.encode([0u8; 27]));
        let long = format!("API_{}", URL_SAFE_NO_PAD.encode([0u8; 29]));
        for text in [
            short.as_str(),
            long.as_str(),
            "api_AAAA",
            "API_",
            "app_aaaa",
        ] {
            assert!(ApiKey::parse(text.as_bytes()).is_none(), "{text}");
        }
    }
}
