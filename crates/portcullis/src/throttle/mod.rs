//! Throttling of failed logins per network and per (network, login) pair.
//!
//! Failures are counted per client network and per pair of client network
//! and login name. A pair that keeps failing is locked out; the account
//! itself is never locked globally, so an attacker burning a victim's name
//! from other addresses never locks the victim out.
//!
//! IPv6 grouping: a client controls at least a /64 (often a /56 or a /48),
//! so counting single IPv6 addresses would let one attacker rotate through
//! 2⁶⁴ addresses. Network buckets use /48 by default (like Dovecot's auth
//! penalty), pair buckets /64 (one LAN), so a victim elsewhere in the same
//! /48 keeps their own pair. Both are configurable.
//!
//! The in-memory store and its full-store behaviour are in [`memory`].

use std::future::Future;
use std::net::IpAddr;
use std::time::Duration;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use time::OffsetDateTime;

use crate::directory::BoxFuture;

/// What a throttle bucket counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// Every failure from a client network.
    Network(IpNet),
    /// Failures from a client network for one account: the canonical name
    /// of the account whose secret is tried, as the directory spells it
    /// (the authenticator resolves `target%actor`, authzid and Unicode
    /// spellings first, so every way to reach an account meets one lock).
    Pair(IpNet, String),
}

/// One rate limit: `max_failures` within `window` lock the bucket for
/// `lockout`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleRule {
    /// Failures allowed within the window; the next attempt is refused.
    pub max_failures: u32,
    /// How long failures are remembered.
    pub window: Duration,
    /// How long a bucket stays locked after reaching the limit.
    pub lockout: Duration,
}

/// The throttle's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottlePolicy {
    /// Whether throttling is on (default: on).
    pub enabled: bool,
    /// Per client network (password spraying): default 30 failures in
    /// 10 minutes lock the network for 10 minutes.
    pub per_network: ThrottleRule,
    /// Per (client network, login) pair (guessing one account): default 5
    /// failures in 15 minutes lock the pair for 15 minutes.
    pub per_pair: ThrottleRule,
    /// IPv4 prefix of a network bucket (default 32).
    pub ipv4_prefix: u8,
    /// IPv6 prefix of a network bucket (default 48).
    pub ipv6_network_prefix: u8,
    /// IPv6 prefix of a pair bucket (default 64).
    pub ipv6_pair_prefix: u8,
    /// Clients never throttled (monitoring, a trusted webmail front end).
    pub exempt: Vec<IpNet>,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        ThrottlePolicy {
            enabled: true,
            per_network: ThrottleRule {
                max_failures: 30,
                window: Duration::from_secs(600),
                lockout: Duration::from_secs(600),
            },
            per_pair: ThrottleRule {
                max_failures: 5,
                window: Duration::from_secs(900),
                lockout: Duration::from_secs(900),
            },
            ipv4_prefix: 32,
            ipv6_network_prefix: 48,
            ipv6_pair_prefix: 64,
            exempt: Vec::new(),
        }
    }
}

impl ThrottlePolicy {
    /// Throttling off.
    #[must_use]
    pub fn disabled() -> Self {
        ThrottlePolicy {
            enabled: false,
            ..ThrottlePolicy::default()
        }
    }

    /// Whether `ip` is exempt.
    #[must_use]
    pub fn is_exempt(&self, ip: IpAddr) -> bool {
        self.exempt.iter().any(|network| network.contains(&ip))
    }

    /// The network bucket of `ip`.
    #[must_use]
    pub fn network_of(&self, ip: IpAddr) -> IpNet {
        self.group(ip, self.ipv6_network_prefix)
    }

    /// The pair bucket of `ip` and an account's canonical name. The name is
    /// taken as given, not case-folded: local parts are case-sensitive
    /// unless the directory says otherwise (RFC 5321 §2.4), and folding
    /// would let one account's success reset another's failures.
    #[must_use]
    pub fn pair_of(&self, ip: IpAddr, account: &str) -> ThrottleKey {
        ThrottleKey::Pair(self.group(ip, self.ipv6_pair_prefix), account.to_owned())
    }

    fn group(&self, ip: IpAddr, v6_prefix: u8) -> IpNet {
        match ip {
            IpAddr::V4(v4) => Ipv4Net::new(v4, self.ipv4_prefix.min(32))
                .map(|net| IpNet::V4(net.trunc()))
                .unwrap_or_else(|_| IpNet::from(ip)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => self.group(IpAddr::V4(v4), v6_prefix),
                None => Ipv6Net::new(v6, v6_prefix.min(128))
                    .map(|net| IpNet::V6(net.trunc()))
                    .unwrap_or_else(|_| IpNet::from(ip)),
            },
        }
    }
}

