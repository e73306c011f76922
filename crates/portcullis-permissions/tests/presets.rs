//! Scope presets and preset roles: each name gives exactly its scope.

use portcullis_permissions::{
    CredentialScope, Group, Permission, PermissionSet, RoleGraph, SCOPE_PRESETS, Surface,
    SurfaceSet, preset,
};

fn groups(groups: &[Group]) -> PermissionSet {
    groups
        .iter()
        .map(|group| PermissionSet::group(*group))
        .fold(PermissionSet::empty(), |set, group| set | group)
}

/// Every preset name and the scope it must give.
fn expected() -> [(&'static str, CredentialScope); 5] {
    [
        (
            "mail-only",
            CredentialScope::Replace(
                groups(&[Group::Email, Group::Imap, Group::Pop3, Group::Sieve])
                    | PermissionSet::from(Permission::EmailSend),
            ),
        ),
        (
            "imap-only",
            CredentialScope::Replace(PermissionSet::group(Group::Imap)),
        ),
        (
            "dav-only",
            CredentialScope::Replace(groups(&[Group::Dav, Group::Calendar])),
        ),
        (
            "regular-user",
            CredentialScope::Replace(preset::user_rights() - preset::administrative()),
        ),
        ("inherit", CredentialScope::Inherit),
    ]
}

#[test]
fn every_preset_name_gives_its_scope() {
    for (name, scope) in expected() {
        assert_eq!(CredentialScope::preset(name), Some(scope), "{name}");
    }
    let names: Vec<&str> = expected().iter().map(|(name, _)| *name).collect();
    assert_eq!(names, SCOPE_PRESETS);
}

#[test]
fn the_preset_constructors_are_the_named_presets() {
    assert_eq!(
        Some(CredentialScope::mail_only()),
        CredentialScope::preset("mail-only")
    );
    assert_eq!(
        Some(CredentialScope::imap_only()),
        CredentialScope::preset("imap-only")
    );
    assert_eq!(
        Some(CredentialScope::dav_only()),
        CredentialScope::preset("dav-only")
    );
    assert_eq!(
        Some(CredentialScope::regular_user()),
        CredentialScope::preset("regular-user")
    );
}

#[test]
fn unknown_preset_names_give_none() {
    for name in [
        "",
        "admin",
        "Mail-Only",
        "mail_only",
        "mail-only ",
        "imap",
        "replace",
        "disable",
        "user",
    ] {
        assert_eq!(CredentialScope::preset(name), None, "{name:?}");
    }
}

#[test]
fn imap_only_opens_imap_and_nothing_else() {
    let account = PermissionSet::all();
    let scoped = CredentialScope::imap_only().apply(&account);
    assert_eq!(scoped, PermissionSet::group(Group::Imap));
    assert!(scoped.contains(Permission::ImapAuthenticate));
    assert!(!scoped.contains(Permission::Authenticate));
    assert_eq!(SurfaceSet::opened_by(&scoped), SurfaceSet::IMAP);
    // Within a user's rights, too.
    let user = RoleGraph::with_presets()
        .resolve(&[preset::USER])
        .unwrap()
        .effective();
    let scoped = CredentialScope::imap_only().apply(&user);
    assert_eq!(SurfaceSet::opened_by(&scoped), SurfaceSet::IMAP);
}

#[test]
fn each_preset_opens_its_surfaces() {
    let user = RoleGraph::with_presets()
        .resolve(&[preset::USER])
        .unwrap()
        .effective();
    let opened =
        |name: &str| SurfaceSet::opened_by(&CredentialScope::preset(name).unwrap().apply(&user));
    assert_eq!(
        opened("mail-only"),
        SurfaceSet::IMAP | SurfaceSet::POP3 | SurfaceSet::SMTP | SurfaceSet::MANAGESIEVE
    );
    assert_eq!(opened("imap-only"), SurfaceSet::IMAP);
    assert_eq!(
        opened("dav-only"),
        SurfaceSet::CALDAV | SurfaceSet::CARDDAV | SurfaceSet::WEBDAV
    );
    // A user holds every surface but the admin console.
    let all_but_admin = Surface::ALL
        .into_iter()
        .filter(|surface| *surface != Surface::Admin)
        .fold(SurfaceSet::empty(), |set, surface| set | surface.as_set());
    assert_eq!(opened("regular-user"), all_but_admin);
    assert_eq!(opened("inherit"), all_but_admin);
}

#[test]
fn preset_roles_are_user_tenant_admin_and_admin() {
    let roles = preset::roles();
    let names: Vec<&str> = roles.iter().map(|role| role.name.as_str()).collect();
    assert_eq!(names, ["user", "tenant-admin", "admin"]);
    assert_eq!(
        [preset::USER, preset::TENANT_ADMIN, preset::ADMIN],
        ["user", "tenant-admin", "admin"]
    );
    let graph = RoleGraph::with_presets();
    for role in &roles {
        assert_eq!(graph.get(&role.name), Some(role));
    }
    assert_eq!(graph.iter().count(), 3);
    assert_eq!(graph.get("nobody"), None);
    let admin = graph.resolve(&[preset::ADMIN]).unwrap().effective();
    assert_eq!(admin, PermissionSet::all());
    let tenant_admin = graph.resolve(&[preset::TENANT_ADMIN]).unwrap().effective();
    assert!(preset::user_rights().is_subset(&tenant_admin));
    assert!(tenant_admin.contains(Permission::AdminAuthenticate));
    assert!(!tenant_admin.contains(Permission::Impersonate));
    assert_eq!(
        graph.resolve(&[preset::USER]).unwrap().effective(),
        preset::user_rights()
    );
}

#[test]
fn self_service_is_not_administrative() {
    assert!(!preset::SELF_SERVICE.intersects(&preset::administrative()));
    assert!(preset::SELF_SERVICE.is_subset(&preset::user_rights()));
    assert!(preset::administrative().contains(Permission::Impersonate));
    assert!(preset::administrative().contains(Permission::AdminAuthenticate));
}
