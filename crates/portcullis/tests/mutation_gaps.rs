//! Behaviour the facade's mutation campaign (issue 21, `scripts/mutants.sh
//! facade`) found unpinned: each test here fails on the mutant named in
//! its comment (see docs/testing.md, "Facade campaign").

use std::sync::Arc;

use portcullis::{
    CredentialKind, CredentialRef, DenialReason, MemoryDirectory, SessionBinding, Surface, Tenant,
};

use crate::support::*;
use crate::tokens::{http_bearer, token, validator};

// `<impl Debug for Authenticator>::fmt` → `Ok(Default::default())`.
#[test]
fn the_debug_text_names_the_realm_and_whether_oidc_is_configured() {
    let auth = authenticator(MemoryDirectory::builder().build());
    assert_eq!(
        format!("{auth:?}"),
        r#"Authenticator { realm: "portcullis", oidc: false, .. }"#
    );
    let auth = builder(MemoryDirectory::builder().build())
        .realm("mail.example.org")
        .oidc(validator())
        .build()
        .unwrap();
    assert_eq!(
        format!("{auth:?}"),
        r#"Authenticator { realm: "mail.example.org", oidc: true, .. }"#
    );
}

// `Authenticator::oidc` → `None`.
#[test]
fn oidc_hands_back_the_validator_the_builder_was_given() {
    let validator = validator();
    let auth = builder(MemoryDirectory::builder().build())
        .oidc(Arc::clone(&validator))
        .build()
        .unwrap();
    let held = auth.oidc().expect("the configured validator");
    assert!(Arc::ptr_eq(held, &validator));
    assert!(
        authenticator(MemoryDirectory::builder().build())
            .oidc()
            .is_none()
    );
}

// `revalidate`: the match guard `token && binding.rights.is_none()` →
// `false` (such a binding was then revoked).
#[tokio::test]
async fn a_token_binding_stored_before_token_sessions_carried_rights_lives_until_it_expires() {
    let auth = builder(MemoryDirectory::builder().build())
        .oidc(validator())
        .build()
        .unwrap();
    let decision = auth.verify(&http_bearer(&token("dora@example.org"))).await;
    let current = decision.grant().unwrap().session_binding.clone();
    assert_eq!(current.token_roles, Some(vec!["user".to_owned()]));
    assert!(current.rights.is_some());
    // The same session as an older release stored it: no rights, no roles.
    let legacy = SessionBinding {
        rights: None,
        token_roles: None,
        ..current.clone()
    };
    let json = serde_json::to_string(&legacy).unwrap();
    assert!(
        !json.contains("rights") && !json.contains("token_roles"),
        "{json}"
    );
    let legacy: SessionBinding = serde_json::from_str(&json).unwrap();
    assert_eq!(legacy.credential.kind, CredentialKind::OidcToken);
    assert_eq!(auth.revalidate(&legacy).await, Ok(()));
    // Only its expiry ends it.
    let expired = SessionBinding {
        expires_at: Some(NOW),
        ..legacy.clone()
    };
    assert_eq!(
        auth.revalidate(&expired).await,
        Err(DenialReason::CredentialExpired)
    );
    // The old check is for token bindings without rights only: with
    // rights, or for a password, a vanished account ends the session.
    let with_rights = SessionBinding {
        token_roles: None,
        ..current
    };
    assert_eq!(
        auth.revalidate(&with_rights).await,
        Err(DenialReason::Revoked)
    );
    let password = SessionBinding {
        credential: CredentialRef {
            kind: CredentialKind::Password,
            id: None,
        },
        ..legacy
    };
    assert_eq!(auth.revalidate(&password).await, Err(DenialReason::Revoked));
}

// `account_gate`: the match arm `DenialReason::TenantDisabled` of the
// trace deleted (the trace then read "refused: the account's tenant is
// disabled").
#[tokio::test]
async fn the_account_gate_trace_says_the_tenant_is_disabled() {
    let auth = authenticator(
        MemoryDirectory::builder()
            .tenant("acme", Tenant::default().disabled(true))
            .account(user("bob@acme.example", "bob-password").in_tenant("acme"))
            .account(
                user("carol@example.org", "carol-password").with_roles(["user", "no-such-role"]),
            )
            .build(),
    );
    let explained = auth
        .explain(&plain(
            Surface::Imap,
            "",
            "bob@acme.example",
            "bob-password",
        ))
        .await;
    assert_eq!(kind(&explained.decision), "tenant-disabled");
    assert_eq!(
        outcome(&explained, "account-gate"),
        "refused: the tenant is disabled"
    );
    // Every other reason is written as its Display text.
    let explained = auth
        .explain(&plain(
            Surface::Imap,
            "",
            "carol@example.org",
            "carol-password",
        ))
        .await;
    assert_eq!(kind(&explained.decision), "directory-data");
    assert_eq!(
        outcome(&explained, "account-gate"),
        r#"refused: directory data unusable: unknown role "no-such-role""#
    );
}
