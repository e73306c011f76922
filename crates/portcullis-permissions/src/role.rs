//! Roles: named sets of enabled and disabled permissions with parents.
//!
//! Resolution walks the graph once from the account's roles. It is
//! cycle-safe (each role is visited once) and depth-limited
//! ([`MAX_ROLE_DEPTH`]). The result is the union of every enabled set minus
//! the union of every disabled set: **deny wins anywhere** in the graph.

use std::collections::{BTreeMap, BTreeSet};

use crate::{Error, Permission, PermissionSet};

/// How deep parent chains may go before resolution fails closed.
pub const MAX_ROLE_DEPTH: usize = 32;

/// A named role.
#[derive(Clone, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Role {
    /// The role's name.
    pub name: String,
    /// Permissions this role grants.
    #[cfg_attr(feature = "serde", serde(default))]
    pub enabled: PermissionSet,
    /// Permissions this role denies; a denial beats any grant.
    #[cfg_attr(feature = "serde", serde(default))]
    pub disabled: PermissionSet,
    /// Roles whose permissions this role inherits.
    #[cfg_attr(feature = "serde", serde(default))]
    pub parents: Vec<String>,
}

impl Role {
    /// An empty role.
    pub fn new(name: impl Into<String>) -> Self {
        Role {
            name: name.into(),
            enabled: PermissionSet::empty(),
            disabled: PermissionSet::empty(),
            parents: Vec::new(),
        }
    }

    /// Adds permissions to grant.
    #[must_use]
    pub fn enable(mut self, permissions: impl Into<PermissionSet>) -> Self {
        self.enabled |= permissions.into();
        self
    }

    /// Adds permissions to deny.
    #[must_use]
    pub fn disable(mut self, permissions: impl Into<PermissionSet>) -> Self {
        self.disabled |= permissions.into();
        self
    }

    /// Adds a parent role.
    #[must_use]
    pub fn parent(mut self, name: impl Into<String>) -> Self {
        self.parents.push(name.into());
        self
    }
}

/// What a set of roles grants and denies, before account policy.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RoleRights {
    /// Union of every enabled set reached.
    pub enabled: PermissionSet,
    /// Union of every disabled set reached.
    pub disabled: PermissionSet,
}

impl RoleRights {
    /// `enabled − disabled`: deny wins.
    #[inline]
    pub const fn effective(&self) -> PermissionSet {
        self.enabled.difference(&self.disabled)
    }

    /// Combines the rights of several (already resolved) roles.
    #[inline]
    pub fn combine<'a>(roles: impl IntoIterator<Item = &'a RoleRights>) -> RoleRights {
        let mut combined = RoleRights::default();
        for role in roles {
            combined.enabled |= &role.enabled;
            combined.disabled |= &role.disabled;
        }
        combined
    }
}

/// Whether a role granted or denied a permission.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Effect {
    /// The role's `enabled` set holds it.
    Enabled,
    /// The role's `disabled` set holds it.
    Disabled,
}

/// One role's contribution to a permission, for explanations.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RoleSource {
    /// The role whose set holds the permission.
    pub role: String,
    /// The chain of roles from the account's role down to `role`
    /// (empty when the account holds `role` directly).
    pub via: Vec<String>,
    /// Grant or denial.
    pub effect: Effect,
}

/// Role rights with, per permission, the roles that decided it.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RoleExplanation {
    /// The resolved rights.
    pub rights: RoleRights,
    /// Every role that enabled or disabled each permission.
    pub sources: BTreeMap<Permission, Vec<RoleSource>>,
}

/// The roles a deployment defines.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct RoleGraph {
    roles: BTreeMap<String, Role>,
}

impl RoleGraph {
    /// A graph with no roles.
    pub fn new() -> Self {
        RoleGraph::default()
    }

    /// A graph holding the built-in presets (`user`, `tenant-admin`, `admin`).
    pub fn with_presets() -> Self {
        let mut graph = RoleGraph::new();
        for role in crate::preset::roles() {
            graph.insert(role);
        }
        graph
    }

    /// Adds or replaces a role.
    pub fn insert(&mut self, role: Role) {
        self.roles.insert(role.name.clone(), role);
    }

    /// A role by name.
    pub fn get(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// Every role, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// Resolves the rights of an account holding `roles`.
    ///
    /// ```
    /// use portcullis_permissions::{Permission, Role, RoleGraph};
    /// let mut graph = RoleGraph::with_presets();
    /// graph.insert(Role::new("no-imap").disable(Permission::ImapAuthenticate));
    /// graph.insert(Role::new("contractor").parent("user").parent("no-imap"));
    /// let rights = graph.resolve(&["contractor"])?;
    /// assert!(!rights.effective().contains(Permission::ImapAuthenticate));
    /// assert!(rights.effective().contains(Permission::EmailSend));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve<S: AsRef<str>>(&self, roles: &[S]) -> Result<RoleRights, Error> {
        let mut rights = RoleRights::default();
        self.walk(roles, |role, _| {
            rights.enabled |= role.enabled;
            rights.disabled |= role.disabled;
        })?;
        Ok(rights)
    }

