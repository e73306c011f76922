//! [`Authenticator`]: the one `verify` call, and the order of its steps.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use portcullis_credentials::{PasswordWithCode, Verifier};
use portcullis_impersonation::{ImpersonationPolicy, LoginSyntax};
use portcullis_oidc::OidcValidator;
use portcullis_permissions::{LoginPolicy, RoleGraph, RoleRights, Surface};
use portcullis_sasl::scram::ScramDummyKey;
use portcullis_sasl::{Mechanism, MechanismPolicy, MechanismSet, Transport};
use time::OffsetDateTime;

use crate::audit::AuditRecord;
use crate::builder::AuthenticatorBuilder;
use crate::decide::transport::claimed_login;
use crate::directory::DynDirectory;
use crate::hashing::Hashing;
use crate::reply::HttpScheme;
use crate::revocation::{DynRevocationStore, SharedTier};
use crate::second_factor::SecondFactorHint;
use crate::throttle::{DynThrottleStore, ThrottlePolicy};
use crate::trace::Trace;
use crate::{AuthRequest, Decision, Explained, SaslSession, SaslStart};

/// A clock: returns "now". Inject one in tests.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// Judges login attempts. `Send + Sync`, cheap to clone (an `Arc` inside):
/// build one at start-up and share it with every connection.
///
/// See the [crate docs](crate) for an example, and
/// [`docs/security-model.md`] for the order of the steps.
///
/// [`docs/security-model.md`]: https://github.com/portcullis-auth/portcullis/blob/main/docs/security-model.md
#[derive(Clone)]
pub struct Authenticator {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("realm", &self.inner.realm)
            .field("oidc", &self.inner.oidc.is_some())
            .finish_non_exhaustive()
    }
}

/// What an [`Authenticator`] holds, shared by its clones.
pub(crate) struct Inner {
    pub(crate) directory: Arc<dyn DynDirectory>,
    pub(crate) oidc: Option<Arc<OidcValidator>>,
    pub(crate) oidc_default_roles: Vec<String>,
    pub(crate) syntax: LoginSyntax,
    pub(crate) impersonation: ImpersonationPolicy,
    pub(crate) login_policy: LoginPolicy,
    pub(crate) mechanisms: MechanismPolicy,
    pub(crate) surface_mechanisms: BTreeMap<Surface, MechanismPolicy>,
    pub(crate) trust_loopback: bool,
    pub(crate) throttle_policy: ThrottlePolicy,
    pub(crate) throttle: Arc<dyn DynThrottleStore>,
    pub(crate) verifier: Verifier,
    pub(crate) password_with_code: Option<PasswordWithCode>,
    pub(crate) second_factor_hint: SecondFactorHint,
    pub(crate) compiled_roles: std::sync::Mutex<Option<CompiledRoles>>,
    pub(crate) clock: Clock,
    pub(crate) hashing: Hashing,
    pub(crate) realm: Arc<str>,
    /// The per-process key of [`crate::SecretDigest`]s.
    pub(crate) secret_digest_key: [u8; 64],
    /// Where revocation epochs live, if anywhere.
    pub(crate) revocations: Option<Arc<dyn DynRevocationStore>>,
    /// The shared tier of the verification cache, if on.
    pub(crate) shared_tier: Option<SharedTier>,
    /// SCRAM, when the builder turned it on.
    pub(crate) scram: Option<ScramSetup>,
    /// How many whole-secret app passwords a secret without a credential
    /// id is tried against (0: none).
    pub(crate) app_passwords_without_id: usize,
    /// When (unix seconds) the last "revocation epochs unavailable"
    /// warning went out; 0 before the first.
    pub(crate) epochs_warned_at: std::sync::atomic::AtomicI64,
}

/// What SCRAM exchanges need beyond the account's keys.
pub(crate) struct ScramSetup {
    /// The directory's PBKDF2 count, for stand-in keys.
    pub(crate) iterations: u32,
    /// The per-process key stand-in keys are derived with.
    pub(crate) dummy_key: ScramDummyKey,
}

/// A role graph resolved once: each role's rights, for a few word
/// operations per login instead of a graph walk.
pub(crate) type CompiledRoles = (Arc<RoleGraph>, Arc<BTreeMap<String, RoleRights>>);

/// Where an attempt comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context {
    pub(crate) surface: Surface,
    pub(crate) remote_ip: IpAddr,
    pub(crate) tls: bool,
    pub(crate) now: OffsetDateTime,
    pub(crate) scheme: HttpScheme,
}

