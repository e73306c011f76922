//! The per-provider key store: a sans-I/O state machine that tells its
//! caller when to fetch the JWKS and consumes what the caller fetched.

use std::fmt;
use std::sync::Arc;

use jsonwebtoken::Algorithm;
use time::{Duration, OffsetDateTime};

use crate::config::KeyStoreConfig;
use crate::error::Error;
use crate::jwks::{JwkSet, SkippedKey, VerifyingKey};

/// Where a key store stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyStoreState {
    /// No fetch has succeeded yet: tokens are refused with
    /// `provider-unavailable`.
    Pending,
    /// The last fetch succeeded.
    Ready {
        /// When the keys were fetched.
        fetched_at: OffsetDateTime,
    },
    /// The last fetch failed. Keys from an earlier success, if any, stay in
    /// use; without keys tokens are refused with `provider-unavailable`.
    Degraded {
        /// The fetch error.
        last_error: String,
        /// When the next attempt is due (backoff; also the negative-cache TTL
        /// for unknown `kid`s).
        retry_at: OffsetDateTime,
    },
}

impl KeyStoreState {
    /// A short name for logs and health checks.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Ready { .. } => "ready",
            Self::Degraded { .. } => "degraded",
        }
    }
}

/// What a health check reports for one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Readiness {
    /// The provider's issuer.
    pub issuer: String,
    /// True when tokens of this provider can be validated (keys present).
    pub ready: bool,
    /// The state name (`pending`, `ready`, `degraded`).
    pub state: &'static str,
    /// How many keys verify right now (current plus those in grace).
    pub keys: usize,
    /// The last fetch error, if the store is degraded.
    pub last_error: Option<String>,
}

/// What a successful fetch changed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KeyUpdate {
    /// True when the key set differs from before (a rotation): the
    /// validated-token cache must be cleared.
    pub changed: bool,
    /// Keys that the JWKS held but that are not used.
    pub skipped: Vec<SkippedKey>,
}

/// The keys that may verify a token, as found by [`KeyStore::lookup`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum KeyLookup {
    /// Candidate keys (by `kid`, or every key fitting `alg` when the token
    /// has no `kid`).
    Found(Vec<Arc<VerifyingKey>>),
    /// No key has this `kid`.
    UnknownKid,
    /// The store has no keys at all (pending, or degraded before any
    /// success).
    Unavailable,
}

/// What a signature that failed with every key [`KeyStore::lookup`] found
/// means, as judged by [`KeyStore::on_bad_signature`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureFailure {
    /// The keys are fresh (their fetch began within the refetch window), or
    /// no fetch driver serves this store: fetching again cannot help, the
    /// signature is bad.
    Final,
    /// The keys are older than the refetch window: the provider may have
    /// rotated its key under the same `kid`, so the failure is no proof of a
    /// bad token yet.
    KeysMayBeStale {
        /// True when this call made a fetch due now (the caller should wake
        /// its fetch driver); false while an earlier request is pending or
        /// the store backs off.
        refetch_requested: bool,
    },
}

/// A sans-I/O JWKS state machine for one provider.
///
/// The caller (the `fetch` feature's driver, or the host's own HTTP client)
/// asks [`due`](Self::due)/[`next_fetch_at`](Self::next_fetch_at) when to
/// fetch, calls [`begin_fetch`](Self::begin_fetch), and reports the result
/// with [`on_fetch_success`](Self::on_fetch_success) or
/// [`on_fetch_failure`](Self::on_fetch_failure). Every state change is
/// logged with `tracing` (target `portcullis::oidc`).
///
/// Fetches happen periodically (`refresh_seconds`) and early, at most once
/// per `unknown_kid_refresh_seconds`, when a token names an unknown `kid`
/// ([`needs_fetch_for_unknown_kid`](Self::needs_fetch_for_unknown_kid)) or
/// fails its signature with keys older than that window
/// ([`on_bad_signature`](Self::on_bad_signature): a key rotated under the
/// same `kid`).
///
/// ```
/// use portcullis_oidc::{KeyStore, KeyStoreConfig};
/// use time::OffsetDateTime;
/// let now = OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
/// let mut store = KeyStore::new("https://idp.example", KeyStoreConfig::default());
/// assert!(!store.readiness().ready);
/// assert!(store.begin_fetch(now));
/// store.on_fetch_failure("connection refused", now);
/// assert_eq!(store.state().name(), "degraded");
/// assert!(!store.due(now)); // backing off
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct KeyStore {
    issuer: String,
    config: KeyStoreConfig,
    state: KeyStoreState,
    current: Vec<Arc<VerifyingKey>>,
    retired: Vec<(Arc<VerifyingKey>, OffsetDateTime)>,
    generation: u64,
    failures: u32,
    next_fetch_at: OffsetDateTime,
    /// The last early refresh asked for (unknown `kid` or stale keys): the
    /// one rate limiter of both.
    last_kid_refresh: Option<OffsetDateTime>,
    in_flight: bool,
    /// When the fetch in flight began (set by `begin_fetch`).
    fetch_started: Option<OffsetDateTime>,
    /// When the fetch that produced the current keys began: the keys are
    /// the provider's as of then.
    keys_as_of: Option<OffsetDateTime>,
    /// True once a driver has begun a fetch: keys that are only ever
    /// installed directly (a file, the CLI) will never be refetched, so
    /// waiting for a refetch would never end.
    driven: bool,
}

