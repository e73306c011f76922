//! Steps 5, 7 and 11: the credential — the secret verified (or a dummy
//! verify), the credential's expiry and address, the second factor.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::borrow::Cow;
use std::sync::Arc;

use portcullis_credentials::{
    CacheKey, CredentialId, CredentialRecord, CredentialRefusal, OsRandom, StoredHash, Verified,
};
use portcullis_oidc::Principal;
use portcullis_permissions::{CredentialScope, Permission, PermissionSet};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::authenticator::Context;
use crate::directory::Account;
use crate::second_factor::{CodeMatch, SecondFactorHint, check_code};
use crate::secret_format::material;
use crate::trace::Trace;
use crate::{
    Authenticator, CredentialKind, CredentialRef, Decision, Denial, DenialReason, Rehash,
    SecretString,
};

use super::outcome::{credential_label, directory_reason};
use super::revocation::Epochs;
use super::{Checked, Target};

impl Authenticator {
    /// Step 5 for a bearer token: validated by the OIDC validator. A
    /// temporary refusal (keys not yet fetched, or being refreshed) is a
    /// `TryLater`, never counted as a guess.
    pub(crate) fn validate_token(
        &self,
        ctx: &Context,
        token: &SecretString,
        trace: &mut Trace,
    ) -> Result<Arc<Principal>, Decision> {
        let Some(validator) = &self.inner.oidc else {
            trace.step("verify-credential", || {
                "refused: no OIDC provider is configured".to_owned()
            });
            return Err(self.deny(ctx, DenialReason::BearerNotConfigured));
        };
        match validator.validate(token.expose(), ctx.now) {
            Ok(principal) => {
                trace.step("verify-credential", || {
                    format!(
                        "token of {} from {} (subject {}) verified",
                        principal.username, principal.issuer, principal.subject
                    )
                });
                Ok(principal)
            }
            Err(refusal) => {
                trace.step("verify-credential", || {
                    format!("refused: {refusal} ({})", refusal.kind())
                });
                let reason = if refusal.is_temporary() {
                    DenialReason::ProviderUnavailable(refusal)
                } else {
                    DenialReason::InvalidToken(refusal)
                };
                Err(self.deny(ctx, reason))
            }
        }
    }

