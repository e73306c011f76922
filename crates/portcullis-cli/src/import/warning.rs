//! What an import could not carry over, reported on stderr as JSON lines:
//! `{"warning": {"kind": "...", "principal": "...", "type": "...",
//! "field": "...", "message": "..."}}` (the shape of the contract's
//! refusals, one object per line). Messages name principals, fields and
//! positions, never a secret, a hash or an `otpauth://` URL.

use serde_json::{Value, json};

/// Why something was not carried over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WarningKind {
    /// A field Stalwart does not define (a newer version, or a typo).
    UnknownField,
    /// A Stalwart field the directory format has no place for.
    DroppedField,
    /// A whole principal whose type has no counterpart (domain, list, …)
    /// or that cannot be identified (no name, no type).
    UnmappedPrincipal,
    /// One value of a mapped field: an unsupported hash, a second
    /// password, an unknown permission or role, a dangling reference.
    UnmappedValue,
    /// An app password whose secret names no credential id: kept, and
    /// reached only through `app_passwords_without_id`, which the import
    /// turns on (see `docs/embedding.md`, "Coming from Stalwart").
    AppPasswordWithoutId,
}

impl WarningKind {
    /// The stable kebab-case name.
    pub(crate) const fn name(self) -> &'static str {
        match self {
            WarningKind::UnknownField => "unknown-field",
            WarningKind::DroppedField => "dropped-field",
            WarningKind::UnmappedPrincipal => "unmapped-principal",
            WarningKind::UnmappedValue => "unmapped-value",
            WarningKind::AppPasswordWithoutId => "app-password-without-id",
        }
    }
}

/// One warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Warning {
    pub(crate) kind: WarningKind,
    /// The principal's name, or `#N` (its position in the export) when it
    /// has none.
    pub(crate) principal: String,
    /// The principal's `type` as written, when it has one.
    pub(crate) principal_type: Option<String>,
    /// The Stalwart field, when the warning is about one.
    pub(crate) field: Option<String>,
    pub(crate) message: String,
}

impl Warning {
    /// The JSON line printed on stderr.
    pub(crate) fn to_json(&self) -> Value {
        json!({"warning": {
            "kind": self.kind.name(),
            "principal": self.principal,
            "type": self.principal_type,
            "field": self.field,
            "message": self.message,
        }})
    }
}