impl fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyStore")
            .field("issuer", &self.issuer)
            .field("state", &self.state)
            .field("keys", &self.current.len())
            .field("retired", &self.retired.len())
            .field("generation", &self.generation)
            .field("next_fetch_at", &self.next_fetch_at)
            .finish_non_exhaustive()
    }
}

fn seconds(value: u64) -> Duration {
    Duration::seconds(i64::try_from(value).unwrap_or(i64::MAX / 1_000_000))
}

impl KeyStore {
    /// A pending store, due for a fetch immediately.
    #[must_use]
    pub fn new(issuer: impl Into<String>, config: KeyStoreConfig) -> Self {
        Self {
            issuer: issuer.into(),
            config,
            state: KeyStoreState::Pending,
            current: Vec::new(),
            retired: Vec::new(),
            generation: 0,
            failures: 0,
            next_fetch_at: OffsetDateTime::UNIX_EPOCH,
            last_kid_refresh: None,
            in_flight: false,
            fetch_started: None,
            keys_as_of: None,
            driven: false,
        }
    }

    /// The provider's issuer.
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The current state.
    #[must_use]
    pub const fn state(&self) -> &KeyStoreState {
        &self.state
    }

    /// Bumped whenever the set of verifying keys changes.
    #[must_use]
    pub const fn generation(&self) -> u64 {
        self.generation
    }

    /// For health checks: ready means tokens of this provider can be judged.
    #[must_use]
    pub fn readiness(&self) -> Readiness {
        let last_error = match &self.state {
            KeyStoreState::Degraded { last_error, .. } => Some(last_error.clone()),
            _ => None,
        };
        Readiness {
            issuer: self.issuer.clone(),
            ready: !self.current.is_empty() || !self.retired.is_empty(),
            state: self.state.name(),
            keys: self.current.len() + self.retired.len(),
            last_error,
        }
    }

    /// When the next fetch is due (periodic refresh, backoff, or now after a
    /// refresh request).
    #[must_use]
    pub const fn next_fetch_at(&self) -> OffsetDateTime {
        self.next_fetch_at
    }

    /// True when a fetch is due and none is in flight.
    #[must_use]
    pub fn due(&self, now: OffsetDateTime) -> bool {
        !self.in_flight && now >= self.next_fetch_at
    }

    /// Marks a fetch as started if one is due; returns false otherwise, so
    /// concurrent drivers never fetch twice.
    pub fn begin_fetch(&mut self, now: OffsetDateTime) -> bool {
        if self.due(now) {
            self.in_flight = true;
            self.fetch_started = Some(now);
            self.driven = true;
            true
        } else {
            false
        }
    }

    /// Requests a refresh as soon as possible, ignoring the periodic
    /// schedule and any backoff.
    pub fn force_refresh(&mut self, now: OffsetDateTime) {
        self.next_fetch_at = now;
    }

    /// Called when a token names a `kid` the store lacks. Returns true (and
    /// makes a fetch due now) at most once per
    /// `unknown_kid_refresh_seconds`, and never while a failed fetch is
    /// backing off (negative cache), so forged `kid`s cannot storm the IdP.
    pub fn needs_fetch_for_unknown_kid(&mut self, kid: Option<&str>, now: OffsetDateTime) -> bool {
        self.request_refresh("unknown kid", kid, now)
    }

