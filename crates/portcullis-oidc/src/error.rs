//! Errors outside token judgement: configuration, key sets, discovery
//! documents and the web sign-in callback.

/// An error of this crate other than a token [`Refusal`](crate::Refusal).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Configuration: the provider configuration is invalid.
    #[error("invalid provider configuration: {0}")]
    Config(String),
    /// Peer (the IdP): a JWKS document is not valid JSON or not a key set.
    #[error("invalid JWKS document: {0}")]
    Jwks(String),
    /// Peer (the IdP): a JWKS document holds no key this crate can use.
    #[error("JWKS holds no usable signing key ({skipped} skipped)")]
    NoUsableKeys {
        /// How many keys were skipped.
        skipped: usize,
    },
    /// Peer (the IdP) or configuration: a discovery document is invalid or
    /// names another issuer.
    #[error("invalid discovery document: {0}")]
    Discovery(String),
    /// Environment: fetching a document failed (network, HTTP status,
    /// timeout). Only produced by the `fetch` feature or passed in by callers.
    #[error("fetch failed: {0}")]
    Fetch(String),
    /// Peer (the browser or IdP): the sign-in callback is invalid (state
    /// mismatch, missing code, an `error` parameter from the IdP).
    #[error("sign-in callback refused: {0}")]
    Callback(String),
    /// Environment: the operating system's random number generator failed.
    #[error("OS random number generator failed")]
    Random,
}

impl Error {
    /// The stable kebab-case kind of the error.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Config(_) => "config",
            Self::Jwks(_) => "jwks",
            Self::NoUsableKeys { .. } => "no-usable-keys",
            Self::Discovery(_) => "discovery",
            Self::Fetch(_) => "fetch",
            Self::Callback(_) => "callback",
            Self::Random => "random",
        }
    }
}
