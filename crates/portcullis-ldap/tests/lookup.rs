//! Attribute mapping of the seeded entries.

use portcullis::Directory;
use portcullis_credentials::Scheme;
use portcullis_ldap::{GroupSearch, LdapConfig, LdapDirectory};

use crate::support::{ADMINS_DN, ALICE_DN, config, directory, server};

#[tokio::test]
async fn alice_maps_every_attribute() {
    let Some(server) = server() else { return };
    let found = directory(&server)
        .lookup("alice@example.org")
        .await
        .unwrap()
        .expect("alice");
    assert_eq!(found.dn, ALICE_DN);
    assert_eq!(found.display_name.as_deref(), Some("Alice Example"));
    let account = &found.account;
    assert_eq!(account.name, "alice@example.org");
    assert_eq!(account.password.as_ref().unwrap().scheme(), Scheme::Ssha);
    assert_eq!(account.groups, vec![ADMINS_DN.to_owned()]);
    assert_eq!(account.roles, vec!["user".to_owned(), "admin".to_owned()]);
    assert_eq!(account.tenant.as_deref(), Some("example"));
    assert!(!account.disabled);
    assert!(account.totp.is_none());
    assert!(account.credentials.is_empty());
    // modifyTimestamp, YYYYMMDDHHMMSS.
    assert!(
        account.revision > 20_200_101_000_000,
        "{}",
        account.revision
    );
}

#[tokio::test]
async fn bob_is_disabled_and_carol_has_crypt() {
    let Some(server) = server() else { return };
    let directory = directory(&server);
    let bob = directory
        .account("bob@example.org")
        .await
        .unwrap()
        .expect("bob");
    assert!(bob.disabled);
    assert!(bob.groups.is_empty());
    assert_eq!(bob.roles, vec!["user".to_owned()]);
    assert_eq!(bob.tenant, None);

    let carol = directory
        .account("carol@example.net")
        .await
        .unwrap()
        .expect("carol");
    assert_eq!(carol.name, "carol@example.net");
    assert!(!carol.disabled);
    assert_eq!(
        carol.password.as_ref().unwrap().scheme(),
        Scheme::Sha512Crypt
    );
    assert_eq!(carol.tenant.as_deref(), Some("other"));
    assert_eq!(carol.roles, vec!["user".to_owned()]);
}

#[tokio::test]
async fn unknown_names_are_none() {
    let Some(server) = server() else { return };
    let directory = directory(&server);
    for name in ["nobody@example.org", "alice@example.net", "alice", ""] {
        assert!(directory.account(name).await.unwrap().is_none(), "{name:?}");
    }
    // LDAP compares mail case-insensitively; the account keeps the
    // entry's canonical name.
    let upper = directory
        .account("ALICE@example.org")
        .await
        .unwrap()
        .expect("alice");
    assert_eq!(upper.name, "alice@example.org");
    assert!(
        directory
            .principal("alice@example.org")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn groups_from_a_group_search_map_by_cn() {
    let Some(server) = server() else { return };
    let mut config: LdapConfig = config(&server);
    config.group_search = Some(GroupSearch {
        base: "ou=groups,dc=example,dc=org".into(),
        ..GroupSearch::default()
    });
    config.group_roles = [("mail-admins".to_owned(), vec!["tenant-admin".to_owned()])].into();
    let directory = LdapDirectory::new(config).unwrap();
    let alice = directory
        .account("alice@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.groups, vec![ADMINS_DN.to_owned()]);
    assert_eq!(
        alice.roles,
        vec!["user".to_owned(), "tenant-admin".to_owned()]
    );
    let carol = directory
        .account("carol@example.net")
        .await
        .unwrap()
        .unwrap();
    assert!(carol.groups.is_empty());
}

#[tokio::test]
async fn filters_with_local_part_and_domain() {
    let Some(server) = server() else { return };
    let mut config = config(&server);
    config.filter = "(&(objectClass=inetOrgPerson)(uid=%n)(mail=%n@%d))".into();
    let directory = LdapDirectory::new(config).unwrap();
    assert!(
        directory
            .account("alice@example.org")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        directory
            .account("alice@example.net")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn tenants_and_totp_steps() {
    let Some(server) = server() else { return };
    let mut config = config(&server);
    config.disabled_tenants = vec!["other".into()];
    let directory = LdapDirectory::new(config).unwrap();
    assert!(!directory.tenant("example").await.unwrap().unwrap().disabled);
    assert!(directory.tenant("other").await.unwrap().unwrap().disabled);
    assert!(
        directory
            .use_totp_step("alice@example.org", 10)
            .await
            .unwrap()
    );
    assert!(
        !directory
            .use_totp_step("alice@example.org", 10)
            .await
            .unwrap()
    );
    assert!(
        directory
            .use_totp_step("alice@example.org", 11)
            .await
            .unwrap()
    );
    assert!(
        !directory
            .use_recovery_code("alice@example.org", 0)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn many_concurrent_lookups_share_a_small_pool() {
    let Some(server) = server() else { return };
    let directory = directory(&server);
    let lookups = (0..20).map(|_| {
        let directory = directory.clone();
        tokio::spawn(async move { directory.lookup("alice@example.org").await })
    });
    for lookup in lookups {
        assert!(lookup.await.unwrap().unwrap().is_some());
    }
}
