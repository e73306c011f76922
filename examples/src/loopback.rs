//! Listening on loopback: 127.0.0.1 and, where the machine has IPv6
//! loopback, `::1` on the same port. Clients that resolve `localhost` to
//! `::1` first (many do) then reach the example servers too.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// Binds `port` on 127.0.0.1 (an error is returned) and on `[::1]` (when
/// IPv6 loopback is unavailable this is logged and skipped). Port 0 takes
/// the port the system picks for 127.0.0.1 on `::1` too.
///
/// # Errors
/// When 127.0.0.1 cannot be bound (the port is taken, say).
pub async fn bind(port: u16) -> io::Result<Vec<TcpListener>> {
    let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
    let port = v4.local_addr()?.port();
    let mut listeners = vec![v4];
    match TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port))).await {
        Ok(v6) => listeners.push(v6),
        Err(error) => tracing::info!(
            port,
            %error,
            "IPv6 loopback unavailable: listening on 127.0.0.1 only"
        ),
    }
    Ok(listeners)
}

/// `scheme://127.0.0.1:port` (and `scheme://[::1]:port`), joined by `, `:
/// the addresses `listeners` serve, for the start-up banner.
pub fn urls(scheme: &str, listeners: &[TcpListener]) -> String {
    listeners
        .iter()
        .filter_map(|listener| listener.local_addr().ok())
        .map(|address| format!("{scheme}://{address}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Accepts connections on every listener, each handled by `handle` in a
/// task of its own. Returns at once; the loops run until the runtime ends.
/// An accept error (such as running out of file descriptors) is logged and
/// retried after a short pause, never a busy loop.
pub fn spawn_accept_loops<F, Fut>(listeners: Vec<TcpListener>, handle: F)
where
    F: Fn(TcpStream, SocketAddr) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    for listener in listeners {
        let handle = handle.clone();
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((tcp, peer)) => {
                        let _nodelay = tcp.set_nodelay(true);
                        tokio::spawn(handle(tcp, peer));
                    }
                    Err(error) => {
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
    }
}
