//! [`Resolution`]: what a granted login resolves to.

use portcullis_permissions::PermissionSet;

use crate::ActorCredential;

/// A granted login: who authenticated, whom the session acts as, and what
/// the session may do.
///
/// The session must carry all of it: `rights` bound everything the session
/// does, and `actor_credential` ties the session to the actor's credential,
/// so revoking that credential revokes the session. Audit records should name
/// both accounts.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub struct Resolution {
    /// The actor: the account whose secret was verified.
    pub authenticated: String,
    /// The target: the account the session acts as. Equal to
    /// `authenticated` for a plain login.
    pub acting_as: String,
    /// The session's rights. When impersonating: the target's effective
    /// rights ∩ the policy's ceiling, never `impersonate`, and (for an app
    /// password or API key) no login surface outside the credential's scope.
    /// For a plain login: the credential's scoped rights.
    pub rights: PermissionSet,
    /// The credential the actor used.
    pub actor_credential: ActorCredential,
}

impl Resolution {
    /// Whether the session acts as another account than the one that
    /// authenticated.
    pub fn is_impersonation(&self) -> bool {
        self.authenticated != self.acting_as
    }
}
