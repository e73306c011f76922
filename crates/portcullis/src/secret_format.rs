//! Recognising app passwords and API keys by their format (Stalwart's,
//! parsed by `portcullis-credentials`), so exactly one stored hash is
//! verified per attempt.

use portcullis_credentials::{ApiKey, AppPassword};

use crate::CredentialKind;

/// The credential a secret names by its format, if it has one.
pub(crate) fn credential_of(secret: &str) -> Option<(CredentialKind, u64)> {
    let bytes = secret.as_bytes();
    if let Some(app) = AppPassword::parse(bytes) {
        return Some((
            CredentialKind::AppPassword,
            u64::from(app.credential_id().0),
        ));
    }
    ApiKey::parse(bytes).map(|key| (CredentialKind::ApiKey, u64::from(key.credential_id().0)))
}

/// The bytes a stored credential's hash covers (the random part of a
/// generated secret, the whole of a password).
pub(crate) fn material(kind: CredentialKind, secret: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    match kind {
        CredentialKind::AppPassword => {
            AppPassword::parse(secret).map(|app| zeroize::Zeroizing::new(app.random().to_vec()))
        }
        CredentialKind::ApiKey => {
            ApiKey::parse(secret).map(|key| zeroize::Zeroizing::new(key.random().to_vec()))
        }
        CredentialKind::Password => Some(zeroize::Zeroizing::new(secret.to_vec())),
        CredentialKind::OidcToken => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use portcullis_credentials::CredentialId;

    #[test]
    fn app_password_round_trip() {
        let app = AppPassword::from_parts(CredentialId(7), [0xAB; 18]);
        let text = app.encode(Default::default());
        let text = text.expose_str().unwrap();
        assert_eq!(credential_of(text), Some((CredentialKind::AppPassword, 7)));
        assert_eq!(credential_of("hunter2"), None);
        assert_eq!(
            material(CredentialKind::AppPassword, text.as_bytes())
                .unwrap()
                .as_slice(),
            &[0xAB; 18]
        );
    }
}
