//! The validator: trusted providers, their key stores, and the
//! validated-token cache behind one `&self` API.

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use jsonwebtoken::Algorithm;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::backend;
use crate::cache::{DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRIES, TokenCache, Validity};
use crate::claims::ClaimSet;
use crate::config::{GroupsAsString, OidcConfig, ProviderConfig, parse_algorithm};
use crate::error::Error;
use crate::jws::{CompactJws, b64_decode, decode_header};
use crate::keystore::{
    Candidates, KeyStore, KeyStoreState, KeyUpdate, Readiness, SignatureFailure,
};
use crate::principal::Principal;
use crate::refusal::Refusal;

/// Identifies one configured provider (its index in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderId(pub usize);

/// A callback the validator invokes when a key store wants a fetch sooner
/// than scheduled (an unknown `kid`, a signature that fails with stale
/// keys, or [`OidcValidator::force_refresh`]).
pub type RefreshWaker = Arc<dyn Fn() + Send + Sync>;

struct Provider {
    config: ProviderConfig,
    algorithms: Vec<Algorithm>,
    required_scopes: String,
    store: RwLock<KeyStore>,
}

/// What an ID token (web sign-in) must also satisfy.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdTokenCheck<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) nonce: &'a str,
}

/// Validates bearer tokens against several trusted providers.
///
/// `Send + Sync`, all methods take `&self`: share it in an `Arc`. The key
/// stores sit behind `RwLock`s (readers on the hot path) and the
/// validated-token cache behind a `Mutex`.
///
/// ```
/// use portcullis_oidc::{OidcConfig, OidcValidator, ProviderConfig};
/// use time::OffsetDateTime;
///
/// let config = OidcConfig::new(vec![
///     ProviderConfig::new("https://idp.example/realms/mail").with_audiences(["bulwark"]),
/// ]);
/// let validator = OidcValidator::new(config)?;
/// let now = OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
/// // No JWKS fetched yet: fail closed with a temporary refusal.
/// let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlL3JlYWxtcy9tYWlsIn0.c2ln";
/// let refusal = validator.validate(token, now).unwrap_err();
/// assert_eq!(refusal.kind(), "provider-unavailable");
/// assert!(refusal.is_temporary());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct OidcValidator {
    providers: Vec<Provider>,
    max_token_bytes: usize,
    cache: Mutex<TokenCache>,
    waker: RwLock<Option<RefreshWaker>>,
}

impl std::fmt::Debug for OidcValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let issuers: Vec<&str> = self
            .providers
            .iter()
            .map(|p| p.config.issuer.as_str())
            .collect();
        f.debug_struct("OidcValidator")
            .field("issuers", &issuers)
            .finish_non_exhaustive()
    }
}

fn unix(now: OffsetDateTime) -> i64 {
    now.unix_timestamp()
}

fn leeway(provider: &ProviderConfig) -> i64 {
    i64::try_from(provider.leeway_seconds)
        .unwrap_or(i64::MAX / 4)
        .min(i64::MAX / 4)
}

impl OidcValidator {
    /// Builds a validator; every key store starts `Pending`.
    ///
    /// # Errors
    /// [`Error::Config`] when there is no provider or one is invalid (see
    /// [`ProviderConfig::checked_algorithms`]).
    pub fn new(config: OidcConfig) -> Result<Self, Error> {
        if config.providers.is_empty() {
            return Err(Error::Config("no provider configured".into()));
        }
        let mut providers = Vec::with_capacity(config.providers.len());
        for provider in config.providers {
            let algorithms = provider.checked_algorithms()?;
            let store = KeyStore::new(provider.issuer.clone(), provider.key_store);
            providers.push(Provider {
                required_scopes: provider.require_scopes.join(" "),
                algorithms,
                store: RwLock::new(store),
                config: provider,
            });
        }
        let max_token_bytes = providers
            .iter()
            .map(|p| p.config.max_token_bytes)
            .max()
            .unwrap_or(0);
        Ok(Self {
            providers,
            max_token_bytes,
            cache: Mutex::new(TokenCache::new(DEFAULT_CACHE_ENTRIES, DEFAULT_CACHE_BYTES)),
            waker: RwLock::new(None),
        })
    }

    /// Replaces the validated-token cache bounds (entries and total token
    /// bytes); 0 entries disables the cache.
    #[must_use]
    pub fn with_cache_limits(self, max_entries: usize, max_bytes: usize) -> Self {
        *self.cache.lock().unwrap_or_else(PoisonError::into_inner) =
            TokenCache::new(max_entries, max_bytes);
        self
    }

