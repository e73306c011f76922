//! [`RedisStore`]: the shared [`ThrottleStore`].

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use portcullis::{
    BucketCheck, MemoryThrottle, SecretDigest, ThrottleKey, ThrottleRule, ThrottleStore,
};
use redis::{RedisResult, Script};
use time::OffsetDateTime;
use tokio::sync::OnceCell;

use crate::config::{OnUnavailable, RedisConfig, redact};
use crate::connection::{Client, Connection};
use crate::key::BucketKeys;

/// Counts one failure in ONE round trip, atomically: the window opens
/// with the first failure (its expiry is set then and never moved, as in
/// the in-process store), and reaching `max_failures` (re)sets the lock
/// for the whole lockout. Returns the failures in the window.
///
/// KEYS: failures, lock. ARGV: max_failures, window ms, lockout ms.
pub(crate) const RECORD_FAILURE: &str = r"
local failures = redis.call('INCR', KEYS[1])
if failures == 1 or redis.call('PTTL', KEYS[1]) == -1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if failures >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
end
return failures
";

/// Remembers a wrong secret's digest on a bucket that holds failures, for
/// as long as the bucket's window, keeping the last few (the entries
/// forgotten first go). Returns 1 when remembered.
///
/// KEYS: failures, secrets. ARGV: digest, until (ms since the epoch, the
/// caller's clock), how many to keep.
pub(crate) const REMEMBER_SECRET: &str = r"
local ttl = redis.call('PTTL', KEYS[1])
if ttl <= 0 then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
if redis.call('PTTL', KEYS[2]) < ttl then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
local keep = tonumber(ARGV[3])
local entries = redis.call('HGETALL', KEYS[2])
local held = #entries / 2
while held > keep do
  local first, first_until = nil, nil
  for i = 1, #entries, 2 do
    local until_ms = tonumber(entries[i + 1])
    if entries[i] ~= false and (first == nil or until_ms < first_until) then
      first, first_until = i, until_ms
    end
  end
  redis.call('HDEL', KEYS[2], entries[first])
  entries[first] = false
  held = held - 1
end
return 1
";

/// How many recent wrong secrets a pair remembers (as the in-process
/// store): enough for a client resending a refused password, too few to
/// give a guesser free attempts.
pub const RECENT_SECRETS: usize = 4;

/// A lock key without an expiry was set by hand (this store always sets
/// one): it reads as locked, with this `Retry-After`.
const MANUAL_LOCK_RETRY: Duration = Duration::from_secs(900);

/// The longest expiry sent to Redis (100 years): a configured
/// `Duration::MAX` means "forever", and Redis refuses expiries that
/// overflow its clock.
const MAX_TTL_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// A duration as whole milliseconds for `PEXPIRE`/`PX`: rounded up (a
/// lock is never shorter than configured), at least 1 (0 is refused or
/// deletes the key), at most [`MAX_TTL_MS`].
pub(crate) fn ttl_ms(duration: Duration) -> u64 {
    let ms = duration.as_nanos().div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(u64::MAX).clamp(1, MAX_TTL_MS)
}

fn epoch_ms(instant: OffsetDateTime) -> i64 {
    i64::try_from(instant.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Why a call did not reach Redis, for the warning.
#[derive(Debug)]
enum Failure {
    /// A recent call failed; Redis is left alone for `retry_after`.
    Resting,
    TimedOut,
    Redis(redis::RedisError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Resting => f.write_str("a recent call failed; not retrying yet"),
            Failure::TimedOut => f.write_str("timed out"),
            Failure::Redis(error) => write!(f, "{error}"),
        }
    }
}

/// The reason a store could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration's Redis URL does not parse (configuration
    /// error). The URL is not repeated: it may hold a password.
    #[error("the Redis URL is invalid (it is not shown: it may hold a password)")]
    InvalidUrl,
}

const NEVER: u64 = u64::MAX;

