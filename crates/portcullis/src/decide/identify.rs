//! Steps 3 and 4: who is asking — the login name resolved (`target%actor`,
//! authzid, a provider's atomic name) and the account found.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::sync::Arc;

use portcullis_impersonation::LoginName;
use portcullis_oidc::Principal;

use super::Target;
use crate::authenticator::Context;
use crate::directory::{Account, DirectoryError};
use crate::memory::key;
use crate::trace::Trace;
use crate::{Authenticator, CredentialKind, Decision, DenialReason};

impl Authenticator {
    pub(crate) fn resolve(
        &self,
        ctx: &Context,
        authcid: &str,
        authzid: Option<&str>,
        trace: &mut Trace,
    ) -> Result<LoginName, Decision> {
        match self.inner.syntax.resolve(authcid, authzid) {
            Ok(login) => {
                trace.step("resolve-login", || match login.actor() {
                    Some(actor) => format!(
                        "{actor} acts as {} ({} form)",
                        login.target(),
                        login.form().name()
                    ),
                    None => format!("plain login as {}", login.target()),
                });
                Ok(login)
            }
            Err(error) => {
                trace.step("resolve-login", || format!("refused: {error}"));
                Err(self.deny(ctx, DenialReason::MalformedLogin(error)))
            }
        }
    }

    /// Step 3 for a name asserted by an identity provider: one name, never
    /// split at a separator (see `LoginSyntax::resolve_asserted`).
    pub(crate) fn resolve_asserted(
        &self,
        ctx: &Context,
        name: &str,
        authzid: Option<&str>,
        trace: &mut Trace,
    ) -> Result<LoginName, Decision> {
        match self.inner.syntax.resolve_asserted(name, authzid) {
            Ok(login) => {
                trace.step("resolve-login", || match login.actor() {
                    Some(actor) => format!("{actor} acts as {} (authzid)", login.target()),
                    None => format!("the provider's name {}, taken whole", login.target()),
                });
                Ok(login)
            }
            Err(error) => {
                trace.step("resolve-login", || format!("refused: {error}"));
                Err(self.deny(ctx, DenialReason::MalformedLogin(error)))
            }
        }
    }

    /// An account, or else a principal of the local credential store, in
    /// the directory's one lookup (`Directory::account_or_principal`, which
    /// asks both for every name, so a name that exists costs the directory
    /// the same round trips as one that does not).
    pub(crate) async fn find(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        self.inner.directory.account_or_principal(name).await
    }

    /// Step 4: the stored credential a password-form secret is checked
    /// against — the app password or API key whose id it carries, else the
    /// account password — or why there is none (a dummy verify follows).
    pub(crate) fn target_of(
        &self,
        name: &str,
        account: Option<&Account>,
        hint: Option<(CredentialKind, u64)>,
        trace: &mut Trace,
    ) -> Target {
        let target = match (account, hint) {
            (None, _) => Target::Missing(DenialReason::UnknownUser),
            (Some(account), Some((kind, id))) => match account.find_credential(kind, id) {
                Some((credential, whole)) => Target::App(Box::new(credential.clone()), whole),
                None => Target::Missing(DenialReason::UnknownCredential),
            },
            (Some(account), None) => match &account.password {
                Some(hash) => Target::Password(hash.clone()),
                None => Target::Missing(DenialReason::UnknownCredential),
            },
        };
        trace.step("find-account", || match (account, &target) {
            (None, _) => format!("no account {name:?}; a dummy verify follows"),
            (Some(_), Target::App(credential, _)) => format!(
                "account {name:?}; {} id {}",
                credential.kind.name(),
                credential.id.0
            ),
            (Some(_), Target::Password(_)) => format!("account {name:?}; primary password"),
            (Some(_), Target::Missing(_)) => match hint {
                Some((kind, id)) => format!(
                    "account {name:?} has no {} with id {id}; a dummy verify follows",
                    kind.name()
                ),
                None => format!("account {name:?} has no password; a dummy verify follows"),
            },
        });
        target
    }

    /// Step 5 for a token that came with a claimed user name (XOAUTH2
    /// `user=`): the token must name that same account.
    pub(crate) fn token_names_user(
        &self,
        ctx: &Context,
        user: Option<&str>,
        principal: &Principal,
        trace: &mut Trace,
    ) -> Result<(), Decision> {
        match user {
            Some(user) if key(user) != key(&principal.username) => {
                trace.step("resolve-login", || {
                    format!(
                        "refused: user {user:?} is not the token's {}",
                        principal.username
                    )
                });
                Err(self.deny(ctx, DenialReason::TokenUserMismatch))
            }
            _ => Ok(()),
        }
    }

    /// Step 4 for a token: its directory entry, or else an account made of
    /// the token's roles (mapped from its groups, or the configured
    /// defaults), which the session binding then keeps.
    pub(crate) fn token_account(
        &self,
        name: &str,
        found: Option<Arc<Account>>,
        principal: &Principal,
        trace: &mut Trace,
    ) -> (Arc<Account>, Option<Vec<String>>) {
        if let Some(account) = found {
            trace.step("find-account", || format!("directory entry {name:?}"));
            return (account, None);
        }
        let roles = if principal.roles.is_empty() {
            self.inner.oidc_default_roles.clone()
        } else {
            principal.roles.clone()
        };
        trace.step("find-account", || {
            format!(
                "no directory entry; token principal with roles [{}]",
                roles.join(", ")
            )
        });
        let mut account = Account::new(name).with_roles(roles.iter().cloned());
        account.groups.clone_from(&principal.groups);
        (Arc::new(account), Some(roles))
    }
}
