//! A server that is down, slow, or comes back.

use std::time::{Duration, Instant};

use portcullis::{Directory, DirectoryError};
use portcullis_ldap::{LdapBindVerifier, LdapConfig, LdapDirectory};
use tokio::net::TcpListener;

use crate::support::{Forwarder, address, closed_port, config, server};

/// The tests' timeouts are 1 s; allow scheduling slack on a busy machine.
const BOUND: Duration = Duration::from_secs(4);

fn offline_config(port: u16) -> LdapConfig {
    LdapConfig {
        url: format!("ldap://127.0.0.1:{port}/"),
        bind_dn: "cn=portcullis,ou=services,dc=example,dc=org".into(),
        bind_password: "service-secret".into(),
        base: "ou=people,dc=example,dc=org".into(),
        connect_timeout_ms: 1000,
        timeout_ms: 1000,
        ..LdapConfig::default()
    }
}

#[tokio::test]
async fn a_closed_port_is_unavailable_quickly() {
    // Needs no server: runs everywhere.
    let directory = LdapDirectory::new(offline_config(closed_port().await)).unwrap();
    let started = Instant::now();
    let result = directory.account("alice@example.org").await;
    assert!(
        matches!(result, Err(DirectoryError::Unavailable(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    let verifier = LdapBindVerifier::new(directory);
    let result = verifier.verify("alice@example.org", "alice-secret").await;
    assert!(
        matches!(result, Err(DirectoryError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_silent_server_is_unavailable_within_the_timeout() {
    // Accepts TCP connections and never answers: the service bind times out.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let directory = LdapDirectory::new(offline_config(port)).unwrap();
    let started = Instant::now();
    let result = directory.account("alice@example.org").await;
    let elapsed = started.elapsed();
    assert!(
        matches!(result, Err(DirectoryError::Unavailable(_))),
        "{result:?}"
    );
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < BOUND, "{elapsed:?}");
    hold.abort();
}

#[tokio::test]
async fn the_pool_recovers_when_the_server_returns() {
    let Some(server) = server() else { return };
    let port = closed_port().await;
    let directory = LdapDirectory::new(LdapConfig {
        url: format!("ldap://127.0.0.1:{port}/"),
        ..config(&server)
    })
    .unwrap();
    let target = address(&server.url);

    // Down from the start.
    let result = directory.account("alice@example.org").await;
    assert!(
        matches!(result, Err(DirectoryError::Unavailable(_))),
        "{result:?}"
    );

    // Up: pooled connections are made and reused.
    let forwarder = Forwarder::start(port, target.clone()).await;
    for _ in 0..3 {
        assert!(
            directory
                .account("alice@example.org")
                .await
                .unwrap()
                .is_some()
        );
    }

    // Down again, with connections in the pool: unavailable, quickly.
    forwarder.stop().await;
    let started = Instant::now();
    let mut saw_unavailable = false;
    for _ in 0..3 {
        match directory.account("alice@example.org").await {
            Err(DirectoryError::Unavailable(_)) => saw_unavailable = true,
            other => panic!("while down: {other:?}"),
        }
    }
    assert!(saw_unavailable);
    assert!(started.elapsed() < BOUND * 3, "{:?}", started.elapsed());

    // Back: the next lookup works without restarting anything.
    let forwarder = Forwarder::start(port, target).await;
    let alice = directory
        .account("alice@example.org")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alice.name, "alice@example.org");
    forwarder.stop().await;
}