pub(crate) struct Inner {
    pub(crate) config: RedisConfig,
    pub(crate) client: Client,
    connection: OnceCell<Connection>,
    record_failure: Script,
    remember_secret: Script,
    pub(crate) read_epochs: Script,
    pub(crate) revoke: Script,
    local: MemoryThrottle,
    /// When the store was built: the origin of the two instants below.
    started: Instant,
    /// Until when (ms since `started`) Redis is left alone; 0 when it is
    /// asked.
    resting_until: AtomicU64,
    /// When (ms since `started`) the last warning went out, or [`NEVER`].
    warned_at: AtomicU64,
    fallbacks: AtomicU64,
}

/// A [`ThrottleStore`] in Redis (or Valkey), so that several servers
/// share failure counts and locks: a pair locked through one node is
/// locked on every node, and a good login through any node resets it
/// everywhere.
///
/// Windows and locks run on the Redis server's clock (`PEXPIRE`,
/// `PTTL`), so nodes with skewed clocks still agree; the `now` the
/// authenticator passes serves the local fallback and the instants of
/// remembered secrets. Every call is bounded by the configured timeout,
/// and a call that fails or times out is handled by [`OnUnavailable`]:
/// the login is still decided, never failed with an error, never a
/// panic. See the [crate documentation](crate) for the key layout and
/// the scripts.
///
/// Cloning is cheap and the clones share everything (connection, local
/// store, counters): keep one to read [`fallbacks`](Self::fallbacks)
/// after handing another to the authenticator.
#[derive(Clone)]
pub struct RedisStore {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the client nor the connection manager: their `Debug` shows
        // the connection info, password included.
        f.debug_struct("RedisStore")
            .field(
                "urls",
                &self
                    .inner
                    .config
                    .urls
                    .iter()
                    .map(|url| redact(url))
                    .collect::<Vec<_>>(),
            )
            .field("key_prefix", &self.inner.config.key_prefix)
            .field("on_unavailable", &self.inner.config.on_unavailable)
            .field("fallbacks", &self.fallbacks())
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store with `config`. It does not connect yet: the first call
    /// does (within the timeout), so a server starts while Redis is down
    /// and counts locally until it is up.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the URL does not parse.
    pub fn new(config: RedisConfig) -> Result<Self, Error> {
        let client = Client::of(&config).ok_or(Error::InvalidUrl)?;
        let local = MemoryThrottle::new(config.local_max_buckets);
        Ok(RedisStore {
            inner: Arc::new(Inner {
                config,
                client,
                connection: OnceCell::new(),
                record_failure: Script::new(RECORD_FAILURE),
                remember_secret: Script::new(REMEMBER_SECRET),
                read_epochs: Script::new(crate::revocation::READ_EPOCHS),
                revoke: Script::new(crate::revocation::REVOKE),
                local,
                started: Instant::now(),
                resting_until: AtomicU64::new(0),
                warned_at: AtomicU64::new(NEVER),
                fallbacks: AtomicU64::new(0),
            }),
        })
    }

    /// How many calls could not use Redis (failed, timed out, or skipped
    /// while resting after a failure) and were handled by
    /// [`OnUnavailable`] instead, since the store was built. A metric to
    /// export and alert on.
    #[must_use]
    pub fn fallbacks(&self) -> u64 {
        self.inner.fallbacks.load(Ordering::Relaxed)
    }

    /// The local store the fallback counts in.
    #[must_use]
    pub fn local(&self) -> &MemoryThrottle {
        &self.inner.local
    }

