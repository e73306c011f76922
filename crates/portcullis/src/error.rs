//! The crate's error type (configuration and setup; decisions are values).

/// Why an authenticator or directory could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// API misuse: [`AuthenticatorBuilder::build`](crate::AuthenticatorBuilder::build)
    /// was called without a directory.
    #[error("no directory was configured")]
    MissingDirectory,
    /// Host or configuration: the credentials layer failed (the random
    /// source, or invalid hash parameters).
    #[error("credentials setup failed: {0}")]
    Credentials(#[from] portcullis_credentials::Error),
    /// Configuration: a file could not be read.
    #[error("cannot read {path}: {message}")]
    Io {
        /// The file.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// Configuration: a directory file is invalid.
    #[error("invalid directory file: {0}")]
    Config(String),
    /// API misuse: builder settings that cannot work together (a shared
    /// verification cache without a revocation store, a short key).
    #[error("invalid authenticator settings: {0}")]
    Settings(String),
    /// Configuration: the OIDC settings are invalid.
    #[error("invalid OIDC configuration: {0}")]
    Oidc(#[from] portcullis_oidc::Error),
}

impl Error {
    /// A stable kebab-case name.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Error::MissingDirectory => "missing-directory",
            Error::Credentials(_) => "credentials-setup",
            Error::Io { .. } => "io",
            Error::Config(_) => "invalid-config",
            Error::Settings(_) => "invalid-settings",
            Error::Oidc(_) => "invalid-oidc-config",
        }
    }
}
