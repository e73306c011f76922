//! The decision path of [`Authenticator::verify`], one room per step, in
//! the order of `docs/security-model.md`:
//!
//! | step | file | decides |
//! |---|---|---|
//! | 1 | [`transport`] | the exchange parses; TLS for every reusable secret |
//! | 2 | [`throttle`] | the client network is not locked |
//! | 3–4 | [`identify`] | the login name resolves; the account is found; its pair is not locked ([`throttle`]) |
//! | 5, 7 | [`credential`] | the secret verifies (or a dummy verify); expiry and address |
//! | 6, 8–10 | [`rights`] | account gate, scope, surface gate, impersonation |
//! | 11 | [`credential`] | the second factor |
//! | 12 | [`outcome`] | the grant, or the refusal's public face; the audit event |
//!
//! This file holds the three pipelines that run those steps for a
//! password-form secret, a bearer token and a bare API key. No step calls
//! back into an earlier one.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::sync::Arc;

use portcullis_credentials::{CredentialRecord, StoredHash};
use portcullis_impersonation::LoginName;
use portcullis_sasl::Credentials;

use crate::audit::AuditRecord;
use crate::authenticator::Context;
use crate::directory::Account;
use crate::memory::key;
use crate::revalidate::{fingerprint_of, rights_fingerprint};
use crate::throttle::{SecretDigest, ThrottleKey};
use crate::trace::Trace;
use crate::{
    Authenticator, CredentialKind, CredentialRef, Decision, DenialReason, Grant, Rehash,
    SecretString, SessionBinding,
};
use credential::second_factor_not_asked;
use futures_util::future::join;
use outcome::password_binding;
use revocation::Epochs;

pub(crate) mod credential;
pub(crate) mod identify;
pub(crate) mod outcome;
pub(crate) mod revocation;
pub(crate) mod rights;
pub(crate) mod throttle;
pub(crate) mod transport;

/// Credentials after parsing, whatever form they came in.
pub(crate) enum Presented {
    Password {
        mechanism: &'static str,
        authcid: String,
        authzid: Option<String>,
        secret: SecretString,
        code: Option<SecretString>,
    },
    Bearer {
        mechanism: &'static str,
        token: SecretString,
        authzid: Option<String>,
        user: Option<String>,
    },
    /// A SCRAM exchange whose proof was checked already (by
    /// [`crate::SaslSession`], against the keys of the account it found
    /// between the client's two messages).
    Scram(Box<ScramOutcome>),
    /// An API key presented alone (`Authorization: Bearer API_…`): it names
    /// its account by number.
    ApiKey {
        token: SecretString,
        account_id: u32,
        credential_id: u32,
    },
}

impl Presented {
    pub(crate) fn from_sasl(credentials: &Credentials) -> Result<Presented, DenialReason> {
        match credentials {
            Credentials::Password(password) => Ok(Presented::Password {
                mechanism: password.mechanism().name(),
                authcid: password.authcid().to_owned(),
                authzid: password.authzid().map(str::to_owned),
                secret: SecretString::from(password.password().expose()),
                code: None,
            }),
            Credentials::Bearer(bearer) => Ok(Presented::Bearer {
                mechanism: bearer.mechanism().name(),
                token: SecretString::from(bearer.token().expose()),
                authzid: bearer.authzid().map(str::to_owned),
                user: bearer.user().map(str::to_owned),
            }),
            _ => Err(DenialReason::MechanismNotAllowed(
                credentials.mechanism().name().to_owned(),
            )),
        }
    }
}

/// A SCRAM exchange at its end: who the client said it is, the account
/// its keys came from, and whether its proof verified.
pub(crate) struct ScramOutcome {
    pub(crate) mechanism: &'static str,
    pub(crate) authcid: String,
    pub(crate) authzid: Option<String>,
    /// The account found for the authenticating name at client-first
    /// (`None`: unknown; the exchange ran on stand-in keys).
    pub(crate) account: Option<Arc<Account>>,
    /// `None` when the proof verified; otherwise why not (a wrong
    /// password, an unknown user, an account without keys of this hash).
    pub(crate) refused: Option<DenialReason>,
}

