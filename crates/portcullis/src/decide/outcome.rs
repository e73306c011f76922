//! Step 12 and every refusal: the decision, its public face per protocol,
//! and the audit event.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::sync::Arc;
use std::time::Duration;

use portcullis_credentials::CredentialRecord;
use portcullis_permissions::{PermissionSet, Surface};
use time::OffsetDateTime;

use crate::audit::AuditRecord;
use crate::authenticator::Context;
use crate::directory::{Account, DirectoryError};
use crate::rehash::password_fingerprint;
use crate::reply::{FailureClass, HttpScheme};
use crate::revalidate::{credential_fingerprint, fingerprint_of, rights_fingerprint};
use crate::trace::Trace;
use crate::{
    Authenticator, CredentialRef, Decision, Denial, DenialReason, Grant, PublicFailure, Rehash,
    SessionBinding,
};

impl Authenticator {
    /// Step 12: the grant, traced.
    pub(crate) fn grant(&self, grant: Grant, trace: &mut Trace) -> Decision {
        trace.step("grant", || {
            format!(
                "{} as {} with {} ({} permissions)",
                grant.account,
                grant.acting_as,
                credential_label(grant.credential),
                grant.rights.len()
            )
        });
        Decision::Grant(grant)
    }

    /// Bookkeeping after a decision: throttle counts and the audit event.
    pub(crate) fn conclude(
        &self,
        ctx: &Context,
        audit: &AuditRecord,
        decision: Decision,
    ) -> Decision {
        audit.emit(ctx.surface, ctx.remote_ip, &decision);
        decision
    }

    pub(crate) fn directory_failure(&self, ctx: &Context, error: DirectoryError) -> Decision {
        self.deny(ctx, directory_reason(error))
    }

    /// The decision for a reason: `TryLater` for temporary failures.
    pub(crate) fn deny(&self, ctx: &Context, reason: DenialReason) -> Decision {
        let public = self.public(ctx, &reason);
        let temporary = matches!(
            reason,
            DenialReason::Throttled(_)
                | DenialReason::ProviderUnavailable(_)
                | DenialReason::DirectoryUnavailable(_)
                | DenialReason::DirectoryData(_)
                | DenialReason::RevocationUnavailable(_)
                | DenialReason::Internal(_)
        );
        let retry_after = public.retry_after().map(Duration::from_secs);
        let denial = Denial {
            reason,
            public,
            retry_after,
        };
        if temporary {
            Decision::TryLater(denial)
        } else {
            Decision::Deny(denial)
        }
    }

    /// The public face of a reason (see `docs/security-model.md`): every
    /// failure before the secret is proven gets the same face.
    pub(crate) fn public(&self, ctx: &Context, reason: &DenialReason) -> PublicFailure {
        let realm = Arc::clone(&self.inner.realm);
        let base = |class| PublicFailure::new(class, ctx.scheme, Arc::clone(&realm));
        match reason {
            DenialReason::Malformed(_) => base(FailureClass::Malformed),
            DenialReason::Cancelled => base(FailureClass::Cancelled),
            DenialReason::MechanismNotAllowed(_) => base(FailureClass::UnsupportedMechanism),
            DenialReason::TlsRequired(_) => base(FailureClass::TlsRequired),
            DenialReason::Throttled(_) => base(FailureClass::Throttled),
            DenialReason::MalformedLogin(_)
            | DenialReason::ChannelBinding(_)
            | DenialReason::UnknownUser
            | DenialReason::UnknownCredential
            | DenialReason::WrongSecret
            | DenialReason::StoredHashUnusable(_)
            | DenialReason::TokenUserMismatch
            | DenialReason::Revoked
            | DenialReason::RightsChanged => {
                self.bad_credentials(ctx, base(FailureClass::BadCredentials))
            }
            DenialReason::BearerNotConfigured => {
                base(FailureClass::BadCredentials).with_bearer_error("invalid_token", None, None)
            }
            DenialReason::AccountDisabled
            | DenialReason::TenantDisabled
            | DenialReason::AccountCannotAuthenticate => base(FailureClass::ContactAdmin),
            DenialReason::CredentialExpired => base(FailureClass::Expired),
            DenialReason::IpNotAllowed => base(FailureClass::NotAllowed)
                .with_message("This credential may not be used from your address"),
            DenialReason::SurfaceNotAllowed(surface) => base(FailureClass::NotAllowed)
                .with_message(format!(
                    "This account may not use {}",
                    surface_label(*surface)
                )),
            DenialReason::SurfaceNotInScope(surface) => base(FailureClass::NotAllowed)
                .with_message(format!(
                    "This credential may not be used for {}",
                    surface_label(*surface)
                )),
            DenialReason::ScopeLacksAuthenticate => base(FailureClass::NotAllowed)
                .with_message("This credential's scope does not allow signing in"),
            DenialReason::Impersonation(refusal) => {
                base(FailureClass::NotAllowed).with_message(refusal.public_message())
            }
            DenialReason::SecondFactorRequired => {
                let message = if ctx.surface.is_interactive_web() {
                    "Second factor required: enter your one-time code"
                } else {
                    "Second factor required - use an app password"
                };
                base(FailureClass::SecondFactorRequired).with_message(message)
            }
            DenialReason::SecondFactorInvalid => {
                base(FailureClass::BadCredentials).with_message("Invalid one-time or recovery code")
            }
            DenialReason::TotpReplayed => base(FailureClass::BadCredentials)
                .with_message("This one-time code was already used; wait for the next one"),
            DenialReason::InvalidToken(refusal) => {
                let class = if refusal.http_status() == 403 {
                    FailureClass::NotAllowed
                } else {
                    FailureClass::BadCredentials
                };
                base(class).with_bearer_error(
                    refusal.error_code().as_str(),
                    refusal.scope().map(str::to_owned),
                    None,
                )
            }
            DenialReason::ProviderUnavailable(refusal) => base(FailureClass::Unavailable)
                .with_bearer_error(refusal.error_code().as_str(), None, None)
                .with_retry_after(self.provider_retry_after(ctx)),
            DenialReason::DirectoryUnavailable(_)
            | DenialReason::DirectoryData(_)
            | DenialReason::RevocationUnavailable(_)
            | DenialReason::Internal(_) => base(FailureClass::Unavailable).with_retry_after(30),
        }
    }

