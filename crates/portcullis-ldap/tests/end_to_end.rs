//! Logins through `portcullis::Authenticator` over the LDAP directory.

use std::net::IpAddr;

use portcullis::{AuthRequest, Authenticator, Decision, Hashing, RequestCredentials, Surface};
use portcullis_credentials::{Argon2Params, HashPolicy};
use portcullis_ldap::{LdapConfig, LdapDirectory};
use time::OffsetDateTime;

use crate::support::{closed_port, config, server};

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

fn authenticator(directory: LdapDirectory) -> Authenticator {
    Authenticator::builder()
        .directory(directory)
        .hash_policy(HashPolicy::with_argon2(Argon2Params {
            m_kib: 64,
            t: 1,
            p: 1,
        }))
        .hashing(Hashing::Inline)
        .clock(now)
        .build()
        .unwrap()
}

/// SASL PLAIN over TLS, from its own client address (no throttling
/// between cases).
fn plain(client: u8, name: &str, password: &str) -> AuthRequest {
    let message = format!("\0{name}\0{password}").into_bytes();
    AuthRequest::new(
        Surface::Imap,
        IpAddr::from([192, 0, 2, client]),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![message],
        },
    )
    .with_tls(true)
}

fn kind(decision: &Decision) -> &'static str {
    match decision {
        Decision::Grant(_) => "grant",
        Decision::Deny(denial) | Decision::TryLater(denial) => denial.reason.kind(),
    }
}

#[tokio::test]
async fn logins_through_the_authenticator() {
    let Some(server) = server() else { return };
    let authenticator = authenticator(LdapDirectory::new(config(&server)).unwrap());

    let alice = authenticator
        .verify(&plain(1, "alice@example.org", "alice-secret"))
        .await;
    assert!(matches!(alice, Decision::Grant(_)), "{alice:?}");
    // A repeat login (verified-credential cache) is granted too.
    let again = authenticator
        .verify(&plain(1, "alice@example.org", "alice-secret"))
        .await;
    assert!(matches!(again, Decision::Grant(_)), "{again:?}");
    let carol = authenticator
        .verify(&plain(2, "carol@example.net", "carol-secret"))
        .await;
    assert!(matches!(carol, Decision::Grant(_)), "{carol:?}");

    let wrong = authenticator
        .verify(&plain(3, "alice@example.org", "wrong"))
        .await;
    let unknown = authenticator
        .verify(&plain(4, "nobody@example.org", "wrong"))
        .await;
    let (Decision::Deny(wrong), Decision::Deny(unknown)) = (&wrong, &unknown) else {
        panic!("{wrong:?} / {unknown:?}");
    };
    assert_eq!(wrong.reason.kind(), "wrong-secret");
    assert_eq!(unknown.reason.kind(), "unknown-user");
    // The same public face: no user enumeration.
    assert_eq!(wrong.public, unknown.public);

    let injected = authenticator.verify(&plain(5, "*", "alice-secret")).await;
    assert!(matches!(injected, Decision::Deny(_)), "{injected:?}");

    let bob = authenticator
        .verify(&plain(6, "bob@example.org", "bob-secret"))
        .await;
    assert!(matches!(bob, Decision::Deny(_)), "{bob:?}");
    assert_eq!(kind(&bob), "account-disabled");
}

#[tokio::test]
async fn ldap_down_is_try_later() {
    // Needs no server: a closed port.
    let directory = LdapDirectory::new(LdapConfig {
        url: format!("ldap://127.0.0.1:{}/", closed_port().await),
        base: "ou=people,dc=example,dc=org".into(),
        connect_timeout_ms: 1000,
        timeout_ms: 1000,
        ..LdapConfig::default()
    })
    .unwrap();
    let authenticator = authenticator(directory);
    let decision = authenticator
        .verify(&plain(7, "alice@example.org", "alice-secret"))
        .await;
    assert!(matches!(decision, Decision::TryLater(_)), "{decision:?}");
    assert_eq!(kind(&decision), "directory-unavailable");
}
