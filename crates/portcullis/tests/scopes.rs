//! Seed scenarios 1 and 2: scoped app passwords stay scoped.

use portcullis::{Decision, FailureClass, MemoryDirectory, Permission, PermissionSet, Surface};
use portcullis_permissions::{CredentialScope, Group};

use crate::support::*;

fn directory() -> (MemoryDirectory, String, String) {
    // Scenario 1: `Replace [imapAuthenticate]` plus the IMAP families.
    let imap_scope = CredentialScope::Replace(
        PermissionSet::group(Group::Imap) | PermissionSet::from(Permission::ImapAuthenticate),
    );
    let (imap_secret, imap_record) = app_password(1, imap_scope);
    let (dav_secret, dav_record) = app_password(2, CredentialScope::dav_only());
    let directory = MemoryDirectory::builder()
        .account(
            user("alice@example.org", "alice-password")
                .with_credential(imap_record)
                .with_credential(dav_record),
        )
        .build();
    (directory, imap_secret, dav_secret)
}

#[tokio::test]
async fn imap_app_password_opens_imap_only() {
    let (directory, imap, _) = directory();
    let auth = authenticator(directory);

    let explained = auth
        .explain(&plain(Surface::Imap, "", "alice@example.org", &imap))
        .await;
    assert_eq!(steps(&explained), ALL_STEPS);
    let Decision::Grant(grant) = &explained.decision else {
        panic!("{:?}", explained.decision)
    };
    assert_eq!(grant.account, "alice@example.org");
    assert_eq!(grant.credential.kind.name(), "app-password");
    assert_eq!(grant.credential.id, Some(1));
    assert!(grant.rights.contains(Permission::ImapAuthenticate));
    assert!(!grant.rights.contains(Permission::PortalAuthenticate));
    assert!(!grant.rights.contains(Permission::Authenticate));
    assert!(outcome(&explained, "surface-gate").contains("imapAuthenticate"));

    // The web portal: surface not in scope, HTTP 403.
    let explained = auth
        .explain(&basic(Surface::Portal, "alice@example.org", &imap))
        .await;
    assert_eq!(kind(&explained.decision), "surface-not-in-scope");
    let denial = explained.decision.denial().unwrap();
    assert_eq!(denial.public.class(), FailureClass::NotAllowed);
    assert_eq!(denial.public.http().status, 403);
    assert_eq!(
        denial.public.imap(),
        "NO [AUTHORIZATIONFAILED] This credential may not be used for the web portal"
    );
    assert!(outcome(&explained, "surface-gate").starts_with("refused"));
    assert_eq!(steps(&explained).last(), Some(&"surface-gate"));

    // CardDAV: refused too, and nothing else needed adding to the scope.
    let decision = auth
        .verify(&basic(Surface::CardDav, "alice@example.org", &imap))
        .await;
    assert_eq!(kind(&decision), "surface-not-in-scope");
}

#[tokio::test]
async fn dav_only_opens_carddav_and_caldav() {
    let (directory, _, dav) = directory();
    let auth = authenticator(directory);
    for surface in [Surface::CardDav, Surface::CalDav] {
        let decision = auth
            .verify(&basic(surface, "alice@example.org", &dav))
            .await;
        let grant = decision
            .grant()
            .unwrap_or_else(|| panic!("{surface}: {decision:?}"));
        assert!(grant.rights.contains(Permission::DavAuthenticate));
        assert!(!grant.rights.contains(Permission::ImapAuthenticate));
    }
    for surface in [Surface::Imap, Surface::Portal] {
        let explained = auth
            .explain(&basic(surface, "alice@example.org", &dav))
            .await;
        assert_eq!(
            kind(&explained.decision),
            "surface-not-in-scope",
            "{surface}"
        );
        assert!(outcome(&explained, "scope").starts_with("replace scope"));
    }
}

#[tokio::test]
async fn the_primary_password_opens_the_portal() {
    let (directory, _, _) = directory();
    let auth = authenticator(directory);
    let decision = auth
        .verify(&basic(
            Surface::Portal,
            "alice@example.org",
            "alice-password",
        ))
        .await;
    let grant = decision.grant().unwrap();
    assert_eq!(grant.credential.kind.name(), "password");
    assert_eq!(grant.credential.id, None);
    assert!(grant.rights.contains(Permission::PortalAuthenticate));
}
