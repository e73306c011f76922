//! One connection to a single Redis (or Valkey) server or to a Redis
//! Cluster, used alike by every call.

use redis::aio::{ConnectionLike, ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, RedisResult, Value};

use crate::config::RedisConfig;

/// Where the store connects.
#[derive(Clone)]
pub(crate) enum Client {
    /// One server (a primary, or a Valkey server).
    Single(redis::Client),
    /// A Redis Cluster, reached through any of its seed nodes.
    Cluster(Box<ClusterClient>),
}

impl Client {
    /// The client of `config`'s URLs; `None` when one does not parse.
    pub(crate) fn of(config: &RedisConfig) -> Option<Client> {
        if config.cluster {
            let builder = ClusterClientBuilder::new(config.urls.iter().map(String::as_str))
                .connection_timeout(config.timeout)
                .response_timeout(config.timeout)
                // A refused call is retried by a later login, not by a
                // loop a login waits on.
                .retries(1);
            builder
                .build()
                .ok()
                .map(|client| Client::Cluster(Box::new(client)))
        } else {
            let url = config.urls.first()?;
            redis::Client::open(url.as_str()).ok().map(Client::Single)
        }
    }

    /// A connection (lazy for a single server: it connects on first use
    /// and reconnects by itself).
    pub(crate) async fn connect(&self, config: &RedisConfig) -> RedisResult<Connection> {
        match self {
            Client::Single(client) => {
                let settings = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(config.timeout))
                    .set_response_timeout(Some(config.timeout))
                    // Reconnecting is retried by the next call after
                    // `retry_after`, not by a backoff loop a login waits on.
                    .set_number_of_retries(1);
                ConnectionManager::new_lazy_with_config(client.clone(), settings)
                    .map(Connection::Single)
            }
            Client::Cluster(client) => client
                .get_async_connection()
                .await
                .map(|connection| Connection::Cluster(Box::new(connection))),
        }
    }

    /// A client for pub/sub: a single server's own; for a cluster, the
    /// first seed node (a classic `PUBLISH` reaches every node's
    /// subscribers).
    pub(crate) fn for_pubsub(config: &RedisConfig) -> Option<redis::Client> {
        let url = config.urls.first()?;
        redis::Client::open(url.as_str()).ok()
    }
}

/// A connection to either kind of deployment; cheap to clone (both kinds
/// multiplex one set of sockets).
#[derive(Clone)]
pub(crate) enum Connection {
    Single(ConnectionManager),
    Cluster(Box<ClusterConnection>),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(connection) => connection.req_packed_command(cmd),
            Connection::Cluster(connection) => connection.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
            Connection::Cluster(connection) => {
                connection.req_packed_commands(pipeline, offset, count)
            }
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(connection) => connection.get_db(),
            Connection::Cluster(connection) => connection.get_db(),
        }
    }
}
