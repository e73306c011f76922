//! [`ImpersonationPolicy`]: may this actor act as this target, and with what
//! rights?

use portcullis_permissions::{Permission, PermissionSet, Surface, preset};

use crate::{AccountFacts, Attempt, Refusal, Resolution, audit};

/// Bounds on impersonation, with safe defaults.
///
/// | field | default | meaning |
/// |---|---|---|
/// | `same_tenant_only` | `true` | the target must be in the actor's tenant |
/// | `target_domains` | `None` (any) | the target's domain must be listed |
/// | `target_groups` | `None` (any) | the target must be in one of these groups |
/// | `allow_admin_targets` | `false` | may the target hold admin rights? |
/// | `allow_scoped_credentials` | `false` | may app passwords / API keys whose scope holds `impersonate` impersonate? |
/// | `ceiling` | all − [`preset::administrative`] | the most an impersonated session may hold |
///
/// Rules that no field relaxes:
/// - the actor's **effective** rights must hold `impersonate`;
/// - the target must exist and hold `authenticate`;
/// - the session never holds `impersonate`, so impersonation cannot chain,
///   whatever the ceiling says;
/// - the session's rights are a subset of the target's.
///
/// "Holds admin rights" means the target's rights meet
/// [`preset::administrative`] (which excludes the [`preset::SELF_SERVICE`]
/// rights every user has).
///
/// ```
/// use portcullis_impersonation::ImpersonationPolicy;
/// let mut policy = ImpersonationPolicy::default();
/// policy.target_groups = Some(vec!["webmail-users".to_owned()]);
/// assert!(policy.same_tenant_only && !policy.allow_admin_targets);
/// ```
#[derive(Clone, PartialEq, Eq, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
#[non_exhaustive]
pub struct ImpersonationPolicy {
    /// The target must be in the actor's tenant (accounts without a tenant
    /// form one "no tenant" group). Default `true`.
    pub same_tenant_only: bool,
    /// If set, the target's domain must be one of these (compared case-
    /// insensitively); an account without a domain never matches. `Some`
    /// of an empty list allows no target.
    pub target_domains: Option<Vec<String>>,
    /// If set, the target must be a member of at least one of these groups
    /// or roles (exact names).
    pub target_groups: Option<Vec<String>>,
    /// Allow targets that hold administrative rights. Default `false`. Even
    /// then, the default ceiling strips those rights from the session.
    pub allow_admin_targets: bool,
    /// Allow app passwords and API keys to impersonate when their *scoped*
    /// rights hold `impersonate`. Default `false`: only primary credentials
    /// (password, password + TOTP, OIDC token) may impersonate.
    pub allow_scoped_credentials: bool,
    /// The most an impersonated session may hold. Default: every permission
    /// except [`preset::administrative`], so the session never gets admin
    /// surfaces — neither the target's nor the actor's.
    pub ceiling: PermissionSet,
}

impl Default for ImpersonationPolicy {
    fn default() -> Self {
        ImpersonationPolicy {
            same_tenant_only: true,
            target_domains: None,
            target_groups: None,
            allow_admin_targets: false,
            allow_scoped_credentials: false,
            ceiling: ImpersonationPolicy::default_ceiling(),
        }
    }
}

impl ImpersonationPolicy {
    /// The default ceiling: every permission except
    /// [`preset::administrative`] (which includes `impersonate`).
    pub fn default_ceiling() -> PermissionSet {
        !preset::administrative()
    }

    /// Decides an attempt and emits its audit event (target
    /// [`crate::AUDIT_TARGET`]). The caller must have verified the actor's
    /// secret first.
    ///
    /// Checks run in this order, and the first failure is returned:
    /// 1. the target is the actor itself (same canonical account name, for
    ///    example through an alias): a plain login, granted with the
    ///    credential's scoped rights;
    /// 2. the actor's effective rights hold `impersonate`
    ///    ([`Refusal::ActorLacksImpersonate`]);
    /// 3. the credential is primary, or scoped credentials are allowed and
    ///    its scope holds `impersonate`
    ///    ([`Refusal::AppPasswordCannotImpersonate`],
    ///    [`Refusal::CredentialScopeLacksImpersonate`]);
    /// 4. the ceiling keeps `authenticate`
    ///    ([`Refusal::CeilingExcludesAuthenticate`]);
    /// 5. the target exists and may sign in ([`Refusal::TargetNotFound`],
    ///    [`Refusal::TargetCannotAuthenticate`]);
    /// 6. tenant, domain, group and admin bounds ([`Refusal::CrossTenant`],
    ///    [`Refusal::DomainNotAllowed`], [`Refusal::TargetNotInGroup`],
    ///    [`Refusal::AdminTarget`]).
    ///
    /// Actor checks come first, so an actor who may not impersonate learns
    /// nothing about targets.
    pub fn decide(&self, attempt: &Attempt<'_>) -> Result<Resolution, Refusal> {
        let outcome = self.evaluate(attempt);
        audit::record(attempt, &outcome);
        outcome
    }

