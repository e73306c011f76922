//! Steps 3 and 4: who is asking — the login name resolved (`target%actor`,
//! authzid, a provider's atomic name) and the account found.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::sync::Arc;

use portcullis_impersonation::LoginName;

use crate::authenticator::Context;
use crate::directory::{Account, DirectoryError};
use crate::trace::Trace;
use crate::{Authenticator, DenialReason};

use super::*;

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

    /// An account, or else a principal of the local credential store.
    /// Both are always asked, so a name that exists costs the directory the
    /// same round trips as one that does not: with a remote directory, one
    /// lookup for known names and two for unknown ones would let a client
    /// time which accounts exist.
    pub(crate) async fn find(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        let account = self.inner.directory.account(name).await?;
        let principal = self.inner.directory.principal(name).await?;
        Ok(account.or(principal))
    }
}