impl Authenticator {
    /// A builder.
    #[must_use]
    pub fn builder() -> AuthenticatorBuilder {
        AuthenticatorBuilder::default()
    }

    /// Judges one login attempt.
    pub async fn verify(&self, request: &AuthRequest) -> Decision {
        let mut trace = Trace::off();
        self.decide(request, &mut trace).await
    }

    /// Judges one login attempt (with the same effects as
    /// [`Authenticator::verify`]) and returns every rule consulted, in order.
    pub async fn explain(&self, request: &AuthRequest) -> Explained {
        let mut trace = Trace::on();
        let decision = self.decide(request, &mut trace).await;
        Explained {
            decision,
            trace: trace.into_steps(),
        }
    }

    /// Starts a SASL exchange run step by step by the server.
    #[must_use]
    pub fn start_sasl(&self, start: SaslStart<'_>) -> SaslSession {
        SaslSession::new(self.clone(), start)
    }

    /// The mechanism names to advertise to this client (IMAP `AUTH=…`,
    /// SMTP `EHLO` `AUTH …`): the surface's mechanism policy, applied to the
    /// connection's TLS state and, with
    /// [`trust_loopback`](AuthenticatorBuilder::trust_loopback), to whether
    /// the client is on loopback. These are exactly the mechanisms that
    /// [`verify`](Self::verify) and [`start_sasl`](Self::start_sasl) accept
    /// on that connection. Bearer mechanisms are offered only when OIDC is
    /// configured, SCRAM only when [`AuthenticatorBuilder::scram`] turned it
    /// on, and never `-PLUS` (see
    /// [`mechanisms_with_channel_binding`](Self::mechanisms_with_channel_binding)).
    #[must_use]
    pub fn mechanisms(&self, surface: Surface, tls: bool, remote_ip: IpAddr) -> Vec<&'static str> {
        self.offered(surface, self.transport(tls, Some(remote_ip)))
    }

    /// [`mechanisms`](Self::mechanisms) for a TLS connection whose
    /// channel-binding data the server hands to
    /// [`SaslSession::with_channel_binding`]: the SCRAM `-PLUS`
    /// mechanisms join the list (when SCRAM is on and the policy enables
    /// them).
    #[must_use]
    pub fn mechanisms_with_channel_binding(
        &self,
        surface: Surface,
        remote_ip: IpAddr,
    ) -> Vec<&'static str> {
        let transport = self.transport(true, Some(remote_ip)) | Transport::CHANNEL_BINDING;
        self.offered(surface, transport)
    }

    fn offered(&self, surface: Surface, transport: Transport) -> Vec<&'static str> {
        let mut set = self.policy_for(surface).advertised(transport);
        if self.inner.oidc.is_none() {
            set = set.difference(MechanismSet::BEARER);
        }
        if self.inner.scram.is_none() {
            set = set.difference(MechanismSet::SCRAM | MechanismSet::SCRAM_PLUS);
        }
        set.mechanisms().map(Mechanism::name).collect()
    }

    /// The OIDC validator, if configured (to drive its key fetching and
    /// readiness).
    #[must_use]
    pub fn oidc(&self) -> Option<&Arc<OidcValidator>> {
        self.inner.oidc.as_ref()
    }

    async fn decide(&self, request: &AuthRequest, trace: &mut Trace) -> Decision {
        let mut ctx = Context {
            surface: request.surface,
            remote_ip: request.remote_ip,
            tls: request.tls,
            now: request.now.unwrap_or_else(|| (self.inner.clock)()),
            scheme: HttpScheme::Basic,
        };
        let mut audit = AuditRecord::default();
        let presented = match self.parse(request, &mut ctx, trace, &mut audit.login) {
            Ok(presented) => presented,
            Err(reason) => {
                // A refusal before parsing finished (TLS required, a
                // mechanism not allowed, a broken exchange) still names the
                // login the client gave, when it gave one.
                if audit.login.is_none() {
                    audit.login = claimed_login(&request.credentials);
                }
                return self.conclude(&ctx, &audit, self.deny(&ctx, reason));
            }
        };
        self.decide_presented(ctx, presented, trace, &mut audit)
            .await
    }

    pub(crate) fn clock_now(&self) -> OffsetDateTime {
        (self.inner.clock)()
    }

    /// The mechanism policy of a surface.
    pub(crate) fn policy_for(&self, surface: Surface) -> &MechanismPolicy {
        self.inner
            .surface_mechanisms
            .get(&surface)
            .unwrap_or(&self.inner.mechanisms)
    }
}