/// What one attempt leaves behind besides its decision: the audit record
/// and the throttle buckets it touched (failures are counted in, a grant
/// resets, exactly these).
pub(crate) struct Ledger {
    audit: AuditRecord,
    throttle: Vec<ThrottleKey>,
    /// The digest of a refused secret, so that resending it counts once.
    refused_secret: Option<SecretDigest>,
    /// Whether the pair's bucket held anything a grant must reset.
    pair_holds_failures: bool,
}

/// The credential a password-form secret is checked against.
pub(crate) enum Target {
    Password(StoredHash),
    /// A stored credential; `true` when its hash covers the whole secret.
    App(Box<CredentialRecord>, bool),
    Missing(DenialReason),
}

impl Target {
    /// The app password or API key, once the secret is verified.
    fn into_app(self) -> Option<Box<CredentialRecord>> {
        match self {
            Target::App(app, _) => Some(app),
            Target::Password(_) | Target::Missing(_) => None,
        }
    }
}

/// A login whose secret verified, handed from step 5 to step 6.
struct VerifiedLogin {
    login: LoginName,
    account: Arc<Account>,
    /// The app password or API key, when the secret was one.
    app: Option<Box<CredentialRecord>>,
    credential: CredentialRef,
    epochs: Epochs,
    /// A stronger hash of the account password, when it verified against
    /// a weak one.
    rehash: Option<Rehash>,
}

/// What step 5 checks a secret against: the credential, where it is
/// stored, and the epochs its cache entries are keyed by.
pub(crate) struct Checked<'a> {
    pub(crate) credential: CredentialRef,
    pub(crate) target: &'a Target,
    /// The account's revision (the account password's).
    pub(crate) revision: u64,
    pub(crate) epochs: &'a Epochs,
}

/// Whether a refusal says only that the secret is not the account
/// password (so an app password without an id may still match it).
fn no_such_secret(refusal: &Decision) -> bool {
    matches!(
        refusal,
        Decision::Deny(denial)
            if matches!(denial.reason, DenialReason::WrongSecret | DenialReason::UnknownCredential)
    )
}

/// The credential a login used, as grants and audit events name it.
fn credential_ref(target: &Target, hint: Option<(CredentialKind, u64)>) -> CredentialRef {
    match target {
        Target::App(app, _) => CredentialRef {
            kind: CredentialKind::from_stored(app.kind),
            id: Some(u64::from(app.id.0)),
        },
        Target::Password(_) | Target::Missing(_) => CredentialRef {
            kind: hint.map_or(CredentialKind::Password, |(kind, _)| kind),
            id: hint.map(|(_, id)| id),
        },
    }
}

impl Authenticator {
    /// Steps 2 to 12 for parsed credentials.
    pub(crate) async fn decide_presented(
        &self,
        ctx: Context,
        presented: Presented,
        trace: &mut Trace,
        audit: &mut AuditRecord,
    ) -> Decision {
        // The name the client gave: a token's own name is only known once
        // it is validated, so a refused token is logged under XOAUTH2's
        // `user=` or OAUTHBEARER's `a=`.
        let login = match &presented {
            Presented::Password { authcid, .. } => Some(authcid.clone()),
            Presented::Scram(scram) => Some(scram.authcid.clone()),
            Presented::Bearer { user, authzid, .. } => user.clone().or_else(|| authzid.clone()),
            Presented::ApiKey { .. } => None,
        };
        audit.login.clone_from(&login);
        // 2. Throttle the client network. The (network, account) pair is
        //    checked once the account is known (step 4), so that every
        //    spelling of a name, and every impersonation form, meets the
        //    same lock.
        let keys = self.network_key(&ctx);
        if let Err(decision) = self.throttle_check(&ctx, keys.first(), trace).await {
            return self.conclude(&ctx, audit, decision);
        }
        let mut ledger = Ledger {
            audit: std::mem::take(audit),
            throttle: keys,
            refused_secret: None,
            pair_holds_failures: true,
        };
        let decision = match presented {
            Presented::Password {
                authcid,
                authzid,
                secret,
                code,
                ..
            } => {
                Box::pin(self.password_path(
                    &ctx,
                    &authcid,
                    authzid.as_deref(),
                    &secret,
                    code.as_ref(),
                    trace,
                    &mut ledger,
                ))
                .await
            }
            Presented::Bearer {
                token,
                authzid,
                user,
                ..
            } => {
                Box::pin(self.bearer_path(
                    &ctx,
                    &token,
                    authzid.as_deref(),
                    user.as_deref(),
                    trace,
                    &mut ledger,
                ))
                .await
            }
            Presented::Scram(scram) => {
                Box::pin(self.scram_path(&ctx, *scram, trace, &mut ledger)).await
            }
            Presented::ApiKey {
                token,
                account_id,
                credential_id,
            } => {
                Box::pin(self.api_key_path(
                    &ctx,
                    &token,
                    account_id,
                    credential_id,
                    trace,
                    &mut ledger,
                ))
                .await
            }
        };
        let decision = decision.unwrap_or_else(|decision| decision);
        let keys = std::mem::take(&mut ledger.throttle);
        *audit = ledger.audit;
        self.record_outcome(
            &keys,
            ledger.refused_secret,
            ledger.pair_holds_failures,
            &ctx,
            &decision,
        )
        .await;
        self.conclude(&ctx, audit, decision)
    }

