//! `portcullis-redis`: the state several mail servers behind one load
//! balancer must share, in Redis, Valkey or a Redis Cluster.
//!
//! With the in-process stores, three IMAP servers are three throttles (an
//! attacker gets three times the configured tries; a lock reached on one
//! server means nothing on the others), three sets of revocations, and
//! three cold verification caches. [`RedisStore`] shares all three:
//!
//! - as a [`ThrottleStore`](portcullis::ThrottleStore), the failure counts
//!   and locks: a pair locked through one node is refused (`throttled`) on
//!   every node, and a good login through any node resets it everywhere;
//! - as a [`RevocationStore`](portcullis::RevocationStore), the revocation
//!   epochs: [`revoke_account`](portcullis::Authenticator::revoke_account)
//!   on one node ends the cached logins and the sessions of that account
//!   on all of them, and [`RedisStore::revocations`] announces it;
//! - the shared tier of the verification cache (keyed digests only), when
//!   the authenticator turns it on
//!   ([`shared_verification_cache`](portcullis::AuthenticatorBuilder::shared_verification_cache)).
//!
//! ```no_run
//! use portcullis::{Authenticator, MemoryDirectory};
//! use portcullis_redis::{RedisConfig, RedisStore};
//! # fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = RedisStore::new(
//!     RedisConfig::new("redis://:password@10.0.0.5:6379/0")
//!         .key_prefix("mail:"),
//! )?;
//! let authenticator = Authenticator::builder()
//!     .directory(MemoryDirectory::builder().build())
//!     .throttle_store(store.clone())
//!     .revocation_store(store.clone())
//!     .build()?;
//! // Export `store.fallbacks()` as a metric: it moves while Redis is down.
//! # let _ = authenticator;
//! # Ok(()) }
//! ```
//!
//! # Semantics
//!
//! The same rules and buckets as the in-process store (per client network,
//! per (network, account) pair; see [`ThrottlePolicy`](portcullis::ThrottlePolicy)):
//! `max_failures` failures within `window` lock the bucket for `lockout`;
//! the window opens with the first failure and is not moved by later
//! ones; each failure at or past the limit locks for a full lockout from
//! then; a bucket locked stays locked for its whole lockout, whatever
//! happens to its counter; a reset (a good login) forgets the bucket.
//! Windows and locks run on the Redis server's clock.
//!
//! # Keys and scripts
//!
//! Each bucket has up to three keys, `<prefix><role>:{<bucket>}`:
//!
//! | key | type | expires | content |
//! |---|---|---|---|
//! | `<prefix>f:{<bucket>}` | string | with the window (set at the first failure) | failures in the window |
//! | `<prefix>l:{<bucket>}` | string | with the lockout | `1` while locked |
//! | `<prefix>s:{<bucket>}` | hash | with the failures' window | digest (32 hex) → until (ms since the epoch) |
//!
//! where `<bucket>` is `n:<ipnet>` for a network and
//! `p:<ipnet>:<byte length>:<account>` for a pair: length-prefixed, so
//! no account name (`:` and digits included) can meet another bucket
//! (unlike a naive concatenation; cf. Dovecot's CVE-2025-30189). The
//! braces are a Redis Cluster hash tag, so a bucket's keys share a slot.
//! The default prefix is [`DEFAULT_KEY_PREFIX`].
//!
//! Calls per login: the network check is one `PTTL`; the pair check
//! ([`ThrottleStore::check`](portcullis::ThrottleStore::check)) is `PTTL`
//! and `EXISTS` in one pipeline, issued together with the epoch read (one
//! `HMGET`) on the one multiplexed connection: one round trip. A failure
//! is one `EVALSHA` (falling back to `EVAL` once when the script is not
//! cached) of
//! this script, atomic in Redis, so concurrent failures on several nodes
//! are all counted and exactly the failure reaching the limit locks:
//!
//! ```lua
//! local failures = redis.call('INCR', KEYS[1])
//! if failures == 1 or redis.call('PTTL', KEYS[1]) == -1 then
//!   redis.call('PEXPIRE', KEYS[1], ARGV[2])          -- window
//! end
//! if failures >= tonumber(ARGV[1]) then              -- max_failures
//!   redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])   -- lockout
//! end
//! return failures
//! ```
//!
//! A good login is one `DEL` of the three keys, only when the pair check
//! found something to forget. A refused secret's keyed
//! digest is remembered by a second script (kept only while the bucket
//! holds failures, at most [`RECENT_SECRETS`] per pair, the entries that
//! end first dropped); `is_repeated_secret` is one `HGET`.
//!
//! **Resent secrets are recognised per node.** Each
//! [`Authenticator`](portcullis::Authenticator) draws its own digest key,
//! so the same wrong password sent to two nodes gives two digests and
//! counts twice; resent to one node, it counts once, as with the
//! in-process store.
//!
//! # When Redis is unavailable
//!
//! Every call is bounded by [`RedisConfig::timeout`] (default
//! 200 ms, connecting included). A call that fails or times out never
//! panics and never fails the login (the trait has no error channel): it
//! is handled by [`OnUnavailable`], by default
//! [`OnUnavailable::CountLocally`]: counting, lock checks and remembered
//! secrets go to a local [`MemoryThrottle`](portcullis::MemoryThrottle),
//! so this node still throttles on its own (fail-open on *counting* only;
//! credentials are always checked). After a failure Redis is left alone
//! for [`RedisConfig::retry_after`] (default 1 s), so a silent
//! Redis costs one timeout per interval, not one per login; then shared
//! counting resumes by itself (the connection manager reconnects). Each
//! fallback adds one to [`RedisStore::fallbacks`], and a
//! `tracing` warning (target `portcullis::redis`, fields `operation`,
//! `error`, `fallbacks`, `policy`) goes out at most every
//! [`RedisConfig::warn_every`] (default 30 s).
//! [`OnUnavailable::RefuseLogins`] instead refuses every login with "try
//! later" while Redis cannot answer.
//!
//! Revocation state fails **closed** instead: while the epochs cannot be
//! read no cache answers and `revalidate` refuses
//! (`revocation-state-unavailable`). Missing epochs are drawn at random,
//! so a Redis restart without persistence ends sessions and never revives
//! a revoked one. Key layout, scripts and measurements: `docs/redis.md`.
//!
//! [`RedisConfig::new`] reaches one server (a primary, or a Valkey
//! server); [`RedisConfig::cluster`] a Redis Cluster through its seed
//! nodes. Every key carries a hash tag, so the keys one script or pipeline
//! touches share a slot.
//!
//! # Dependencies, and why
//!
//! | crate | why |
//! |---|---|
//! | `portcullis` | the `ThrottleStore` and `RevocationStore` traits and `MemoryThrottle`, the local fallback |
//! | `redis` | the async client on tokio: `ConnectionManager` (one multiplexed connection that reconnects), `Script` (`EVALSHA` with `EVAL` fallback), the cluster client (`cluster-async`: slot routing, `MOVED`/`ASK`), pub/sub; only the `tokio-comp`, `connection-manager`, `script` and `cluster-async` features |
//! | `getrandom` | fresh random epochs for accounts Redis has none of |
//! | `futures-util` | the stream of revocation announcements |
//! | `tokio` | the timeout around every call; the cell that connects on first use |
//! | `time` | the instants the trait passes |
//! | `tracing` | the rate-limited "Redis unavailable" warning |
//! | `thiserror` | the crate's error type |
#![forbid(unsafe_code)]

mod config;
mod connection;
mod key;
mod revocation;
mod store;

pub use config::{
    DEFAULT_KEY_PREFIX, DEFAULT_RETRY_AFTER, DEFAULT_TIMEOUT, DEFAULT_WARN_EVERY, OnUnavailable,
    RedisConfig,
};
pub use revocation::{RevocationFeed, RevocationNotice};
pub use store::{Error, RECENT_SECRETS, RedisStore};
