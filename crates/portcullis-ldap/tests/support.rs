//! The test server's coordinates and the seed's configuration.

use std::collections::BTreeMap;
use std::time::Duration;

use portcullis_ldap::{AttributeMap, LdapConfig, LdapDirectory};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

pub(crate) const ALICE_DN: &str = "uid=alice,ou=people,dc=example,dc=org";
pub(crate) const ADMINS_DN: &str = "cn=mail-admins,ou=groups,dc=example,dc=org";

/// The server the tests use, from the variables `slapd.sh start` prints.
#[derive(Clone, Debug)]
pub(crate) struct Server {
    pub(crate) url: String,
    pub(crate) bind_dn: String,
    pub(crate) bind_password: String,
    pub(crate) base: String,
}

fn var(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|value| !value.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// The server, or `None` after printing why the test is skipped.
pub(crate) fn server() -> Option<Server> {
    match std::env::var("PORTCULLIS_TEST_LDAP_URL") {
        Ok(url) if !url.is_empty() => Some(Server {
            url,
            bind_dn: var(
                "PORTCULLIS_TEST_LDAP_BIND_DN",
                "cn=portcullis,ou=services,dc=example,dc=org",
            ),
            bind_password: var("PORTCULLIS_TEST_LDAP_BIND_PASSWORD", "service-secret"),
            base: var("PORTCULLIS_TEST_LDAP_BASE", "ou=people,dc=example,dc=org"),
        }),
        _ => {
            println!("skipped: set PORTCULLIS_TEST_LDAP_URL (see .ci/services/slapd.sh)");
            None
        }
    }
}

/// The configuration matching the seed of `.ci/services/slapd.sh`.
pub(crate) fn config(server: &Server) -> LdapConfig {
    LdapConfig {
        url: server.url.clone(),
        bind_dn: server.bind_dn.clone(),
        bind_password: server.bind_password.as_str().into(),
        base: server.base.clone(),
        attributes: AttributeMap {
            tenant: Some("o".into()),
            disabled: Some("employeeType".into()),
            ..AttributeMap::default()
        },
        group_roles: BTreeMap::from([(ADMINS_DN.to_owned(), vec!["admin".to_owned()])]),
        connect_timeout_ms: 1000,
        timeout_ms: 1000,
        pool_size: 2,
        ..LdapConfig::default()
    }
}

pub(crate) fn directory(server: &Server) -> LdapDirectory {
    LdapDirectory::new(config(server)).unwrap()
}

/// `ldap://host:port/` → `host:port`.
pub(crate) fn address(url: &str) -> String {
    url.trim_start_matches("ldap://")
        .trim_end_matches('/')
        .to_owned()
}

/// A port on 127.0.0.1 with nothing listening (just closed).
pub(crate) async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

/// A TCP forwarder on a fixed local port to the real server, which can
/// be stopped (every connection cut) and started again: an LDAP server
/// that goes down and comes back.
#[derive(Debug)]
pub(crate) struct Forwarder {
    tasks: std::sync::Arc<std::sync::Mutex<Vec<JoinHandle<()>>>>,
    accept: JoinHandle<()>,
}

impl Forwarder {
    pub(crate) async fn start(port: u16, target: String) -> Forwarder {
        let mut listener = None;
        for _ in 0..50 {
            match TcpListener::bind(("127.0.0.1", port)).await {
                Ok(bound) => {
                    listener = Some(bound);
                    break;
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
        let listener = listener.expect("the forwarder's port");
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let shared = std::sync::Arc::clone(&tasks);
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                shared.lock().unwrap().push(task);
            }
        });
        Forwarder { tasks, accept }
    }

    pub(crate) async fn stop(self) {
        self.accept.abort();
        let _ = self.accept.await;
        let tasks: Vec<_> = self.tasks.lock().unwrap().drain(..).collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }
}