    /// Steps 3 to 12 for a login name and a secret.
    #[expect(
        clippy::too_many_arguments,
        reason = "one private step function of the pipeline"
    )]
    pub(crate) async fn password_path(
        &self,
        ctx: &Context,
        authcid: &str,
        authzid: Option<&str>,
        secret: &SecretString,
        code: Option<&SecretString>,
        trace: &mut Trace,
        ledger: &mut Ledger,
    ) -> Result<Decision, Decision> {
        // 3. Resolve the login name.
        let login = self.resolve(ctx, authcid, authzid, trace)?;
        let name = login.authenticating().to_owned();
        ledger.audit.account = Some(name.clone());
        ledger.audit.acting_as = Some(login.target().to_owned());
        // 4. Find the account and the credential the secret names, then
        //    throttle the (network, account) pair.
        let hint = crate::secret_format::credential_of(secret.expose());
        let account = self
            .find(&name)
            .await
            .map_err(|error| self.directory_failure(ctx, error))?;
        let target = self.target_of(&name, account.as_deref(), hint, trace);
        let throttled_as = account
            .as_ref()
            .map_or(name.as_str(), |account| &account.name);
        let credential = credential_ref(&target, hint);
        // The pair's lock and the revocation epochs in one round trip
        // (a shared store pipelines them).
        let (throttled, epochs) = join(
            self.throttle_pair(ctx, &key(throttled_as), ledger, trace),
            self.read_epochs(
                account.as_ref().map(|account| account.name.as_str()),
                credential,
            ),
        )
        .await;
        throttled?;
        self.trace_epochs(&epochs, trace);
        ledger.audit.credential = Some(credential);
        let presented = secret;
        let (secret, code) = self.split_code(&target, account.as_deref(), secret, code, trace);
        // 5. Verify the credential (a dummy verify when there is none).
        let revision = account.as_ref().map_or(0, |account| account.revision);
        let checked = Checked {
            credential,
            target: &target,
            revision,
            epochs: &epochs,
        };
        let verified = self
            .verify_secret(ctx, &name, &checked, &secret, trace)
            .await;
        let (app, credential, epochs, rehash) = match verified {
            Ok(rehash) => (target.into_app(), credential, epochs, rehash),
            Err(refusal) => {
                // An app password whose secret names no id (Stalwart's),
                // when the settings let such secrets be tried.
                let found = match (hint, account.as_deref()) {
                    (None, Some(account)) if no_such_secret(&refusal) => {
                        self.app_password_without_id(ctx, account, presented, trace)
                            .await
                    }
                    _ => None,
                };
                let Some((app, credential, epochs)) = found else {
                    ledger.refused_secret = Some(self.secret_digest(&key(throttled_as), &secret));
                    return Err(refusal);
                };
                ledger.audit.credential = Some(credential);
                (Some(app), credential, epochs, None)
            }
        };
        let Some(account) = account else {
            return Err(self.deny(ctx, DenialReason::Internal("account vanished")));
        };
        let verified = VerifiedLogin {
            login,
            account,
            app,
            credential,
            epochs,
            rehash,
        };
        self.after_verification(ctx, verified, code.as_deref(), trace)
            .await
    }

    /// Steps 3 to 12 for a SCRAM exchange: as for a password, with the
    /// proof in place of the hash verification.
    pub(crate) async fn scram_path(
        &self,
        ctx: &Context,
        scram: ScramOutcome,
        trace: &mut Trace,
        ledger: &mut Ledger,
    ) -> Result<Decision, Decision> {
        // 3. Resolve the login name (as the exchange did to find the keys).
        let login = self.resolve(ctx, &scram.authcid, scram.authzid.as_deref(), trace)?;
        let name = login.authenticating().to_owned();
        ledger.audit.account = Some(name.clone());
        ledger.audit.acting_as = Some(login.target().to_owned());
        // 4. The account was found between the client's two messages; its
        //    pair is throttled as for a password.
        let throttled_as = scram
            .account
            .as_ref()
            .map_or(name.as_str(), |account| &account.name);
        let credential = CredentialRef {
            kind: CredentialKind::Password,
            id: None,
        };
        let (throttled, epochs) = join(
            self.throttle_pair(ctx, &key(throttled_as), ledger, trace),
            self.read_epochs(
                scram.account.as_ref().map(|account| account.name.as_str()),
                credential,
            ),
        )
        .await;
        throttled?;
        self.trace_epochs(&epochs, trace);
        ledger.audit.credential = Some(credential);
        // 5. The proof (checked by the exchange, against stand-in keys
        //    when there were none).
        let account = match (scram.refused, scram.account) {
            (None, Some(account)) => {
                trace.step("verify-credential", || {
                    format!("{} proof verified", scram.mechanism)
                });
                account
            }
            (refused, _) => {
                let reason = refused.unwrap_or(DenialReason::UnknownUser);
                trace.step("verify-credential", || {
                    format!("refused: {} proof ({})", scram.mechanism, reason.kind())
                });
                return Err(self.deny(ctx, reason));
            }
        };
        let verified = VerifiedLogin {
            login,
            account,
            app: None,
            credential,
            epochs,
            rehash: None,
        };
        self.after_verification(ctx, verified, None, trace).await
    }

    /// Steps 6 to 12, once the secret verified.
    async fn after_verification(
        &self,
        ctx: &Context,
        verified: VerifiedLogin,
        code: Option<&SecretString>,
        trace: &mut Trace,
    ) -> Result<Decision, Decision> {
        let VerifiedLogin {
            login,
            account,
            app,
            credential,
            epochs,
            rehash,
        } = verified;
        // 6. The account gate.
        let rights = self.account_gate(ctx, &account, trace).await?;
        // 7. The credential's expiry and address.
        self.credential_checks(ctx, app.as_deref(), trace)?;
        // 8. Scope the rights.
        let scoped = self.scope(app.as_deref(), &rights, trace);
        // 9. The surface gate, against the scope.
        self.surface_gate(ctx, &rights, &scoped, trace)?;
        // 10. The impersonation policy (boxed: the rarely taken path keeps
        //     the common future small).
        let (acting_as, session_rights, target_rights) = if login.is_impersonation() {
            Box::pin(
                self.impersonation_step(ctx, &login, &account, rights, scoped, credential, trace),
            )
            .await?
        } else {
            trace.step("impersonation", || "not asked".to_owned());
            (account.name.clone(), scoped, None)
        };
        // 11. The second factor, for password logins of enrolled accounts.
        if credential.kind == CredentialKind::Password && account.totp.is_some() {
            Box::pin(self.second_factor(ctx, &account, &rights, code, trace)).await?;
        } else {
            second_factor_not_asked(credential, trace);
        }
        // 12. Grant.
        let mut session_binding = password_binding(
            &account,
            &acting_as,
            app.as_deref(),
            credential,
            &rights,
            target_rights.as_ref(),
            rehash.as_ref(),
        );
        session_binding.epoch = epochs.for_binding();
        let grant = Grant {
            account: account.name.clone(),
            acting_as,
            credential,
            rights: session_rights,
            expires_at: app.as_ref().and_then(|app| app.expires_at),
            session_binding,
            rehash,
        };
        Ok(self.grant(grant, trace))
    }

    /// Step 3 for an API key presented alone: the number it carries names
    /// the account; then the password path goes on as for `name` + key.
    pub(crate) async fn api_key_path(
        &self,
        ctx: &Context,
        token: &SecretString,
        account_id: u32,
        credential_id: u32,
        trace: &mut Trace,
        ledger: &mut Ledger,
    ) -> Result<Decision, Decision> {
        let name = self
            .inner
            .directory
            .account_name_by_id(account_id)
            .await
            .map_err(|error| self.directory_failure(ctx, error))?;
        if let Some(name) = name {
            ledger.audit.login = Some(name.clone());
            return Box::pin(self.password_path(ctx, &name, None, token, None, trace, ledger))
                .await;
        }
        trace.step("resolve-login", || {
            format!("no account has the number {account_id}; a dummy verify follows")
        });
        let credential = CredentialRef {
            kind: CredentialKind::ApiKey,
            id: Some(u64::from(credential_id)),
        };
        ledger.audit.credential = Some(credential);
        let unknown = Target::Missing(DenialReason::UnknownUser);
        let checked = Checked {
            credential,
            target: &unknown,
            revision: 0,
            epochs: &Epochs::NoStore,
        };
        self.verify_secret(ctx, "", &checked, token, trace).await?;
        Err(self.deny(ctx, DenialReason::Internal("a dummy verify passed")))
    }

    /// Steps 3 to 12 for a bearer token.
    pub(crate) async fn bearer_path(
        &self,
        ctx: &Context,
        token: &SecretString,
        authzid: Option<&str>,
        user: Option<&str>,
        trace: &mut Trace,
        ledger: &mut Ledger,
    ) -> Result<Decision, Decision> {
        ledger.audit.credential = Some(CredentialRef {
            kind: CredentialKind::OidcToken,
            id: None,
        });
        // A name the client claims (XOAUTH2 `user=`) has its pair checked
        // before the token is: failed tokens for that name count there.
        if let Some(user) = user {
            self.throttle_pair(ctx, &key(user), ledger, trace).await?;
        }
        // 5. The token is the credential: validate it first (it names the
        //    account), and it must name the user the client claimed.
        let principal = self.validate_token(ctx, token, trace)?;
        self.token_names_user(ctx, user, &principal, trace)?;
        ledger.audit.login = Some(principal.username.clone());
        // 3. Resolve the login name: the provider's name is one name, never
        //    split; only OAUTHBEARER `a=` may ask to act as another.
        let login = self.resolve_asserted(ctx, &principal.username, authzid, trace)?;
        let name = login.authenticating().to_owned();
        ledger.audit.account = Some(name.clone());
        ledger.audit.acting_as = Some(login.target().to_owned());
        // 4. Find the account: a directory entry, a local principal, or the
        //    token's own roles.
        let found = self
            .find(&name)
            .await
            .map_err(|error| self.directory_failure(ctx, error))?;
        let (account, token_roles) = self.token_account(&name, found, &principal, trace);
        let credential = CredentialRef {
            kind: CredentialKind::OidcToken,
            id: None,
        };
        // The epochs the session will be revalidated against.
        let epochs = self.read_epochs(Some(&account.name), credential).await;
        self.trace_epochs(&epochs, trace);
        // 6. The account gate.
        let rights = self.account_gate(ctx, &account, trace).await?;
        // 7. The token's expiry was checked by the validator.
        trace.step("credential-checks", || {
            format!("token valid until {}", principal.expires_at)
        });
        // 8. Scope: a token carries the account's rights.
        trace.step("scope", || format!("inherit: {} permissions", rights.len()));
        // 9. Surface gate.
        self.surface_gate(ctx, &rights, &rights, trace)?;
        // 10. Impersonation.
        let (acting_as, session_rights, target_rights) = self
            .impersonation_step(ctx, &login, &account, rights, rights, credential, trace)
            .await?;
        // 11. The identity provider owns the second factor.
        trace.step("second-factor", || {
            "left to the identity provider".to_owned()
        });
        // 12. Grant.
        let session_binding = SessionBinding {
            account: account.name.clone(),
            acting_as: acting_as.clone(),
            credential,
            fingerprint: fingerprint_of(&[
                principal.issuer.as_bytes(),
                principal.subject.as_bytes(),
            ]),
            expires_at: Some(principal.expires_at.unix_timestamp()),
            rehashed_fingerprint: None,
            rights: Some(rights_fingerprint(&rights, target_rights.as_ref())),
            token_roles,
            epoch: epochs.for_binding(),
        };
        let grant = Grant {
            account: account.name.clone(),
            acting_as,
            credential,
            rights: session_rights,
            expires_at: Some(principal.expires_at),
            session_binding,
            rehash: None,
        };
        Ok(self.grant(grant, trace))
    }
}
