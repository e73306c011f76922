//! HTTP fetching of discovery documents and key sets (feature `fetch`).
//!
//! A [`Fetcher`] drives the sans-I/O key stores of an
//! [`OidcValidator`]: it fetches each provider's JWKS when its store is due
//! (at start, periodically, after backoff, or early when an unknown `kid`,
//! a signature failing with stale keys or [`OidcValidator::force_refresh`]
//! asks), with connect and request
//! timeouts and a body size limit. Discovery runs first unless the provider
//! configures `jwks_uri`; the discovery `issuer` must equal the configured
//! one.
//!
//! ```no_run
//! use std::sync::Arc;
//! use portcullis_oidc::fetch::{FetchConfig, Fetcher};
//! use portcullis_oidc::{OidcConfig, OidcValidator};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let config = OidcConfig::from_json(r#"{"issuer":"https://sso.example.org","audiences":["mail"]}"#)?;
//! let validator = Arc::new(OidcValidator::new(config)?);
//! let fetcher = Arc::new(Fetcher::new(FetchConfig::default())?);
//! tokio::spawn(Arc::clone(&fetcher).run(Arc::clone(&validator)));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use time::OffsetDateTime;
use tokio::sync::Notify;

use crate::discovery::DiscoveryDocument;
use crate::error::Error;
use crate::keystore::KeyUpdate;
use crate::validator::{OidcValidator, ProviderId};

/// Timeouts and limits of the fetcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchConfig {
    /// TCP + TLS connect timeout (default 5 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout, including a slow body (default 10 s).
    pub request_timeout: Duration,
    /// Largest response body read (default 512 KiB).
    pub max_body_bytes: usize,
    /// Shortest sleep of the driver loop (default 50 ms), so a due store that
    /// is already being fetched elsewhere cannot spin the loop.
    pub min_sleep: Duration,
}

impl Default for FetchConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(10),
            max_body_bytes: crate::jwks::MAX_JWKS_BYTES,
            min_sleep: Duration::from_millis(50),
        }
    }
}

impl FetchConfig {
    /// Sets both timeouts.
    #[must_use]
    pub const fn with_timeouts(mut self, connect: Duration, request: Duration) -> Self {
        self.connect_timeout = connect;
        self.request_timeout = request;
        self
    }
}

/// Fetches discovery documents and JWKS and feeds them to a validator.
pub struct Fetcher {
    client: reqwest::Client,
    config: FetchConfig,
    discovered: Mutex<HashMap<ProviderId, String>>,
    notify: Arc<Notify>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A fetcher with its own HTTP client (rustls, no redirects to other
    /// schemes, no cookies).
    ///
    /// # Errors
    /// [`Error::Fetch`] when the HTTP client cannot be built.
    pub fn new(config: FetchConfig) -> Result<Self, Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::limited(3))
            .user_agent(concat!("portcullis-oidc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Fetch(e.to_string()))?;
        Ok(Self {
            client,
            config,
            discovered: Mutex::new(HashMap::new()),
            notify: Arc::new(Notify::new()),
        })
    }

    async fn get(&self, url: &str) -> Result<Vec<u8>, Error> {
        let mut response = self
            .client
            .get(url)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| Error::Fetch(format!("{url}: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::Fetch(format!("{url}: HTTP {}", status.as_u16())));
        }
        let limit = self.config.max_body_bytes;
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(Error::Fetch(format!(
                "{url}: body larger than {limit} bytes"
            )));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| Error::Fetch(format!("{url}: {e}")))?
        {
            if body.len() + chunk.len() > limit {
                return Err(Error::Fetch(format!(
                    "{url}: body larger than {limit} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    async fn jwks_uri(&self, validator: &OidcValidator, id: ProviderId) -> Result<String, Error> {
        let Some((issuer, configured, discovery_url)) = validator
            .providers()
            .find(|(pid, _)| *pid == id)
            .map(|(_, p)| (p.issuer.clone(), p.jwks_uri.clone(), p.discovery_url()))
        else {
            return Err(Error::Config("unknown provider id".into()));
        };
        if let Some(uri) = configured {
            return Ok(uri);
        }
        if let Some(uri) = self
            .discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            return Ok(uri.clone());
        }
        let body = self.get(&discovery_url).await?;
        let doc = DiscoveryDocument::parse(&body, &issuer)?;
        self.discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, doc.jwks_uri.clone());
        Ok(doc.jwks_uri)
    }

    /// Fetches provider `id`'s keys now (discovery first if needed) and
    /// reports the outcome to its key store. Does not check whether a fetch
    /// is due; [`refresh_due`](Self::refresh_due) does.
    ///
    /// # Errors
    /// The fetch or parse error (already recorded in the key store).
    pub async fn fetch_provider(
        &self,
        validator: &OidcValidator,
        id: ProviderId,
    ) -> Result<KeyUpdate, Error> {
        let result = match self.jwks_uri(validator, id).await {
            Ok(uri) => self.get(&uri).await,
            Err(error) => Err(error),
        };
        let now = OffsetDateTime::now_utc();
        match result {
            Ok(body) => {
                let outcome = validator.on_fetch_success(id, &body, now);
                if outcome.is_err() {
                    self.forget(id);
                }
                outcome
            }
            Err(error) => {
                // The JWKS location may have moved: discover again next time.
                self.forget(id);
                validator.on_fetch_failure(id, &error, now);
                Err(error)
            }
        }
    }

    fn forget(&self, id: ProviderId) {
        self.discovered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&id);
    }

    /// Fetches every provider whose store is due, one after another; returns
    /// how many fetches were attempted.
    pub async fn refresh_due(&self, validator: &OidcValidator) -> usize {
        let now = OffsetDateTime::now_utc();
        let mut attempted = 0;
        for id in validator.due(now) {
            if validator.begin_fetch(id, now) {
                attempted += 1;
                // The outcome is already recorded and logged by the store.
                let _outcome = self.fetch_provider(validator, id).await;
            }
        }
        attempted
    }

    /// Drives the validator's key stores forever: fetches what is due, then
    /// sleeps until the next store is due or a refresh is requested early.
    /// Spawn it on a tokio runtime; drop the task to stop.
    pub async fn run(self: Arc<Self>, validator: Arc<OidcValidator>) {
        let notify = Arc::clone(&self.notify);
        validator.set_refresh_waker(Arc::new(move || notify.notify_one()));
        loop {
            self.refresh_due(&validator).await;
            let now = OffsetDateTime::now_utc();
            let wait = validator
                .next_fetch_at()
                .map_or(Duration::from_secs(3600), |at| {
                    Duration::try_from(at - now).unwrap_or(Duration::ZERO)
                })
                .clamp(self.config.min_sleep, Duration::from_secs(3600));
            // Either the timer or an early refresh request ends the wait.
            let _woken = tokio::time::timeout(wait, self.notify.notified()).await;
        }
    }
}
