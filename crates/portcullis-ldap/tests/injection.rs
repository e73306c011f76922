//! Filter injection: every hostile name is searched for literally.

use portcullis::DirectoryError;
use portcullis_ldap::{LdapConfig, LdapDirectory};

use crate::support::{config, server};

/// Names that would match other entries (or every entry) if the filter
/// were built without RFC 4515 escaping.
fn hostile_names() -> Vec<String> {
    let mut names: Vec<String> = [
        "*",
        "*@example.org",
        "alice*",
        "a*e@example.org",
        ")(uid=*",
        "*)(uid=*",
        "*)(|(uid=*",
        "alice@example.org)(mail=*",
        "alice@example.org)(|(mail=*)",
        "*))(|(objectClass=*",
        // slapd ignores a trailing NUL even when escaped (`\00`): the
        // directory refuses control characters before searching.
        "alice\0@example.org",
        "alice@example.org\0",
        "alice@example.org\n",
        "\0",
        "\\",
        "\\2a",
        "alice\\2a",
        "\\2a@example.org",
        "(",
        ")",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    names.push(format!("{}@example.org", "a".repeat(900)));
    names.push(format!("{}*", "a".repeat(5000)));
    names
}

async fn assert_not_found(directory: &LdapDirectory, name: &str) {
    match directory.lookup(name).await {
        Ok(None) => {}
        Ok(Some(found)) => panic!("{name:?} found {}", found.dn),
        Err(DirectoryError::Data(error)) => panic!("{name:?} matched several entries: {error}"),
        Err(error) => panic!("{name:?}: {error}"),
    }
}

#[tokio::test]
async fn hostile_names_find_nothing_with_the_whole_name() {
    let Some(server) = server() else { return };
    let directory = LdapDirectory::new(config(&server)).unwrap();
    for name in hostile_names() {
        assert_not_found(&directory, &name).await;
    }
    // The literal entry is still found.
    assert!(
        directory
            .lookup("alice@example.org")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn hostile_local_parts_and_domains_find_nothing() {
    let Some(server) = server() else { return };
    let directory = LdapDirectory::new(LdapConfig {
        filter: "(&(objectClass=inetOrgPerson)(uid=%n)(mail=%n@%d))".into(),
        ..config(&server)
    })
    .unwrap();
    for name in hostile_names()
        .into_iter()
        .chain(["*@*", "alice@*", "alice@example.*", "*)(uid=alice@x"].map(str::to_owned))
    {
        assert_not_found(&directory, &name).await;
    }
    assert!(
        directory
            .lookup("alice@example.org")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_unescaped_star_would_have_matched() {
    // The control: the same server does answer a wildcard filter with
    // several entries, which the directory reports as ambiguous. This
    // shows the tests above would notice a missing escape.
    let Some(server) = server() else { return };
    let directory = LdapDirectory::new(LdapConfig {
        filter: "(&(objectClass=inetOrgPerson)(mail=*%%%u))".into(),
        ..config(&server)
    })
    .unwrap();
    // `(mail=*%example.org)`: no match (the `%` is literal) ...
    assert!(directory.lookup("example.org").await.unwrap().is_none());
    let wildcard = LdapDirectory::new(LdapConfig {
        filter: "(&(objectClass=inetOrgPerson)(mail=*@%d))".into(),
        ..config(&server)
    })
    .unwrap();
    // ... while a template wildcard over the domain matches alice and bob.
    assert!(matches!(
        wildcard.lookup("x@example.org").await,
        Err(DirectoryError::Data(_))
    ));
}
