//! [`Decision`]: the typed answer to one login attempt.

use std::time::Duration;

use portcullis_permissions::PermissionSet;
use time::OffsetDateTime;

use crate::{DenialReason, PublicFailure, Rehash};

/// The answer to one login attempt.
///
/// Exhaustive on purpose: if a case is ever added, every server's `match`
/// must be looked at again.
#[derive(Clone, Debug, PartialEq)]
#[expect(
    clippy::large_enum_variant,
    reason = "one decision per login, matched once; boxing the grant would add an allocation to every login and change the public shape"
)]
pub enum Decision {
    /// Signed in: open a session with these rights.
    Grant(Grant),
    /// Refused: send [`Denial::public`]'s reply for the protocol.
    Deny(Denial),
    /// Not judged because something is temporarily unavailable (the
    /// identity provider, the directory) or the client is throttled: send
    /// the "try later" reply.
    TryLater(Denial),
}

impl Decision {
    /// The grant, if signed in.
    #[must_use]
    pub fn grant(&self) -> Option<&Grant> {
        match self {
            Decision::Grant(grant) => Some(grant),
            Decision::Deny(_) | Decision::TryLater(_) => None,
        }
    }

    /// The denial of a `Deny` or `TryLater`.
    #[must_use]
    pub fn denial(&self) -> Option<&Denial> {
        match self {
            Decision::Grant(_) => None,
            Decision::Deny(denial) | Decision::TryLater(denial) => Some(denial),
        }
    }

    /// Whether this is a grant.
    #[must_use]
    pub fn is_grant(&self) -> bool {
        matches!(self, Decision::Grant(_))
    }

    /// `grant`, `deny` or `try-later` (the audit field `outcome`).
    #[must_use]
    pub fn outcome(&self) -> &'static str {
        match self {
            Decision::Grant(_) => "grant",
            Decision::Deny(_) => "deny",
            Decision::TryLater(_) => "try-later",
        }
    }
}

/// A successful login.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The account whose secret was proven (the actor when impersonating).
    pub account: String,
    /// The account the session acts as (equal to `account` unless
    /// impersonating).
    pub acting_as: String,
    /// The credential that was used.
    pub credential: CredentialRef,
    /// What the session may do: the credential's scope within the account's
    /// rights, or the impersonation policy's rights for the target.
    pub rights: PermissionSet,
    /// When the credential (app password, token) stops being valid, if it
    /// does; sessions should not outlive it.
    pub expires_at: Option<OffsetDateTime>,
    /// What to store with any session or token made from this grant, and
    /// check with [`Authenticator::revalidate`](crate::Authenticator::revalidate).
    pub session_binding: SessionBinding,
    /// A stronger hash of the account password just verified, when the
    /// stored one is weaker than the hash policy: store it (see [`Rehash`])
    /// to upgrade legacy hashes on the next good login.
    pub rehash: Option<Rehash>,
}

impl Grant {
    /// Whether another account acts as `acting_as`.
    #[must_use]
    pub fn is_impersonation(&self) -> bool {
        self.account != self.acting_as
    }
}

/// Which credential signed in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CredentialRef {
    /// Its kind.
    pub kind: CredentialKind,
    /// The credential id (app passwords, API keys); `None` for the account
    /// password and tokens.
    pub id: Option<u64>,
}

/// The kind of credential a login used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CredentialKind {
    /// The account's primary password.
    Password,
    /// An app password (`app_…`).
    AppPassword,
    /// An API key (`API_…`).
    ApiKey,
    /// An OIDC access token.
    OidcToken,
}

impl CredentialKind {
    /// `password`, `app-password`, `api-key` or `oidc-token`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            CredentialKind::Password => "password",
            CredentialKind::AppPassword => "app-password",
            CredentialKind::ApiKey => "api-key",
            CredentialKind::OidcToken => "oidc-token",
        }
    }

    /// The `portcullis-credentials` kind of a stored credential (`None`
    /// for tokens).
    #[must_use]
    pub const fn stored(self) -> Option<portcullis_credentials::CredentialKind> {
        match self {
            CredentialKind::Password => Some(portcullis_credentials::CredentialKind::Password),
            CredentialKind::AppPassword => {
                Some(portcullis_credentials::CredentialKind::AppPassword)
            }
            CredentialKind::ApiKey => Some(portcullis_credentials::CredentialKind::ApiKey),
            CredentialKind::OidcToken => None,
        }
    }

    /// The kind of a stored credential.
    #[must_use]
    pub const fn from_stored(kind: portcullis_credentials::CredentialKind) -> Self {
        match kind {
            portcullis_credentials::CredentialKind::Password => CredentialKind::Password,
            portcullis_credentials::CredentialKind::AppPassword => CredentialKind::AppPassword,
            portcullis_credentials::CredentialKind::ApiKey => CredentialKind::ApiKey,
        }
    }
}

/// What ties a session to the credential that opened it.
///
/// Store it with the session (it serializes with serde) and call
/// [`Authenticator::revalidate`](crate::Authenticator::revalidate) when the
/// session is used: deleting or changing that credential (a new password, a
/// deleted app password) ends exactly the sessions it opened. The
/// `fingerprint` is a digest of the stored credential, never the secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SessionBinding {
    /// The account whose credential was used.
    pub account: String,
    /// The account the session acts as.
    pub acting_as: String,
    /// The credential.
    pub credential: CredentialRef,
    /// Hex digest of the stored credential (hash string, or issuer and
    /// subject for tokens).
    pub fingerprint: String,
    /// Unix time after which the credential has expired, if it does.
    pub expires_at: Option<i64>,
    /// The fingerprint of the hash offered in [`Grant::rehash`], accepted
    /// beside `fingerprint`, so that storing the new hash keeps the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rehashed_fingerprint: Option<String>,
    /// Hex digest of the effective rights of the account (and of the
    /// impersonated account) when the session was opened: a role, tenant or
    /// permission change ends the session, and the client signs in again
    /// with the new rights. `None` in bindings stored before this field
    /// existed, and in OIDC-token bindings stored before token sessions
    /// carried rights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rights: Option<String>,
    /// For an OIDC token whose principal has no directory entry: the roles
    /// it was given (mapped from the token's groups, or the configured
    /// defaults), so that [`Authenticator::revalidate`](crate::Authenticator::revalidate)
    /// can recompute its rights. `None` for every other session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_roles: Option<Vec<String>>,
    /// The revocation epochs the login was judged under, when the
    /// authenticator has a [`RevocationStore`](crate::RevocationStore):
    /// [`Authenticator::revalidate`](crate::Authenticator::revalidate)
    /// ends the session once they move. `None` without a store, and when
    /// the store could not be read at login (such a session ends at its
    /// first revalidation with a store).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<crate::Epoch>,
}

/// A refusal: the precise internal reason and the face shown to the client.
#[derive(Clone, Debug, PartialEq)]
pub struct Denial {
    /// The internal reason, for logs and `explain`; never sent to clients.
    pub reason: DenialReason,
    /// What the client is told, per protocol.
    pub public: PublicFailure,
    /// When to try again (throttling, a temporary failure).
    pub retry_after: Option<Duration>,
}