    fn keys(&self, key: &ThrottleKey) -> BucketKeys {
        BucketKeys::new(&self.inner.config.key_prefix, key)
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.inner.started.elapsed().as_millis()).unwrap_or(NEVER - 1)
    }

    async fn connection(&self) -> RedisResult<Connection> {
        self.inner
            .connection
            .get_or_try_init(|| self.inner.client.connect(&self.inner.config))
            .await
            .cloned()
    }

    /// Runs `call` against Redis within the timeout; `None` (after
    /// counting and, at most every `warn_every`, warning) when it could
    /// not.
    pub(crate) async fn redis<T, F, Fut>(&self, operation: &'static str, call: F) -> Option<T>
    where
        F: FnOnce(Connection) -> Fut + Send,
        Fut: Future<Output = RedisResult<T>> + Send,
    {
        let now = self.elapsed_ms();
        if now < self.inner.resting_until.load(Ordering::Relaxed) {
            self.fell_back(operation, &Failure::Resting, now);
            return None;
        }
        let attempt = async {
            let connection = self.connection().await?;
            call(connection).await
        };
        let failure = match tokio::time::timeout(self.inner.config.timeout, attempt).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(error)) => Failure::Redis(error),
            Err(_) => Failure::TimedOut,
        };
        let now = self.elapsed_ms();
        let rest = u64::try_from(self.inner.config.retry_after.as_millis()).unwrap_or(NEVER - 1);
        self.inner
            .resting_until
            .store(now.saturating_add(rest), Ordering::Relaxed);
        self.fell_back(operation, &failure, now);
        None
    }

    fn fell_back(&self, operation: &'static str, failure: &Failure, now: u64) {
        let fallbacks = self.inner.fallbacks.fetch_add(1, Ordering::Relaxed) + 1;
        let every = u64::try_from(self.inner.config.warn_every.as_millis()).unwrap_or(NEVER - 1);
        let last = self.inner.warned_at.load(Ordering::Relaxed);
        let due = last == NEVER || now.saturating_sub(last) >= every;
        // One thread wins the right to warn for this interval.
        if due
            && self
                .inner
                .warned_at
                .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok()
        {
            tracing::warn!(
                target: "portcullis::redis",
                operation,
                error = %failure,
                fallbacks,
                policy = ?self.inner.config.on_unavailable,
                "Redis unavailable: counting per the policy, no cache answers, revalidation fails closed"
            );
        }
    }

    fn counts_locally(&self) -> bool {
        self.inner.config.on_unavailable == OnUnavailable::CountLocally
    }

    /// The failures in the bucket's current window in Redis (`None`
    /// when Redis cannot answer). For tests and diagnostics.
    pub async fn shared_failures(&self, key: &ThrottleKey) -> Option<u64> {
        let keys = self.keys(key);
        self.redis("failures", |mut connection| async move {
            redis::cmd("GET")
                .arg(&keys.failures)
                .query_async::<Option<u64>>(&mut connection)
                .await
                .map(|count| count.unwrap_or(0))
        })
        .await
    }
}

impl RedisStore {
    /// The lock's remaining time in Redis (`PTTL`) and, when asked,
    /// whether the failures counter exists, in one round trip (one
    /// pipeline; the bucket's keys share a slot). `None` when Redis could
    /// not answer.
    async fn shared_check(&self, key: &ThrottleKey, failures: bool) -> Option<(i64, bool)> {
        let keys = self.keys(key);
        self.redis("locked", |mut connection| async move {
            if failures {
                redis::pipe()
                    .cmd("PTTL")
                    .arg(&keys.lock)
                    .cmd("EXISTS")
                    .arg(&keys.failures)
                    .query_async::<(i64, bool)>(&mut connection)
                    .await
            } else {
                redis::cmd("PTTL")
                    .arg(&keys.lock)
                    .query_async::<i64>(&mut connection)
                    .await
                    .map(|ttl| (ttl, true))
            }
        })
        .await
    }

    /// The lock in force: Redis's, or the local one (a lock reached
    /// locally during an outage holds on this node for its whole lockout,
    /// Redis or not), whichever ends last.
    async fn lock_in_force(
        &self,
        key: &ThrottleKey,
        shared: Option<i64>,
        now: OffsetDateTime,
    ) -> Option<Duration> {
        let local = self.inner.local.locked(key, now).await;
        let shared = match shared {
            Some(-1) => Some(MANUAL_LOCK_RETRY),
            Some(ms) => u64::try_from(ms)
                .ok()
                .filter(|ms| *ms > 0)
                .map(Duration::from_millis),
            None => match self.inner.config.on_unavailable {
                OnUnavailable::RefuseLogins { retry_after } => Some(retry_after),
                _ => None,
            },
        };
        shared.max(local)
    }
}

impl ThrottleStore for RedisStore {
    async fn locked(&self, key: &ThrottleKey, now: OffsetDateTime) -> Option<Duration> {
        let shared = self.shared_check(key, false).await;
        self.lock_in_force(key, shared.map(|(ttl, _)| ttl), now)
            .await
    }