    /// Installs the callback run when a fetch becomes due early.
    pub fn set_refresh_waker(&self, waker: RefreshWaker) {
        *self.waker.write().unwrap_or_else(PoisonError::into_inner) = Some(waker);
    }

    fn wake(&self) {
        let waker = self
            .waker
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(waker) = waker {
            waker();
        }
    }

    /// The configured providers with their ids.
    pub fn providers(&self) -> impl Iterator<Item = (ProviderId, &ProviderConfig)> {
        self.providers
            .iter()
            .enumerate()
            .map(|(i, p)| (ProviderId(i), &p.config))
    }

    fn provider(&self, id: ProviderId) -> Option<&Provider> {
        self.providers.get(id.0)
    }

    /// Runs `f` with a provider's key store (read-only).
    pub fn with_key_store<R>(&self, id: ProviderId, f: impl FnOnce(&KeyStore) -> R) -> Option<R> {
        let provider = self.provider(id)?;
        let store = provider
            .store
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Some(f(&store))
    }

    /// Per-provider readiness, for health checks.
    #[must_use]
    pub fn readiness(&self) -> Vec<Readiness> {
        self.providers
            .iter()
            .map(|p| {
                p.store
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .readiness()
            })
            .collect()
    }

    /// True when every provider has usable keys.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.readiness().iter().all(|r| r.ready)
    }

    /// Providers whose JWKS fetch is due at `now` (and not in flight).
    #[must_use]
    pub fn due(&self, now: OffsetDateTime) -> Vec<ProviderId> {
        self.providers()
            .filter(|(id, _)| self.with_key_store(*id, |s| s.due(now)).unwrap_or(false))
            .map(|(id, _)| id)
            .collect()
    }

    /// The earliest time any provider wants a fetch.
    #[must_use]
    pub fn next_fetch_at(&self) -> Option<OffsetDateTime> {
        self.providers
            .iter()
            .map(|p| {
                p.store
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .next_fetch_at()
            })
            .min()
    }

    /// Marks a fetch for `id` as started; false when none is due or one is
    /// already in flight.
    pub fn begin_fetch(&self, id: ProviderId, now: OffsetDateTime) -> bool {
        self.provider(id).is_some_and(|p| {
            p.store
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .begin_fetch(now)
        })
    }

    /// Feeds a fetched JWKS document to provider `id`'s key store. A changed
    /// key set clears the validated-token cache.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown id; the JWKS parse error otherwise
    /// (the store then counts a failed fetch).
    pub fn on_fetch_success(
        &self,
        id: ProviderId,
        jwks: &[u8],
        now: OffsetDateTime,
    ) -> Result<KeyUpdate, Error> {
        let provider = self
            .provider(id)
            .ok_or_else(|| Error::Config("unknown provider id".into()))?;
        let update = provider
            .store
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .on_fetch_success(jwks, now)?;
        if update.changed {
            self.clear_cache();
        }
        Ok(update)
    }

    /// Records a failed fetch for provider `id`.
    pub fn on_fetch_failure(
        &self,
        id: ProviderId,
        error: impl std::fmt::Display,
        now: OffsetDateTime,
    ) {
        if let Some(provider) = self.provider(id) {
            provider
                .store
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .on_fetch_failure(error, now);
        }
    }

    /// Makes every provider due for a fetch now.
    pub fn force_refresh(&self, now: OffsetDateTime) {
        for provider in &self.providers {
            provider
                .store
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .force_refresh(now);
        }
        self.wake();
    }

    /// Empties the validated-token cache.
    pub fn clear_cache(&self) {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// How many tokens the cache holds.
    #[must_use]
    pub fn cached_tokens(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// The discovery URL of the provider with this issuer, for the RFC 7628
    /// error challenge.
    #[must_use]
    pub fn openid_configuration_url(&self, issuer: &str) -> Option<String> {
        self.providers
            .iter()
            .find(|p| p.config.issuer == issuer)
            .map(|p| p.config.discovery_url())
    }

    /// Validates a bearer access token and maps its claims.
    ///
    /// A repeat of a token validated before (same bytes, key set unchanged)
    /// is answered from the cache until its `exp` (plus leeway), or until
    /// its key's grace period ends if a key that already left the key set
    /// verified it.
    ///
    /// # Errors
    /// A [`Refusal`]; [`Refusal::is_temporary`] tells the facade to answer
    /// "try later" instead of "bad credentials".
    pub fn validate(&self, token: &str, now: OffsetDateTime) -> Result<Arc<Principal>, Refusal> {
        if token.len() > self.max_token_bytes {
            return Err(Refusal::Oversize {
                size: token.len(),
                limit: self.max_token_bytes,
            });
        }
        let at = unix(now);
        let (key, epoch) = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            let key = cache.key(token);
            if let Some(hit) = cache.get(key, token, at) {
                return Ok(hit);
            }
            (key, cache.epoch())
        };
        let checked = self.check(token, now, None)?;
        let principal = Arc::new(checked.principal);
        // `epoch` refuses the insert if a key rotation cleared the cache
        // while this token was checked against the keys from before it.
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                key,
                token,
                Arc::clone(&principal),
                checked.validity,
                at,
                epoch,
            );
        Ok(principal)
    }

    /// Validates without consulting or filling the cache.
    ///
    /// # Errors
    /// As [`validate`](Self::validate).
    pub fn validate_uncached(
        &self,
        token: &str,
        now: OffsetDateTime,
    ) -> Result<Principal, Refusal> {
        self.check(token, now, None).map(|c| c.principal)
    }

    /// Validates an OpenID Connect ID token from the web sign-in flow: as an
    /// access token, except that `aud` must contain `client_id`, `azp` (if
    /// present, and required when `aud` has several values) must equal it,
    /// `nonce` must equal the one sent in the authorization request
    /// (compared in constant time), `typ` may not be `at+jwt`, and no scope
    /// is required. Never cached.
    ///
    /// # Errors
    /// A [`Refusal`]; a nonce or `azp` mismatch is [`Refusal::BadClaims`].
    pub fn validate_id_token(
        &self,
        token: &str,
        now: OffsetDateTime,
        client_id: &str,
        nonce: &str,
    ) -> Result<Principal, Refusal> {
        if token.len() > self.max_token_bytes {
            return Err(Refusal::Oversize {
                size: token.len(),
                limit: self.max_token_bytes,
            });
        }
        self.check(token, now, Some(IdTokenCheck { client_id, nonce }))
            .map(|c| c.principal)
    }

    fn check(
        &self,
        token: &str,
        now: OffsetDateTime,
        id_token: Option<IdTokenCheck<'_>>,
    ) -> Result<Checked, Refusal> {
        // Size first, before any decoding (every entry point comes here).
        if token.len() > self.max_token_bytes {
            return Err(Refusal::Oversize {
                size: token.len(),
                limit: self.max_token_bytes,
            });
        }
        let jws = CompactJws::split(token)?;
        let header = decode_header(jws.header, id_token.is_some())?;
        let payload = b64_decode(jws.payload, self.max_token_bytes)?;
        let claims = ClaimSet::parse(&payload)?;
        let issuer = claims
            .string("iss")
            .map_err(|_| Refusal::WrongIssuer { issuer: None })?;
        let Some(issuer) = issuer else {
            return Err(Refusal::WrongIssuer { issuer: None });
        };
        let audiences = claims.strings("aud")?;
        let azp = claims.string("azp")?;

        // The token's `iss` selects the provider; among providers sharing an
        // issuer, the first whose audience rule accepts the token wins.
        let mut candidates = self
            .providers
            .iter()
            .filter(|p| p.config.issuer == *issuer)
            .peekable();
        let first = *candidates.peek().ok_or_else(|| Refusal::WrongIssuer {
            issuer: Some(issuer.to_string()),
        })?;
        let chosen =
            candidates.find(|p| audience_ok(&p.config, &audiences, azp.as_deref(), id_token));
        let audience_accepted = chosen.is_some();
        let provider = chosen.unwrap_or(first);
        let config = &provider.config;

        if token.len() > config.max_token_bytes {
            return Err(Refusal::Oversize {
                size: token.len(),
                limit: config.max_token_bytes,
            });
        }
        let alg = parse_algorithm(&header.alg)
            .filter(|alg| provider.algorithms.contains(alg))
            .ok_or_else(|| Refusal::AlgNotAllowed {
                detail: format!("{:?} is not allowed for {}", header.alg, config.issuer),
            })?;

        let key_usable_until =
            self.verify_signature(provider, &jws, header.kid.as_deref(), alg, now)?;

        // From here on the claims are authentic.
        let at = unix(now);
        let skew = leeway(config);
        let exp = claims
            .numeric_date("exp")?
            .ok_or_else(|| Refusal::BadClaims {
                detail: "exp is required".into(),
            })?;
        if at > exp.saturating_add(skew) {
            return Err(Refusal::Expired { expired_at: exp });
        }
        let nbf = claims.numeric_date("nbf")?;
        if let Some(nbf) = nbf
            && nbf > at.saturating_add(skew)
        {
            return Err(Refusal::NotYetValid { not_before: nbf });
        }
        let iat = claims.numeric_date("iat")?;
        if let Some(iat) = iat
            && iat > at.saturating_add(skew)
        {
            return Err(Refusal::IssuedInFuture { issued_at: iat });
        }
        if !audience_accepted {
            return Err(Refusal::WrongAudience {
                issuer: config.issuer.clone(),
            });
        }
        if let Some(check) = id_token {
            check_id_token(&claims, check)?;
        }

        let scopes = scopes(&claims)?;
        if id_token.is_none()
            && let Some(missing) = config.require_scopes.iter().find(|r| !scopes.contains(r))
        {
            return Err(Refusal::MissingScope {
                missing: missing.clone(),
                required: provider.required_scopes.clone(),
            });
        }

        let subject = claims
            .string("sub")?
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Refusal::BadClaims {
                detail: "sub is required".into(),
            })?;
        let username = map_username(config, &claims)?;
        let name = claims.string(&config.claim_name)?.map(|s| s.into_owned());
        let (groups, roles) = groups_and_roles(config, &claims)?;
        let expires_at =
            OffsetDateTime::from_unix_timestamp(exp).map_err(|_| Refusal::BadClaims {
                detail: "exp is out of range".into(),
            })?;
        Ok(Checked {
            principal: Principal {
                username,
                name,
                groups,
                roles,
                scopes,
                issuer: config.issuer.clone(),
                subject: subject.into_owned(),
                audience: audiences.into_iter().map(|a| a.into_owned()).collect(),
                authorized_party: azp.map(|a| a.into_owned()),
                expires_at,
            },
            validity: Validity {
                not_before: nbf
                    .unwrap_or(i64::MIN)
                    .max(iat.unwrap_or(i64::MIN))
                    .saturating_sub(skew),
                // A key that left the key set verifies only until its grace
                // ends; the cached result must not outlive it (the store's
                // `usable_until > now` becomes this inclusive bound).
                valid_until: key_usable_until.map_or(exp.saturating_add(skew), |until| {
                    exp.saturating_add(skew).min(unix(until).saturating_sub(1))
                }),
            },
        })
    }

    /// Verifies the signature with the provider's keys. `Ok` carries the end
    /// of the verifying key's grace when it is a retired key (`None` for a
    /// key of the current set).
    fn verify_signature(
        &self,
        provider: &Provider,
        jws: &CompactJws<'_>,
        kid: Option<&str>,
        alg: Algorithm,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, Refusal> {
        let issuer = &provider.config.issuer;
        let (lookup, degraded, generation) = {
            let store = provider
                .store
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            let degraded = match store.state() {
                KeyStoreState::Degraded { last_error, .. } => Some(last_error.clone()),
                _ => None,
            };
            (
                store.candidates(kid, alg, now),
                degraded,
                store.generation(),
            )
        };
        let keys = match lookup {
            Candidates::Found(keys) => keys,
            Candidates::Unavailable => {
                let detail = degraded.unwrap_or_else(|| "keys not fetched yet".into());
                return Err(Refusal::ProviderUnavailable {
                    issuer: issuer.clone(),
                    detail,
                });
            }
            Candidates::UnknownKid => {
                let requested = provider
                    .store
                    .write()
                    .unwrap_or_else(PoisonError::into_inner)
                    .needs_fetch_for_unknown_kid(kid, now);
                if requested {
                    self.wake();
                }
                // While the IdP is unreachable we cannot tell a rotated key
                // from a forged kid: answer "try later", never "valid".
                if let Some(detail) = degraded {
                    return Err(Refusal::ProviderUnavailable {
                        issuer: issuer.clone(),
                        detail,
                    });
                }
                return Err(Refusal::UnknownKid {
                    kid: kid.map(str::to_owned),
                    issuer: issuer.clone(),
                });
            }
        };
        if jws.signature.is_empty() {
            return Err(Refusal::BadSignature);
        }
        let mut fitting = keys.iter().filter(|c| c.key.accepts(alg)).peekable();
        if fitting.peek().is_none() {
            return Err(Refusal::AlgNotAllowed {
                detail: format!("{alg:?} does not fit the key type or alg of kid {kid:?}"),
            });
        }
        let signature = backend::decode_signature(jws.signature).ok_or(Refusal::BadSignature)?;
        let message = jws.signing_input.as_bytes();
        if let Some(verified) =
            fitting.find(|c| backend::verify(&signature, message, c.key.decoding_key(), alg))
        {
            return Ok(verified.usable_until);
        }
        Err(self.signature_failed(provider, kid, generation, now))
    }

    /// Judges a signature that no key verified. With fresh keys it is a bad
    /// signature; with keys older than the refetch window the provider may
    /// have rotated its key under the same `kid`, so the answer is "try
    /// later" while a (rate-limited) refetch settles it.
    fn signature_failed(
        &self,
        provider: &Provider,
        kid: Option<&str>,
        generation: u64,
        now: OffsetDateTime,
    ) -> Refusal {
        let issuer = &provider.config.issuer;
        let refreshing = || Refusal::KeySetRefreshing {
            kid: kid.map(str::to_owned),
            issuer: issuer.clone(),
        };
        // The common case (fresh keys, or keys nobody refetches) is settled
        // under the read lock, so a flood of forgeries does not queue up
        // writers in front of the validations of genuine tokens.
        {
            let store = provider
                .store
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            if store.generation() != generation {
                // New keys landed while this token was checked against the
                // old ones: the client's retry meets the new keys.
                return refreshing();
            }
            if !store.refetch_could_help(now) {
                return Refusal::BadSignature;
            }
        }
        let (failure, degraded) = {
            let mut store = provider
                .store
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            if store.generation() != generation {
                return refreshing();
            }
            let failure = store.on_bad_signature(kid, now);
            let degraded = match store.state() {
                KeyStoreState::Degraded { last_error, .. } => Some(last_error.clone()),
                _ => None,
            };
            (failure, degraded)
        };
        match failure {
            SignatureFailure::KeysMayBeStale { refetch_requested } => {
                if refetch_requested {
                    self.wake();
                }
                // Stale keys and an unreachable IdP: as for an unknown kid,
                // "try later", never a verdict on the token.
                match degraded {
                    Some(detail) => Refusal::ProviderUnavailable {
                        issuer: issuer.clone(),
                        detail,
                    },
                    None => refreshing(),
                }
            }
            SignatureFailure::Final => Refusal::BadSignature,
        }
    }
}

