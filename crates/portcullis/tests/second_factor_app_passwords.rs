//! App passwords and API keys are how mail clients pass a second factor:
//! on a TOTP-enrolled account they are granted without a code, while the
//! account password alone is not.

use portcullis::{
    Account, CredentialKind, MemoryDirectory, RequestCredentials, Surface, TotpSettings,
};
use portcullis_permissions::CredentialScope;

use crate::support::*;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

#[tokio::test]
async fn an_app_password_on_a_totp_account_is_granted_without_a_code() {
    let (app, record) = app_password(6, CredentialScope::mail_only());
    let (key, key_record) = api_key(8, 3, CredentialScope::Inherit);
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("dave@example.org")
                .with_id(8)
                .with_password(hash("dave-password"))
                .with_roles(["user"])
                .with_totp(TotpSettings::new(SECRET))
                .with_credential(record)
                .with_credential(key_record),
        )
        .build();
    let auth = authenticator(directory);

    for surface in [Surface::Imap, Surface::Smtp, Surface::Pop3] {
        let explained = auth
            .explain(&plain(surface, "", "dave@example.org", &app))
            .await;
        let grant = explained
            .decision
            .grant()
            .unwrap_or_else(|| panic!("{surface}: {:?}", explained.decision));
        assert_eq!(grant.credential.kind, CredentialKind::AppPassword);
        assert_eq!(grant.credential.id, Some(6));
        assert_eq!(
            outcome(&explained, "second-factor"),
            "not asked: app-password logins skip it"
        );
    }

    // An API key, too (presented alone over HTTP).
    let request = portcullis::AuthRequest::new(
        Surface::Jmap,
        ip(CLIENT),
        RequestCredentials::Bearer { token: key.into() },
    )
    .with_tls(true);
    let explained = auth.explain(&request).await;
    assert_eq!(kind(&explained.decision), "grant");
    assert_eq!(
        outcome(&explained, "second-factor"),
        "not asked: api-key logins skip it"
    );

    // The account password alone still needs the code on the same surface.
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "dave@example.org",
            "dave-password",
        ))
        .await;
    assert_eq!(kind(&decision), "second-factor-required");
}
