//! Recognising app passwords and API keys by their format (Stalwart's,
//! parsed by `portcullis-credentials`), so exactly one stored hash is
//! verified per attempt.

use portcullis_credentials::{ApiKey, AppPassword};

use crate::CredentialKind;

/// The credential a secret names by its format, if it has one.
pub(crate) fn credential_of(secret: &str) -> Option<(CredentialKind, u64)> {
    if let Some(app) = app_password(secret.as_bytes()) {
        return Some((
            CredentialKind::AppPassword,
            u64::from(app.credential_id().0),
        ));
    }
    ApiKey::parse(secret.as_bytes())
        .map(|key| (CredentialKind::ApiKey, u64::from(key.credential_id().0)))
}

/// An app password in Stalwart's alphabet or RFC 4648 base32, also when
/// the latter is written in lower case (some generators do that).
fn app_password(secret: &[u8]) -> Option<AppPassword> {
    AppPassword::parse(secret).or_else(|| {
        let prefix = secret.get(..4)?;
        if prefix != b"app_" && prefix != b"app " {
            return None;
        }
        let upper = zeroize::Zeroizing::new(secret.get(4..)?.to_ascii_uppercase());
        let mut text = zeroize::Zeroizing::new(b"app_".to_vec());
        text.extend_from_slice(&upper);
        AppPassword::parse(&text)
    })
}

/// The bytes a stored credential's hash covers (the random part of a
/// generated secret, the whole of a password).
pub(crate) fn material(kind: CredentialKind, secret: &[u8]) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    match kind {
        CredentialKind::AppPassword => {
            app_password(secret).map(|app| zeroize::Zeroizing::new(app.random().to_vec()))
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
            credential_of("app_aaaaaa5i6u3bxc5hya245te3ytauuge6qi6q"),
            Some((CredentialKind::AppPassword, 3))
        );
        assert_eq!(
            material(CredentialKind::AppPassword, text.as_bytes())
                .unwrap()
                .as_slice(),
            &[0xAB; 18]
        );
    }
}
