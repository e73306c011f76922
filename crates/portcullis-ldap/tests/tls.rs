//! LDAPS and StartTLS against the real slapd (`.ci/services/slapd.sh`
//! serves both with a throw-away self-signed certificate).

use portcullis::{Directory, DirectoryError};
use portcullis_ldap::LdapDirectory;

use crate::support::{config, server};

/// The LDAPS URL, or `None` after printing why the test is skipped.
fn ldaps_url() -> Option<String> {
    match std::env::var("PORTCULLIS_TEST_LDAPS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            println!("skipped: set PORTCULLIS_TEST_LDAPS_URL (see .ci/services/slapd.sh)");
            None
        }
    }
}

#[tokio::test]
async fn ldaps_and_starttls_read_the_account() {
    let (Some(server), Some(ldaps)) = (server(), ldaps_url()) else {
        return;
    };
    // The test server's certificate is self-signed: accepted here only by
    // the explicit danger switch (the next test shows the default).
    let mut over_ldaps = config(&server);
    over_ldaps.url = ldaps;
    over_ldaps.danger_accept_invalid_certs = true;
    let mut over_starttls = config(&server);
    over_starttls.starttls = true;
    over_starttls.danger_accept_invalid_certs = true;
    for (how, config) in [("ldaps", over_ldaps), ("starttls", over_starttls)] {
        let directory = LdapDirectory::new(config).unwrap();
        let alice = directory.account("alice@example.org").await.unwrap();
        assert_eq!(
            alice.map(|account| account.name.clone()).as_deref(),
            Some("alice@example.org"),
            "{how}"
        );
        assert!(
            directory
                .account("nobody@example.org")
                .await
                .unwrap()
                .is_none(),
            "{how}"
        );
    }
}

#[tokio::test]
async fn an_unverifiable_certificate_is_refused_by_default() {
    let (Some(server), Some(ldaps)) = (server(), ldaps_url()) else {
        return;
    };
    let mut over_ldaps = config(&server);
    over_ldaps.url = ldaps;
    let mut over_starttls = config(&server);
    over_starttls.starttls = true;
    for (how, config) in [("ldaps", over_ldaps), ("starttls", over_starttls)] {
        let directory = LdapDirectory::new(config).unwrap();
        let refused = directory.account("alice@example.org").await;
        assert!(
            matches!(refused, Err(DirectoryError::Unavailable(_))),
            "{how}: {refused:?}"
        );
    }
}
