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

/// A sans-I/O JWKS state machine for one provider.
///
/// The caller (the `fetch` feature's driver, or the host's own HTTP client)
/// asks [`due`](Self::due)/[`next_fetch_at`](Self::next_fetch_at) when to
/// fetch, calls [`begin_fetch`](Self::begin_fetch), and reports the result
/// with [`on_fetch_success`](Self::on_fetch_success) or
/// [`on_fetch_failure`](Self::on_fetch_failure). Every state change is
/// logged with `tracing` (target `portcullis::oidc`).
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
    last_kid_refresh: Option<OffsetDateTime>,
    in_flight: bool,
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
        tracing::debug!(target: "portcullis::oidc", issuer = %self.issuer, kid = ?kid, "unknown kid: refresh requested");
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
        self.next_fetch_at = now + seconds(self.config.refresh_seconds);
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
        let in_grace = self
            .retired
            .iter()
            .filter(|(_, until)| *until > now)
            .map(|(k, _)| k);
        if self.current.is_empty() && in_grace.clone().next().is_none() {
            return KeyLookup::Unavailable;
        }
        let all = self.current.iter().chain(in_grace);
        let found: Vec<Arc<VerifyingKey>> = match kid {
            Some(kid) => all.filter(|k| k.kid() == Some(kid)).cloned().collect(),
            None => all.filter(|k| k.accepts(alg)).cloned().collect(),
        };
        if found.is_empty() {
            KeyLookup::UnknownKid
        } else {
            KeyLookup::Found(found)
        }
    }
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
    fn unknown_kid_refresh_is_rate_limited() {
        let mut store = KeyStore::new("i", KeyStoreConfig::default());
        store.on_fetch_success(ED_A.as_bytes(), at(0)).unwrap();
        assert!(store.needs_fetch_for_unknown_kid(Some("x"), at(1)));
        assert!(store.due(at(1)));
        assert!(!store.needs_fetch_for_unknown_kid(Some("y"), at(2)));
        assert!(store.needs_fetch_for_unknown_kid(Some("z"), at(62)));
    }
}
