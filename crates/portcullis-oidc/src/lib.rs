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
//!   fetched (periodic refresh, rate-limited refresh on an unknown `kid` or
//!   on a signature that fails with keys older than that rate limit's
//!   window, since providers may rotate a key under the same `kid`;
//!   exponential backoff, grace period for rotated keys, readiness). While
//!   such a refresh may still change the verdict, the refusal is the
//!   temporary `key-set-refreshing`.
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
//! array) or an accepted `azp`; required scopes from `scope` or `scp`; a
//! username taken from `email` (as the username claim or its fallback) only
//! with `email_verified: true` (OpenID Connect Core §5.1), unless the
//! provider sets `danger_allow_unverified_email`.
//!
//! # Crypto backend
//!
//! jsonwebtoken 11 verifies the signatures with its `aws_lc_rs` backend,
//! chosen over `rust_crypto` by measurement: `benches/benches/oidc.rs`, run
//! once per backend (see `docs/performance.md`), gave these costs per bare
//! `jsonwebtoken::decode` on the project's 2-core machine:
//!
//! | algorithm | `aws_lc_rs` | `rust_crypto` | `rust_crypto` ÷ `aws_lc_rs` in instructions (callgrind) |
//! |---|---|---|---|
//! | RS256 (2048-bit) | 43–49 µs | 393–427 µs | 6.9× |
//! | ES256 | 92–114 µs | 420–549 µs | 4.2× |
//! | EdDSA | 51–71 µs | 96–102 µs | 0.84× (DESIGN.md's anchors: equal) |
//!
//! (Busy machine: absolute times are about twice DESIGN.md's anchors of
//! 22.9 against 189 µs for RS256.) RS256 is what most IdPs sign with, so
//! `aws_lc_rs` is 7–9× cheaper where it matters, and it builds here with a C
//! compiler alone. `rust_crypto` also pulls in the `rsa` crate, which has an
//! open advisory (RUSTSEC-2023-0071, a timing side channel in private-key
//! operations; verification does not use the private key, but audits flag
//! it). The validator's own overhead is the same on both backends: 0.93–1.03×
//! bare `decode` (interleaved timing), 1.00× in instructions.
//!
//! jsonwebtoken's own `decode` and `crypto::verify` use a process-wide
//! default provider and panic when the final binary enables both backend
//! features (Cargo unifies features across the dependency graph) and nobody
//! called `CryptoProvider::install_default`. This crate never reads that
//! default: the validator asks the provider its features chose for a
//! verifier, so another dependency enabling `jsonwebtoken/rust_crypto`
//! cannot make validation panic or switch its backend (nor does a provider
//! the application installs). [`CRYPTO_BACKEND`] names the backend of the
//! build.
//!
//! # Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `fetch` | no | `fetch::Fetcher`: discovery + JWKS over HTTPS with `reqwest` (rustls) and `tokio`, with timeouts and a size limit, driving the key stores |
//! | `rust-crypto-backend` | no | verify with jsonwebtoken's `rust_crypto` backend instead of `aws_lc_rs` (for the comparison bench, or to verify in pure Rust; aws-lc-rs is still compiled, and RS256 is about 8× slower) |
//!
//! # Dependencies
//!
//! - `jsonwebtoken` (aws-lc-rs backend; RustCrypto with
//!   `rust-crypto-backend`): JWS signature verification.
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

mod backend;
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

pub use backend::CRYPTO_BACKEND;
pub use cache::{DEFAULT_CACHE_BYTES, DEFAULT_CACHE_ENTRIES};
pub use claims::MAX_CLAIMS;
pub use config::{
    DEFAULT_CLAIM_GROUPS, DEFAULT_CLAIM_NAME, DEFAULT_CLAIM_USERNAME, DEFAULT_LEEWAY_SECONDS,
    DEFAULT_MAX_TOKEN_BYTES, GroupsAsString, KeyStoreConfig, MAX_MAX_TOKEN_BYTES, OidcConfig,
    ProviderConfig, parse_algorithm,
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
pub use keystore::{KeyLookup, KeyStore, KeyStoreState, KeyUpdate, Readiness, SignatureFailure};
pub use principal::Principal;
pub use refusal::{BearerErrorCode, Refusal, SaslErrorChallenge};
pub use validator::{OidcValidator, ProviderId, RefreshWaker};
