//! Built-in roles and well-known permission sets.
//!
//! The presets follow the spirit of Stalwart's defaults: `user` holds the
//! mail, calendar and file families and every login surface except the admin
//! console; `tenant-admin` adds directory management within a tenant; `admin`
//! holds everything. Only `admin` holds `impersonate`.

use crate::{Group, Permission, PermissionSet, Role};

/// Name of the built-in user role.
pub const USER: &str = "user";
/// Name of the built-in tenant administrator role.
pub const TENANT_ADMIN: &str = "tenant-admin";
/// Name of the built-in administrator role.
pub const ADMIN: &str = "admin";

/// `sys…` permissions a user needs to manage their own password, settings,
/// app passwords and API keys. They are not administrative.
pub const SELF_SERVICE: PermissionSet = PermissionSet::from_slice(&[
    Permission::SysAccountPasswordGet,
    Permission::SysAccountPasswordUpdate,
    Permission::SysAccountSettingsGet,
    Permission::SysAccountSettingsUpdate,
    Permission::SysAppPasswordGet,
    Permission::SysAppPasswordCreate,
    Permission::SysAppPasswordUpdate,
    Permission::SysAppPasswordDestroy,
    Permission::SysAppPasswordQuery,
    Permission::SysApiKeyGet,
    Permission::SysApiKeyCreate,
    Permission::SysApiKeyUpdate,
    Permission::SysApiKeyDestroy,
    Permission::SysApiKeyQuery,
]);

/// Account-wide permissions every user holds.
const USER_BASE: PermissionSet = PermissionSet::from_slice(&[
    Permission::Authenticate,
    Permission::AuthenticateWithAlias,
    Permission::InteractAi,
    Permission::PortalAuthenticate,
]);

/// Directory management a tenant administrator performs inside its tenant.
const TENANT_MANAGEMENT: PermissionSet = PermissionSet::from_slice(&[
    Permission::AdminAuthenticate,
    Permission::SysAccountGet,
    Permission::SysAccountCreate,
    Permission::SysAccountUpdate,
    Permission::SysAccountDestroy,
    Permission::SysAccountQuery,
    Permission::SysDomainGet,
    Permission::SysDomainCreate,
    Permission::SysDomainUpdate,
    Permission::SysDomainDestroy,
    Permission::SysDomainQuery,
    Permission::SysMailingListGet,
    Permission::SysMailingListCreate,
    Permission::SysMailingListUpdate,
    Permission::SysMailingListDestroy,
    Permission::SysMailingListQuery,
    Permission::SysRoleGet,
    Permission::SysRoleQuery,
    Permission::SysDkimSignatureGet,
    Permission::SysDkimSignatureCreate,
    Permission::SysDkimSignatureUpdate,
    Permission::SysDkimSignatureDestroy,
    Permission::SysDkimSignatureQuery,
]);

/// Administrative rights: anything that manages the server, other accounts
/// or other identities. An account holding any of these "holds admin
/// rights" for the impersonation policy, and impersonated sessions lose them.
pub fn administrative() -> PermissionSet {
    let mut set = PermissionSet::from_slice(&[
        Permission::Impersonate,
        Permission::AdminAuthenticate,
        Permission::UnlimitedRequests,
        Permission::UnlimitedUploads,
        Permission::FetchAnyBlob,
    ]);
    for group in [
        Group::Sys,
        Group::Action,
        Group::Task,
        Group::Live,
        Group::OAuth,
        Group::Admin,
    ] {
        set |= PermissionSet::group(group);
    }
    set - SELF_SERVICE
}

/// What the built-in `user` role enables.
pub fn user_rights() -> PermissionSet {
    let mut set = USER_BASE | SELF_SERVICE;
    for group in [
        Group::Email,
        Group::Calendar,
        Group::Imap,
        Group::Pop3,
        Group::Sieve,
        Group::Jmap,
        Group::Dav,
        Group::Portal,
    ] {
        set |= PermissionSet::group(group);
    }
    set
}

/// The built-in roles: `user`, `tenant-admin` (inherits `user`) and `admin`.
pub fn roles() -> [Role; 3] {
    [
        Role::new(USER).enable(user_rights()),
        Role::new(TENANT_ADMIN)
            .enable(TENANT_MANAGEMENT)
            .parent(USER),
        Role::new(ADMIN).enable(PermissionSet::all()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_has_no_admin_rights() {
        assert!(!user_rights().intersects(&administrative()));
        assert!(user_rights().contains(Permission::ImapAuthenticate));
        assert!(user_rights().contains(Permission::PortalAuthenticate));
        assert!(!user_rights().contains(Permission::AdminAuthenticate));
        assert!(!user_rights().contains(Permission::Impersonate));
    }

    #[test]
    fn tenant_admin_cannot_impersonate() {
        assert!(!TENANT_MANAGEMENT.contains(Permission::Impersonate));
        assert!(TENANT_MANAGEMENT.is_subset(&administrative()));
    }
}
