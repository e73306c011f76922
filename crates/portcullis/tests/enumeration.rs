//! Before the secret is proven, every failure looks the same.

use portcullis::{Decision, MemoryDirectory, RequestCredentials, Surface};
use portcullis_permissions::CredentialScope;

use crate::support::*;

#[tokio::test]
async fn unknown_user_wrong_password_and_unknown_app_password_look_alike() {
    let (app, record) = app_password(1, CredentialScope::Inherit);
    let (_, other) = app_password(2, CredentialScope::Inherit);
    let (foreign, _) = app_password(3, CredentialScope::Inherit);
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "alice-password").with_credential(record))
            .account(
                Account::new("idp@example.org")
                    .with_roles(["user"])
                    .with_credential(other),
            )
            .build(),
    );
    let cases = [
        ("nobody@example.org", "alice-password", "unknown-user"),
        ("alice@example.org", "wrong", "wrong-secret"),
        ("alice@example.org", foreign.as_str(), "unknown-credential"),
        ("idp@example.org", "a-password", "unknown-credential"),
        ("nobody@example.org", app.as_str(), "unknown-user"),
    ];
    let mut faces = Vec::new();
    for (login, secret, reason) in cases {
        for surface in [Surface::Imap, Surface::Jmap] {
            let explained = auth.explain(&plain(surface, "", login, secret)).await;
            let Decision::Deny(denial) = &explained.decision else {
                panic!("{login}: {:?}", explained.decision)
            };
            assert_eq!(denial.reason.kind(), reason, "{login}");
            assert!(outcome(&explained, "verify-credential").starts_with("refused"));
            if reason != "wrong-secret" {
                assert!(outcome(&explained, "find-account").contains("dummy verify"));
            }
            faces.push((surface, denial.public.clone()));
        }
    }
    for (surface, face) in &faces {
        let first = &faces.iter().find(|(s, _)| s == surface).unwrap().1;
        assert_eq!(face, first);
    }
    let imap = &faces[0].1;
    assert_eq!(
        imap.imap(),
        "NO [AUTHENTICATIONFAILED] Authentication failed"
    );
    assert_eq!(imap.smtp(), "535 5.7.8 Authentication credentials invalid");
    assert_eq!(imap.pop3(), "-ERR [AUTH] Authentication failed");
    assert_eq!(imap.managesieve(), "NO \"Authentication failed\"");
    let http = imap.http();
    assert_eq!(http.status, 401);
    assert_eq!(
        http.www_authenticate.as_deref(),
        Some("Basic realm=\"portcullis\", charset=\"UTF-8\"")
    );
    assert_eq!(
        http.problem["type"],
        "urn:portcullis:problem:authentication-failed"
    );
}

#[tokio::test]
async fn cleartext_passwords_need_tls() {
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("alice@example.org", "alice-password"))
            .build(),
    );
    let request = plain(Surface::Imap, "", "alice@example.org", "alice-password").with_tls(false);
    let decision = auth.verify(&request).await;
    assert_eq!(kind(&decision), "tls-required");
    let public = &decision.denial().unwrap().public;
    assert!(public.imap().starts_with("NO [PRIVACYREQUIRED] "));
    assert!(public.smtp().starts_with("538 5.7.11 "));
    let basic = portcullis::AuthRequest::new(
        Surface::Jmap,
        ip(CLIENT),
        RequestCredentials::Basic {
            username: "alice@example.org".into(),
            secret: "alice-password".into(),
        },
    );
    assert_eq!(kind(&auth.verify(&basic).await), "tls-required");
    assert_eq!(
        auth.mechanisms(Surface::Imap, false, ip("192.0.2.10")),
        Vec::<&str>::new()
    );
    assert_eq!(
        auth.mechanisms(Surface::Imap, true, ip("192.0.2.10")),
        ["PLAIN", "LOGIN"]
    );
}

use portcullis::Account;