    /// Step 4: a second factor typed after the password
    /// (`password:123456`), when the policy allows it and the account has
    /// one: the password and the code, split. Otherwise both as given.
    pub(crate) fn split_code<'a>(
        &self,
        target: &Target,
        account: Option<&Account>,
        secret: &'a SecretString,
        code: Option<&'a SecretString>,
        trace: &mut Trace,
    ) -> (Cow<'a, SecretString>, Option<Cow<'a, SecretString>>) {
        if code.is_none()
            && let (Some(policy), Target::Password(_), Some(totp)) = (
                &self.inner.password_with_code,
                target,
                account.and_then(|account| account.totp.as_ref()),
            )
            && let Some(split) = u8::try_from(totp.digits)
                .ok()
                .and_then(|digits| policy.split(secret.expose().as_bytes(), digits))
            && let Ok(password) = std::str::from_utf8(split.password)
        {
            trace.step("find-account", || {
                "the password field ends with a one-time code; it is checked at step 11".to_owned()
            });
            return (
                Cow::Owned(SecretString::from(password)),
                Some(Cow::Owned(SecretString::from(split.code))),
            );
        }
        (Cow::Borrowed(secret), code.map(Cow::Borrowed))
    }

    /// Step 5 again for a secret without a credential id that is not the
    /// account password: the account's whole-secret app passwords in turn
    /// (at most [`AuthenticatorBuilder::app_passwords_without_id`] of
    /// them), for app passwords whose secrets were issued elsewhere.
    ///
    /// [`AuthenticatorBuilder::app_passwords_without_id`]: crate::AuthenticatorBuilder::app_passwords_without_id
    pub(crate) async fn app_password_without_id(
        &self,
        ctx: &Context,
        account: &Account,
        secret: &SecretString,
        trace: &mut Trace,
    ) -> Option<(Box<CredentialRecord>, CredentialRef, Epochs)> {
        let max = self.inner.app_passwords_without_id;
        for record in account.whole_secret_credentials.iter().take(max) {
            let credential = CredentialRef {
                kind: CredentialKind::from_stored(record.kind),
                id: Some(u64::from(record.id.0)),
            };
            let epochs = self.read_epochs(Some(&account.name), credential).await;
            let target = Target::App(Box::new(record.clone()), true);
            let checked = Checked {
                credential,
                target: &target,
                revision: account.revision,
                epochs: &epochs,
            };
            if self
                .verify_secret(ctx, &account.name, &checked, secret, trace)
                .await
                .is_ok()
            {
                return target.into_app().map(|record| (record, credential, epochs));
            }
        }
        None
    }

    /// Step 5: the secret against the credential — from the local cache,
    /// the shared tier, or the hash (a dummy verify when there is none).
    pub(crate) async fn verify_secret(
        &self,
        ctx: &Context,
        name: &str,
        checked: &Checked<'_>,
        secret: &SecretString,
        trace: &mut Trace,
    ) -> Result<Option<Rehash>, Decision> {
        let Checked {
            credential,
            target,
            revision,
            epochs,
        } = *checked;
        // A cached verification is answered here, without a copy of the
        // record and without a thread hop.
        let probe = match target {
            Target::Password(hash) => Some((
                portcullis_credentials::CredentialKind::Password,
                CredentialId(0),
                revision,
                hash,
            )),
            Target::App(record, whole) => Some((
                if *whole {
                    // Verified like a password: the hash covers the whole secret.
                    portcullis_credentials::CredentialKind::Password
                } else {
                    record.kind
                },
                record.id,
                record.revision,
                &record.hash,
            )),
            Target::Missing(_) => None,
        };
        let mut shared = None;
        if let Some((kind, id, revision, hash)) = probe
            && let Some(cache_epochs) = epochs.for_cache()
            && let Some(material) = material(
                CredentialKind::from_stored(kind),
                secret.expose().as_bytes(),
            )
        {
            let key = CacheKey {
                account: name,
                kind,
                id,
                revision,
                epochs: cache_epochs,
                stored_hash: hash.as_str(),
            };
            let cache = self.inner.verifier.cache();
            if cache.is_some_and(|cache| cache.get(&key, &material, ctx.now).is_some()) {
                trace.step("verify-credential", || {
                    format!("{} verified (cached)", credential_label(credential))
                });
                return Ok(None);
            }
            shared = self.shared_digest(name, credential, revision, hash, epochs, &material);
            if self.shared_verified(shared).await {
                if let Some(cache) = cache {
                    let verified = Verified {
                        scheme: hash.scheme(),
                        needs_rehash: false,
                    };
                    cache.insert(&key, &material, verified, ctx.now);
                }
                trace.step("verify-credential", || {
                    format!(
                        "{} verified (cached by another server)",
                        credential_label(credential)
                    )
                });
                return Ok(None);
            }
        }
        let record = match target {
            Target::Password(hash) => Some(password_record(hash.clone(), revision)),
            Target::App(record, whole) => {
                let mut record = (**record).clone();
                if *whole {
                    record.kind = portcullis_credentials::CredentialKind::Password;
                }
                Some(record)
            }
            Target::Missing(_) => None,
        };
        let verifier = self.inner.verifier.clone();
        let account = name.to_owned();
        let presented = portcullis_credentials::Secret::from(secret.expose());
        let kind = credential
            .kind
            .stored()
            .unwrap_or(portcullis_credentials::CredentialKind::Password);
        let (now, remote_ip) = (ctx.now, ctx.remote_ip);
        let cache_epochs = epochs.for_cache();
        // Only an account password is upgraded: app passwords and API keys
        // are minted with the current hashing already.
        let upgradable = matches!(target, Target::Password(_));
        let outcome = self
            .inner
            .hashing
            .run(move || match record {
                Some(record) => verifier
                    .verify_credential_in_epochs(
                        &account,
                        &presented,
                        &record,
                        cache_epochs,
                        now,
                        remote_ip,
                    )
                    .map(|found| {
                        (upgradable && found.needs_rehash)
                            .then(|| verifier.hash_password(presented.expose(), &mut OsRandom))
                            .and_then(Result::ok)
                            .and_then(|fresh| StoredHash::parse(&fresh).ok())
                    }),
                None => Err(verifier.dummy_verify(&presented, kind)),
            })
            .await;
        let Some(outcome) = outcome else {
            return Err(self.deny(ctx, DenialReason::Internal("hashing task failed")));
        };
        let reason = match (target, outcome) {
            (Target::Missing(reason), _) => reason.clone(),
            (Target::Password(old), Ok(Some(fresh))) => {
                trace.step("verify-credential", || {
                    format!(
                        "{} verified; its {} hash is weaker than the policy: \
                         a new {} hash is offered in the grant's `rehash`",
                        credential_label(credential),
                        old.scheme(),
                        fresh.scheme()
                    )
                });
                self.share_verified(shared).await;
                return Ok(Some(Rehash::new(name.to_owned(), fresh, old)));
            }
            // Expiry and address are judged at step 7, after the account gate.
            (_, Ok(_) | Err(CredentialRefusal::Expired | CredentialRefusal::IpNotAllowed)) => {
                trace.step("verify-credential", || {
                    format!("{} verified", credential_label(credential))
                });
                self.share_verified(shared).await;
                return Ok(None);
            }
            (_, Err(CredentialRefusal::StoredHash(error))) => {
                DenialReason::StoredHashUnusable(error)
            }
            (_, Err(_)) => DenialReason::WrongSecret,
        };
        trace.step("verify-credential", || format!("refused: {reason}"));
        Err(self.deny(ctx, reason))
    }

    pub(crate) fn credential_checks(
        &self,
        ctx: &Context,
        app: Option<&CredentialRecord>,
        trace: &mut Trace,
    ) -> Result<(), Decision> {
        let Some(app) = app else {
            trace.step("credential-checks", || {
                "primary password: no expiry or address limit".to_owned()
            });
            return Ok(());
        };
        if let Some(expires_at) = app.expires_at
            && expires_at <= ctx.now
        {
            trace.step("credential-checks", || {
                format!("refused: expired at {expires_at}")
            });
            return Err(self.deny(ctx, DenialReason::CredentialExpired));
        }
        if !app.allowed_ips.is_empty()
            && !app
                .allowed_ips
                .iter()
                .any(|network| network.contains(&ctx.remote_ip.to_canonical()))
        {
            trace.step("credential-checks", || {
                format!("refused: {} is outside the allowed networks", ctx.remote_ip)
            });
            return Err(self.deny(ctx, DenialReason::IpNotAllowed));
        }
        trace.step("credential-checks", || {
            format!(
                "valid: {}; {}",
                app.expires_at
                    .map_or_else(|| "no expiry".to_owned(), |at| format!("expires {at}")),
                if app.allowed_ips.is_empty() {
                    "any address".to_owned()
                } else {
                    format!("{} is allowed", ctx.remote_ip)
                }
            )
        });
        Ok(())
    }

    pub(crate) async fn second_factor(
        &self,
        ctx: &Context,
        account: &Account,
        rights: &PermissionSet,
        code: Option<&SecretString>,
        trace: &mut Trace,
    ) -> Result<(), Decision> {
        if account.totp.is_none() {
            trace.step("second-factor", || "not enrolled".to_owned());
            return Ok(());
        }
        let Some(code) = code else {
            trace.step("second-factor", || {
                "refused: TOTP enrolled and no code given".to_owned()
            });
            return Err(self.second_factor_required(ctx, rights));
        };
        let totp = account.totp.clone();
        let recovery = account.recovery_codes.clone();
        let code_text = Zeroizing::new(code.expose().to_owned());
        let policy = *self.inner.verifier.policy();
        let unix = u64::try_from(ctx.now.unix_timestamp()).unwrap_or(0);
        let found = self
            .inner
            .hashing
            .run(move || check_code(totp.as_ref(), &recovery, &code_text, unix, &policy))
            .await
            .unwrap_or(CodeMatch::Invalid);
        let directory = &self.inner.directory;
        let outcome = match found {
            CodeMatch::Totp(step) => match directory.use_totp_step(&account.name, step).await {
                Ok(true) => Ok(format!("TOTP code accepted (step {step})")),
                Ok(false) => Err(DenialReason::TotpReplayed),
                Err(error) => Err(directory_reason(error)),
            },
            CodeMatch::Recovery(index) => {
                match directory.use_recovery_code(&account.name, index).await {
                    Ok(true) => Ok(format!("recovery code #{index} accepted and used up")),
                    Ok(false) => Err(DenialReason::SecondFactorInvalid),
                    Err(error) => Err(directory_reason(error)),
                }
            }
            CodeMatch::Invalid => Err(DenialReason::SecondFactorInvalid),
        };
        match outcome {
            Ok(text) => {
                trace.step("second-factor", || text);
                Ok(())
            }
            Err(reason) => {
                trace.step("second-factor", || format!("refused: {reason}"));
                Err(self.deny(ctx, reason))
            }
        }
    }

    /// The refusal of a right password without its second factor, with
    /// the public face the hint setting chooses.
    pub(crate) fn second_factor_required(&self, ctx: &Context, rights: &PermissionSet) -> Decision {
        let public = match self.inner.second_factor_hint {
            SecondFactorHint::Conceal => self.public(ctx, &DenialReason::WrongSecret),
            SecondFactorHint::Reveal => {
                let hint = if ctx.surface.is_interactive_web() {
                    "Second factor required: enter your one-time code"
                } else if self.inner.password_with_code.is_some() {
                    "Second factor required - append your one-time code to the password"
                } else if rights.contains(Permission::SysAppPasswordCreate) {
                    "Second factor required - use an app password"
                } else {
                    "Second factor required"
                };
                self.public(ctx, &DenialReason::SecondFactorRequired)
                    .with_message(hint)
            }
        };
        Decision::Deny(Denial {
            reason: DenialReason::SecondFactorRequired,
            public,
            retry_after: None,
        })
    }
}

/// The account password as a `portcullis-credentials` record, so it goes
/// through the same verifier and cache as app passwords.
pub(crate) fn password_record(hash: StoredHash, revision: u64) -> CredentialRecord {
    CredentialRecord {
        id: CredentialId(0),
        kind: portcullis_credentials::CredentialKind::Password,
        hash,
        description: String::new(),
        created_at: OffsetDateTime::UNIX_EPOCH,
        expires_at: None,
        allowed_ips: Vec::new(),
        scope: CredentialScope::Inherit,
        last_used: None,
        revision,
    }
}

/// Step 11 when no code is asked: why.
pub(crate) fn second_factor_not_asked(credential: CredentialRef, trace: &mut Trace) {
    if credential.kind == CredentialKind::Password {
        trace.step("second-factor", || "not enrolled".to_owned());
    } else {
        trace.step("second-factor", || {
            format!("not asked: {} logins skip it", credential.kind.name())
        });
    }
}
