//! The login gates: may this account sign in, and may this credential open
//! this surface?

use crate::{Permission, PermissionSet, Surface};

/// Which rule set the login gates follow.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum LoginMode {
    /// The account gate (`authenticate`) is judged on the account's rights,
    /// the surface gate on the credential's scope. No global right is ever
    /// required inside a credential scope.
    #[default]
    Separated,
    /// Stalwart's behaviour: `authenticate` is *also* required in the
    /// credential's scope. Only for deployments that need byte-for-byte
    /// compatibility; it makes protocol-only app passwords need a global
    /// right.
    StalwartCompat,
}

/// The login gates.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LoginPolicy {
    /// The rule set.
    #[cfg_attr(feature = "serde", serde(default))]
    pub mode: LoginMode,
}

/// Why a login gate refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginRefusal {
    /// The account lacks `authenticate`: it may not sign in anywhere.
    #[error("the account may not sign in")]
    AccountCannotAuthenticate,
    /// The account itself lacks this surface's login permission.
    #[error("the account may not use {0}")]
    SurfaceNotAllowedForAccount(Surface),
    /// The account may use the surface, but this credential's scope excludes it.
    #[error("{0} is not in this credential's scope")]
    SurfaceNotInScope(Surface),
    /// [`LoginMode::StalwartCompat`]: the scope lacks `authenticate`.
    #[error("the credential's scope lacks authenticate")]
    ScopeLacksAuthenticate,
}

impl LoginRefusal {
    /// A stable kebab-case name, for logs and the CLI.
    pub const fn kind(&self) -> &'static str {
        match self {
            LoginRefusal::AccountCannotAuthenticate => "account-cannot-authenticate",
            LoginRefusal::SurfaceNotAllowedForAccount(_) => "surface-not-allowed",
            LoginRefusal::SurfaceNotInScope(_) => "surface-not-in-scope",
            LoginRefusal::ScopeLacksAuthenticate => "scope-lacks-authenticate",
        }
    }
}

impl LoginPolicy {
    /// The account gate, judged on the account's effective rights.
    #[inline]
    pub const fn check_account(&self, account: &PermissionSet) -> Result<(), LoginRefusal> {
        if account.contains(Permission::Authenticate) {
            Ok(())
        } else {
            Err(LoginRefusal::AccountCannotAuthenticate)
        }
    }

    /// The surface gate, judged on the credential's scoped rights (which are
    /// a subset of `account`).
    #[inline]
    pub const fn check_surface(
        &self,
        account: &PermissionSet,
        scoped: &PermissionSet,
        surface: Surface,
    ) -> Result<(), LoginRefusal> {
        let needed = surface.login_permission();
        if !account.contains(needed) {
            return Err(LoginRefusal::SurfaceNotAllowedForAccount(surface));
        }
        if !scoped.contains(needed) {
            return Err(LoginRefusal::SurfaceNotInScope(surface));
        }
        if matches!(self.mode, LoginMode::StalwartCompat)
            && !scoped.contains(Permission::Authenticate)
        {
            return Err(LoginRefusal::ScopeLacksAuthenticate);
        }
        Ok(())
    }

    /// Both gates in order.
    ///
    /// ```
    /// use portcullis_permissions::{CredentialScope, LoginPolicy, LoginRefusal, Permission,
    ///     RoleGraph, Surface};
    /// let account = RoleGraph::with_presets().resolve(&["user"])?.effective();
    /// let imap_only = CredentialScope::Replace(Permission::ImapAuthenticate.into()).apply(&account);
    /// let policy = LoginPolicy::default();
    /// assert_eq!(policy.check(&account, &imap_only, Surface::Imap), Ok(()));
    /// assert_eq!(
    ///     policy.check(&account, &imap_only, Surface::Portal),
    ///     Err(LoginRefusal::SurfaceNotInScope(Surface::Portal))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub const fn check(
        &self,
        account: &PermissionSet,
        scoped: &PermissionSet,
        surface: Surface,
    ) -> Result<(), LoginRefusal> {
        if let Err(refusal) = self.check_account(account) {
            return Err(refusal);
        }
        self.check_surface(account, scoped, surface)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compat_mode_needs_authenticate_in_scope() {
        let account =
            PermissionSet::from_slice(&[Permission::Authenticate, Permission::ImapAuthenticate]);
        let scoped = PermissionSet::from(Permission::ImapAuthenticate);
        assert_eq!(
            LoginPolicy::default().check(&account, &scoped, Surface::Imap),
            Ok(())
        );
        let compat = LoginPolicy {
            mode: LoginMode::StalwartCompat,
        };
        assert_eq!(
            compat.check(&account, &scoped, Surface::Imap),
            Err(LoginRefusal::ScopeLacksAuthenticate)
        );
    }

    #[test]
    fn account_gate_comes_first() {
        let account = PermissionSet::from(Permission::ImapAuthenticate);
        assert_eq!(
            LoginPolicy::default().check(&account, &account, Surface::Imap),
            Err(LoginRefusal::AccountCannotAuthenticate)
        );
        let account = PermissionSet::from(Permission::Authenticate);
        assert_eq!(
            LoginPolicy::default().check(&account, &account, Surface::Imap),
            Err(LoginRefusal::SurfaceNotAllowedForAccount(Surface::Imap))
        );
    }
}