struct Checked {
    principal: Principal,
    validity: Validity,
}

pub(crate) fn audience_ok(
    config: &ProviderConfig,
    aud: &[std::borrow::Cow<'_, str>],
    azp: Option<&str>,
    id_token: Option<IdTokenCheck<'_>>,
) -> bool {
    if let Some(check) = id_token {
        return aud.iter().any(|a| a == check.client_id);
    }
    if config.danger_accept_any_audience {
        return true;
    }
    aud.iter().any(|a| config.audiences.iter().any(|c| c == a))
        || azp.is_some_and(|azp| config.authorized_parties.iter().any(|c| c == azp))
}

fn check_id_token(claims: &ClaimSet<'_>, check: IdTokenCheck<'_>) -> Result<(), Refusal> {
    let aud = claims.strings("aud")?;
    let azp = claims.string("azp")?;
    // OpenID Connect Core §3.1.3.7 steps 4–5.
    if aud.len() > 1 && azp.is_none() {
        return Err(Refusal::BadClaims {
            detail: "azp is required when aud has several values".into(),
        });
    }
    if let Some(azp) = &azp
        && azp != check.client_id
    {
        return Err(Refusal::BadClaims {
            detail: "azp is not this client".into(),
        });
    }
    let nonce = claims.string("nonce")?.unwrap_or_default();
    let equal: bool = nonce.as_bytes().ct_eq(check.nonce.as_bytes()).into();
    if check.nonce.is_empty() || !equal {
        return Err(Refusal::BadClaims {
            detail: "nonce does not match the authorization request".into(),
        });
    }
    Ok(())
}

/// Scopes from `scope` (space-separated) and `scp` (array or string), without
/// duplicates.
pub(crate) fn scopes(claims: &ClaimSet<'_>) -> Result<Vec<String>, Refusal> {
    let mut scopes: Vec<String> = Vec::new();
    let scope = claims.string("scope")?;
    let scp = claims.strings("scp")?;
    for value in scope.iter().chain(scp.iter()) {
        for s in value.split(' ').filter(|s| !s.is_empty()) {
            if !scopes.iter().any(|have| have == s) {
                scopes.push(s.to_owned());
            }
        }
    }
    Ok(scopes)
}

/// Group names from the groups claim, and the role names they map to.
pub(crate) fn groups_and_roles(
    config: &ProviderConfig,
    claims: &ClaimSet<'_>,
) -> Result<(Vec<String>, Vec<String>), Refusal> {
    if config.groups_as_string == GroupsAsString::Refuse
        && claims
            .raw(&config.claim_groups)
            .is_some_and(|raw| raw.get().trim_start().starts_with('"'))
    {
        return Err(Refusal::BadClaims {
            detail: format!(
                "{} is a single string, not an array (see groups_as_string)",
                config.claim_groups
            ),
        });
    }
    let groups: Vec<String> = claims
        .strings(&config.claim_groups)?
        .into_iter()
        .map(|g| g.into_owned())
        .collect();
    let mut roles: Vec<String> = Vec::new();
    for group in &groups {
        if let Some(mapped) = config.group_roles.get(group) {
            for role in mapped {
                if !roles.contains(role) {
                    roles.push(role.clone());
                }
            }
        }
    }
    Ok((groups, roles))
}

/// The claim whose value may only become a username when the IdP vouches
/// for it with `email_verified`.
const EMAIL_CLAIM: &str = "email";

/// The username rule: the configured claim, else `email`, with `@domain`
/// appended when there is no `@`, lower-cased. A value taken from `email`
/// (either way) needs `email_verified: true` (OpenID Connect Core §5.1:
/// the address may be one the user typed and the IdP never checked;
/// absent or anything but true fails closed), unless the provider sets
/// `danger_allow_unverified_email`.
pub(crate) fn map_username(
    config: &ProviderConfig,
    claims: &ClaimSet<'_>,
) -> Result<String, Refusal> {
    let primary = claims
        .string(&config.claim_username)?
        .filter(|s| !s.is_empty());
    let (value, from_email) = match primary {
        Some(value) => (value, config.claim_username == EMAIL_CLAIM),
        None => match claims.string(EMAIL_CLAIM)?.filter(|s| !s.is_empty()) {
            Some(email) => (email, true),
            None => {
                return Err(Refusal::NoUsername {
                    claim: config.claim_username.clone(),
                });
            }
        },
    };
    if from_email
        && !config.danger_allow_unverified_email
        && claims.boolean("email_verified") != Some(true)
    {
        return Err(Refusal::UnverifiedEmail);
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Refusal::BadClaims {
            detail: "username contains whitespace or control characters".into(),
        });
    }
    let mut username = value.to_lowercase();
    if !username.contains('@')
        && let Some(domain) = &config.username_domain
    {
        username.push('@');
        username.push_str(&domain.to_lowercase());
    }
    Ok(username)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn validator_is_send_sync() {
        assert_send_sync::<OidcValidator>();
    }

    #[test]
    fn username_rules() {
        let config = ProviderConfig::new("i")
            .with_audiences(["a"])
            .with_username_domain("Example.org");
        let claims = ClaimSet::parse(br#"{"preferred_username":"Alice"}"#).unwrap();
        assert_eq!(map_username(&config, &claims).unwrap(), "alice@example.org");
        let claims =
            ClaimSet::parse(br#"{"email":"Bob@Mail.Example","email_verified":true}"#).unwrap();
        assert_eq!(map_username(&config, &claims).unwrap(), "bob@mail.example");
        let claims = ClaimSet::parse(br#"{"email":"bob@x","email_verified":false}"#).unwrap();
        assert_eq!(
            map_username(&config, &claims),
            Err(Refusal::UnverifiedEmail)
        );
        let claims = ClaimSet::parse(br#"{"email":"bob@x"}"#).unwrap();
        assert_eq!(
            map_username(&config, &claims),
            Err(Refusal::UnverifiedEmail)
        );
        let claims = ClaimSet::parse(br#"{}"#).unwrap();
        assert!(matches!(
            map_username(&config, &claims),
            Err(Refusal::NoUsername { .. })
        ));
    }
}
