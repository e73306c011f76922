//! A down, refusing or silent server is `Unavailable`, and the pool
//! recovers when it is back.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use portcullis::{Directory, DirectoryError};
use portcullis_sql::{SqlConfig, SqlDirectory};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

use crate::support::TestDb;

fn unavailable<T: std::fmt::Debug>(result: Result<T, DirectoryError>) -> bool {
    matches!(result, Err(DirectoryError::Unavailable(_)))
}

/// A port nothing listens on.
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

fn short(url: String) -> SqlConfig {
    SqlConfig::new(url).with_timeouts(Duration::from_millis(500), Duration::from_millis(800))
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    let port = closed_port().await;
    let directory =
        SqlDirectory::new(short(format!("postgres://u:p@127.0.0.1:{port}/db"))).unwrap();
    let started = Instant::now();
    assert!(unavailable(directory.account("alice@example.org").await));
    assert!(unavailable(directory.principal("alice@example.org").await));
    assert!(unavailable(directory.tenant("example").await));
    assert!(unavailable(directory.account_name_by_id(1).await));
    assert!(unavailable(
        directory.use_totp_step("alice@example.org", 1).await
    ));
    assert!(unavailable(
        directory.use_recovery_code("alice@example.org", 0).await
    ));
    assert!(unavailable(directory.check().await));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_silent_server_times_out() {
    // Accepts connections and never says a word.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let directory =
        SqlDirectory::new(short(format!("postgres://u:p@127.0.0.1:{port}/db"))).unwrap();
    let started = Instant::now();
    assert!(unavailable(directory.account("alice@example.org").await));
    assert!(unavailable(
        directory.use_totp_step("alice@example.org", 1).await
    ));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    held.abort();
}

/// A TCP proxy to the real server that can be switched off (every
/// connection cut, new ones refused) and on again.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    cut: Arc<Notify>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let cut = Arc::new(Notify::new());
        let (up_flag, cut_signal) = (Arc::clone(&up), Arc::clone(&cut));
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up_flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let cut = Arc::clone(&cut_signal);
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        () = cut.notified() => {}
                    }
                });
            }
        });
        Proxy { port, up, cut }
    }

    fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.notify_waiters();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_unavailable_and_the_pool_recovers() {
    let Some(db) = TestDb::new("an_outage_is_unavailable_and_the_pool_recovers").await else {
        return;
    };
    db.account("alice@example.org", "alice-secret", &["user"])
        .await;
    let config: tokio_postgres::Config = db.url.parse().unwrap();
    let host = "127.0.0.1";
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let proxy = Proxy::start(format!("{host}:{port}").parse().unwrap()).await;
    let user = config.get_user().unwrap();
    let password = String::from_utf8(config.get_password().unwrap().to_vec()).unwrap();
    let dbname = config.get_dbname().unwrap();
    let url = format!(
        "postgres://{user}:{password}@127.0.0.1:{}/{dbname}",
        proxy.port
    );
    let directory =
        SqlDirectory::new(short(url).with_schema(db.schema.clone()).with_pool_size(2)).unwrap();

    assert!(
        directory
            .account("alice@example.org")
            .await
            .unwrap()
            .is_some()
    );
    proxy.down();
    for _ in 0..3 {
        assert!(unavailable(directory.account("alice@example.org").await));
        assert!(unavailable(
            directory.use_totp_step("alice@example.org", 5).await
        ));
    }
    proxy.restore();
    // The pool replaces the connections the outage closed.
    let mut recovered = false;
    for _ in 0..20 {
        if let Ok(Some(_)) = directory.account("alice@example.org").await {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the pool did not reconnect");
    assert!(directory.check().await.is_ok());
    db.drop().await;
}
