//! Explanations: why an account holds, or lacks, each permission.

use std::collections::BTreeMap;
use std::fmt;

use crate::{
    AccountPolicy, Effect, Error, Permission, PermissionSet, RoleGraph, RoleSource, TenantPolicy,
};

/// One rule that touched a permission.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum Reason {
    /// A role enabled or disabled it.
    Role(RoleSource),
    /// A role enabled it, but the account policy is `Replace`, so roles are
    /// ignored.
    RoleIgnored(RoleSource),
    /// The account's own `Merge`/`Replace` lists enabled or disabled it.
    Account(Effect),
    /// The tenant's `allowed` set does not include it.
    TenantNotAllowed,
    /// The tenant's `disabled` set holds it.
    TenantDisabled,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn role(f: &mut fmt::Formatter<'_>, source: &RoleSource, suffix: &str) -> fmt::Result {
            let verb = match source.effect {
                Effect::Enabled => "enabled",
                Effect::Disabled => "disabled",
            };
            write!(f, "{verb} by role `{}`", source.role)?;
            if !source.via.is_empty() {
                write!(f, " inherited via `{}`", source.via.join("` → `"))?;
            }
            f.write_str(suffix)
        }
        match self {
            Reason::Role(source) => role(f, source, ""),
            Reason::RoleIgnored(source) => role(
                f,
                source,
                " (ignored: the account policy replaces its roles)",
            ),
            Reason::Account(Effect::Enabled) => f.write_str("enabled by the account's own list"),
            Reason::Account(Effect::Disabled) => f.write_str("disabled by the account's own list"),
            Reason::TenantNotAllowed => f.write_str("not in the tenant's allowed set"),
            Reason::TenantDisabled => f.write_str("disabled by the tenant"),
        }
    }
}

/// An account's effective rights with the reasons for every permission that
/// any rule mentions.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct AccountExplanation {
    /// The effective rights (identical to [`AccountPolicy::effective`]).
    pub effective: PermissionSet,
    /// Every rule that touched each permission, in evaluation order.
    pub reasons: BTreeMap<Permission, Vec<Reason>>,
}

/// Resolves an account's rights and records why each permission is on or off.
///
/// ```
/// use portcullis_permissions::{explain_account, AccountPolicy, Permission, Role, RoleGraph};
/// let mut graph = RoleGraph::with_presets();
/// graph.insert(Role::new("no-imap").disable(Permission::ImapAuthenticate));
/// graph.insert(Role::new("contractor").parent("user").parent("no-imap"));
/// let explained = explain_account(&graph, &["contractor"], &AccountPolicy::Inherit, None)?;
/// assert!(!explained.effective.contains(Permission::ImapAuthenticate));
/// let why: Vec<String> = explained.reasons[&Permission::ImapAuthenticate]
///     .iter().map(ToString::to_string).collect();
/// assert!(why.contains(&"disabled by role `no-imap` inherited via `contractor`".to_string()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn explain_account<S: AsRef<str>>(
    graph: &RoleGraph,
    roles: &[S],
    policy: &AccountPolicy,
    tenant: Option<&TenantPolicy>,
) -> Result<AccountExplanation, Error> {
    let explained = graph.explain(roles)?;
    let replaced = matches!(policy, AccountPolicy::Replace { .. });
    let mut reasons: BTreeMap<Permission, Vec<Reason>> = BTreeMap::new();
    for (permission, sources) in explained.sources {
        let entry = reasons.entry(permission).or_default();
        for source in sources {
            entry.push(if replaced {
                Reason::RoleIgnored(source)
            } else {
                Reason::Role(source)
            });
        }
    }
    if let AccountPolicy::Merge { enabled, disabled }
    | AccountPolicy::Replace { enabled, disabled } = policy
    {
        for (set, effect) in [(enabled, Effect::Enabled), (disabled, Effect::Disabled)] {
            for permission in set {
                reasons
                    .entry(permission)
                    .or_default()
                    .push(Reason::Account(effect));
            }
        }
    }
    let effective = policy.effective(&explained.rights, tenant);
    if let Some(tenant) = tenant {
        let unclamped = policy.effective(&explained.rights, None);
        for permission in &unclamped {
            let entry = reasons.entry(permission).or_default();
            if tenant
                .allowed
                .is_some_and(|allowed| !allowed.contains(permission))
            {
                entry.push(Reason::TenantNotAllowed);
            }
            if tenant.disabled.contains(permission) {
                entry.push(Reason::TenantDisabled);
            }
        }
    }
    Ok(AccountExplanation { effective, reasons })
}