    /// True when a signature failure with these keys may be the keys' fault:
    /// a driver fetches for this store and the keys are older than the
    /// refetch window (`unknown_kid_refresh_seconds`). Read-only, so the
    /// validator can settle the common case under a read lock.
    #[must_use]
    pub fn refetch_could_help(&self, now: OffsetDateTime) -> bool {
        self.driven
            && self
                .keys_as_of
                .is_none_or(|as_of| now >= as_of + seconds(self.config.unknown_kid_refresh_seconds))
    }

    /// Called when a token's signature fails with every key
    /// [`lookup`](Self::lookup) found for its `kid`. Providers may rotate a
    /// key and keep its `kid` (RFC 7517 §4.5 only asks `kid`s to be distinct
    /// within one set), and the periodic refresh may be an hour away: when
    /// [`refetch_could_help`](Self::refetch_could_help), a fetch is made due
    /// now under the same rate limit (and negative cache) as
    /// [`needs_fetch_for_unknown_kid`](Self::needs_fetch_for_unknown_kid),
    /// so a flood of forged signatures costs the IdP at most one fetch per
    /// window.
    pub fn on_bad_signature(&mut self, kid: Option<&str>, now: OffsetDateTime) -> SignatureFailure {
        if !self.refetch_could_help(now) {
            return SignatureFailure::Final;
        }
        SignatureFailure::KeysMayBeStale {
            refetch_requested: self.request_refresh("signature failed with stale keys", kid, now),
        }
    }

    /// The one limiter of early refreshes: at most one per
    /// `unknown_kid_refresh_seconds`, never while a failed fetch backs off.
    fn request_refresh(
        &mut self,
        cause: &'static str,
        kid: Option<&str>,
        now: OffsetDateTime,
    ) -> bool {
        if let KeyStoreState::Degraded { retry_at, .. } = &self.state
            && now < *retry_at
        {
            return false;
        }
        if let Some(last) = self.last_kid_refresh
            && now < last + seconds(self.config.unknown_kid_refresh_seconds)
        {
            return false;
        }
        self.last_kid_refresh = Some(now);
        if self.next_fetch_at > now {
            self.next_fetch_at = now;
        }
        tracing::debug!(target: "portcullis::oidc", issuer = %self.issuer, kid = ?kid, cause, "refresh requested");
        true
    }

    /// Consumes a fetched JWKS document.
    ///
    /// # Errors
    /// The document's parse error; the store then counts a failure exactly as
    /// [`on_fetch_failure`](Self::on_fetch_failure) would.
    pub fn on_fetch_success(
        &mut self,
        jwks: &[u8],
        now: OffsetDateTime,
    ) -> Result<KeyUpdate, Error> {
        let set = match JwkSet::parse(jwks) {
            Ok(set) => set,
            Err(error) => {
                self.on_fetch_failure(&error, now);
                return Err(error);
            }
        };
        Ok(self.install(set, now))
    }

    /// Installs an already parsed key set as a successful fetch.
    pub fn install(&mut self, set: JwkSet, now: OffsetDateTime) -> KeyUpdate {
        self.in_flight = false;
        let as_of = self
            .fetch_started
            .take()
            .map_or(now, |started| started.min(now));
        let grace_until = now + seconds(self.config.rotation_grace_seconds);
        let new_keys = set.keys;
        let old_keys = std::mem::take(&mut self.current);
        let changed = old_keys.len() != new_keys.len()
            || new_keys
                .iter()
                .any(|k| !old_keys.iter().any(|o| **o == **k));
        // Keys that left the set keep verifying for the grace period, so
        // tokens signed just before a rotation are not refused.
        for old in old_keys {
            if !new_keys.iter().any(|k| **k == *old) {
                self.retired.push((old, grace_until));
            }
        }
        self.retired
            .retain(|(k, _)| !new_keys.iter().any(|n| **n == **k));
        self.retired.retain(|(_, until)| *until > now);
        self.current = new_keys;
        self.failures = 0;
        self.keys_as_of = Some(as_of);
        self.next_fetch_at = now + seconds(self.config.refresh_seconds);
        // An early refresh asked for while this fetch was already in flight
        // wants keys newer than these: it stays due.
        if self.last_kid_refresh.is_some_and(|asked| asked > as_of) {
            self.next_fetch_at = now;
        }
        let was = self.state.name();
        self.state = KeyStoreState::Ready { fetched_at: now };
        if changed {
            self.generation = self.generation.wrapping_add(1);
        }
        for skipped in &set.skipped {
            tracing::info!(target: "portcullis::oidc", issuer = %self.issuer, kid = ?skipped.kid, reason = %skipped.reason, "JWKS key skipped");
        }
        if was != "ready" {
            tracing::info!(target: "portcullis::oidc", issuer = %self.issuer, from = was, to = "ready", keys = self.current.len(), "key store state change");
        } else if changed {
            tracing::info!(target: "portcullis::oidc", issuer = %self.issuer, keys = self.current.len(), retired = self.retired.len(), "key rotation");
        }
        KeyUpdate {
            changed,
            skipped: set.skipped,
        }
    }

