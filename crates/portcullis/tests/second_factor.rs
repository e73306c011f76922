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