    /// One pipeline: `PTTL` of the lock and `EXISTS` of the failures, so
    /// that a grant skips the `DEL` when the bucket is empty.
    async fn check(&self, key: &ThrottleKey, now: OffsetDateTime) -> BucketCheck {
        let shared = self.shared_check(key, true).await;
        let locked = self
            .lock_in_force(key, shared.map(|(ttl, _)| ttl), now)
            .await;
        let holds_failures = match shared {
            // A lock (-1: without expiry, or a remaining time) or failures.
            Some((ttl, failures)) => failures || ttl != -2,
            // Unknown: reset, to be safe.
            None => true,
        };
        BucketCheck {
            locked,
            holds_failures: holds_failures || self.inner.local.check(key, now).await.holds_failures,
        }
    }

    async fn record_failure(&self, key: &ThrottleKey, rule: ThrottleRule, now: OffsetDateTime) {
        let keys = self.keys(key);
        let script = &self.inner.record_failure;
        let counted = self
            .redis("record_failure", |mut connection| async move {
                script
                    .key(&keys.failures)
                    .key(&keys.lock)
                    .arg(rule.max_failures)
                    .arg(ttl_ms(rule.window))
                    .arg(ttl_ms(rule.lockout))
                    .invoke_async::<u64>(&mut connection)
                    .await
            })
            .await;
        if counted.is_none() && self.counts_locally() {
            self.inner.local.record_failure(key, rule, now).await;
        }
    }

    async fn reset(&self, key: &ThrottleKey) {
        let keys = self.keys(key);
        let _deleted = self
            .redis("reset", |mut connection| async move {
                redis::cmd("DEL")
                    .arg(&keys.failures)
                    .arg(&keys.lock)
                    .arg(&keys.secrets)
                    .query_async::<u64>(&mut connection)
                    .await
            })
            .await;
        self.inner.local.reset(key).await;
    }

    async fn is_repeated_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        now: OffsetDateTime,
    ) -> bool {
        let keys = self.keys(key);
        let field = format!("{:032x}", secret.to_u128());
        let until = self
            .redis("is_repeated_secret", |mut connection| async move {
                redis::cmd("HGET")
                    .arg(&keys.secrets)
                    .arg(&field)
                    .query_async::<Option<i64>>(&mut connection)
                    .await
            })
            .await;
        match until {
            Some(until) => until.is_some_and(|until| until > epoch_ms(now)),
            None => {
                self.counts_locally() && self.inner.local.is_repeated_secret(key, secret, now).await
            }
        }
    }

    async fn remember_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        until: OffsetDateTime,
    ) {
        let keys = self.keys(key);
        let field = format!("{:032x}", secret.to_u128());
        let script = &self.inner.remember_secret;
        let remembered = self
            .redis("remember_secret", |mut connection| async move {
                script
                    .key(&keys.failures)
                    .key(&keys.secrets)
                    .arg(&field)
                    .arg(epoch_ms(until))
                    .arg(RECENT_SECRETS)
                    .invoke_async::<u64>(&mut connection)
                    .await
            })
            .await;
        if remembered.is_none() && self.counts_locally() {
            self.inner.local.remember_secret(key, secret, until).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_round_up_and_stay_in_range() {
        assert_eq!(ttl_ms(Duration::ZERO), 1);
        assert_eq!(ttl_ms(Duration::from_nanos(1)), 1);
        assert_eq!(ttl_ms(Duration::from_micros(1500)), 2);
        assert_eq!(ttl_ms(Duration::from_secs(900)), 900_000);
        assert_eq!(ttl_ms(Duration::MAX), MAX_TTL_MS);
    }

    #[test]
    fn a_bad_url_is_refused_without_repeating_it() {
        let error = RedisStore::new(RedisConfig::new("http://:hunter2@x/"));
        let Err(error) = error else {
            unreachable!("an http URL is not a Redis URL");
        };
        assert!(!error.to_string().contains("hunter2"));
    }

    #[test]
    fn debug_hides_the_password() {
        let Ok(store) = RedisStore::new(RedisConfig::new("redis://:hunter2@127.0.0.1:1/")) else {
            unreachable!("a valid URL");
        };
        let shown = format!("{store:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
