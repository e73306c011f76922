//! Seed scenario 7: a TOTP account.

use portcullis::{
    Account, FailureClass, MemoryDirectory, RequestCredentials, Surface, TotpSettings,
};

use crate::support::*;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn code_request(code: &str) -> portcullis::AuthRequest {
    portcullis::AuthRequest::new(
        Surface::Portal,
        ip(CLIENT),
        RequestCredentials::PasswordAndCode {
            username: "dave@example.org".into(),
            password: "dave-password".into(),
            code: code.into(),
        },
    )
    .with_tls(true)
}

fn authenticator_for_dave() -> portcullis::Authenticator {
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("dave@example.org")
                .with_password(hash("dave-password"))
                .with_roles(["user"])
                .with_totp(TotpSettings::new(SECRET))
                .with_recovery_code(hash("rcvr-0001-aaaa"))
                .with_recovery_code(hash("rcvr-0002-bbbb")),
        )
        .build();
    authenticator(directory)
}

#[tokio::test]
async fn a_password_alone_on_imap_asks_for_an_app_password() {
    let auth = authenticator_for_dave();
    let explained = auth
        .explain(&plain(
            Surface::Imap,
            "",
            "dave@example.org",
            "dave-password",
        ))
        .await;
    assert_eq!(kind(&explained.decision), "second-factor-required");
    let denial = explained.decision.denial().unwrap();
    assert_eq!(denial.public.class(), FailureClass::SecondFactorRequired);
    assert_eq!(
        denial.public.imap(),
        "NO [AUTHENTICATIONFAILED] Second factor required - use an app password"
    );
    assert_eq!(
        denial.public.smtp(),
        "535 5.7.8 Second factor required - use an app password"
    );
    assert_eq!(denial.public.http().status, 401);
    assert!(outcome(&explained, "second-factor").starts_with("refused"));
}

#[tokio::test]
async fn on_the_portal_a_code_works_once() {
    let auth = authenticator_for_dave();
    let code = TotpSettings::new(SECRET).code_at(now()).unwrap();
    let explained = auth.explain(&code_request(&code)).await;
    assert_eq!(kind(&explained.decision), "grant");
    assert!(outcome(&explained, "second-factor").starts_with("TOTP code accepted"));
    let again = auth.verify(&code_request(&code)).await;
    assert_eq!(kind(&again), "totp-replayed");
    assert!(
        again
            .denial()
            .unwrap()
            .public
            .message()
            .contains("already used")
    );
    // The password alone on the portal asks for the code.
    let decision = auth
        .verify(&basic(Surface::Portal, "dave@example.org", "dave-password"))
        .await;
    assert_eq!(
        decision.denial().unwrap().public.message(),
        "Second factor required: enter your one-time code"
    );
    assert_eq!(
        kind(&auth.verify(&code_request("000000")).await),
        "second-factor-invalid"
    );
}

#[tokio::test]
async fn a_recovery_code_works_once() {
    let auth = authenticator_for_dave();
    let explained = auth.explain(&code_request("rcvr-0002-bbbb")).await;
    assert_eq!(kind(&explained.decision), "grant");
    assert!(outcome(&explained, "second-factor").contains("recovery code #1"));
    assert_eq!(
        kind(&auth.verify(&code_request("rcvr-0002-bbbb")).await),
        "second-factor-invalid"
    );
    assert_eq!(
        kind(&auth.verify(&code_request("rcvr-0001-aaaa")).await),
        "grant"
    );
}

#[tokio::test]
async fn password_with_code_on_imap_when_the_policy_allows_it() {
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("dave@example.org")
                .with_password(hash("dave-password"))
                .with_roles(["user"])
                .with_totp(TotpSettings::new(SECRET)),
        )
        .build();
    let auth = builder(directory)
        .password_with_code(portcullis_credentials::PasswordWithCode::new(":"))
        .build()
        .unwrap();
    let code = TotpSettings::new(SECRET).code_at(now()).unwrap();
    let field = format!("dave-password:{code}");
    let explained = auth
        .explain(&plain(Surface::Imap, "", "dave@example.org", &field))
        .await;
    assert_eq!(kind(&explained.decision), "grant");
    assert!(outcome(&explained, "second-factor").starts_with("TOTP code accepted"));
    let again = auth
        .verify(&plain(Surface::Imap, "", "dave@example.org", &field))
        .await;
    assert_eq!(kind(&again), "totp-replayed");
    let alone = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "dave@example.org",
            "dave-password",
        ))
        .await;
    assert_eq!(kind(&alone), "second-factor-required");
    let wrong = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "dave@example.org",
            &format!("wrong:{code}"),
        ))
        .await;
    assert_eq!(kind(&wrong), "wrong-secret");
}

fn dave_with(policy: portcullis_permissions::AccountPolicy) -> MemoryDirectory {
    let mut dave = Account::new("dave@example.org")
        .with_password(hash("dave-password"))
        .with_roles(["user"])
        .with_totp(TotpSettings::new(SECRET));
    dave.policy = policy;
    MemoryDirectory::builder().account(dave).build()
}

fn imap_password_alone() -> portcullis::AuthRequest {
    plain(Surface::Imap, "", "dave@example.org", "dave-password")
}

#[tokio::test]
async fn an_app_password_is_suggested_only_to_accounts_that_may_create_one() {
    use portcullis::{Permission, PermissionSet};
    use portcullis_permissions::AccountPolicy;

    let no_app_passwords = AccountPolicy::Merge {
        enabled: PermissionSet::empty(),
        disabled: PermissionSet::from_slice(&[Permission::SysAppPasswordCreate]),
    };
    let auth = authenticator(dave_with(no_app_passwords));
    let decision = auth.verify(&imap_password_alone()).await;
    assert_eq!(kind(&decision), "second-factor-required");
    assert_eq!(
        decision.denial().unwrap().public.imap(),
        "NO [AUTHENTICATIONFAILED] Second factor required"
    );
    // With the code accepted after the password, that is what is said.
    let auth = builder(dave_with(AccountPolicy::Inherit))
        .password_with_code(portcullis_credentials::PasswordWithCode::new(":"))
        .build()
        .unwrap();
    let decision = auth.verify(&imap_password_alone()).await;
    assert_eq!(
        decision.denial().unwrap().public.smtp(),
        "535 5.7.8 Second factor required - append your one-time code to the password"
    );
}

#[tokio::test]
async fn a_concealed_second_factor_looks_like_a_wrong_password() {
    use portcullis::SecondFactorHint;

    let auth = builder(dave_with(portcullis_permissions::AccountPolicy::Inherit))
        .second_factor_hint(SecondFactorHint::Conceal)
        .build()
        .unwrap();
    let right = auth.verify(&imap_password_alone()).await;
    let wrong = auth
        .verify(&plain(Surface::Imap, "", "dave@example.org", "not-it"))
        .await;
    assert_eq!(kind(&right), "second-factor-required");
    assert_eq!(kind(&wrong), "wrong-secret");
    assert_eq!(
        right.denial().unwrap().public,
        wrong.denial().unwrap().public
    );
    assert_eq!(
        right.denial().unwrap().public.imap(),
        "NO [AUTHENTICATIONFAILED] Authentication failed"
    );
}
