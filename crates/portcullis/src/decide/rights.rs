//! Steps 6, 8, 9 and 10: what the session may do — the account gate, the
//! credential's scope, the surface gate and the impersonation policy.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::collections::BTreeMap;
use std::sync::Arc;

use portcullis_impersonation::{
    AccountFacts, ActorCredential, Attempt, CredentialClass, CredentialId as ActorCredentialId,
    LoginName,
};
use portcullis_permissions::{CredentialScope, LoginRefusal, PermissionSet, RoleGraph, RoleRights};

use crate::authenticator::Context;
use crate::directory::{Account, Tenant};
use crate::trace::Trace;
use crate::{Authenticator, CredentialKind, CredentialRef, Decision, DenialReason};
use portcullis_credentials::CredentialRecord;

use super::outcome::directory_reason;

impl Authenticator {
    /// Step 8: the credential's scope applied to the account's rights
    /// (a primary password inherits them all).
    pub(crate) fn scope(
        &self,
        app: Option<&CredentialRecord>,
        rights: &PermissionSet,
        trace: &mut Trace,
    ) -> PermissionSet {
        let scope = app.map_or(CredentialScope::Inherit, |app| app.scope.clone());
        let scoped = scope.apply(rights);
        trace.step("scope", || {
            format!(
                "{} scope: {} of the account's {} permissions",
                scope_name(&scope),
                scoped.len(),
                rights.len()
            )
        });
        scoped
    }

    /// The effective rights of an account whose tenant is open.
    pub(crate) async fn open_rights(
        &self,
        account: &Account,
    ) -> Result<PermissionSet, DenialReason> {
        let tenant = self.tenant_of(account).await?;
        if tenant.as_ref().is_some_and(|tenant| tenant.disabled) {
            return Err(DenialReason::TenantDisabled);
        }
        self.rights_of(account, tenant.as_ref()).await
    }

    /// The account's effective rights (roles, policy, tenant clamp).
    pub(crate) async fn rights_of(
        &self,
        account: &Account,
        tenant: Option<&Tenant>,
    ) -> Result<PermissionSet, DenialReason> {
        let graph = self
            .inner
            .directory
            .roles()
            .await
            .map_err(directory_reason)?;
        let roles = match self.compiled(&graph) {
            Some(compiled) => {
                let mut parts = Vec::with_capacity(account.roles.len());
                for role in &account.roles {
                    let rights = compiled.get(role).ok_or_else(|| {
                        DenialReason::DirectoryData(format!("unknown role {role:?}"))
                    })?;
                    parts.push(rights);
                }
                RoleRights::combine(parts)
            }
            None => graph
                .resolve(&account.roles)
                .map_err(|error| DenialReason::DirectoryData(error.to_string()))?,
        };
        Ok(account
            .policy
            .effective(&roles, tenant.map(|tenant| &tenant.policy)))
    }

    /// The compiled form of `graph`, made once per graph (a directory
    /// reload brings a new one). `None` if some role cannot be resolved;
    /// then each login walks the graph and reports its own error.
    pub(crate) fn compiled(
        &self,
        graph: &Arc<RoleGraph>,
    ) -> Option<Arc<BTreeMap<String, RoleRights>>> {
        let mut cached = self
            .inner
            .compiled_roles
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((source, compiled)) = cached.as_ref()
            && Arc::ptr_eq(source, graph)
        {
            return Some(Arc::clone(compiled));
        }
        let compiled = Arc::new(graph.compile().ok()?);
        *cached = Some((Arc::clone(graph), Arc::clone(&compiled)));
        Some(compiled)
    }

    /// The account's tenant. An account that names a tenant the directory
    /// does not have is refused (fail closed): without the tenant's policy
    /// its rights could not be clamped.
    pub(crate) async fn tenant_of(
        &self,
        account: &Account,
    ) -> Result<Option<Tenant>, DenialReason> {
        let Some(name) = &account.tenant else {
            return Ok(None);
        };
        match self.inner.directory.tenant(name).await {
            Ok(Some(tenant)) => Ok(Some(tenant)),
            Ok(None) => Err(DenialReason::DirectoryData(format!(
                "the account's tenant {name:?} does not exist"
            ))),
            Err(error) => Err(directory_reason(error)),
        }
    }

    pub(crate) async fn account_gate(
        &self,
        ctx: &Context,
        account: &Account,
        trace: &mut Trace,
    ) -> Result<PermissionSet, Decision> {
        if account.disabled {
            trace.step("account-gate", || {
                "refused: the account is disabled".to_owned()
            });
            return Err(self.deny(ctx, DenialReason::AccountDisabled));
        }
        let rights = match self.open_rights(account).await {
            Ok(rights) => rights,
            Err(reason) => {
                trace.step("account-gate", || match reason {
                    DenialReason::TenantDisabled => "refused: the tenant is disabled".to_owned(),
                    _ => format!("refused: {reason}"),
                });
                return Err(self.deny(ctx, reason));
            }
        };
        if let Err(refusal) = self.inner.login_policy.check_account(&rights) {
            trace.step("account-gate", || format!("refused: {refusal}"));
            return Err(self.deny(ctx, login_reason(refusal)));
        }
        trace.step("account-gate", || {
            format!(
                "open: roles [{}], {} effective permissions incl. authenticate",
                account.roles.join(", "),
                rights.len()
            )
        });
        Ok(rights)
    }

