//! Seed scenario 3: session bindings and revocation.

use portcullis::{
    Account, Authenticator, CredentialKind, DenialReason, MemoryDirectory, Permission,
    PermissionSet, SessionBinding, Surface,
};
use portcullis_permissions::{AccountPolicy, CredentialScope};

use crate::support::*;

#[tokio::test]
async fn deleting_an_app_password_revokes_only_its_sessions() {
    let (first, first_record) = app_password(1, CredentialScope::mail_only());
    let (second, second_record) = app_password(2, CredentialScope::mail_only());
    let directory = MemoryDirectory::builder()
        .account(
            user("alice@example.org", "alice-password")
                .with_credential(first_record)
                .with_credential(second_record),
        )
        .build();
    let auth = authenticator(directory.clone());

    let explained = auth
        .explain(&basic(
            Surface::Portal,
            "alice@example.org",
            "alice-password",
        ))
        .await;
    assert_eq!(steps(&explained), ALL_STEPS);
    assert!(
        outcome(&explained, "grant")
            .starts_with("alice@example.org as alice@example.org with password")
    );
    let portal = explained.decision.grant().unwrap().session_binding.clone();
    assert_eq!(portal.credential.kind, CredentialKind::Password);
    let one = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &first))
        .await;
    let one = one.grant().unwrap().session_binding.clone();
    assert_eq!(one.credential.id, Some(1));
    let two = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &second))
        .await;
    let two = two.grant().unwrap().session_binding.clone();
    for binding in [&portal, &one, &two] {
        assert_eq!(auth.revalidate(binding).await, Ok(()));
    }
    // The binding serializes (servers store it with the session).
    let stored = serde_json::to_string(&one).unwrap();
    assert!(!stored.contains(&first));

    assert!(directory.remove_credential("alice@example.org", CredentialKind::AppPassword, 1));
    assert_eq!(auth.revalidate(&one).await, Err(DenialReason::Revoked));
    assert_eq!(auth.revalidate(&two).await, Ok(()));
    assert_eq!(auth.revalidate(&portal).await, Ok(()));

    // The deleted app password no longer signs in either.
    let decision = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &first))
        .await;
    assert_eq!(kind(&decision), "unknown-credential");

    // Changing the remaining app password's scope (or bumping its revision)
    // ends its sessions too: a session never keeps rights the credential lost.
    directory.update("alice@example.org", |account| {
        for record in &mut account.credentials {
            record.scope = CredentialScope::imap_only();
        }
    });
    assert_eq!(auth.revalidate(&two).await, Err(DenialReason::Revoked));
    let two = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &second))
        .await;
    let two = two.grant().unwrap().session_binding.clone();
    assert_eq!(auth.revalidate(&two).await, Ok(()));
    directory.update("alice@example.org", |account| {
        for record in &mut account.credentials {
            record.revision += 1;
        }
    });
    assert_eq!(auth.revalidate(&two).await, Err(DenialReason::Revoked));
    let two = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &second))
        .await;
    let two = two.grant().unwrap().session_binding.clone();

    // A new password revokes the password's sessions, not the app password's.
    directory.update("alice@example.org", |account| {
        account.password = Some(hash("new-password"));
    });
    assert_eq!(auth.revalidate(&portal).await, Err(DenialReason::Revoked));
    assert_eq!(auth.revalidate(&two).await, Ok(()));

    // Disabling the account ends every session.
    directory.update("alice@example.org", |account| account.disabled = true);
    assert_eq!(
        auth.revalidate(&two).await,
        Err(DenialReason::AccountDisabled)
    );
}

/// Alice's directory, an authenticator over it, and the binding of her
/// IMAP password login.
async fn alice_session() -> (MemoryDirectory, Authenticator, SessionBinding) {
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password"))
        .build();
    let auth = authenticator(directory.clone());
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "alice@example.org",
            "alice-password",
        ))
        .await;
    let binding = decision.grant().unwrap().session_binding.clone();
    (directory, auth, binding)
}

#[tokio::test]
async fn a_change_of_rights_ends_the_session() {
    let (directory, auth, binding) = alice_session().await;
    assert!(binding.rights.is_some());

    // A change that leaves the rights alone (the revision moves) keeps it.
    assert!(directory.update("alice@example.org", |account| {
        account.groups.push("staff".to_owned());
    }));
    assert_eq!(auth.revalidate(&binding).await, Ok(()));

    // A permission taken away by the account policy ends it.
    assert!(directory.update("alice@example.org", |account| {
        account.policy = AccountPolicy::Merge {
            enabled: PermissionSet::empty(),
            disabled: PermissionSet::from_slice(&[Permission::EmailSend]),
        };
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::RightsChanged)
    );

    // So does a role given; the client signs in again with the new rights.
    assert!(directory.update("alice@example.org", |account| {
        account.policy = AccountPolicy::Inherit;
    }));
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    assert!(directory.update("alice@example.org", |account| {
        account.roles.push("admin".to_owned());
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::RightsChanged)
    );

    // Losing the right to sign in at all is said as such.
    assert!(directory.update("alice@example.org", |account| {
        account.roles.clear();
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::AccountCannotAuthenticate)
    );
}

#[tokio::test]
async fn an_impersonation_session_follows_the_target_rights() {
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("admin@example.org")
                .with_password(hash("admin-password"))
                .with_roles(["admin"]),
        )
        .account(user("bob@example.org", "bob-password"))
        .build();
    let auth = authenticator(directory.clone());
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "bob@example.org%admin@example.org",
            "admin-password",
        ))
        .await;
    let binding = decision.grant().unwrap().session_binding.clone();
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    assert!(directory.update("bob@example.org", |account| {
        account.policy = AccountPolicy::Merge {
            enabled: PermissionSet::empty(),
            disabled: PermissionSet::from_slice(&[Permission::EmailReceive]),
        };
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::RightsChanged)
    );
    assert!(directory.update("bob@example.org", |account| account.disabled = true));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::AccountDisabled)
    );
}

#[tokio::test]
async fn a_binding_stored_before_rights_were_bound_still_revalidates() {
    // Bindings serialized by 0.1 have neither `rights` nor
    // `rehashed_fingerprint`; they deserialize and keep their old checks.
    let (directory, auth, binding) = alice_session().await;
    let mut stored = serde_json::to_value(&binding).unwrap();
    let object = stored.as_object_mut().unwrap();
    assert!(object.remove("rights").is_some());
    assert!(!object.contains_key("rehashed_fingerprint"));
    let old: SessionBinding = serde_json::from_value(stored).unwrap();
    assert_eq!(old.rights, None);
    assert!(directory.update("alice@example.org", |account| {
        account.roles.push("admin".to_owned());
    }));
    assert_eq!(auth.revalidate(&old).await, Ok(()));
}
