//! Logins through `portcullis::Authenticator` (SASL PLAIN) over the
//! example file (`tests/data/users.passwd`).

use portcullis::{Decision, Permission};
use portcullis_passwd_file::{Options, PasswdFileDirectory};

use crate::support::{USERS, authenticator, outcome, plain};

fn directory() -> PasswdFileDirectory {
    PasswdFileDirectory::from_text(USERS, Options::default()).unwrap()
}

#[tokio::test]
async fn each_scheme_of_the_example_file() {
    let directory = directory();
    let auth = authenticator(&directory);
    for (name, password) in [
        ("alice@example.org", "correct horse"),
        ("bob@example.org", "hunter2"),
        ("carol@example.org", "carol secret"),
        ("dave@example.org", "dave secret"),
        ("erin@example.org", "erin secret"),
        ("frank@example.org", "frank secret"),
    ] {
        let right = auth.verify(&plain(name, password)).await;
        let Decision::Grant(grant) = &right else {
            panic!("{name}: {right:?}")
        };
        assert_eq!(grant.account, name);
        assert!(
            grant.rights.contains(Permission::ImapAuthenticate),
            "{name}"
        );
        let wrong = auth.verify(&plain(name, "wrong password")).await;
        assert_eq!(outcome(&wrong), "wrong-secret", "{name}");
    }
    let unknown = auth.verify(&plain("nobody@example.org", "x")).await;
    assert_eq!(outcome(&unknown), "unknown-user");
}

#[tokio::test]
async fn extra_fields_at_login() {
    let directory = directory();
    let auth = authenticator(&directory);
    // nologin: the right password, and still refused.
    let grace = auth
        .verify(&plain("grace@example.org", "grace secret"))
        .await;
    assert_eq!(outcome(&grace), "account-disabled");
    let grace = auth.verify(&plain("grace@example.org", "wrong")).await;
    assert_eq!(outcome(&grace), "wrong-secret");
    // allow_nets cannot be checked by a directory: disabled.
    let ivan = auth.verify(&plain("ivan@example.org", "ivan secret")).await;
    assert_eq!(outcome(&ivan), "account-disabled");
    // An unsupported scheme: no password to match, refused.
    let judy = auth.verify(&plain("judy@example.org", "hunter2")).await;
    assert!(matches!(judy, Decision::Deny(_)), "{judy:?}");
    // user=: signs in as written, the grant carries the canonical name,
    // and the session revalidates (the canonical name is looked up).
    let heidi = auth
        .verify(&plain("Heidi@example.org", "heidi secret"))
        .await;
    let Decision::Grant(grant) = &heidi else {
        panic!("{heidi:?}")
    };
    assert_eq!(grant.account, "heidi@example.org");
    assert_eq!(grant.acting_as, "heidi@example.org");
    auth.revalidate(&grant.session_binding).await.unwrap();
}

#[tokio::test]
async fn roles_decide_the_rights() {
    // No role: the account has no `authenticate` right.
    let options = Options::default().default_roles(Vec::<String>::new());
    let directory = PasswdFileDirectory::from_text("a:{PLAIN}x\n", options).unwrap();
    let refused = authenticator(&directory).verify(&plain("a", "x")).await;
    assert_eq!(outcome(&refused), "account-cannot-authenticate");
    // The admin preset on top of user.
    let options = Options::default().default_roles(["user", "admin"]);
    let directory = PasswdFileDirectory::from_text("a:{PLAIN}x\n", options).unwrap();
    let granted = authenticator(&directory).verify(&plain("a", "x")).await;
    let Decision::Grant(grant) = granted else {
        panic!("{granted:?}")
    };
    assert!(grant.rights.contains(Permission::ImapAuthenticate));
}

#[tokio::test]
async fn lowercase_names_at_login() {
    let options = Options::default().lowercase_names(true);
    let directory =
        PasswdFileDirectory::from_text("alice@example.org:{PLAIN}x\n", options).unwrap();
    let auth = authenticator(&directory);
    let granted = auth.verify(&plain("ALICE@Example.org", "x")).await;
    let Decision::Grant(grant) = granted else {
        panic!("{granted:?}")
    };
    assert_eq!(grant.account, "alice@example.org");
}
