//! Account policy and the tenant clamp: from role rights to an account's
//! effective rights.

use crate::{PermissionSet, RoleRights};

/// How an account's own permission lists combine with its roles.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum AccountPolicy {
    /// Roles only.
    #[default]
    Inherit,
    /// Roles plus the account's own lists; denials still win.
    Merge {
        /// Extra grants.
        #[cfg_attr(feature = "serde", serde(default))]
        enabled: PermissionSet,
        /// Extra denials.
        #[cfg_attr(feature = "serde", serde(default))]
        disabled: PermissionSet,
    },
    /// The account's lists only; roles are ignored.
    Replace {
        /// The grants.
        #[cfg_attr(feature = "serde", serde(default))]
        enabled: PermissionSet,
        /// The denials.
        #[cfg_attr(feature = "serde", serde(default))]
        disabled: PermissionSet,
    },
}

/// A tenant's bounds on its accounts: the tenant clamp.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TenantPolicy {
    /// When set, accounts of the tenant hold at most these permissions.
    #[cfg_attr(feature = "serde", serde(default))]
    pub allowed: Option<PermissionSet>,
    /// Permissions no account of the tenant holds.
    #[cfg_attr(feature = "serde", serde(default))]
    pub disabled: PermissionSet,
}

impl TenantPolicy {
    /// Clamps `rights` to the tenant's bounds.
    #[inline]
    pub fn clamp(&self, rights: PermissionSet) -> PermissionSet {
        let bounded = match &self.allowed {
            Some(allowed) => rights & *allowed,
            None => rights,
        };
        bounded - self.disabled
    }
}

impl AccountPolicy {
    /// The account's effective rights.
    ///
    /// Deny wins at every level: role denials, the account's denials
    /// (`Merge`/`Replace`) and the tenant's denials all remove permissions
    /// whatever grants them.
    ///
    /// ```
    /// use portcullis_permissions::{AccountPolicy, Permission, PermissionSet, RoleGraph, TenantPolicy};
    /// let roles = RoleGraph::with_presets().resolve(&["user"])?;
    /// let policy = AccountPolicy::Merge {
    ///     enabled: PermissionSet::empty(),
    ///     disabled: Permission::Pop3Authenticate.into(),
    /// };
    /// let tenant = TenantPolicy { allowed: None, disabled: Permission::EmailSend.into() };
    /// let rights = policy.effective(&roles, Some(&tenant));
    /// assert!(rights.contains(Permission::ImapAuthenticate));
    /// assert!(!rights.contains(Permission::Pop3Authenticate));
    /// assert!(!rights.contains(Permission::EmailSend));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn effective(&self, roles: &RoleRights, tenant: Option<&TenantPolicy>) -> PermissionSet {
        let rights = match self {
            AccountPolicy::Inherit => roles.effective(),
            AccountPolicy::Merge { enabled, disabled } => {
                let mut rights = roles.enabled;
                rights |= enabled;
                rights -= &roles.disabled;
                rights -= disabled;
                rights
            }
            AccountPolicy::Replace { enabled, disabled } => *enabled - *disabled,
        };
        match tenant {
            Some(tenant) => tenant.clamp(rights),
            None => rights,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Permission;

    fn roles() -> RoleRights {
        RoleRights {
            enabled: PermissionSet::from_slice(&[
                Permission::ImapAuthenticate,
                Permission::EmailSend,
            ]),
            disabled: Permission::EmailSend.into(),
        }
    }

    #[test]
    fn merge_cannot_undo_a_role_denial() {
        let policy = AccountPolicy::Merge {
            enabled: Permission::EmailSend.into(),
            disabled: PermissionSet::empty(),
        };
        assert!(
            !policy
                .effective(&roles(), None)
                .contains(Permission::EmailSend)
        );
    }

    #[test]
    fn replace_ignores_roles() {
        let policy = AccountPolicy::Replace {
            enabled: Permission::Pop3Authenticate.into(),
            disabled: PermissionSet::empty(),
        };
        assert_eq!(
            policy.effective(&roles(), None),
            Permission::Pop3Authenticate.into()
        );
    }

    #[test]
    fn tenant_allowed_intersects() {
        let tenant = TenantPolicy {
            allowed: Some(Permission::EmailSend.into()),
            disabled: PermissionSet::empty(),
        };
        assert!(
            AccountPolicy::Inherit
                .effective(&roles(), Some(&tenant))
                .is_empty()
        );
    }
}
