//! The audit event every impersonation attempt emits.

use crate::{Attempt, Refusal, Resolution};

/// The `tracing` target of audit events.
pub const AUDIT_TARGET: &str = "portcullis::audit";

/// Emits one event for `attempt` and its outcome.
///
/// Fields (the workspace's audit vocabulary): `event` = `"impersonation"`,
/// `surface`, `remote_ip`, `login` (as the client sent it), `form`,
/// `account` (the actor), `acting_as` (the target, or the requested name
/// when it does not exist), `credential_kind`, `credential_id`, `outcome`
/// (`granted`, `refused` or `plain`) and `reason` (a refusal's
/// [`Refusal::kind`]). No secret is ever among them. Grants are logged at
/// `INFO`, refusals at `WARN`.
pub(crate) fn record(attempt: &Attempt<'_>, outcome: &Result<Resolution, Refusal>) {
    let acting_as = attempt
        .target
        .map_or(attempt.login.target(), |target| target.name.as_str());
    let surface = attempt.surface.map(|surface| surface.name());
    let remote_ip = attempt.remote_ip.map(tracing::field::display);
    let login = attempt.login.login();
    let form = attempt.login.form().name();
    let account = attempt.actor.name.as_str();
    let credential_kind = attempt.credential.class.name();
    let credential_id = attempt.credential.id.0;
    match outcome {
        Ok(resolution) => {
            let outcome = if resolution.is_impersonation() {
                "granted"
            } else {
                "plain"
            };
            tracing::info!(
                target: AUDIT_TARGET,
                event = "impersonation",
                surface,
                remote_ip,
                login,
                form,
                account,
                acting_as,
                credential_kind,
                credential_id,
                outcome,
                "impersonation {outcome}"
            );
        }
        Err(refusal) => {
            tracing::warn!(
                target: AUDIT_TARGET,
                event = "impersonation",
                surface,
                remote_ip,
                login,
                form,
                account,
                acting_as,
                credential_kind,
                credential_id,
                outcome = "refused",
                reason = refusal.kind(),
                "impersonation refused: {refusal}"
            );
        }
    }
}