    /// Like [`RoleGraph::resolve`], and records which roles decided each
    /// permission ("`imapAuthenticate` is off: disabled by role `no-imap`
    /// inherited via `contractor`").
    pub fn explain<S: AsRef<str>>(&self, roles: &[S]) -> Result<RoleExplanation, Error> {
        let mut explanation = RoleExplanation::default();
        self.walk(roles, |role, path| {
            explanation.rights.enabled |= role.enabled;
            explanation.rights.disabled |= role.disabled;
            for (set, effect) in [
                (&role.enabled, Effect::Enabled),
                (&role.disabled, Effect::Disabled),
            ] {
                for permission in set {
                    explanation
                        .sources
                        .entry(permission)
                        .or_default()
                        .push(RoleSource {
                            role: role.name.clone(),
                            via: path.to_vec(),
                            effect,
                        });
                }
            }
        })?;
        Ok(explanation)
    }

    /// Resolves every role once, so an account's rights are then a few word
    /// operations ([`RoleRights::combine`]) instead of a graph walk.
    pub fn compile(&self) -> Result<BTreeMap<String, RoleRights>, Error> {
        self.roles
            .keys()
            .map(|name| Ok((name.clone(), self.resolve(&[name.as_str()])?)))
            .collect()
    }

    /// Depth-first walk visiting each reachable role once. `visit` receives
    /// the role and the chain of roles that led to it.
    fn walk<S: AsRef<str>>(
        &self,
        roots: &[S],
        mut visit: impl FnMut(&Role, &[String]),
    ) -> Result<(), Error> {
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        // (role name, path from the root to it, excluding itself)
        let mut stack: Vec<(&str, Vec<String>)> = roots
            .iter()
            .rev()
            .map(|root| (root.as_ref(), Vec::new()))
            .collect();
        while let Some((name, path)) = stack.pop() {
            if !seen.insert(name) {
                continue; // already visited: this is what makes cycles harmless
            }
            let role = self.roles.get(name).ok_or_else(|| Error::UnknownRole {
                name: name.to_owned(),
            })?;
            if path.len() >= MAX_ROLE_DEPTH {
                return Err(Error::RoleDepthExceeded {
                    role: name.to_owned(),
                    max: MAX_ROLE_DEPTH,
                });
            }
            visit(role, &path);
            for parent in role.parents.iter().rev() {
                let mut next = path.clone();
                next.push(role.name.clone());
                stack.push((parent.as_str(), next));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deny_wins_across_branches() {
        let mut graph = RoleGraph::new();
        graph.insert(Role::new("a").enable(Permission::ImapAuthenticate));
        graph.insert(Role::new("b").disable(Permission::ImapAuthenticate));
        graph.insert(
            Role::new("top")
                .parent("a")
                .parent("b")
                .enable(Permission::ImapAuthenticate),
        );
        let rights = graph.resolve(&["top"]).unwrap();
        assert!(rights.enabled.contains(Permission::ImapAuthenticate));
        assert!(!rights.effective().contains(Permission::ImapAuthenticate));
    }

    #[test]
    fn cycles_terminate() {
        let mut graph = RoleGraph::new();
        graph.insert(Role::new("a").parent("b").enable(Permission::EmailSend));
        graph.insert(Role::new("b").parent("a").enable(Permission::EmailReceive));
        let rights = graph.resolve(&["a"]).unwrap();
        assert_eq!(rights.effective().len(), 2);
    }

    #[test]
    fn unknown_roles_fail_closed() {
        let mut graph = RoleGraph::new();
        graph.insert(Role::new("a").parent("ghost"));
        assert_eq!(
            graph.resolve(&["a"]),
            Err(Error::UnknownRole {
                name: "ghost".into()
            })
        );
    }

    #[test]
    fn depth_is_limited() {
        let mut graph = RoleGraph::new();
        for level in 0..=MAX_ROLE_DEPTH {
            graph.insert(Role::new(format!("r{level}")).parent(format!("r{}", level + 1)));
        }
        graph.insert(Role::new(format!("r{}", MAX_ROLE_DEPTH + 1)));
        assert!(matches!(
            graph.resolve(&["r0"]),
            Err(Error::RoleDepthExceeded { .. })
        ));
    }

    #[test]
    fn explain_names_the_path() {
        let mut graph = RoleGraph::with_presets();
        graph.insert(Role::new("no-imap").disable(Permission::ImapAuthenticate));
        graph.insert(Role::new("contractor").parent("user").parent("no-imap"));
        let explanation = graph.explain(&["contractor"]).unwrap();
        let sources = &explanation.sources[&Permission::ImapAuthenticate];
        assert!(sources.contains(&RoleSource {
            role: "no-imap".into(),
            via: vec!["contractor".into()],
            effect: Effect::Disabled,
        }));
        assert!(sources.contains(&RoleSource {
            role: "user".into(),
            via: vec!["contractor".into()],
            effect: Effect::Enabled,
        }));
    }
}
