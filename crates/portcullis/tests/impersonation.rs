//! Seed scenario 4: impersonation with honest refusals.

use portcullis::{Decision, FailureClass, MemoryDirectory, Permission, Surface};
use portcullis_permissions::{CredentialScope, preset};

use crate::support::*;

struct Fixture {
    auth: portcullis::Authenticator,
    admin_app: String,
    bob_rights: portcullis::PermissionSet,
}

fn fixture() -> Fixture {
    let (admin_app, record) = app_password(5, CredentialScope::Inherit);
    let directory = MemoryDirectory::builder()
        .account(
            portcullis::Account::new("admin@example.org")
                .with_password(hash("admin-password"))
                .with_roles(["admin"])
                .with_credential(record),
        )
        .account(user("bob@example.org", "bob-password"))
        .account(user("carol@example.org", "carol-password"))
        .build();
    let bob_rights = portcullis_permissions::RoleGraph::with_presets()
        .resolve(&["user"])
        .unwrap()
        .effective();
    Fixture {
        auth: authenticator(directory),
        admin_app,
        bob_rights,
    }
}

fn assert_impersonation_grant(decision: &Decision, bob_rights: portcullis::PermissionSet) {
    let grant = decision.grant().unwrap_or_else(|| panic!("{decision:?}"));
    assert_eq!(grant.account, "admin@example.org");
    assert_eq!(grant.acting_as, "bob@example.org");
    assert!(grant.is_impersonation());
    assert_eq!(grant.rights, bob_rights - preset::administrative());
    assert!(!grant.rights.contains(Permission::Impersonate));
    assert!(!grant.rights.contains(Permission::AdminAuthenticate));
    assert_eq!(grant.session_binding.acting_as, "bob@example.org");
}

#[tokio::test]
async fn admin_password_impersonates_over_jmap_and_imap() {
    let f = fixture();
    let explained = f
        .auth
        .explain(&basic(
            Surface::Jmap,
            "bob@example.org%admin@example.org",
            "admin-password",
        ))
        .await;
    assert_impersonation_grant(&explained.decision, f.bob_rights);
    assert!(
        outcome(&explained, "resolve-login").contains("admin@example.org acts as bob@example.org")
    );
    assert!(outcome(&explained, "impersonation").starts_with("allowed"));

    let decision = f
        .auth
        .verify(&plain(
            Surface::Imap,
            "",
            "bob@example.org%admin@example.org",
            "admin-password",
        ))
        .await;
    assert_impersonation_grant(&decision, f.bob_rights);

    // PLAIN with an authzid behaves like the `%` form.
    let decision = f
        .auth
        .verify(&plain(
            Surface::Imap,
            "bob@example.org",
            "admin@example.org",
            "admin-password",
        ))
        .await;
    assert_impersonation_grant(&decision, f.bob_rights);
}

#[tokio::test]
async fn app_passwords_cannot_impersonate_and_the_reply_says_so() {
    let f = fixture();
    const TEXT: &str = "app passwords cannot be used to impersonate; use your account password";
    let explained = f
        .auth
        .explain(&basic(
            Surface::Jmap,
            "bob@example.org%admin@example.org",
            &f.admin_app,
        ))
        .await;
    let denial = explained.decision.denial().unwrap();
    assert_eq!(denial.reason.kind(), "impersonation-refused");
    assert_eq!(
        denial.reason.sub_kind(),
        Some("app-password-cannot-impersonate")
    );
    assert_eq!(denial.public.class(), FailureClass::NotAllowed);
    let http = denial.public.http();
    assert_eq!(http.status, 403);
    assert_eq!(http.problem["detail"], TEXT);
    assert!(outcome(&explained, "impersonation").contains("app-password-cannot-impersonate"));

    let decision = f
        .auth
        .verify(&plain(
            Surface::Imap,
            "",
            "bob@example.org%admin@example.org",
            &f.admin_app,
        ))
        .await;
    assert_eq!(
        decision.denial().unwrap().public.imap(),
        format!("NO [AUTHORIZATIONFAILED] {TEXT}")
    );
}

#[tokio::test]
async fn an_actor_without_impersonate_is_refused() {
    let f = fixture();
    let decision = f
        .auth
        .verify(&plain(
            Surface::Imap,
            "",
            "bob@example.org%carol@example.org",
            "carol-password",
        ))
        .await;
    let denial = decision.denial().unwrap();
    assert_eq!(denial.reason.sub_kind(), Some("actor-lacks-impersonate"));
    assert_eq!(
        denial.public.imap(),
        "NO [AUTHORIZATIONFAILED] your account may not act as other accounts"
    );
    // With a wrong password the actor learns nothing about impersonation.
    let decision = f
        .auth
        .verify(&plain(
            Surface::Imap,
            "",
            "bob@example.org%carol@example.org",
            "wrong",
        ))
        .await;
    assert_eq!(kind(&decision), "wrong-secret");
    assert_eq!(
        decision.denial().unwrap().public.imap(),
        "NO [AUTHENTICATIONFAILED] Authentication failed"
    );
}

#[tokio::test]
async fn admin_targets_and_unknown_targets_share_one_reply() {
    let f = fixture();
    let unknown = f
        .auth
        .verify(&plain(
            Surface::Imap,
            "",
            "nobody@example.org%admin@example.org",
            "admin-password",
        ))
        .await;
    assert_eq!(
        unknown.denial().unwrap().reason.sub_kind(),
        Some("target-not-found")
    );
    assert_eq!(
        unknown.denial().unwrap().public.imap(),
        "NO [AUTHORIZATIONFAILED] you may not act as this account"
    );
}
