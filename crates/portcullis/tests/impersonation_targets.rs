//! Impersonating a closed account at login: a disabled target, and a
//! target whose tenant is disabled, are each refused on their own (issue 21:
//! the mutant `target.disabled || tenant.disabled` → `&&` survived).

use portcullis::{
    Account, Authenticator, Decision, FailureClass, MemoryDirectory, Surface, Tenant,
};
use portcullis_impersonation::ImpersonationPolicy;

use crate::support::*;

const TARGET_REFUSED: &str = "NO [AUTHORIZATIONFAILED] you may not act as this account";

/// The admin, and bob in tenant `acme`, whose state each test sets.
fn directory(bob_disabled: bool, acme_disabled: bool) -> MemoryDirectory {
    MemoryDirectory::builder()
        .tenant("acme", Tenant::default().disabled(acme_disabled))
        .account(
            Account::new("admin@example.org")
                .with_password(hash("admin-password"))
                .with_roles(["admin"]),
        )
        .account(
            user("bob@acme.example", "bob-password")
                .in_tenant("acme")
                .disabled(bob_disabled),
        )
        .build()
}

/// The admin has no tenant and bob is in `acme`: a help desk that may act
/// across tenants, so that only the closed state can refuse.
fn help_desk(directory: MemoryDirectory) -> Authenticator {
    let mut policy = ImpersonationPolicy::default();
    policy.same_tenant_only = false;
    builder(directory).impersonation(policy).build().unwrap()
}

fn as_bob() -> portcullis::AuthRequest {
    plain(
        Surface::Imap,
        "",
        "bob@acme.example%admin@example.org",
        "admin-password",
    )
}

fn assert_target_refused(decision: &Decision) {
    let Decision::Deny(denial) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(denial.reason.kind(), "impersonation-refused");
    assert_eq!(denial.reason.sub_kind(), Some("target-cannot-authenticate"));
    assert_eq!(denial.public.class(), FailureClass::NotAllowed);
    assert_eq!(denial.public.imap(), TARGET_REFUSED);
    assert_eq!(denial.public.http().status, 403);
}

#[tokio::test]
async fn an_open_target_in_an_open_tenant_can_be_impersonated() {
    // The control: the two tests below differ from it in one flag each.
    let auth = help_desk(directory(false, false));
    let decision = auth.verify(&as_bob()).await;
    let grant = decision.grant().unwrap_or_else(|| panic!("{decision:?}"));
    assert_eq!(grant.account, "admin@example.org");
    assert_eq!(grant.acting_as, "bob@acme.example");
}

#[tokio::test]
async fn a_disabled_target_cannot_be_impersonated() {
    let auth = help_desk(directory(true, false));
    let explained = auth.explain(&as_bob()).await;
    assert_target_refused(&explained.decision);
    assert_eq!(
        outcome(&explained, "impersonation"),
        "refused: the target account may not sign in (target-cannot-authenticate)"
    );
    // The actor's own login still works: only the target is closed.
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "admin@example.org",
            "admin-password",
        ))
        .await;
    assert_eq!(kind(&decision), "grant");
}

#[tokio::test]
async fn a_target_in_a_disabled_tenant_cannot_be_impersonated() {
    let auth = help_desk(directory(false, true));
    assert_target_refused(&auth.verify(&as_bob()).await);
    // Over HTTP Basic with the `%` form: the same refusal.
    let decision = auth
        .verify(&basic(
            Surface::Jmap,
            "bob@acme.example%admin@example.org",
            "admin-password",
        ))
        .await;
    assert_target_refused(&decision);
}

#[tokio::test]
async fn a_closed_target_is_refused_like_an_unknown_one() {
    // No hint to the actor about whether the target exists or is closed.
    let auth = help_desk(directory(true, true));
    let closed = auth.verify(&as_bob()).await;
    assert_target_refused(&closed);
    let unknown = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "nobody@acme.example%admin@example.org",
            "admin-password",
        ))
        .await;
    assert_eq!(
        unknown.denial().unwrap().reason.sub_kind(),
        Some("target-not-found")
    );
    assert_eq!(
        closed.denial().unwrap().public,
        unknown.denial().unwrap().public
    );
}
