//! Stable names: the `kind()` strings and `Display` texts that logs, the
//! CLI and audit events depend on.

use portcullis_permissions::{
    Effect, Error, Group, LoginRefusal, Permission, Reason, RoleSource, Surface,
};

#[test]
fn error_kinds_and_texts_are_stable() {
    let cases = [
        (
            Error::UnknownPermission {
                name: "imapTeleport".into(),
            },
            "unknown-permission",
            "unknown permission \"imapTeleport\"",
        ),
        (
            Error::UnknownRole {
                name: "ghost".into(),
            },
            "unknown-role",
            "unknown role \"ghost\"",
        ),
        (
            Error::RoleDepthExceeded {
                role: "r32".into(),
                max: 32,
            },
            "role-depth-exceeded",
            "role \"r32\" is nested more than 32 levels deep",
        ),
    ];
    for (error, kind, text) in cases {
        assert_eq!(error.kind(), kind);
        assert_eq!(error.to_string(), text);
    }
}

#[test]
fn login_refusal_kinds_and_texts_are_stable() {
    let cases = [
        (
            LoginRefusal::AccountCannotAuthenticate,
            "account-cannot-authenticate",
            "the account may not sign in",
        ),
        (
            LoginRefusal::SurfaceNotAllowedForAccount(Surface::Admin),
            "surface-not-allowed",
            "the account may not use admin",
        ),
        (
            LoginRefusal::SurfaceNotInScope(Surface::Portal),
            "surface-not-in-scope",
            "portal is not in this credential's scope",
        ),
        (
            LoginRefusal::ScopeLacksAuthenticate,
            "scope-lacks-authenticate",
            "the credential's scope lacks authenticate",
        ),
    ];
    for (refusal, kind, text) in cases {
        assert_eq!(refusal.kind(), kind);
        assert_eq!(refusal.to_string(), text);
    }
}

#[test]
fn group_names_are_stable() {
    let expected = [
        (Group::Account, "account"),
        (Group::Email, "email"),
        (Group::Calendar, "calendar"),
        (Group::Imap, "imap"),
        (Group::Pop3, "pop3"),
        (Group::Sieve, "sieve"),
        (Group::Jmap, "jmap"),
        (Group::Dav, "dav"),
        (Group::OAuth, "oauth"),
        (Group::Live, "live"),
        (Group::Action, "action"),
        (Group::Task, "task"),
        (Group::Sys, "sys"),
        (Group::Portal, "portal"),
        (Group::Admin, "admin"),
    ];
    assert_eq!(expected.map(|(group, _)| group), Group::ALL);
    for (group, name) in expected {
        assert_eq!(group.name(), name);
        assert_eq!(group.to_string(), name);
    }
}

#[test]
fn permissions_display_as_their_names() {
    for permission in Permission::ALL {
        assert_eq!(permission.to_string(), permission.name());
        assert_eq!(permission.name().parse::<Permission>(), Ok(permission));
    }
    assert_eq!(Permission::ImapAuthenticate.to_string(), "imapAuthenticate");
    assert_eq!(
        Permission::OAuthClientOverride.to_string(),
        "oAuthClientOverride"
    );
    assert!("imapTeleport".parse::<Permission>().is_err());
}

#[test]
fn surface_names_are_stable() {
    let expected = [
        (Surface::Imap, "imap"),
        (Surface::Pop3, "pop3"),
        (Surface::Smtp, "smtp"),
        (Surface::ManageSieve, "managesieve"),
        (Surface::Jmap, "jmap"),
        (Surface::CalDav, "caldav"),
        (Surface::CardDav, "carddav"),
        (Surface::WebDav, "webdav"),
        (Surface::Portal, "portal"),
        (Surface::Admin, "admin"),
    ];
    assert_eq!(expected.map(|(surface, _)| surface), Surface::ALL);
    for (surface, name) in expected {
        assert_eq!(surface.name(), name);
        assert_eq!(surface.to_string(), name);
        assert_eq!(Surface::from_name(&name.to_uppercase()), Some(surface));
    }
}

#[test]
fn only_the_portal_and_the_admin_console_are_interactive_web() {
    let interactive: Vec<Surface> = Surface::ALL
        .into_iter()
        .filter(|surface| surface.is_interactive_web())
        .collect();
    assert_eq!(interactive, [Surface::Portal, Surface::Admin]);
}

#[test]
fn every_surface_is_its_own_set_bit() {
    let mut seen = portcullis_permissions::SurfaceSet::empty();
    for surface in Surface::ALL {
        let bit = surface.as_set();
        assert_eq!(bit.bits().count_ones(), 1, "{surface}");
        assert!(!seen.intersects(bit), "{surface}");
        seen |= bit;
    }
    assert_eq!(seen, portcullis_permissions::SurfaceSet::all());
}

#[test]
fn reasons_read_as_sentences() {
    let source = |effect, via: &[&str]| RoleSource {
        role: "no-imap".into(),
        via: via.iter().map(|role| (*role).to_owned()).collect(),
        effect,
    };
    let cases = [
        (
            Reason::Role(source(Effect::Enabled, &[])),
            "enabled by role `no-imap`",
        ),
        (
            Reason::Role(source(Effect::Disabled, &["contractor", "staff"])),
            "disabled by role `no-imap` inherited via `contractor` → `staff`",
        ),
        (
            Reason::RoleIgnored(source(Effect::Enabled, &["contractor"])),
            "enabled by role `no-imap` inherited via `contractor` (ignored: the account policy replaces its roles)",
        ),
        (
            Reason::Account(Effect::Enabled),
            "enabled by the account's own list",
        ),
        (
            Reason::Account(Effect::Disabled),
            "disabled by the account's own list",
        ),
        (Reason::TenantNotAllowed, "not in the tenant's allowed set"),
        (Reason::TenantDisabled, "disabled by the tenant"),
    ];
    for (reason, text) in cases {
        assert_eq!(reason.to_string(), text);
    }
}
