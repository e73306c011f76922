//! [`DenialReason`]: the precise internal cause of a refusal.

use portcullis_credentials::HashError;
use portcullis_impersonation::{Refusal, SyntaxError};
use portcullis_permissions::Surface;

/// Why a login was refused: precise, for logs, audit events and `explain`.
///
/// Never sent to the client as such: [`PublicFailure`](crate::PublicFailure)
/// is the public face. Each variant's doc says whose fault it is.
/// [`DenialReason::kind`] is a stable kebab-case name.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DenialReason {
    /// Peer: the SASL exchange or its encoding is malformed.
    #[error("malformed SASL input: {0}")]
    Malformed(portcullis_sasl::Error),
    /// Peer (or a relay between): SCRAM's channel binding refused — a
    /// client that could bind said it would not while `-PLUS` was offered
    /// (a downgrade), bound to another channel (a relay in the middle),
    /// or asked for a binding this connection does not have. The proof
    /// was not checked.
    #[error("SCRAM channel binding refused: {0}")]
    ChannelBinding(portcullis_sasl::Error),
    /// Peer: the login name (or authzid) is malformed.
    #[error("malformed login name: {0}")]
    MalformedLogin(SyntaxError),
    /// Peer: the client cancelled the exchange (`*`).
    #[error("the client cancelled the exchange")]
    Cancelled,
    /// Peer or configuration: the mechanism is unknown or not enabled.
    #[error("mechanism {0:?} is not allowed")]
    MechanismNotAllowed(String),
    /// Peer: a cleartext mechanism was used without TLS.
    #[error("mechanism {0} requires TLS")]
    TlsRequired(String),
    /// Peer: too many failures from this address (or for this login from
    /// this address).
    #[error("throttled: too many failures for {0}")]
    Throttled(&'static str),
    /// Peer: no account (or local principal) has this name. A dummy verify
    /// was run.
    #[error("no such account")]
    UnknownUser,
    /// Peer: the account exists but has no credential of this form (no
    /// password, or no app password with this id). A dummy verify was run.
    #[error("no such credential for this account")]
    UnknownCredential,
    /// Peer: the secret does not match.
    #[error("the secret does not match")]
    WrongSecret,
    /// Directory: the stored hash cannot be used (malformed, unsupported,
    /// or over the cost limits).
    #[error("stored hash unusable: {0}")]
    StoredHashUnusable(HashError),
    /// Policy: the account is disabled.
    #[error("the account is disabled")]
    AccountDisabled,
    /// Policy: the account's tenant is disabled.
    #[error("the account's tenant is disabled")]
    TenantDisabled,
    /// Policy: the account lacks `authenticate`.
    #[error("the account may not sign in (no authenticate permission)")]
    AccountCannotAuthenticate,
    /// Peer: the app password or API key has expired.
    #[error("the credential has expired")]
    CredentialExpired,
    /// Peer: the credential may not be used from this address.
    #[error("the credential may not be used from this address")]
    IpNotAllowed,
    /// Policy: the account itself may not use this surface.
    #[error("the account may not use {0}")]
    SurfaceNotAllowed(Surface),
    /// Policy: the credential's scope does not include this surface.
    #[error("{0} is not in the credential's scope")]
    SurfaceNotInScope(Surface),
    /// Policy (Stalwart-compatible login mode): the scope lacks
    /// `authenticate`.
    #[error("the credential's scope lacks authenticate")]
    ScopeLacksAuthenticate,
    /// Policy: the impersonation policy refused.
    #[error("impersonation refused: {0}")]
    Impersonation(Refusal),
    /// Peer: the account has a second factor and none was given.
    #[error("a second factor is required")]
    SecondFactorRequired,
    /// Peer: the TOTP or recovery code is wrong.
    #[error("the second factor is wrong")]
    SecondFactorInvalid,
    /// Peer: the TOTP code's time step was already used.
    #[error("the TOTP code was already used")]
    TotpReplayed,
    /// Peer: the bearer token was refused.
    #[error("bearer token refused: {0}")]
    InvalidToken(portcullis_oidc::Refusal),
    /// Peer: the XOAUTH2 `user` names another account than the token.
    #[error("the token belongs to another user")]
    TokenUserMismatch,
    /// Configuration: a bearer token was presented and no OIDC provider is
    /// configured.
    #[error("no OIDC provider is configured")]
    BearerNotConfigured,
    /// Environment (temporary): the identity provider's keys are not
    /// available.
    #[error("identity provider unavailable: {0}")]
    ProviderUnavailable(portcullis_oidc::Refusal),
    /// Environment (temporary): the directory failed.
    #[error("directory unavailable: {0}")]
    DirectoryUnavailable(String),
    /// Directory or configuration: the account's data cannot be used
    /// (unknown role, …).
    #[error("directory data unusable: {0}")]
    DirectoryData(String),
    /// Revalidation: the credential that opened the session was deleted or
    /// changed.
    #[error("the credential was revoked or changed")]
    Revoked,
    /// Revalidation: the effective rights of the account (or of the
    /// impersonated account) changed since the session was opened (a role,
    /// tenant or permission change); the client must sign in again.
    #[error("the account's rights changed since the session was opened")]
    RightsChanged,
    /// Environment (temporary), revalidation: the revocation epochs could
    /// not be read from the [`RevocationStore`](crate::RevocationStore),
    /// so the session cannot be shown not to be revoked (fail closed).
    #[error("the revocation state is unavailable: {0}")]
    RevocationUnavailable(crate::RevocationError),
    /// Internal: a task failed (a hashing task panicked).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl DenialReason {
    /// A stable kebab-case name (the CLI's `reason.kind`, the audit field
    /// `reason`).
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            DenialReason::Malformed(_) => "malformed-input",
            DenialReason::MalformedLogin(_) => "malformed-login",
            DenialReason::ChannelBinding(_) => "channel-binding-refused",
            DenialReason::Cancelled => "cancelled",
            DenialReason::MechanismNotAllowed(_) => "mechanism-not-allowed",
            DenialReason::TlsRequired(_) => "tls-required",
            DenialReason::Throttled(_) => "throttled",
            DenialReason::UnknownUser => "unknown-user",
            DenialReason::UnknownCredential => "unknown-credential",
            DenialReason::WrongSecret => "wrong-secret",
            DenialReason::StoredHashUnusable(_) => "stored-hash-unusable",
            DenialReason::AccountDisabled => "account-disabled",
            DenialReason::TenantDisabled => "tenant-disabled",
            DenialReason::AccountCannotAuthenticate => "account-cannot-authenticate",
            DenialReason::CredentialExpired => "credential-expired",
            DenialReason::IpNotAllowed => "ip-not-allowed",
            DenialReason::SurfaceNotAllowed(_) => "surface-not-allowed",
            DenialReason::SurfaceNotInScope(_) => "surface-not-in-scope",
            DenialReason::ScopeLacksAuthenticate => "scope-lacks-authenticate",
            DenialReason::Impersonation(_) => "impersonation-refused",
            DenialReason::SecondFactorRequired => "second-factor-required",
            DenialReason::SecondFactorInvalid => "second-factor-invalid",
            DenialReason::TotpReplayed => "totp-replayed",
            DenialReason::InvalidToken(_) => "invalid-token",
            DenialReason::TokenUserMismatch => "token-user-mismatch",
            DenialReason::BearerNotConfigured => "bearer-not-configured",
            DenialReason::ProviderUnavailable(_) => "provider-unavailable",
            DenialReason::DirectoryUnavailable(_) => "directory-unavailable",
            DenialReason::DirectoryData(_) => "directory-data",
            DenialReason::Revoked => "credential-revoked",
            DenialReason::RightsChanged => "rights-changed",
            DenialReason::RevocationUnavailable(_) => "revocation-state-unavailable",
            DenialReason::Internal(_) => "internal",
        }
    }

    /// The internal detail, in words (the `Display` text). Never holds a
    /// secret.
    #[must_use]
    pub fn detail(&self) -> String {
        self.to_string()
    }

    /// The more precise kind of a wrapped refusal: the impersonation
    /// refusal's kind (`app-password-cannot-impersonate`, …), the token
    /// refusal's kind (`expired`, `wrong-audience`, …) or the SASL error's.
    #[must_use]
    pub fn sub_kind(&self) -> Option<&'static str> {
        match self {
            DenialReason::Impersonation(refusal) => Some(refusal.kind()),
            DenialReason::InvalidToken(refusal) | DenialReason::ProviderUnavailable(refusal) => {
                Some(refusal.kind())
            }
            DenialReason::Malformed(error) | DenialReason::ChannelBinding(error) => {
                Some(error.kind())
            }
            DenialReason::MalformedLogin(error) => Some(error.kind()),
            DenialReason::StoredHashUnusable(error) => Some(error.kind()),
            _ => None,
        }
    }

    /// Whether this failure counts against the throttle: a guess that
    /// failed (unknown user, wrong secret or second factor), never a
    /// refusal that only a holder of the right secret can reach, and
    /// never a temporary failure.
    #[must_use]
    pub const fn counts_as_failure(&self) -> bool {
        matches!(
            self,
            DenialReason::UnknownUser
                | DenialReason::UnknownCredential
                | DenialReason::WrongSecret
                | DenialReason::StoredHashUnusable(_)
                | DenialReason::SecondFactorInvalid
                | DenialReason::TotpReplayed
                | DenialReason::InvalidToken(_)
                | DenialReason::TokenUserMismatch
        )
    }
}
