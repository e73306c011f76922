//! [`Attempt`]: one impersonation request with everything the policy judges.

use core::net::IpAddr;

use portcullis_permissions::Surface;

use crate::{AccountFacts, ActorCredential, LoginName};

/// One impersonation attempt, after the actor's secret was verified.
///
/// `target` is `None` when the directory has no account by
/// [`LoginName::target`]; the policy then refuses with
/// [`crate::Refusal::TargetNotFound`], but only after the checks on the
/// actor, so an actor who may not impersonate cannot probe for accounts.
///
/// `surface` and `remote_ip` only feed the audit event.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Attempt<'a> {
    /// The parsed login.
    pub login: &'a LoginName,
    /// The actor, whose secret was verified.
    pub actor: &'a AccountFacts,
    /// The credential the actor used.
    pub credential: &'a ActorCredential,
    /// The target, if the directory has it.
    pub target: Option<&'a AccountFacts>,
    /// Where the login happens (for the audit event).
    pub surface: Option<Surface>,
    /// The client's address (for the audit event).
    pub remote_ip: Option<IpAddr>,
}

impl<'a> Attempt<'a> {
    /// An attempt without surface or address.
    pub const fn new(
        login: &'a LoginName,
        actor: &'a AccountFacts,
        credential: &'a ActorCredential,
        target: Option<&'a AccountFacts>,
    ) -> Self {
        Attempt {
            login,
            actor,
            credential,
            target,
            surface: None,
            remote_ip: None,
        }
    }

    /// Sets the surface, for the audit event.
    #[must_use]
    pub const fn on(mut self, surface: Surface) -> Self {
        self.surface = Some(surface);
        self
    }

    /// Sets the client's address, for the audit event.
    #[must_use]
    pub const fn from_ip(mut self, remote_ip: IpAddr) -> Self {
        self.remote_ip = Some(remote_ip);
        self
    }
}
