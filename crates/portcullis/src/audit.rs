//! Audit events: one `tracing` event per decision, target
//! `portcullis::audit`, with stable fields and never a secret.

use std::borrow::Cow;
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
            login = &*escape_field(self.login.as_deref().unwrap_or("")),
            account = &*escape_field(account.unwrap_or("")),
            acting_as = &*escape_field(acting_as.unwrap_or("")),
            credential_kind,
            credential_id,
            outcome = decision.outcome(),
            reason,
            "login decision"
        );
    }
}

/// A client-supplied string made safe for a log line: control characters
/// (CR and LF above all), Unicode line and paragraph separators and bidi
/// overrides are written as `\u{…}` escapes, and a backslash as `\\`, so
/// the escaping cannot be imitated. A subscriber that writes fields
/// verbatim (syslog, a journald bridge) then never receives a forged line
/// or text that displays differently from what was sent. Names without
/// such characters (every canonical account name) are borrowed unchanged.
pub(crate) fn escape_field(value: &str) -> Cow<'_, str> {
    if !value.chars().any(needs_escape) {
        return Cow::Borrowed(value);
    }
    let mut escaped = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if c == '\\' {
            escaped.push_str("\\\\");
        } else if needs_escape(c) {
            escaped.extend(c.escape_unicode());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
}

fn needs_escape(c: char) -> bool {
    c == '\\'
        || c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::escape_field;

    #[test]
    fn control_characters_cannot_forge_lines() {
        assert_eq!(escape_field("alice@example.org"), "alice@example.org");
        assert_eq!(
            escape_field("a\r\nreason=granted"),
            "a\\u{d}\\u{a}reason=granted"
        );
        assert_eq!(escape_field("a\\u{a}"), "a\\\\u{a}");
        assert_eq!(
            escape_field("x\u{202e}y\u{2028}\u{7f}\u{85}"),
            "x\\u{202e}y\\u{2028}\\u{7f}\\u{85}"
        );
    }
}
