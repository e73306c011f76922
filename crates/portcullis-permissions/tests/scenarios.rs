//! The rules of the crate docs, end to end.

use portcullis_permissions::{
    AccountPolicy, CredentialScope, LoginPolicy, LoginRefusal, Permission, PermissionSet, Role,
    RoleGraph, Surface, SurfaceSet, TenantPolicy, can_grant, preset,
};

fn user() -> PermissionSet {
    RoleGraph::with_presets()
        .resolve(&["user"])
        .unwrap()
        .effective()
}

#[test]
fn imap_only_app_password_needs_nothing_global() {
    let account = user();
    let scoped =
        CredentialScope::Replace(PermissionSet::from(Permission::ImapAuthenticate)).apply(&account);
    let gates = LoginPolicy::default();
    assert_eq!(gates.check(&account, &scoped, Surface::Imap), Ok(()));
    for surface in [
        Surface::Portal,
        Surface::CardDav,
        Surface::Smtp,
        Surface::Admin,
    ] {
        assert!(
            gates.check(&account, &scoped, surface).is_err(),
            "{surface}"
        );
    }
    assert_eq!(
        gates.check(&account, &scoped, Surface::Portal),
        Err(LoginRefusal::SurfaceNotInScope(Surface::Portal))
    );
    assert_eq!(
        gates.check(&account, &scoped, Surface::Admin),
        Err(LoginRefusal::SurfaceNotAllowedForAccount(Surface::Admin))
    );
}

#[test]
fn dav_only_opens_dav_and_nothing_else() {
    let scoped = CredentialScope::dav_only().apply(&user());
    assert_eq!(
        SurfaceSet::opened_by(&scoped),
        SurfaceSet::CALDAV | SurfaceSet::CARDDAV | SurfaceSet::WEBDAV
    );
}

#[test]
fn losing_a_role_shrinks_every_scope() {
    let mut graph = RoleGraph::with_presets();
    graph.insert(Role::new("mailer").enable(Permission::EmailSend));
    let before = graph.resolve(&["user", "mailer"]).unwrap().effective();
    graph.insert(Role::new("mailer"));
    graph.insert(Role::new("user").enable(preset::user_rights() - Permission::EmailSend.into()));
    let after = graph.resolve(&["user", "mailer"]).unwrap().effective();
    let scope = CredentialScope::mail_only();
    assert!(scope.apply(&before).contains(Permission::EmailSend));
    assert!(!scope.apply(&after).contains(Permission::EmailSend));
}

#[test]
fn tenant_clamp_and_account_policy_compose() {
    let roles = RoleGraph::with_presets().resolve(&["admin"]).unwrap();
    let tenant = TenantPolicy {
        allowed: Some(preset::user_rights()),
        disabled: PermissionSet::empty(),
    };
    let rights = AccountPolicy::Inherit.effective(&roles, Some(&tenant));
    assert_eq!(rights, preset::user_rights());
    assert!(!rights.contains(Permission::Impersonate));
}

#[test]
fn only_admin_preset_impersonates() {
    let graph = RoleGraph::with_presets();
    for (role, expected) in [
        (preset::USER, false),
        (preset::TENANT_ADMIN, false),
        (preset::ADMIN, true),
    ] {
        let rights = graph.resolve(&[role]).unwrap().effective();
        assert_eq!(rights.contains(Permission::Impersonate), expected, "{role}");
    }
}

#[test]
fn can_grant_reports_what_is_missing() {
    let granter = user();
    assert!(can_grant(&granter, &CredentialScope::mail_only().apply(&granter)).is_ok());
    let err = can_grant(&granter, &PermissionSet::from(Permission::SysAccountCreate)).unwrap_err();
    assert_eq!(
        err.missing,
        PermissionSet::from(Permission::SysAccountCreate)
    );
}
