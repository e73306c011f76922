//! [`AccountFacts`]: what the policy needs to know about one account.

use portcullis_permissions::PermissionSet;

/// The facts about one account that the impersonation policy judges: its
/// canonical name, tenant, domain, groups and roles, and effective rights
/// (after roles, account policy and tenant clamp).
///
/// The caller reads these from its directory after it has looked the
/// account up by the name in the [`crate::LoginName`].
///
/// ```
/// use portcullis_impersonation::AccountFacts;
/// use portcullis_permissions::{preset, PermissionSet};
/// let jane = AccountFacts::new("jane@Example.org", preset::user_rights())
///     .in_tenant("acme")
///     .member_of("webmail-users");
/// assert_eq!(jane.domain.as_deref(), Some("example.org"));
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Default)]
#[non_exhaustive]
pub struct AccountFacts {
    /// The account's canonical name in the directory. Two facts with the
    /// same name are the same account.
    pub name: String,
    /// The tenant, or `None` in a single-tenant deployment (or for an
    /// account outside every tenant). `None` equals only `None`.
    pub tenant: Option<String>,
    /// The account's mail domain, lower case.
    pub domain: Option<String>,
    /// Groups and roles the account belongs to (for
    /// [`crate::ImpersonationPolicy::target_groups`]).
    pub groups: Vec<String>,
    /// The account's effective rights.
    pub rights: PermissionSet,
}

impl AccountFacts {
    /// An account with no tenant and no groups. The domain is taken from the
    /// part of `name` after its last `@`, lower-cased; override it with
    /// [`AccountFacts::in_domain`].
    pub fn new(name: impl Into<String>, rights: PermissionSet) -> Self {
        let name = name.into();
        let domain = name
            .rsplit_once('@')
            .map(|(_, domain)| domain.to_lowercase())
            .filter(|domain| !domain.is_empty());
        AccountFacts {
            name,
            tenant: None,
            domain,
            groups: Vec::new(),
            rights,
        }
    }

    /// Sets the tenant.
    #[must_use]
    pub fn in_tenant(mut self, tenant: impl Into<String>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }

    /// Sets the domain (lower-cased).
    #[must_use]
    pub fn in_domain(mut self, domain: impl AsRef<str>) -> Self {
        self.domain = Some(domain.as_ref().to_lowercase());
        self
    }

    /// Adds a group or role.
    #[must_use]
    pub fn member_of(mut self, group: impl Into<String>) -> Self {
        self.groups.push(group.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_comes_from_the_name() {
        let facts = AccountFacts::new("a@b@EXAMPLE.org", PermissionSet::empty());
        assert_eq!(facts.domain.as_deref(), Some("example.org"));
        assert_eq!(
            AccountFacts::new("admin", PermissionSet::empty()).domain,
            None
        );
        assert_eq!(
            AccountFacts::new("admin@", PermissionSet::empty()).domain,
            None
        );
        let facts = AccountFacts::new("admin", PermissionSet::empty()).in_domain("X.org");
        assert_eq!(facts.domain.as_deref(), Some("x.org"));
    }
}
