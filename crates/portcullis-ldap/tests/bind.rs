//! Bind mode.

use portcullis_ldap::LdapBindVerifier;

use crate::support::{directory, server};

#[tokio::test]
async fn bind_mode_checks_passwords_at_the_server() {
    let Some(server) = server() else { return };
    let verifier = LdapBindVerifier::new(directory(&server));
    assert!(
        verifier
            .verify("alice@example.org", "alice-secret")
            .await
            .unwrap()
    );
    assert!(
        verifier
            .verify("carol@example.net", "carol-secret")
            .await
            .unwrap()
    );
    assert!(!verifier.verify("alice@example.org", "wrong").await.unwrap());
    assert!(
        !verifier
            .verify("alice@example.org", "alice-secret ")
            .await
            .unwrap()
    );
    assert!(
        !verifier
            .verify("nobody@example.org", "alice-secret")
            .await
            .unwrap()
    );
    // An empty password would be an anonymous bind, which succeeds.
    assert!(!verifier.verify("alice@example.org", "").await.unwrap());
    // Wildcards in the name never pick some other entry to bind as.
    for name in ["*", "*@example.org", "alice*", "*)(uid=*"] {
        assert!(
            !verifier.verify(name, "alice-secret").await.unwrap(),
            "{name:?}"
        );
    }
    // The pooled connections are the service account again: lookups work.
    let directory = directory(&server);
    let verifier = LdapBindVerifier::new(directory.clone());
    for _ in 0..4 {
        assert!(
            verifier
                .verify("alice@example.org", "alice-secret")
                .await
                .unwrap()
        );
        let found = directory
            .lookup("carol@example.net")
            .await
            .unwrap()
            .unwrap();
        assert!(
            found.account.password.is_some(),
            "the service account reads userPassword"
        );
    }
}
