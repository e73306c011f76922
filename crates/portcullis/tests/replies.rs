//! Reasons and replies that no other test pins: `scope-lacks-authenticate`,
//! the service name of every surface in refusals, and the retry delay of
//! an unavailable identity provider.

use std::sync::Arc;
use std::time::Duration;

use portcullis::{
    Account, Decision, Denial, FailureClass, MemoryDirectory, Permission, PermissionSet, Surface,
};
use portcullis_oidc::ProviderId;
use portcullis_permissions::{AccountPolicy, CredentialScope, LoginMode, LoginPolicy};

use crate::support::*;
use crate::tokens::{http_bearer, token, unfetched, xoauth2};

fn deny(decision: &Decision) -> &Denial {
    match decision {
        Decision::Deny(denial) => denial,
        other => panic!("{other:?}"),
    }
}

// `scope-lacks-authenticate` (LoginMode::StalwartCompat).

#[tokio::test]
async fn stalwart_compat_mode_refuses_a_scope_without_authenticate() {
    let (imap_only, record) = app_password(1, CredentialScope::imap_only());
    let (with_authenticate, record_with) = app_password(
        2,
        CredentialScope::Replace(PermissionSet::from_slice(&[
            Permission::ImapAuthenticate,
            Permission::Authenticate,
        ])),
    );
    let directory = MemoryDirectory::builder()
        .account(
            user("alice@example.org", "alice-password")
                .with_credential(record)
                .with_credential(record_with),
        )
        .build();
    let compat = builder(directory.clone())
        .login_policy(LoginPolicy {
            mode: LoginMode::StalwartCompat,
        })
        .build()
        .unwrap();

    let explained = compat
        .explain(&plain(Surface::Imap, "", "alice@example.org", &imap_only))
        .await;
    let denial = deny(&explained.decision);
    assert_eq!(denial.reason.kind(), "scope-lacks-authenticate");
    assert_eq!(denial.public.class(), FailureClass::NotAllowed);
    const TEXT: &str = "This credential's scope does not allow signing in";
    assert_eq!(denial.public.message(), TEXT);
    assert_eq!(
        denial.public.imap(),
        format!("NO [AUTHORIZATIONFAILED] {TEXT}")
    );
    assert_eq!(denial.public.smtp(), format!("535 5.7.8 {TEXT}"));
    assert_eq!(denial.public.pop3(), format!("-ERR [AUTH] {TEXT}"));
    assert_eq!(denial.public.http().status, 403);
    assert_eq!(
        outcome(&explained, "surface-gate"),
        "refused: the credential's scope lacks authenticate (needs imapAuthenticate)"
    );

    // The same mode opens IMAP for a scope that holds authenticate, and the
    // default mode needs no global right in the scope at all.
    let decision = compat
        .verify(&plain(
            Surface::Imap,
            "",
            "alice@example.org",
            &with_authenticate,
        ))
        .await;
    assert_eq!(kind(&decision), "grant");
    let separated = authenticator(directory);
    let decision = separated
        .verify(&plain(Surface::Imap, "", "alice@example.org", &imap_only))
        .await;
    assert_eq!(kind(&decision), "grant");
}

// The service name in "may not be used for …" and "may not use …".

/// How each surface is named in replies.
const LABELS: [(Surface, &str); 10] = [
    (Surface::Imap, "IMAP"),
    (Surface::Pop3, "POP3"),
    (Surface::Smtp, "SMTP submission"),
    (Surface::ManageSieve, "ManageSieve"),
    (Surface::Jmap, "JMAP"),
    (Surface::CalDav, "CalDAV"),
    (Surface::CardDav, "CardDAV"),
    (Surface::WebDav, "WebDAV"),
    (Surface::Portal, "the web portal"),
    (Surface::Admin, "the admin console"),
];

#[test]
fn the_label_table_covers_every_surface() {
    let listed: Vec<Surface> = LABELS.iter().map(|(surface, _)| *surface).collect();
    assert_eq!(listed, Surface::ALL);
}