    /// Records a failed fetch: exponential backoff from
    /// `backoff_initial_seconds` up to `backoff_max_seconds`. Keys from an
    /// earlier success stay in use.
    pub fn on_fetch_failure(&mut self, error: impl fmt::Display, now: OffsetDateTime) {
        self.in_flight = false;
        self.fetch_started = None;
        self.failures = self.failures.saturating_add(1);
        let exponent = self.failures.saturating_sub(1).min(32);
        let delay = self
            .config
            .backoff_initial_seconds
            .max(1)
            .saturating_mul(1_u64 << exponent)
            .min(self.config.backoff_max_seconds.max(1));
        let retry_at = now + seconds(delay);
        let was = self.state.name();
        let last_error = error.to_string();
        tracing::warn!(target: "portcullis::oidc", issuer = %self.issuer, from = was, to = "degraded", error = %last_error, retry_in_seconds = delay, keys = self.current.len(), "key store fetch failed");
        self.state = KeyStoreState::Degraded {
            last_error,
            retry_at,
        };
        self.next_fetch_at = retry_at;
    }

    /// The keys that may verify a token with this `kid` and `alg` at `now`.
    #[must_use]
    pub fn lookup(&self, kid: Option<&str>, alg: Algorithm, now: OffsetDateTime) -> KeyLookup {
        match self.candidates(kid, alg, now) {
            Candidates::Found(found) => {
                KeyLookup::Found(found.into_iter().map(|c| c.key).collect())
            }
            Candidates::UnknownKid => KeyLookup::UnknownKid,
            Candidates::Unavailable => KeyLookup::Unavailable,
        }
    }

    /// As [`lookup`](Self::lookup), with each key's end of grace (for keys
    /// that left the set), so that a result derived from a retired key is
    /// never cached beyond the moment that key stops verifying.
    pub(crate) fn candidates(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
        now: OffsetDateTime,
    ) -> Candidates {
        let current = self.current.iter().map(|k| (k, None));
        let in_grace = self
            .retired
            .iter()
            .filter(|(_, until)| *until > now)
            .map(|(k, until)| (k, Some(*until)));
        if self.current.is_empty() && in_grace.clone().next().is_none() {
            return Candidates::Unavailable;
        }
        let fits = |key: &VerifyingKey| match kid {
            Some(kid) => key.kid() == Some(kid),
            None => key.accepts(alg),
        };
        let found: Vec<Candidate> = current
            .chain(in_grace)
            .filter(|(k, _)| fits(k))
            .map(|(key, usable_until)| Candidate {
                key: Arc::clone(key),
                usable_until,
            })
            .collect();
        if found.is_empty() {
            Candidates::UnknownKid
        } else {
            Candidates::Found(found)
        }
    }
}

/// A key that may verify a token, and until when (`None`: it is in the
/// current set).
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub(crate) key: Arc<VerifyingKey>,
    pub(crate) usable_until: Option<OffsetDateTime>,
}

/// [`KeyLookup`] with each key's end of grace.
#[derive(Debug, Clone)]
pub(crate) enum Candidates {
    Found(Vec<Candidate>),
    UnknownKid,
    Unavailable,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED_A: &str = r#"{"keys":[{"kty":"OKP","kid":"a","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
    const ED_B: &str = r#"{"keys":[{"kty":"OKP","kid":"b","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;

