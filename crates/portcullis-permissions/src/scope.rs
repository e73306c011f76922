//! Credential scopes: what an app password or API key may do, always within
//! what its account may do.

use crate::{Group, Permission, PermissionSet};

/// How a credential's rights derive from its account's effective rights.
///
/// Whatever the variant, [`CredentialScope::apply`] returns a subset of the
/// account's rights, so losing a role shrinks every credential of the
/// account at once.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "lowercase"))]
pub enum CredentialScope {
    /// The account's rights.
    #[default]
    Inherit,
    /// The account's rights minus these.
    Disable(PermissionSet),
    /// These, as far as the account holds them.
    Replace(PermissionSet),
}

/// Names of the scope presets accepted by [`CredentialScope::preset`].
pub const SCOPE_PRESETS: [&str; 5] = [
    "mail-only",
    "imap-only",
    "dav-only",
    "regular-user",
    "inherit",
];

impl CredentialScope {
    /// The credential's rights given its account's effective rights.
    ///
    /// `Replace` = listed ∩ account; `Disable` = account − listed;
    /// `Inherit` = account.
    #[inline]
    pub const fn apply(&self, account: &PermissionSet) -> PermissionSet {
        match self {
            CredentialScope::Inherit => *account,
            CredentialScope::Disable(listed) => account.difference(listed),
            CredentialScope::Replace(listed) => listed.intersection(account),
        }
    }

    /// A named preset: `mail-only`, `imap-only`, `dav-only`, `regular-user`
    /// or `inherit`.
    pub fn preset(name: &str) -> Option<CredentialScope> {
        match name {
            "mail-only" => Some(CredentialScope::mail_only()),
            "imap-only" => Some(CredentialScope::imap_only()),
            "dav-only" => Some(CredentialScope::dav_only()),
            "regular-user" => Some(CredentialScope::regular_user()),
            "inherit" => Some(CredentialScope::Inherit),
            _ => None,
        }
    }

    /// IMAP, POP3, SMTP submission and ManageSieve, with the mail families.
    pub fn mail_only() -> CredentialScope {
        CredentialScope::Replace(
            groups(&[Group::Email, Group::Imap, Group::Pop3, Group::Sieve])
                | PermissionSet::from_slice(&[Permission::EmailSend]),
        )
    }

    /// IMAP only: the IMAP family (which holds `imapAuthenticate`).
    pub fn imap_only() -> CredentialScope {
        CredentialScope::Replace(PermissionSet::group(Group::Imap))
    }

    /// CalDAV, CardDAV and WebDAV, with the calendar family.
    pub fn dav_only() -> CredentialScope {
        CredentialScope::Replace(groups(&[Group::Dav, Group::Calendar]))
    }

    /// Everything the built-in `user` role has, and nothing administrative.
    pub fn regular_user() -> CredentialScope {
        CredentialScope::Replace(crate::preset::user_rights() - crate::preset::administrative())
    }
}

fn groups(groups: &[Group]) -> PermissionSet {
    groups.iter().fold(PermissionSet::empty(), |set, group| {
        set | PermissionSet::group(*group)
    })
}

/// Refusal to grant permissions the granter does not hold.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("cannot grant {} permission(s) the granter does not hold", missing.len())]
pub struct Escalation {
    /// What was requested beyond the granter's rights.
    pub missing: PermissionSet,
}

/// Anti-escalation: a principal may create a credential or assign a role
/// only with permissions it holds itself.
///
/// ```
/// use portcullis_permissions::{can_grant, Permission, PermissionSet};
/// let granter = PermissionSet::from(Permission::ImapAuthenticate);
/// assert!(can_grant(&granter, &granter).is_ok());
/// let err = can_grant(&granter, &Permission::Impersonate.into()).unwrap_err();
/// assert!(err.missing.contains(Permission::Impersonate));
/// ```
pub fn can_grant(granter: &PermissionSet, requested: &PermissionSet) -> Result<(), Escalation> {
    let missing = *requested - *granter;
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Escalation { missing })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replace_is_clamped_to_the_account() {
        let account = PermissionSet::from(Permission::ImapAuthenticate);
        let scope = CredentialScope::Replace(PermissionSet::all());
        assert_eq!(scope.apply(&account), account);
    }

    #[test]
    fn presets_open_the_right_surfaces() {
        let all = PermissionSet::all();
        let dav = CredentialScope::dav_only().apply(&all);
        assert!(dav.contains(Permission::DavAuthenticate));
        assert!(!dav.contains(Permission::ImapAuthenticate));
        assert!(!dav.contains(Permission::PortalAuthenticate));
        let mail = CredentialScope::mail_only().apply(&all);
        for permission in [
            Permission::ImapAuthenticate,
            Permission::Pop3Authenticate,
            Permission::EmailSend,
            Permission::SieveAuthenticate,
        ] {
            assert!(mail.contains(permission), "{permission}");
        }
        assert!(!mail.contains(Permission::PortalAuthenticate));
        let regular = CredentialScope::regular_user().apply(&all);
        assert!(!regular.contains(Permission::Impersonate));
        assert!(!regular.contains(Permission::AdminAuthenticate));
        assert!(regular.contains(Permission::PortalAuthenticate));
        for name in SCOPE_PRESETS {
            assert!(CredentialScope::preset(name).is_some(), "{name}");
        }
    }
}
