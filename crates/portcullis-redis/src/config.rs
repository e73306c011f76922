//! [`RedisConfig`]: where Redis is, the key prefix, the timeout
//! and what to do when Redis cannot answer.

use std::fmt;
use std::time::Duration;

use portcullis::DEFAULT_MAX_BUCKETS;

/// The key prefix used unless [`RedisConfig::key_prefix`] sets one.
pub const DEFAULT_KEY_PREFIX: &str = "portcullis:";

/// The time one call to Redis may take unless
/// [`RedisConfig::timeout`] sets another.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);

/// How long Redis is left alone after a failed call unless
/// [`RedisConfig::retry_after`] sets another.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The shortest interval between two "Redis unavailable" warnings unless
/// [`RedisConfig::warn_every`] sets another.
pub const DEFAULT_WARN_EVERY: Duration = Duration::from_secs(30);

/// What the store does while Redis is unreachable, slow or failing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum OnUnavailable {
    /// Count in a local [`portcullis::MemoryThrottle`] instead (the
    /// default): this node keeps throttling on its own, so during an
    /// outage an attacker gets at most the limit per node rather than in
    /// total. Fail-open on *counting* only: credentials are still checked.
    /// A lock reached locally stays in force on this node after Redis
    /// comes back, for its whole lockout.
    #[default]
    CountLocally,
    /// Refuse every login with "try later" (`throttled`, `Retry-After`
    /// of the given duration) until Redis answers again: no attempt is
    /// ever judged uncounted, at the price of an outage of logins when
    /// Redis is down.
    RefuseLogins {
        /// The `Retry-After` given to refused clients.
        retry_after: Duration,
    },
}

/// The settings of a [`RedisStore`](crate::RedisStore).
///
/// `Debug` never shows the password in the URL.
///
/// ```
/// use std::time::Duration;
/// use portcullis_redis::{OnUnavailable, RedisConfig};
///
/// let config = RedisConfig::new("redis://:hunter2@10.0.0.5:6379/0")
///     .key_prefix("mail-eu:throttle:")
///     .timeout(Duration::from_millis(50))
///     .on_unavailable(OnUnavailable::CountLocally);
/// assert!(!format!("{config:?}").contains("hunter2"));
/// ```
#[derive(Clone)]
pub struct RedisConfig {
    /// One URL, or a cluster's seed nodes.
    pub(crate) urls: Vec<String>,
    /// Whether `urls` are the seed nodes of a Redis Cluster.
    pub(crate) cluster: bool,
    pub(crate) key_prefix: String,
    pub(crate) timeout: Duration,
    pub(crate) retry_after: Duration,
    pub(crate) warn_every: Duration,
    pub(crate) on_unavailable: OnUnavailable,
    pub(crate) local_max_buckets: usize,
}

