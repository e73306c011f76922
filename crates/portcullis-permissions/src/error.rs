//! The crate's error type.

/// Why a permission configuration could not be read or resolved.
///
/// Every variant is a **configuration** fault: these errors come from role,
/// account or credential definitions, never from a client.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A permission name is not in the catalogue (strict mode).
    #[error("unknown permission {name:?}")]
    UnknownPermission {
        /// The name as written.
        name: String,
    },
    /// A role names a parent (or an account names a role) that does not exist.
    /// Resolution fails closed rather than ignoring it.
    #[error("unknown role {name:?}")]
    UnknownRole {
        /// The missing role's name.
        name: String,
    },
    /// The role graph is deeper than [`crate::MAX_ROLE_DEPTH`].
    #[error("role {role:?} is nested more than {max} levels deep")]
    RoleDepthExceeded {
        /// The role at which the limit was hit.
        role: String,
        /// The limit.
        max: usize,
    },
}

impl Error {
    /// A stable kebab-case name for the error, for logs and the CLI.
    pub const fn kind(&self) -> &'static str {
        match self {
            Error::UnknownPermission { .. } => "unknown-permission",
            Error::UnknownRole { .. } => "unknown-role",
            Error::RoleDepthExceeded { .. } => "role-depth-exceeded",
        }
    }
}