    pub(crate) fn surface_gate(
        &self,
        ctx: &Context,
        rights: &PermissionSet,
        scoped: &PermissionSet,
        trace: &mut Trace,
    ) -> Result<(), Decision> {
        let needed = ctx.surface.login_permission();
        match self
            .inner
            .login_policy
            .check_surface(rights, scoped, ctx.surface)
        {
            Ok(()) => {
                trace.step("surface-gate", || {
                    format!("{} opens: the scope holds {}", ctx.surface, needed.name())
                });
                Ok(())
            }
            Err(refusal) => {
                trace.step("surface-gate", || {
                    format!("refused: {refusal} (needs {})", needed.name())
                });
                Err(self.deny(ctx, login_reason(refusal)))
            }
        }
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one private step function of the pipeline"
    )]
    pub(crate) async fn impersonation_step(
        &self,
        ctx: &Context,
        login: &LoginName,
        account: &Account,
        rights: PermissionSet,
        scoped: PermissionSet,
        credential: CredentialRef,
        trace: &mut Trace,
    ) -> Result<(String, PermissionSet, Option<PermissionSet>), Decision> {
        if !login.is_impersonation() {
            trace.step("impersonation", || "not asked".to_owned());
            return Ok((account.name.clone(), scoped, None));
        }
        let target = self
            .find(login.target())
            .await
            .map_err(|error| self.directory_failure(ctx, error))?;
        let target_facts = match &target {
            Some(target) => {
                let tenant = self
                    .tenant_of(target)
                    .await
                    .map_err(|reason| self.deny(ctx, reason))?;
                let closed =
                    target.disabled || tenant.as_ref().is_some_and(|tenant| tenant.disabled);
                let rights = if closed {
                    PermissionSet::empty()
                } else {
                    self.rights_of(target, tenant.as_ref())
                        .await
                        .map_err(|reason| self.deny(ctx, reason))?
                };
                Some(facts(target, rights))
            }
            None => None,
        };
        let target_rights = target_facts.as_ref().map(|facts| facts.rights);
        let actor = facts(account, rights);
        let actor_credential = ActorCredential::new(
            credential_class(credential.kind),
            ActorCredentialId(credential.id.unwrap_or(0)),
            scoped,
        );
        let attempt = Attempt::new(login, &actor, &actor_credential, target_facts.as_ref())
            .on(ctx.surface)
            .from_ip(ctx.remote_ip);
        match self.inner.impersonation.evaluate(&attempt) {
            Ok(resolution) => {
                if !resolution.rights.contains(ctx.surface.login_permission()) {
                    trace.step("impersonation", || {
                        format!(
                            "refused: the session as {} lacks {}",
                            resolution.acting_as,
                            ctx.surface.login_permission().name()
                        )
                    });
                    return Err(self.deny(
                        ctx,
                        DenialReason::Impersonation(
                            portcullis_impersonation::Refusal::TargetCannotAuthenticate,
                        ),
                    ));
                }
                trace.step("impersonation", || {
                    format!(
                        "allowed: {} acts as {} with {} permissions",
                        resolution.authenticated,
                        resolution.acting_as,
                        resolution.rights.len()
                    )
                });
                Ok((resolution.acting_as, resolution.rights, target_rights))
            }
            Err(refusal) => {
                trace.step("impersonation", || {
                    format!("refused: {refusal} ({})", refusal.kind())
                });
                Err(self.deny(ctx, DenialReason::Impersonation(refusal)))
            }
        }
    }
}

pub(crate) fn facts(account: &Account, rights: PermissionSet) -> AccountFacts {
    let mut facts = AccountFacts::new(account.name.clone(), rights);
    if let Some(tenant) = &account.tenant {
        facts = facts.in_tenant(tenant.clone());
    }
    for group in account.groups.iter().chain(&account.roles) {
        facts = facts.member_of(group.clone());
    }
    facts
}

pub(crate) const fn credential_class(kind: CredentialKind) -> CredentialClass {
    match kind {
        CredentialKind::Password => CredentialClass::Password,
        CredentialKind::AppPassword => CredentialClass::AppPassword,
        CredentialKind::ApiKey => CredentialClass::ApiKey,
        CredentialKind::OidcToken => CredentialClass::OidcToken,
    }
}

pub(crate) fn scope_name(scope: &CredentialScope) -> &'static str {
    match scope {
        CredentialScope::Inherit => "inherit",
        CredentialScope::Disable(_) => "disable",
        CredentialScope::Replace(_) => "replace",
    }
}

pub(crate) fn login_reason(refusal: LoginRefusal) -> DenialReason {
    match refusal {
        LoginRefusal::SurfaceNotAllowedForAccount(surface) => {
            DenialReason::SurfaceNotAllowed(surface)
        }
        LoginRefusal::SurfaceNotInScope(surface) => DenialReason::SurfaceNotInScope(surface),
        LoginRefusal::ScopeLacksAuthenticate => DenialReason::ScopeLacksAuthenticate,
        // `AccountCannotAuthenticate`, and any refusal a later version of
        // the (non-exhaustive) enum adds: the account may not log in at all.
        _ => DenialReason::AccountCannotAuthenticate,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Directory, MemoryDirectory};

    #[tokio::test]
    async fn a_role_graph_is_compiled_once_and_kept_until_it_changes() {
        let directory = MemoryDirectory::builder().build();
        let graph = directory.roles().await.unwrap();
        let auth = Authenticator::builder()
            .directory(directory)
            .build()
            .unwrap();
        let first = auth.compiled(&graph).unwrap();
        assert!(first.contains_key("user"), "{:?}", first.keys());
        assert!(Arc::ptr_eq(&first, &auth.compiled(&graph).unwrap()));
        // Another graph (a reload) is compiled afresh.
        let reloaded = Arc::new(RoleGraph::clone(&graph));
        assert!(!Arc::ptr_eq(&first, &auth.compiled(&reloaded).unwrap()));
    }
}