    /// [`ImpersonationPolicy::decide`] without the audit event, for
    /// `explain`-style tools that only describe what would happen.
    pub fn evaluate(&self, attempt: &Attempt<'_>) -> Result<Resolution, Refusal> {
        let actor = attempt.actor;
        let credential = attempt.credential;
        if attempt
            .target
            .is_some_and(|target| target.name == actor.name)
        {
            return Ok(Resolution {
                authenticated: actor.name.clone(),
                acting_as: actor.name.clone(),
                rights: credential.scoped_rights,
                actor_credential: *credential,
            });
        }
        if !actor.rights.contains(Permission::Impersonate) {
            return Err(Refusal::ActorLacksImpersonate);
        }
        if !credential.class.is_primary() {
            if !self.allow_scoped_credentials {
                return Err(Refusal::AppPasswordCannotImpersonate(credential.class));
            }
            if !credential.scoped_rights.contains(Permission::Impersonate) {
                return Err(Refusal::CredentialScopeLacksImpersonate(credential.class));
            }
        }
        if !self.ceiling.contains(Permission::Authenticate) {
            return Err(Refusal::CeilingExcludesAuthenticate);
        }
        let target = attempt.target.ok_or(Refusal::TargetNotFound)?;
        self.check_target(actor, target)?;

        let mut rights = target.rights & self.ceiling;
        rights.remove(Permission::Impersonate);
        if !credential.class.is_primary() {
            // A scoped credential never opens, as someone else, a surface it
            // could not open as its own account: an IMAP-only app password
            // must not yield a web-portal session.
            rights -= surface_logins() - credential.scoped_rights;
        }
        Ok(Resolution {
            authenticated: actor.name.clone(),
            acting_as: target.name.clone(),
            rights,
            actor_credential: *credential,
        })
    }

    /// The bounds on the target (step 5 after existence, and step 6).
    fn check_target(&self, actor: &AccountFacts, target: &AccountFacts) -> Result<(), Refusal> {
        if !target.rights.contains(Permission::Authenticate) {
            return Err(Refusal::TargetCannotAuthenticate);
        }
        if self.same_tenant_only && actor.tenant != target.tenant {
            return Err(Refusal::CrossTenant);
        }
        if let Some(domains) = &self.target_domains {
            let allowed = target
                .domain
                .as_deref()
                .is_some_and(|domain| domains.iter().any(|allowed| same_domain(allowed, domain)));
            if !allowed {
                return Err(Refusal::DomainNotAllowed);
            }
        }
        if let Some(groups) = &self.target_groups
            && !target.groups.iter().any(|group| groups.contains(group))
        {
            return Err(Refusal::TargetNotInGroup);
        }
        if !self.allow_admin_targets && target.rights.intersects(&preset::administrative()) {
            return Err(Refusal::AdminTarget);
        }
        Ok(())
    }
}

/// Domain names compare case-insensitively (RFC 4343), Unicode ones too.
fn same_domain(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || (!(a.is_ascii() && b.is_ascii()) && a.to_lowercase() == b.to_lowercase())
}

/// Every surface's login permission.
fn surface_logins() -> PermissionSet {
    Surface::ALL
        .into_iter()
        .map(Surface::login_permission)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_ceiling_has_no_admin_rights() {
        let ceiling = ImpersonationPolicy::default_ceiling();
        assert!(!ceiling.contains(Permission::Impersonate));
        assert!(!ceiling.contains(Permission::AdminAuthenticate));
        assert!(ceiling.contains(Permission::Authenticate));
        assert!(preset::user_rights().is_subset(&ceiling));
    }

    #[test]
    fn domains_compare_case_insensitively() {
        assert!(same_domain("Example.ORG", "example.org"));
        assert!(same_domain("BÜCHER.example", "bücher.example"));
        assert!(!same_domain("example.org", "example.net"));
    }

    #[test]
    fn surface_logins_cover_every_surface() {
        let logins = surface_logins();
        for surface in Surface::ALL {
            assert!(logins.contains(surface.login_permission()));
        }
        assert!(!logins.contains(Permission::Impersonate));
    }
}