    pub(crate) fn bad_credentials(&self, ctx: &Context, failure: PublicFailure) -> PublicFailure {
        match ctx.scheme {
            HttpScheme::Bearer => failure.with_bearer_error("invalid_token", None, None),
            HttpScheme::Basic => failure,
        }
    }

    pub(crate) fn provider_retry_after(&self, ctx: &Context) -> u64 {
        self.inner
            .oidc
            .as_ref()
            .and_then(|validator| validator.next_fetch_at())
            .map_or(30, |at| {
                u64::try_from((at - ctx.now).whole_seconds())
                    .unwrap_or(1)
                    .clamp(1, 300)
            })
    }
}

pub(crate) fn credential_label(credential: CredentialRef) -> String {
    match credential.id {
        Some(id) => format!("{} {id}", credential.kind.name()),
        None => credential.kind.name().to_owned(),
    }
}

/// How a surface is named in replies.
pub(crate) const fn surface_label(surface: Surface) -> &'static str {
    match surface {
        Surface::Imap => "IMAP",
        Surface::Pop3 => "POP3",
        Surface::Smtp => "SMTP submission",
        Surface::ManageSieve => "ManageSieve",
        Surface::Jmap => "JMAP",
        Surface::CalDav => "CalDAV",
        Surface::CardDav => "CardDAV",
        Surface::WebDav => "WebDAV",
        Surface::Portal => "the web portal",
        Surface::Admin => "the admin console",
        _ => "this service",
    }
}

pub(crate) fn directory_reason(error: DirectoryError) -> DenialReason {
    match error {
        DirectoryError::Data(detail) => DenialReason::DirectoryData(detail),
        DirectoryError::Unavailable(detail) => DenialReason::DirectoryUnavailable(detail),
    }
}

/// The binding of a session opened with a password-form secret: the
/// stored credential's fingerprint (and the offered rehash's), its expiry,
/// and the rights digest `revalidate` compares.
pub(crate) fn password_binding(
    account: &Account,
    acting_as: &str,
    app: Option<&CredentialRecord>,
    credential: CredentialRef,
    rights: &PermissionSet,
    target_rights: Option<&PermissionSet>,
    rehash: Option<&Rehash>,
) -> SessionBinding {
    let fingerprint = match app {
        Some(app) => credential_fingerprint(app),
        None => account
            .password
            .as_ref()
            .map_or_else(|| fingerprint_of(&[b""]), password_fingerprint),
    };
    SessionBinding {
        account: account.name.clone(),
        acting_as: acting_as.to_owned(),
        credential,
        fingerprint,
        expires_at: app
            .and_then(|app| app.expires_at)
            .map(OffsetDateTime::unix_timestamp),
        rehashed_fingerprint: rehash.map(Rehash::fingerprint),
        rights: Some(rights_fingerprint(rights, target_rights)),
        token_roles: None,
        epoch: None,
    }
}
