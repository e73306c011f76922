//! OIDC bearer-token validation for mail and groupware servers.
//!
//! `portcullis-oidc` decides whether a bearer token (from SASL
//! OAUTHBEARER/XOAUTH2 or HTTP `Authorization: Bearer`) was issued by a
//! trusted identity provider for one of this server's clients, and maps its
//! claims to a [`Principal`]. It is built for deployments with several
//! clients and issuers (a webmail and an admin UI with different `aud`, or
//! different issuers), and for IdPs that rotate keys and go down:
//!
//! - [`OidcValidator`] holds the trusted [providers](ProviderConfig), one
//!   sans-I/O [`KeyStore`] each, and a bounded validated-token cache.
//!   `validate(&self, token, now)` gives a [`Principal`] or a typed
//!   [`Refusal`] with its RFC 6750 and RFC 7628 faces.
//! - While a provider has no keys (IdP down at boot), its tokens are refused
//!   with the temporary `provider-unavailable`: fail closed, never fall back.
//! - [`KeyStore`] tells the caller when to fetch and consumes what was
//!   fetched (periodic refresh, rate-limited refresh on unknown `kid`,
//!   exponential backoff, grace period for rotated keys, readiness).
//! - The `fetch` feature adds an async HTTP driver (`fetch::Fetcher`).
//! - [`signin`] builds authorization-code + PKCE requests and checks the
//!   callback; [`introspection`] handles opaque tokens (RFC 7662, userinfo).
//!
//! # Example
//!
//! ```
//! use portcullis_oidc::{OidcConfig, OidcValidator, ProviderId};
//! use time::OffsetDateTime;
//!
//! let config = OidcConfig::from_json(r#"{"providers": [
//!     {"issuer": "https://sso.example.org/realms/mail",
//!      "audiences": ["bulwark", "stalwart-webui"],
//!      "username_domain": "example.org"}
//! ]}"#)?;
//! let validator = OidcValidator::new(config)?;
//! let now = OffsetDateTime::from_unix_timestamp(1_800_000_000)?;
//! // The host (or the `fetch` feature) fetches the JWKS when a store is due:
//! for id in validator.due(now) {
//!     assert_eq!(id, ProviderId(0));
//!     validator.on_fetch_failure(id, "connection refused", now);
//! }
//! assert!(!validator.is_ready());
//! let refusal = validator.validate("a.b.c", now).unwrap_err();
//! assert_eq!(refusal.kind(), "malformed");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Checks
//!
//! Size before any decoding; compact JWS only (JWE refused); `typ` absent,
//! `JWT` or `at+jwt`; `crit` refused (RFC 7515 §4.1.11: we understand no
//! extension); `alg` in the provider's allow-list and fitting the key's type,
//! curve and pinned `alg` (HMAC is never accepted, so a public key can never
//! act as an HMAC secret); keys come only from the provider's JWKS, never
//! from `jwk`/`jku`/`x5u`/`x5c` headers; `iss` selects the provider exactly;
//! `exp` required; `nbf` and `iat` checked with leeway; `aud` (string or
//! array) or an accepted `azp`; required scopes from `scope` or `scp`.
//!
//! # Crypto backend
//!
//! jsonwebtoken 11 verifies the signatures, with exactly one backend:
//! `aws_lc_rs`. It verifies RS256 about 8× faster than `rust_crypto` (22.9 µs
//! against 189 µs on the project's machines; ES256 5×; EdDSA equal) and
//! builds here with a C compiler alone. Enabling both backends or neither
//! makes jsonwebtoken panic at the first verification, so the crate pins one
//! and a test proves a verification runs.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `fetch` | no | `fetch::Fetcher`: discovery + JWKS over HTTPS with `reqwest` (rustls) and `tokio`, with timeouts and a size limit, driving the key stores |
//!
//! # Dependencies
//!
//! - `jsonwebtoken` (aws-lc-rs backend): JWS signature verification.
//! - `serde`, `serde_json`: configuration, JWKS, discovery and claims.
//! - `base64`: JWS segments and PKCE.
//! - `thiserror`: the [`Error`] and [`Refusal`] enums.
//! - `time`: token instants, passed in as `now`.
//! - `tracing`: key store state changes and skipped keys.
//! - `sha2`: PKCE S256 and the opaque-token cache key.
//! - `subtle`: constant-time `state`/`nonce` comparison.
//! - `zeroize`: cached bearer tokens and sign-in secrets are wiped on drop.
//! - `getrandom`: the OS RNG for the convenience sign-in constructor.
//! - `reqwest`, `tokio` (feature `fetch` only): HTTP fetching and timers.

#![forbid(unsafe_code)]

mod cache;
mod claims;
mod config;
mod discovery;
mod error;
#[cfg(feature = "fetch")]
pub mod fetch;
pub mod introspection;
mod jwks;
mod jws;
mod keystore;
mod principal;
mod refusal;
pub mod signin;
mod validator;

pub use cache::{DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRIES};
pub use claims::MAX_CLAIMS;
pub use config::{
    DEFAULT_CLAIM_GROUPS, DEFAULT_CLAIM_NAME, DEFAULT_CLAIM_USERNAME, DEFAULT_LEEWAY_SECONDS,
    DEFAULT_MAX_TOKEN_BYTES, KeyStoreConfig, MAX_MAX_TOKEN_BYTES, OidcConfig, ProviderConfig,
    parse_algorithm,
};
pub use discovery::{
    DiscoveryDocument, MAX_DISCOVERY_BYTES, oauth_authorization_server_url,
    openid_configuration_url,
};
pub use error::Error;
pub use jsonwebtoken::Algorithm;
pub use jwks::{
    JwkSet, KeyType, MAX_JWKS_BYTES, MAX_JWKS_KEYS, MIN_RSA_BITS, SkippedKey, VerifyingKey,
};
pub use jws::MAX_HEADER_BYTES;
pub use keystore::{KeyLookup, KeyStore, KeyStoreState, KeyUpdate, Readiness};
pub use principal::Principal;
pub use refusal::{BearerErrorCode, Refusal, SaslErrorChallenge};
pub use validator::{OidcValidator, ProviderId, RefreshWaker};