#[tokio::test]
async fn a_credential_refused_on_a_surface_names_that_service() {
    // An admin (every permission) with one app password per surface whose
    // scope lacks exactly that surface's login permission.
    let mut account = Account::new("admin@example.org")
        .with_password(hash("admin-password"))
        .with_roles(["admin"]);
    let mut secrets = Vec::new();
    for (id, (surface, _)) in (1..).zip(LABELS) {
        let (secret, record) = app_password(
            id,
            CredentialScope::Disable(surface.login_permission().into()),
        );
        account = account.with_credential(record);
        secrets.push(secret);
    }
    let auth = authenticator(MemoryDirectory::builder().account(account).build());
    for ((surface, label), secret) in LABELS.iter().zip(&secrets) {
        let decision = auth
            .verify(&basic(*surface, "admin@example.org", secret))
            .await;
        let denial = deny(&decision);
        assert_eq!(denial.reason.kind(), "surface-not-in-scope", "{surface}");
        let text = format!("This credential may not be used for {label}");
        assert_eq!(denial.public.message(), text, "{surface}");
        assert_eq!(
            denial.public.imap(),
            format!("NO [AUTHORIZATIONFAILED] {text}")
        );
        assert_eq!(denial.public.http().problem["detail"], text.as_str());
    }
}

#[tokio::test]
async fn an_account_refused_on_a_surface_names_that_service() {
    for (surface, label) in LABELS {
        let account = Account::new("admin@example.org")
            .with_password(hash("admin-password"))
            .with_roles(["admin"])
            .with_policy(AccountPolicy::Merge {
                enabled: PermissionSet::empty(),
                disabled: surface.login_permission().into(),
            });
        let auth = authenticator(MemoryDirectory::builder().account(account).build());
        let decision = auth
            .verify(&basic(surface, "admin@example.org", "admin-password"))
            .await;
        let denial = deny(&decision);
        assert_eq!(denial.reason.kind(), "surface-not-allowed", "{surface}");
        assert_eq!(
            denial.public.message(),
            format!("This account may not use {label}"),
            "{surface}"
        );
    }
}

// The retry delay of an unavailable identity provider.

/// The bearer refusal while the provider's keys are missing, after
/// `failures` failed fetches at `now()`.
async fn provider_down(failures: usize) -> Denial {
    let validator = unfetched();
    for _ in 0..failures {
        validator.on_fetch_failure(ProviderId(0), "connection refused", now());
    }
    let auth = builder(MemoryDirectory::builder().build())
        .oidc(Arc::new(validator))
        .build()
        .unwrap();
    let decision = auth.verify(&http_bearer(&token("alice@example.org"))).await;
    let Decision::TryLater(denial) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(denial.reason.kind(), "provider-unavailable");
    assert_eq!(denial.public.class(), FailureClass::Unavailable);
    denial
}

fn assert_retry_after(denial: &Denial, seconds: u64) {
    assert_eq!(denial.retry_after, Some(Duration::from_secs(seconds)));
    assert_eq!(denial.public.retry_after(), Some(seconds));
    let http = denial.public.http();
    assert_eq!(http.status, 503);
    assert_eq!(http.retry_after, Some(seconds));
    assert_eq!(http.problem["retry_after"], seconds);
}

#[tokio::test]
async fn keys_never_fetched_ask_for_a_retry_in_one_second() {
    // No fetch has run: one is due at once, so the client may retry soon.
    let denial = provider_down(0).await;
    assert_retry_after(&denial, 1);
}

#[tokio::test]
async fn a_failed_fetch_asks_for_a_retry_when_the_next_fetch_is_due() {
    // Backoff 2 s, doubling per failure: 2, 4, 8, … capped at 300 s.
    for (failures, seconds) in [(1, 2), (2, 4), (3, 8), (8, 256), (9, 300), (20, 300)] {
        let denial = provider_down(failures).await;
        assert_retry_after(&denial, seconds);
    }
}

#[tokio::test]
async fn an_unavailable_provider_is_try_later_on_imap_too() {
    let auth = builder(MemoryDirectory::builder().build())
        .oidc(Arc::new(unfetched()))
        .build()
        .unwrap();
    let decision = auth
        .verify(&xoauth2("alice@example.org", &token("alice@example.org")))
        .await;
    let Decision::TryLater(denial) = &decision else {
        panic!("{decision:?}")
    };
    assert_eq!(denial.retry_after, Some(Duration::from_secs(1)));
    assert_eq!(
        denial.public.imap(),
        "NO [UNAVAILABLE] Authentication is temporarily unavailable; try again later"
    );
    assert_eq!(
        denial.public.managesieve(),
        "NO (TRYLATER) \"Authentication is temporarily unavailable; try again later\""
    );
}