/// Where failure counts live. The in-memory [`MemoryThrottle`] suits one
/// process; a shared store (Redis, a database) implements the same three
/// calls so several servers share the counts.
pub trait ThrottleStore: Send + Sync + 'static {
    /// The remaining lockout of this bucket at `now`, if it is locked.
    fn locked(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
    ) -> impl Future<Output = Option<Duration>> + Send;

    /// [`locked`](Self::locked), and whether the bucket holds anything a
    /// good login must forget (failures, a lock, remembered secrets), in
    /// one call: the authenticator then resets only such a bucket, which
    /// saves a shared store a round trip on most logins. The default asks
    /// `locked` and answers that it does (so every grant resets).
    fn check(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
    ) -> impl Future<Output = BucketCheck> + Send {
        async move {
            BucketCheck {
                locked: self.locked(key, now).await,
                holds_failures: true,
            }
        }
    }

    /// Counts one failure; locks the bucket when `rule` is reached.
    fn record_failure(
        &self,
        key: &ThrottleKey,
        rule: ThrottleRule,
        now: OffsetDateTime,
    ) -> impl Future<Output = ()> + Send;

    /// Forgets the bucket (after a successful login).
    fn reset(&self, key: &ThrottleKey) -> impl Future<Output = ()> + Send;

    /// Whether this wrong secret was already tried on this pair bucket
    /// within its window ([`ThrottleStore::remember_secret`]). The facade
    /// then counts the attempt nowhere: mail clients resend a refused
    /// password (neomutt and Python's smtplib send each one twice), and
    /// three such attempts would lock a user's own pair. The default
    /// remembers nothing, so every attempt counts.
    fn is_repeated_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        now: OffsetDateTime,
    ) -> impl Future<Output = bool> + Send {
        let _ = (key, secret, now);
        async { false }
    }

    /// Remembers a wrong secret tried on this pair bucket until `until`.
    /// Only a keyed digest is ever handed over, never the secret. The
    /// default forgets it.
    fn remember_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        until: OffsetDateTime,
    ) -> impl Future<Output = ()> + Send {
        let _ = (key, secret, until);
        async {}
    }
}

/// A shared handle is a store: a server can keep one to read (or
/// export) while the authenticator counts into it.
impl<T: ThrottleStore> ThrottleStore for std::sync::Arc<T> {
    fn locked(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
    ) -> impl Future<Output = Option<Duration>> + Send {
        T::locked(self, key, now)
    }

    fn check(
        &self,
        key: &ThrottleKey,
        now: OffsetDateTime,
    ) -> impl Future<Output = BucketCheck> + Send {
        T::check(self, key, now)
    }

    fn record_failure(
        &self,
        key: &ThrottleKey,
        rule: ThrottleRule,
        now: OffsetDateTime,
    ) -> impl Future<Output = ()> + Send {
        T::record_failure(self, key, rule, now)
    }

    fn reset(&self, key: &ThrottleKey) -> impl Future<Output = ()> + Send {
        T::reset(self, key)
    }

    fn is_repeated_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        now: OffsetDateTime,
    ) -> impl Future<Output = bool> + Send {
        T::is_repeated_secret(self, key, secret, now)
    }

    fn remember_secret(
        &self,
        key: &ThrottleKey,
        secret: SecretDigest,
        until: OffsetDateTime,
    ) -> impl Future<Output = ()> + Send {
        T::remember_secret(self, key, secret, until)
    }
}

/// What [`ThrottleStore::check`] finds in a bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketCheck {
    /// The remaining lockout, if the bucket is locked.
    pub locked: Option<Duration>,
    /// Whether a good login must reset the bucket (it holds failures, a
    /// lock or remembered secrets). A store that cannot tell says `true`.
    pub holds_failures: bool,
}

/// A keyed digest of a wrong secret tried on a pair: HMAC-SHA-256 under a
/// key drawn when the authenticator is built (so it means nothing outside
/// this process, and cannot be precomputed), over the account and the
/// secret, cut to 128 bits. It tells two tries of the same secret apart
/// from two different ones, and nothing else.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SecretDigest(pub(crate) u128);

impl std::fmt::Debug for SecretDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretDigest(<redacted>)")
    }
}

impl SecretDigest {
    /// The digest as a number (for a store that keeps it elsewhere).
    #[must_use]
    pub const fn to_u128(self) -> u128 {
        self.0
    }

    /// A digest read back from a store.
    #[must_use]
    pub const fn from_u128(value: u128) -> Self {
        SecretDigest(value)
    }
}

pub(crate) trait DynThrottleStore: Send + Sync {
    fn record_failure<'a>(
        &'a self,
        key: &'a ThrottleKey,
        rule: ThrottleRule,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, ()>;
    fn check<'a>(&'a self, key: &'a ThrottleKey, now: OffsetDateTime)
    -> BoxFuture<'a, BucketCheck>;
    fn reset<'a>(&'a self, key: &'a ThrottleKey) -> BoxFuture<'a, ()>;
    fn is_repeated_secret<'a>(
        &'a self,
        key: &'a ThrottleKey,
        secret: SecretDigest,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, bool>;
    fn remember_secret<'a>(
        &'a self,
        key: &'a ThrottleKey,
        secret: SecretDigest,
        until: OffsetDateTime,
    ) -> BoxFuture<'a, ()>;
}

impl<T: ThrottleStore> DynThrottleStore for T {
    fn record_failure<'a>(
        &'a self,
        key: &'a ThrottleKey,
        rule: ThrottleRule,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, ()> {
        Box::pin(ThrottleStore::record_failure(self, key, rule, now))
    }

    fn check<'a>(
        &'a self,
        key: &'a ThrottleKey,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, BucketCheck> {
        Box::pin(ThrottleStore::check(self, key, now))
    }

    fn reset<'a>(&'a self, key: &'a ThrottleKey) -> BoxFuture<'a, ()> {
        Box::pin(ThrottleStore::reset(self, key))
    }

    fn is_repeated_secret<'a>(
        &'a self,
        key: &'a ThrottleKey,
        secret: SecretDigest,
        now: OffsetDateTime,
    ) -> BoxFuture<'a, bool> {
        Box::pin(ThrottleStore::is_repeated_secret(self, key, secret, now))
    }

    fn remember_secret<'a>(
        &'a self,
        key: &'a ThrottleKey,
        secret: SecretDigest,
        until: OffsetDateTime,
    ) -> BoxFuture<'a, ()> {
        Box::pin(ThrottleStore::remember_secret(self, key, secret, until))
    }
}

mod memory;

pub use memory::{DEFAULT_MAX_BUCKETS, MemoryThrottle};