    fn at(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_800_000_000 + s).unwrap()
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let mut store = KeyStore::new("i", KeyStoreConfig::default());
        let mut delays = Vec::new();
        for _ in 0..10 {
            store.on_fetch_failure("down", at(0));
            delays.push((store.next_fetch_at() - at(0)).whole_seconds());
        }
        assert_eq!(delays, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert!(matches!(
            store.lookup(Some("a"), Algorithm::EdDSA, at(0)),
            KeyLookup::Unavailable
        ));
    }

    #[test]
    fn rotation_keeps_old_key_for_grace() {
        let mut store = KeyStore::new("i", KeyStoreConfig::default());
        assert!(
            store
                .on_fetch_success(ED_A.as_bytes(), at(0))
                .unwrap()
                .changed
        );
        assert!(
            !store
                .on_fetch_success(ED_A.as_bytes(), at(1))
                .unwrap()
                .changed
        );
        assert!(
            store
                .on_fetch_success(ED_B.as_bytes(), at(2))
                .unwrap()
                .changed
        );
        assert!(matches!(
            store.lookup(Some("a"), Algorithm::EdDSA, at(3)),
            KeyLookup::Found(_)
        ));
        assert!(matches!(
            store.lookup(Some("a"), Algorithm::EdDSA, at(700)),
            KeyLookup::UnknownKid
        ));
        assert!(matches!(
            store.lookup(Some("b"), Algorithm::EdDSA, at(700)),
            KeyLookup::Found(_)
        ));
    }

    #[test]
    fn bad_signature_refetches_only_stale_driven_keys() {
        let mut store = KeyStore::new("i", KeyStoreConfig::default());
        // Installed directly (no driver): never worth waiting for.
        store.on_fetch_success(ED_A.as_bytes(), at(0)).unwrap();
        assert!(!store.refetch_could_help(at(3600)));
        assert_eq!(
            store.on_bad_signature(Some("a"), at(3600)),
            SignatureFailure::Final
        );
        // Fetched by a driver: fresh for one window after the fetch began.
        store.force_refresh(at(10));
        assert!(store.begin_fetch(at(10)));
        store.on_fetch_success(ED_A.as_bytes(), at(12)).unwrap();
        assert_eq!(
            store.on_bad_signature(Some("a"), at(69)),
            SignatureFailure::Final
        );
        assert_eq!(
            store.on_bad_signature(Some("a"), at(70)),
            SignatureFailure::KeysMayBeStale {
                refetch_requested: true
            }
        );
        assert!(store.due(at(70)));
        // One limiter with unknown kids.
        assert!(!store.needs_fetch_for_unknown_kid(Some("x"), at(71)));
        assert_eq!(
            store.on_bad_signature(Some("a"), at(72)),
            SignatureFailure::KeysMayBeStale {
                refetch_requested: false
            }
        );
    }

    #[test]
    fn refresh_asked_during_a_fetch_stays_due_after_it() {
        let mut store = KeyStore::new("i", KeyStoreConfig::default());
        assert!(store.begin_fetch(at(0)));
        store.on_fetch_success(ED_A.as_bytes(), at(0)).unwrap();
        store.force_refresh(at(100));
        assert!(store.begin_fetch(at(100)));
        // A token asks for fresh keys while that fetch is in flight: its
        // answer may predate what the token needs.
        assert!(store.needs_fetch_for_unknown_kid(Some("b"), at(101)));
        store.on_fetch_success(ED_A.as_bytes(), at(102)).unwrap();
        assert!(store.due(at(102)));
        assert!(store.begin_fetch(at(102)));
        store.on_fetch_success(ED_B.as_bytes(), at(103)).unwrap();
        assert!(!store.due(at(103)));
    }

    #[test]
    fn unknown_kid_refresh_is_rate_limited() {
        let mut store = KeyStore::new("i", KeyStoreConfig::default());
        store.on_fetch_success(ED_A.as_bytes(), at(0)).unwrap();
        assert!(store.needs_fetch_for_unknown_kid(Some("x"), at(1)));
        assert!(store.due(at(1)));
        assert!(!store.needs_fetch_for_unknown_kid(Some("y"), at(2)));
        assert!(store.needs_fetch_for_unknown_kid(Some("z"), at(62)));
    }
}