impl RedisConfig {
    /// Settings for the Redis server at `url` (`redis://[[user]:password@]host[:port][/db]`,
    /// `rediss://` is not compiled in), with the defaults for everything else.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        RedisConfig {
            urls: vec![url.into()],
            cluster: false,
            key_prefix: DEFAULT_KEY_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            retry_after: DEFAULT_RETRY_AFTER,
            warn_every: DEFAULT_WARN_EVERY,
            on_unavailable: OnUnavailable::default(),
            local_max_buckets: DEFAULT_MAX_BUCKETS,
        }
    }

    /// Settings for the Redis Cluster reached through `seeds` (one URL
    /// per node, any subset of the cluster's primaries; the client learns
    /// the rest of the topology and follows `MOVED` redirections). Every
    /// key the store writes carries a hash tag (`{…}`), so the keys one
    /// script touches always share a slot.
    ///
    /// ```
    /// use portcullis_redis::RedisConfig;
    ///
    /// let config = RedisConfig::cluster([
    ///     "redis://:hunter2@10.0.0.5:7000/",
    ///     "redis://:hunter2@10.0.0.6:7000/",
    /// ]);
    /// assert!(!format!("{config:?}").contains("hunter2"));
    /// ```
    #[must_use]
    pub fn cluster<I, S>(seeds: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        RedisConfig {
            urls: seeds.into_iter().map(Into::into).collect(),
            cluster: true,
            ..RedisConfig::new(String::new())
        }
    }

    /// The text every key starts with (default [`DEFAULT_KEY_PREFIX`]).
    /// Servers that must share counts use the same prefix; separate
    /// deployments on one Redis use prefixes of which none starts another
    /// (end them with `:`).
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The most one call to Redis may take, connecting included (default
    /// [`DEFAULT_TIMEOUT`]); past it the call counts as failed.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// After a failed call, how long the store goes straight to
    /// [`OnUnavailable`] without asking Redis (default
    /// [`DEFAULT_RETRY_AFTER`]), so that a Redis that has gone silent
    /// costs each login one timeout per interval, not one per call.
    #[must_use]
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The shortest interval between two warnings that Redis is
    /// unavailable (default [`DEFAULT_WARN_EVERY`]); every fallback is
    /// counted by [`fallbacks`](crate::RedisStore::fallbacks)
    /// regardless.
    #[must_use]
    pub fn warn_every(mut self, every: Duration) -> Self {
        self.warn_every = every;
        self
    }

    /// What to do while Redis cannot answer (default
    /// [`OnUnavailable::CountLocally`]).
    #[must_use]
    pub fn on_unavailable(mut self, policy: OnUnavailable) -> Self {
        self.on_unavailable = policy;
        self
    }

    /// The bound of the local fallback store (default
    /// [`DEFAULT_MAX_BUCKETS`]).
    #[must_use]
    pub fn local_max_buckets(mut self, max_buckets: usize) -> Self {
        self.local_max_buckets = max_buckets;
        self
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field(
                "urls",
                &self.urls.iter().map(|url| redact(url)).collect::<Vec<_>>(),
            )
            .field("cluster", &self.cluster)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .field("retry_after", &self.retry_after)
            .field("warn_every", &self.warn_every)
            .field("on_unavailable", &self.on_unavailable)
            .field("local_max_buckets", &self.local_max_buckets)
            .finish()
    }
}

/// `url` with the password of its user part, and its whole query (where
/// `redis+unix` URLs carry `pass=`), replaced by `<redacted>`.
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // Not a URL we understand: show nothing of it.
        return "<redacted>".to_owned();
    };
    // The last `@` ends the user part, even when an unencoded password
    // holds `/`, `?` or `@` (a Redis URL's path is a database number).
    let (user, rest) = match rest.rsplit_once('@') {
        Some((user_info, host)) => match user_info.split_once(':') {
            Some((user, _)) => (format!("{user}:<redacted>@"), host),
            // `redis://secret@host`: the lone part may be a password.
            None => ("<redacted>@".to_owned(), host),
        },
        None => (String::new(), rest),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, _)) => (rest, "?<redacted>"),
        None => (rest, ""),
    };
    format!("{scheme}://{user}{rest}{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379/", "redis://127.0.0.1:6379/"),
            (
                "redis://:hunter2@10.0.0.5:6379/0",
                "redis://:<redacted>@10.0.0.5:6379/0",
            ),
            (
                "redis://mail:p@ss:w@rd@10.0.0.5/1",
                "redis://mail:<redacted>@10.0.0.5/1",
            ),
            ("redis://hunter2@host", "redis://<redacted>@host"),
            ("redis://:a/b@host/0", "redis://:<redacted>@host/0"),
            ("redis://:a?b@host/0", "redis://:<redacted>@host/0"),
            (
                "redis+unix:///run/redis.sock?db=1&pass=hunter2",
                "redis+unix:///run/redis.sock?<redacted>",
            ),
            ("hunter2", "<redacted>"),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
        let config = RedisConfig::new("redis://u:hunter2@h/");
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
