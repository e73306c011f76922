//! Audit events: one `tracing` event per decision, target
//! `portcullis::audit`, with stable fields and never a secret.

use std::net::IpAddr;

use portcullis_permissions::Surface;

use crate::{CredentialRef, Decision};

/// The `tracing` target of audit events.
pub const AUDIT_TARGET: &str = "portcullis::audit";

/// What is known about an attempt when its decision is made.
#[derive(Debug, Default, Clone)]
pub(crate) struct AuditRecord {
    pub(crate) login: Option<String>,
    pub(crate) account: Option<String>,
    pub(crate) acting_as: Option<String>,
    pub(crate) credential: Option<CredentialRef>,
}

impl AuditRecord {
    pub(crate) fn emit(&self, surface: Surface, remote_ip: IpAddr, decision: &Decision) {
        let (account, acting_as, credential) = match decision {
            Decision::Grant(grant) => (
                Some(grant.account.as_str()),
                Some(grant.acting_as.as_str()),
                Some(grant.credential),
            ),
            Decision::Deny(_) | Decision::TryLater(_) => (
                self.account.as_deref(),
                self.acting_as.as_deref(),
                self.credential,
            ),
        };
        let reason = decision.denial().map_or("", |denial| denial.reason.kind());
        let credential_kind = credential.map_or("", |credential| credential.kind.name());
        let credential_id = credential.and_then(|credential| credential.id);
        tracing::info!(
            target: AUDIT_TARGET,
            surface = surface.name(),
            remote_ip = %remote_ip,
            login = self.login.as_deref().unwrap_or(""),
            account = account.unwrap_or(""),
            acting_as = acting_as.unwrap_or(""),
            credential_kind,
            credential_id,
            outcome = decision.outcome(),
            reason,
            "login decision"
        );
    }
}
