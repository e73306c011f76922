//! Seed scenario 6: expired, address-limited and disabled-account app
//! passwords, each refused with its own reason.

use portcullis::{FailureClass, MemoryDirectory, Surface};
use portcullis_credentials::CredentialOptions;
use portcullis_permissions::CredentialScope;

use crate::support::*;

#[tokio::test]
async fn each_refusal_has_its_own_reason() {
    let (expired, expired_record) = app_password_with(
        1,
        CredentialOptions {
            expires_at: Some(now() - time::Duration::days(1)),
            ..CredentialOptions::default()
        },
    );
    let (limited, limited_record) = app_password_with(
        2,
        CredentialOptions {
            allowed_ips: vec!["10.0.0.0/8".parse().unwrap()],
            ..CredentialOptions::default()
        },
    );
    let (disabled, disabled_record) = app_password(3, CredentialScope::Inherit);
    let directory = MemoryDirectory::builder()
        .account(
            user("alice@example.org", "alice-password")
                .with_credential(expired_record)
                .with_credential(limited_record),
        )
        .account(
            user("bob@example.org", "bob-password")
                .with_credential(disabled_record)
                .disabled(true),
        )
        .build();
    let auth = authenticator(directory);

    let explained = auth
        .explain(&plain(Surface::Imap, "", "alice@example.org", &expired))
        .await;
    assert_eq!(kind(&explained.decision), "credential-expired");
    let denial = explained.decision.denial().unwrap();
    assert_eq!(denial.public.class(), FailureClass::Expired);
    assert_eq!(
        denial.public.imap(),
        "NO [EXPIRED] This credential has expired"
    );
    assert!(outcome(&explained, "credential-checks").starts_with("refused: expired"));
    // The secret was proven before the expiry was judged.
    assert!(outcome(&explained, "verify-credential").ends_with("verified"));

    let explained = auth
        .explain(&plain(Surface::Imap, "", "alice@example.org", &limited))
        .await;
    assert_eq!(kind(&explained.decision), "ip-not-allowed");
    assert!(outcome(&explained, "credential-checks").contains("192.0.2.10"));
    let mut from_inside = plain(Surface::Imap, "", "alice@example.org", &limited);
    from_inside.remote_ip = ip("10.1.2.3");
    assert_eq!(kind(&auth.verify(&from_inside).await), "grant");

    let explained = auth
        .explain(&plain(Surface::Imap, "", "bob@example.org", &disabled))
        .await;
    assert_eq!(kind(&explained.decision), "account-disabled");
    let denial = explained.decision.denial().unwrap();
    assert!(denial.public.imap().starts_with("NO [CONTACTADMIN] "));
    assert!(outcome(&explained, "account-gate").contains("disabled"));

    // With a wrong secret, none of this is revealed.
    let wrong = plain(Surface::Imap, "", "bob@example.org", "app_AAAAAAY");
    assert_eq!(
        auth.verify(&wrong).await.denial().unwrap().public.imap(),
        "NO [AUTHENTICATIONFAILED] Authentication failed"
    );
}
