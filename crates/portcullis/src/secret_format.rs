//! Recognising app passwords and API keys by their format, so exactly one
//! stored hash is verified per attempt.
//!
//! Stalwart's formats: an app password is `app_` followed by unpadded RFC
//! 4648 base32 of the credential id (u32, big-endian) and 18 random bytes
//! (the older `app ` form with a space is accepted); an API key is `API_`
//! followed by base64url of the account id, the credential id and 20
//! random bytes.

use base64::Engine as _;
use data_encoding::BASE32_NOPAD;

use crate::CredentialKind;

/// The credential a secret names by its format, if it has one.
pub(crate) fn credential_of(secret: &str) -> Option<(CredentialKind, u64)> {
    if let Some(body) = secret
        .strip_prefix("app_")
        .or_else(|| secret.strip_prefix("app "))
    {
        return app_password_id(body).map(|id| (CredentialKind::AppPassword, id));
    }
    secret
        .strip_prefix("API_")
        .and_then(api_key_id)
        .map(|id| (CredentialKind::ApiKey, id))
}

fn app_password_id(body: &str) -> Option<u64> {
    if body.len() > 64 {
        return None;
    }
    let decoded = BASE32_NOPAD
        .decode(body.to_ascii_uppercase().as_bytes())
        .ok()?;
    if decoded.len() != 4 + 18 {
        return None;
    }
    let id: [u8; 4] = decoded.get(..4)?.try_into().ok()?;
    Some(u64::from(u32::from_be_bytes(id)))
}

fn api_key_id(body: &str) -> Option<u64> {
    if body.len() > 128 {
        return None;
    }
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body.trim_end_matches('='))
        .ok()?;
    match decoded.len() {
        // u32 account id, u32 credential id, 20 random bytes.
        28 => {
            let id: [u8; 4] = decoded.get(4..8)?.try_into().ok()?;
            Some(u64::from(u32::from_be_bytes(id)))
        }
        // u64 account id, u64 credential id, 20 random bytes.
        36 => {
            let id: [u8; 8] = decoded.get(8..16)?.try_into().ok()?;
            Some(u64::from_be_bytes(id))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_password_round_trip() {
        let mut raw = vec![0, 0, 0, 7];
        raw.extend_from_slice(&[0xAB; 18]);
        let secret = format!("app_{}", BASE32_NOPAD.encode(&raw).to_lowercase());
        assert_eq!(
            credential_of(&secret),
            Some((CredentialKind::AppPassword, 7))
        );
        let spaced = secret.replacen('_', " ", 1);
        assert_eq!(
            credential_of(&spaced),
            Some((CredentialKind::AppPassword, 7))
        );
        assert_eq!(credential_of("app_short"), None);
        assert_eq!(credential_of("hunter2"), None);
    }

    #[test]
    fn api_key() {
        let mut raw = vec![0, 0, 0, 1, 0, 0, 0, 9];
        raw.extend_from_slice(&[1; 20]);
        let secret = format!(
            "API_{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw)
        );
        assert_eq!(credential_of(&secret), Some((CredentialKind::ApiKey, 9)));
    }
}
