//! [`Authenticator`]: the one `verify` call, and the order of its steps.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use portcullis_credentials::{
    ApiKey, CacheKey, CredentialId, CredentialRecord, CredentialRefusal, HashPolicy, OsRandom,
    PasswordWithCode, RandomSource, StoredHash, Verifier,
};
use portcullis_impersonation::{
    AccountFacts, ActorCredential, Attempt, CredentialClass, CredentialId as ActorCredentialId,
    ImpersonationPolicy, LoginName, LoginSyntax,
};
use portcullis_oidc::OidcValidator;
use portcullis_permissions::{
    CredentialScope, LoginPolicy, LoginRefusal, Permission, PermissionSet, RoleGraph, RoleRights,
    Surface,
};
use portcullis_sasl::{
    Credentials, Mechanism, MechanismPolicy, MechanismSet, ServerExchange, Step, Transport,
};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::audit::AuditRecord;
use crate::directory::{Account, Directory, DirectoryError, DynDirectory, Tenant};
use crate::hashing::Hashing;
use crate::memory::key;
use crate::rehash::password_fingerprint;
use crate::reply::{FailureClass, HttpScheme};
use crate::second_factor::{CodeMatch, SecondFactorHint, check_code};
use crate::secret_format::material;
use crate::throttle::{
    DynThrottleStore, MemoryThrottle, ThrottleKey, ThrottlePolicy, ThrottleStore,
};
use crate::trace::Trace;
use crate::{
    AuthRequest, CredentialKind, CredentialRef, Decision, Denial, DenialReason, Error, Explained,
    Grant, PublicFailure, Rehash, RequestCredentials, SaslSession, SaslStart, SecretString,
    SessionBinding,
};

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
    inner: Arc<Inner>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("realm", &self.inner.realm)
            .field("oidc", &self.inner.oidc.is_some())
            .finish_non_exhaustive()
    }
}

struct Inner {
    directory: Arc<dyn DynDirectory>,
    oidc: Option<Arc<OidcValidator>>,
    oidc_default_roles: Vec<String>,
    syntax: LoginSyntax,
    impersonation: ImpersonationPolicy,
    login_policy: LoginPolicy,
    mechanisms: MechanismPolicy,
    surface_mechanisms: BTreeMap<Surface, MechanismPolicy>,
    trust_loopback: bool,
    throttle_policy: ThrottlePolicy,
    throttle: Arc<dyn DynThrottleStore>,
    verifier: Verifier,
    password_with_code: Option<PasswordWithCode>,
    second_factor_hint: SecondFactorHint,
    compiled_roles: std::sync::Mutex<Option<CompiledRoles>>,
    clock: Clock,
    hashing: Hashing,
    realm: Arc<str>,
}

/// Configures an [`Authenticator`].
pub struct AuthenticatorBuilder {
    directory: Option<Arc<dyn DynDirectory>>,
    oidc: Option<Arc<OidcValidator>>,
    oidc_default_roles: Vec<String>,
    syntax: LoginSyntax,
    impersonation: ImpersonationPolicy,
    login_policy: LoginPolicy,
    mechanisms: MechanismPolicy,
    surface_mechanisms: BTreeMap<Surface, MechanismPolicy>,
    trust_loopback: bool,
    throttle_policy: ThrottlePolicy,
    throttle: Option<Arc<dyn DynThrottleStore>>,
    hash_policy: HashPolicy,
    verifier: Option<Verifier>,
    password_with_code: Option<PasswordWithCode>,
    second_factor_hint: SecondFactorHint,
    clock: Option<Clock>,
    random: Option<Box<dyn RandomSource + Send>>,
    hashing: Hashing,
    realm: String,
    cache: Option<(u64, Duration)>,
}

impl fmt::Debug for AuthenticatorBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthenticatorBuilder")
            .field("realm", &self.realm)
            .field("directory", &self.directory.is_some())
            .finish_non_exhaustive()
    }
}

impl Default for AuthenticatorBuilder {
    fn default() -> Self {
        AuthenticatorBuilder {
            directory: None,
            oidc: None,
            oidc_default_roles: vec![portcullis_permissions::preset::USER.to_owned()],
            syntax: LoginSyntax::default(),
            impersonation: ImpersonationPolicy::default(),
            login_policy: LoginPolicy::default(),
            mechanisms: MechanismPolicy::new(),
            surface_mechanisms: BTreeMap::new(),
            trust_loopback: false,
            throttle_policy: ThrottlePolicy::default(),
            throttle: None,
            hash_policy: HashPolicy::default(),
            verifier: None,
            password_with_code: None,
            second_factor_hint: SecondFactorHint::default(),
            clock: None,
            random: None,
            hashing: Hashing::default(),
            realm: "portcullis".to_owned(),
            cache: Some((DEFAULT_CACHE_ENTRIES, DEFAULT_CACHE_TTL)),
        }
    }
}

impl AuthenticatorBuilder {
    /// The directory (required).
    #[must_use]
    pub fn directory(mut self, directory: impl Directory) -> Self {
        self.directory = Some(Arc::new(directory));
        self
    }

    /// OIDC providers for bearer tokens. Without one, bearer logins are
    /// refused and OAUTHBEARER/XOAUTH2 are not advertised.
    #[must_use]
    pub fn oidc(mut self, validator: Arc<OidcValidator>) -> Self {
        self.oidc = Some(validator);
        self
    }

    /// Roles given to a token's principal that has no directory entry and
    /// no mapped roles (default: `user`).
    #[must_use]
    pub fn oidc_default_roles<I, S>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.oidc_default_roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// The login-name syntax (`%` by default).
    #[must_use]
    pub fn login_syntax(mut self, syntax: LoginSyntax) -> Self {
        self.syntax = syntax;
        self
    }

    /// The impersonation policy.
    #[must_use]
    pub fn impersonation(mut self, policy: ImpersonationPolicy) -> Self {
        self.impersonation = policy;
        self
    }

    /// The login gates.
    #[must_use]
    pub fn login_policy(mut self, policy: LoginPolicy) -> Self {
        self.login_policy = policy;
        self
    }

    /// The SASL mechanism policy (also applied to Basic logins as PLAIN:
    /// no cleartext password without TLS).
    #[must_use]
    pub fn mechanisms(mut self, policy: MechanismPolicy) -> Self {
        self.mechanisms = policy;
        self
    }

    /// A mechanism policy for one surface, in place of the general one
    /// ([`mechanisms`](Self::mechanisms)): say, LOGIN with base64 prompts
    /// on SMTP submission for old Outlook clients while IMAP offers PLAIN
    /// and the bearer mechanisms only.
    #[must_use]
    pub fn mechanisms_for(mut self, surface: Surface, policy: MechanismPolicy) -> Self {
        self.surface_mechanisms.insert(surface, policy);
        self
    }

    /// Treats loopback clients as a local transport, which the mechanism
    /// policy may trust ([`MechanismPolicy::trust_local_transport`]).
    #[must_use]
    pub fn trust_loopback(mut self, trust: bool) -> Self {
        self.trust_loopback = trust;
        self
    }

    /// The throttle's settings.
    #[must_use]
    pub fn throttle_policy(mut self, policy: ThrottlePolicy) -> Self {
        self.throttle_policy = policy;
        self
    }

    /// Where throttle counts live (default: a [`MemoryThrottle`]).
    #[must_use]
    pub fn throttle_store(mut self, store: impl ThrottleStore) -> Self {
        self.throttle = Some(Arc::new(store));
        self
    }

    /// The password hash policy (cost limits, argon2 parameters of the
    /// dummy verify). Ignored when [`AuthenticatorBuilder::verifier`] is set.
    #[must_use]
    pub fn hash_policy(mut self, policy: HashPolicy) -> Self {
        self.hash_policy = policy;
        self
    }

    /// The credential verifier (hash policy, verified-credential cache,
    /// dummy hashes) from `portcullis-credentials`; by default one is built
    /// from [`AuthenticatorBuilder::hash_policy`] and
    /// [`AuthenticatorBuilder::verification_cache`].
    #[must_use]
    pub fn verifier(mut self, verifier: Verifier) -> Self {
        self.verifier = Some(verifier);
        self
    }

    /// Accepts `password` + separator + TOTP code in the password field for
    /// accounts with a second factor, on protocols that cannot prompt for
    /// one (off by default; see `portcullis_credentials::PasswordWithCode`
    /// for the trade-off). Such accounts then always need the code.
    #[must_use]
    pub fn password_with_code(mut self, policy: PasswordWithCode) -> Self {
        self.password_with_code = Some(policy);
        self
    }

    /// What a right password without its second factor is told (default
    /// [`SecondFactorHint::Reveal`]; see its docs for the trade-off).
    #[must_use]
    pub fn second_factor_hint(mut self, hint: SecondFactorHint) -> Self {
        self.second_factor_hint = hint;
        self
    }

    /// The clock (default: the system clock).
    #[must_use]
    pub fn clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// The random source used at build time (dummy hash salt, cache key).
    #[must_use]
    pub fn random(mut self, random: impl RandomSource + Send + 'static) -> Self {
        self.random = Some(Box::new(random));
        self
    }

    /// Where hashing runs (default: tokio's blocking pool when the `tokio`
    /// feature is on and a runtime is present).
    #[must_use]
    pub fn hashing(mut self, hashing: Hashing) -> Self {
        self.hashing = hashing;
        self
    }

    /// The realm of HTTP challenges (default `portcullis`).
    #[must_use]
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = realm.into();
        self
    }

    /// Bounds the verified-credential cache (default 100,000 entries for
    /// an hour); `entries = 0` turns it off, so every login hashes.
    #[must_use]
    pub fn verification_cache(mut self, entries: u64, ttl: Duration) -> Self {
        self.cache = (entries > 0).then_some((entries, ttl));
        self
    }

    /// Builds the authenticator: makes the dummy hash (with the policy's
    /// argon2 parameters) and the cache key.
    ///
    /// # Errors
    /// [`Error::MissingDirectory`]; [`Error::Credentials`] if the random
    /// source fails or the argon2 parameters are invalid.
    pub fn build(self) -> Result<Authenticator, Error> {
        let directory = self.directory.ok_or(Error::MissingDirectory)?;
        let verifier = match self.verifier {
            Some(verifier) => verifier,
            None => {
                let mut random: Box<dyn RandomSource + Send> = match self.random {
                    Some(random) => random,
                    None => Box::new(OsRandom),
                };
                let builder = Verifier::builder().policy(self.hash_policy);
                let builder = match self.cache {
                    Some((entries, ttl)) => builder.cache(
                        entries,
                        time::Duration::try_from(ttl).unwrap_or(time::Duration::HOUR),
                    ),
                    None => builder.without_cache(),
                };
                builder.build_with(&mut *random)?
            }
        };
        let clock = self
            .clock
            .unwrap_or_else(|| Arc::new(OffsetDateTime::now_utc));
        Ok(Authenticator {
            inner: Arc::new(Inner {
                directory,
                oidc: self.oidc,
                oidc_default_roles: self.oidc_default_roles,
                syntax: self.syntax,
                impersonation: self.impersonation,
                login_policy: self.login_policy,
                mechanisms: self.mechanisms,
                surface_mechanisms: self.surface_mechanisms,
                trust_loopback: self.trust_loopback,
                throttle_policy: self.throttle_policy,
                throttle: self
                    .throttle
                    .unwrap_or_else(|| Arc::new(MemoryThrottle::default())),
                verifier,
                password_with_code: self.password_with_code,
                second_factor_hint: self.second_factor_hint,
                compiled_roles: std::sync::Mutex::new(None),
                clock,
                hashing: self.hashing,
                realm: Arc::from(self.realm),
            }),
        })
    }
}

/// Default size of the verified-credential cache.
const DEFAULT_CACHE_ENTRIES: u64 = portcullis_credentials::DEFAULT_CACHE_CAPACITY;
/// Default lifetime of a verified-credential cache entry (one hour).
const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(3600);

/// A role graph resolved once: each role's rights, for a few word
/// operations per login instead of a graph walk.
type CompiledRoles = (Arc<RoleGraph>, Arc<BTreeMap<String, RoleRights>>);

/// Where an attempt comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Context {
    pub(crate) surface: Surface,
    pub(crate) remote_ip: IpAddr,
    pub(crate) tls: bool,
    pub(crate) now: OffsetDateTime,
    pub(crate) scheme: HttpScheme,
}

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

/// What one attempt leaves behind besides its decision: the audit record
/// and the throttle buckets it touched (failures are counted in, a grant
/// resets, exactly these).
pub(crate) struct Ledger {
    audit: AuditRecord,
    throttle: Vec<ThrottleKey>,
}

/// The end of a step: a denial (possibly temporary) short-circuits.
type StepResult<T> = Result<T, Decision>;

/// The credential a password-form secret is checked against.
enum Target {
    Password(StoredHash),
    /// A stored credential; `true` when its hash covers the whole secret.
    App(Box<CredentialRecord>, bool),
    Missing(DenialReason),
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
    /// [`verify`](Self::verify) accepts on that connection. Bearer
    /// mechanisms are offered only when OIDC is configured.
    #[must_use]
    pub fn mechanisms(&self, surface: Surface, tls: bool, remote_ip: IpAddr) -> Vec<&'static str> {
        let transport = self.transport(tls, Some(remote_ip));
        let mut set = self.policy_for(surface).advertised(transport);
        if self.inner.oidc.is_none() {
            set = set.difference(MechanismSet::BEARER);
        }
        set.mechanisms().map(Mechanism::name).collect()
    }

    /// The OIDC validator, if configured (to drive its key fetching and
    /// readiness).
    #[must_use]
    pub fn oidc(&self) -> Option<&Arc<OidcValidator>> {
        self.inner.oidc.as_ref()
    }

    /// Whether a session made from a grant is still valid: the credential
    /// still exists unchanged and unexpired, the accounts are still open,
    /// and their effective rights are the ones the session was granted
    /// (a role, tenant or permission change ends it; the client signs in
    /// again and gets the new rights).
    ///
    /// # Errors
    /// The [`DenialReason`] that ends the session: `credential-revoked`,
    /// `credential-expired`, `rights-changed`, `account-disabled`,
    /// `tenant-disabled`, `account-cannot-authenticate`, `unknown-user`, or
    /// a directory failure.
    pub async fn revalidate(&self, binding: &SessionBinding) -> Result<(), DenialReason> {
        let now = (self.inner.clock)();
        if binding
            .expires_at
            .is_some_and(|expires| expires <= now.unix_timestamp())
        {
            return Err(DenialReason::CredentialExpired);
        }
        let found = self
            .find(&key(&binding.account))
            .await
            .map_err(directory_reason)?;
        let token = binding.credential.kind == CredentialKind::OidcToken;
        let account = match (found, &binding.token_roles) {
            // A token principal that had no directory entry: its rights are
            // those of the roles it was given, recomputed now.
            (None, Some(roles)) if token => {
                Arc::new(Account::new(binding.account.clone()).with_roles(roles.iter().cloned()))
            }
            // Bindings stored before token sessions carried rights keep the
            // old check (expiry only).
            (None, None) if token && binding.rights.is_none() => return Ok(()),
            (None, _) => return Err(DenialReason::Revoked),
            // The name now has a directory entry: a new login would get its
            // rights, not the token's.
            (Some(_), Some(_)) => return Err(DenialReason::RightsChanged),
            (Some(account), None) => account,
        };
        let fingerprint = match binding.credential.kind {
            CredentialKind::OidcToken => None,
            CredentialKind::Password => {
                let hash = account.password.as_ref().ok_or(DenialReason::Revoked)?;
                Some(password_fingerprint(hash))
            }
            kind => {
                let id = binding.credential.id.ok_or(DenialReason::Revoked)?;
                let credential = account.credential(kind, id).ok_or(DenialReason::Revoked)?;
                if credential.expires_at.is_some_and(|expires| expires <= now) {
                    return Err(DenialReason::CredentialExpired);
                }
                Some(credential_fingerprint(credential))
            }
        };
        // The hash a grant offered for storing is as good as the old one.
        if fingerprint.is_some_and(|fingerprint| {
            fingerprint != binding.fingerprint
                && binding.rehashed_fingerprint.as_ref() != Some(&fingerprint)
        }) {
            return Err(DenialReason::Revoked);
        }
        // The account, tenant and rights checks run for every session, of
        // every credential kind, as they do at login.
        if account.disabled {
            return Err(DenialReason::AccountDisabled);
        }
        let rights = self.open_rights(&account).await?;
        self.inner
            .login_policy
            .check_account(&rights)
            .map_err(login_reason)?;
        let target_rights = if binding.acting_as == binding.account {
            None
        } else {
            let target = self
                .find(&key(&binding.acting_as))
                .await
                .map_err(directory_reason)?;
            match target {
                Some(target) if !target.disabled => Some(self.open_rights(&target).await?),
                Some(_) => return Err(DenialReason::AccountDisabled),
                None => return Err(DenialReason::UnknownUser),
            }
        };
        if let Some(expected) = &binding.rights
            && rights_fingerprint(&rights, target_rights.as_ref()) != *expected
        {
            return Err(DenialReason::RightsChanged);
        }
        Ok(())
    }

    /// The effective rights of an account whose tenant is open.
    async fn open_rights(&self, account: &Account) -> Result<PermissionSet, DenialReason> {
        let tenant = self.tenant_of(account).await?;
        if tenant.as_ref().is_some_and(|tenant| tenant.disabled) {
            return Err(DenialReason::TenantDisabled);
        }
        self.rights_of(account, tenant.as_ref()).await
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
                return self.conclude(&ctx, &audit, self.refuse(&ctx, reason));
            }
        };
        self.decide_presented(ctx, presented, trace, &mut audit)
            .await
    }

    /// Step 1: parse.
    fn parse(
        &self,
        request: &AuthRequest,
        ctx: &mut Context,
        trace: &mut Trace,
        claimed: &mut Option<String>,
    ) -> Result<Presented, DenialReason> {
        let result = match &request.credentials {
            RequestCredentials::Sasl {
                mechanism,
                responses,
            } => self
                .run_sasl(mechanism, responses, ctx, claimed)
                .and_then(|credentials| Presented::from_sasl(&credentials)),
            RequestCredentials::Basic { username, secret } => {
                self.check_cleartext(ctx).map(|()| Presented::Password {
                    mechanism: "BASIC",
                    authcid: username.clone(),
                    authzid: None,
                    secret: secret.clone(),
                    code: None,
                })
            }
            RequestCredentials::PasswordAndCode {
                username,
                password,
                code,
            } => self.check_cleartext(ctx).map(|()| Presented::Password {
                mechanism: "PASSWORD+CODE",
                authcid: username.clone(),
                authzid: None,
                secret: password.clone(),
                code: Some(code.clone()),
            }),
            RequestCredentials::Decoded(credentials) => {
                let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
                self.policy_for(ctx.surface)
                    .check(credentials.mechanism(), transport)
                    .map_err(sasl_reason)
                    .and_then(|()| Presented::from_sasl(credentials))
            }
            RequestCredentials::Bearer { token } => {
                ctx.scheme = HttpScheme::Bearer;
                match ApiKey::parse(token.expose().as_bytes()) {
                    // Long-lived like a password: the same TLS rule.
                    Some(key) => self.check_cleartext(ctx).map(|()| Presented::ApiKey {
                        token: token.clone(),
                        account_id: key.account_id(),
                        credential_id: key.credential_id().0,
                    }),
                    // A bearer token is as replayable as a password
                    // (RFC 6750 §5.3): the same TLS rule.
                    None => {
                        self.check_protected(ctx, "a bearer token")
                            .map(|()| Presented::Bearer {
                                mechanism: "BEARER",
                                token: token.clone(),
                                authzid: None,
                                user: None,
                            })
                    }
                }
            }
        };
        if let Ok(Presented::Bearer { .. }) = &result {
            ctx.scheme = HttpScheme::Bearer;
        }
        if let RequestCredentials::Sasl { mechanism, .. } = &request.credentials
            && Mechanism::from_name(mechanism).is_ok_and(Mechanism::is_bearer)
        {
            ctx.scheme = HttpScheme::Bearer;
        }
        if let RequestCredentials::Decoded(credentials) = &request.credentials
            && credentials.mechanism().is_bearer()
        {
            ctx.scheme = HttpScheme::Bearer;
        }
        match &result {
            Ok(Presented::Password {
                mechanism,
                authcid,
                authzid,
                code,
                ..
            }) => trace.step("parse", || {
                format!(
                    "{mechanism}: login {authcid:?}{}{}",
                    authzid
                        .as_ref()
                        .map(|authzid| format!(", authzid {authzid:?}"))
                        .unwrap_or_default(),
                    if code.is_some() {
                        ", with a second-factor code"
                    } else {
                        ""
                    }
                )
            }),
            Ok(Presented::Bearer { mechanism, .. }) => {
                trace.step("parse", || format!("{mechanism}: bearer token"));
            }
            Ok(Presented::ApiKey {
                account_id,
                credential_id,
                ..
            }) => trace.step("parse", || {
                format!("BEARER: API key {credential_id} of account number {account_id}")
            }),
            Err(reason) => trace.step("parse", || format!("refused: {reason}")),
        }
        result
    }

    fn transport(&self, tls: bool, remote_ip: Option<IpAddr>) -> Transport {
        let mut transport = Transport::empty();
        if tls {
            transport |= Transport::TLS;
        }
        if self.inner.trust_loopback && remote_ip.is_some_and(|ip| ip.is_loopback()) {
            transport |= Transport::LOCAL;
        }
        transport
    }

    fn check_cleartext(&self, ctx: &Context) -> Result<(), DenialReason> {
        let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
        self.policy_for(ctx.surface)
            .check(Mechanism::Plain, transport)
            .map_err(|error| match error {
                portcullis_sasl::Error::TlsRequired(_) => {
                    DenialReason::TlsRequired("a cleartext password".to_owned())
                }
                other => sasl_reason(other),
            })
    }

    /// The TLS rule for a secret presented outside SASL whose form has no
    /// mechanism to enable or disable (an HTTP bearer token).
    fn check_protected(&self, ctx: &Context, what: &str) -> Result<(), DenialReason> {
        let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
        if self.policy_for(ctx.surface).protects(transport) {
            Ok(())
        } else {
            Err(DenialReason::TlsRequired(what.to_owned()))
        }
    }

    fn run_sasl(
        &self,
        mechanism: &str,
        responses: &[Vec<u8>],
        ctx: &Context,
        claimed: &mut Option<String>,
    ) -> Result<Credentials, DenialReason> {
        let transport = self.transport(ctx.tls, Some(ctx.remote_ip));
        let (mut exchange, mut step) =
            ServerExchange::start(mechanism, None, self.policy_for(ctx.surface), transport)
                .map_err(sasl_reason_named(mechanism))?;
        let mut responses = responses.iter();
        loop {
            match step {
                Step::Continue(_) => {
                    if let Some(name) = exchange.login_name() {
                        *claimed = Some(name.to_owned());
                    }
                    let response = responses.next().ok_or(DenialReason::Malformed(
                        portcullis_sasl::Error::InvalidState,
                    ))?;
                    step = exchange.step(response).map_err(sasl_reason)?;
                }
                Step::Done(credentials) => {
                    if responses.next().is_some() {
                        return Err(DenialReason::Malformed(
                            portcullis_sasl::Error::TrailingData,
                        ));
                    }
                    return Ok(credentials);
                }
                _ => {
                    return Err(DenialReason::Malformed(
                        portcullis_sasl::Error::InvalidState,
                    ));
                }
            }
        }
    }

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
            Presented::Bearer { user, authzid, .. } => user.clone().or_else(|| authzid.clone()),
            Presented::ApiKey { .. } => None,
        };
        audit.login.clone_from(&login);
        // 2. Throttle the client network. The (network, account) pair is
        //    checked once the account is known (step 4), so that every
        //    spelling of a name, and every impersonation form, meets the
        //    same lock.
        let mut keys = self.network_key(&ctx);
        if let Err(decision) = self.throttle_check(&ctx, keys.first(), trace).await {
            return self.conclude(&ctx, audit, decision);
        }
        let mut ledger = Ledger {
            audit: std::mem::take(audit),
            throttle: keys,
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
        keys = ledger.throttle;
        *audit = ledger.audit;
        self.record_outcome(&keys, &ctx, &decision).await;
        self.conclude(&ctx, audit, decision)
    }

    /// Bookkeeping after a decision: throttle counts and the audit event.
    fn conclude(&self, ctx: &Context, audit: &AuditRecord, decision: Decision) -> Decision {
        audit.emit(ctx.surface, ctx.remote_ip, &decision);
        decision
    }

    async fn record_outcome(&self, keys: &[ThrottleKey], ctx: &Context, decision: &Decision) {
        match decision {
            Decision::Grant(_) => {
                for key in keys
                    .iter()
                    .filter(|key| matches!(key, ThrottleKey::Pair(..)))
                {
                    self.inner.throttle.reset(key).await;
                }
            }
            Decision::Deny(denial) if denial.reason.counts_as_failure() => {
                for key in keys {
                    let rule = match key {
                        ThrottleKey::Network(_) => self.inner.throttle_policy.per_network,
                        ThrottleKey::Pair(..) => self.inner.throttle_policy.per_pair,
                    };
                    self.inner.throttle.record_failure(key, rule, ctx.now).await;
                }
            }
            Decision::Deny(_) | Decision::TryLater(_) => {}
        }
    }

    /// The client network's throttle bucket (none when throttling is off
    /// or the address is exempt).
    fn network_key(&self, ctx: &Context) -> Vec<ThrottleKey> {
        let policy = &self.inner.throttle_policy;
        if !policy.enabled || policy.is_exempt(ctx.remote_ip) {
            return Vec::new();
        }
        vec![ThrottleKey::Network(policy.network_of(ctx.remote_ip))]
    }

    /// Step 4's throttle check: the (network, account) pair, keyed by the
    /// canonical name of the account whose secret is tried — the
    /// directory's own spelling when it has the account — never by the
    /// raw login, so `victim`, `Victim`, an NFD spelling, `victim%victim`
    /// and `anything%victim` all count against one pair.
    async fn throttle_pair(
        &self,
        ctx: &Context,
        account: &str,
        ledger: &mut Ledger,
        trace: &mut Trace,
    ) -> StepResult<()> {
        let policy = &self.inner.throttle_policy;
        if ledger.throttle.is_empty() {
            // Throttling is off or the address is exempt.
            return Ok(());
        }
        let pair = policy.pair_of(ctx.remote_ip, account);
        let outcome = self.throttle_check(ctx, Some(&pair), trace).await;
        ledger.throttle.push(pair);
        outcome
    }

    /// Whether a bucket is locked: step 2 for the network (`throttle`),
    /// step 4 for the (network, account) pair (`throttle-account`).
    async fn throttle_check(
        &self,
        ctx: &Context,
        key: Option<&ThrottleKey>,
        trace: &mut Trace,
    ) -> StepResult<()> {
        let Some(key) = key else {
            trace.step("throttle", || {
                "not throttled (disabled or exempt address)".to_owned()
            });
            return Ok(());
        };
        let (step, which) = match key {
            ThrottleKey::Network(_) => ("throttle", "this network"),
            ThrottleKey::Pair(..) => ("throttle-account", "this account from this network"),
        };
        let Some(left) = self.inner.throttle.locked(key, ctx.now).await else {
            trace.step(step, || "not locked".to_owned());
            return Ok(());
        };
        trace.step(step, || {
            format!(
                "locked: too many failures for {which}; {} s left",
                left.as_secs()
            )
        });
        let reason = DenialReason::Throttled(which);
        let seconds = left.as_secs().max(1);
        let public = self.public(ctx, &reason).with_retry_after(seconds);
        Err(Decision::TryLater(Denial {
            reason,
            public,
            retry_after: Some(Duration::from_secs(seconds)),
        }))
    }

    /// Steps 3 to 12 for a login name and a secret.
    #[expect(
        clippy::too_many_arguments,
        reason = "one private step function of the pipeline"
    )]
    async fn password_path(
        &self,
        ctx: &Context,
        authcid: &str,
        authzid: Option<&str>,
        secret: &SecretString,
        code: Option<&SecretString>,
        trace: &mut Trace,
        ledger: &mut Ledger,
    ) -> StepResult<Decision> {
        // 3. Resolve the login name.
        let login = self.resolve(ctx, authcid, authzid, trace)?;
        let name = login.authenticating().to_owned();
        ledger.audit.account = Some(name.clone());
        ledger.audit.acting_as = Some(login.target().to_owned());
        // 4. Find the account, then throttle its pair.
        let hint = crate::secret_format::credential_of(secret.expose());
        let account = self
            .find(&name)
            .await
            .map_err(|error| self.directory_failure(ctx, error))?;
        let target = match (&account, hint) {
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
        trace.step("find-account", || match (&account, &target) {
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
        let throttled_as = account
            .as_ref()
            .map_or(name.as_str(), |account| &account.name);
        self.throttle_pair(ctx, &key(throttled_as), ledger, trace)
            .await?;
        let credential = match &target {
            Target::App(app, _) => CredentialRef {
                kind: CredentialKind::from_stored(app.kind),
                id: Some(u64::from(app.id.0)),
            },
            Target::Password(_) | Target::Missing(_) => CredentialRef {
                kind: hint.map_or(CredentialKind::Password, |(kind, _)| kind),
                id: hint.map(|(_, id)| id),
            },
        };
        ledger.audit.credential = Some(credential);
        // A second factor typed after the password (`password:123456`),
        // when the policy allows it and the account has one.
        let mut split_secret = None;
        let mut split_code = None;
        if code.is_none()
            && let (Some(policy), Target::Password(_), Some(totp)) = (
                &self.inner.password_with_code,
                &target,
                account.as_ref().and_then(|account| account.totp.as_ref()),
            )
            && let Some(split) = u8::try_from(totp.digits)
                .ok()
                .and_then(|digits| policy.split(secret.expose().as_bytes(), digits))
            && let Ok(password) = std::str::from_utf8(split.password)
        {
            split_secret = Some(SecretString::from(password));
            split_code = Some(SecretString::from(split.code));
            trace.step("find-account", || {
                "the password field ends with a one-time code; it is checked at step 11".to_owned()
            });
        }
        let secret = split_secret.as_ref().unwrap_or(secret);
        let code = code.or(split_code.as_ref());
        // 5. Verify the credential (a dummy verify when there is none).
        let revision = account.as_ref().map_or(0, |account| account.revision);
        let rehash = self
            .verify_secret(ctx, &name, credential, &target, secret, revision, trace)
            .await?;
        let Some(account) = account else {
            return Err(self.deny(ctx, DenialReason::Internal("account vanished")));
        };
        // 6. The account gate.
        let rights = self.account_gate(ctx, &account, trace).await?;
        // 7. The credential's expiry and address.
        let app = match target {
            Target::App(app, _) => Some(app),
            Target::Password(_) | Target::Missing(_) => None,
        };
        if let Some(app) = &app {
            self.credential_checks(ctx, app, trace)?;
        } else {
            trace.step("credential-checks", || {
                "primary password: no expiry or address limit".to_owned()
            });
        }
        // 8. Scope the rights.
        let scope = app
            .as_ref()
            .map_or(CredentialScope::Inherit, |app| app.scope.clone());
        let scoped = scope.apply(&rights);
        trace.step("scope", || {
            format!(
                "{} scope: {} of the account's {} permissions",
                scope_name(&scope),
                scoped.len(),
                rights.len()
            )
        });
        // 9. The surface gate, against the scope.
        self.surface_gate(ctx, &rights, &scoped, trace)?;
        // 10. The impersonation policy.
        // (Boxed: the rarely taken paths keep the common future small.)
        let (acting_as, session_rights, target_rights) = if login.is_impersonation() {
            Box::pin(
                self.impersonation_step(ctx, &login, &account, rights, scoped, credential, trace),
            )
            .await?
        } else {
            trace.step("impersonation", || "not asked".to_owned());
            (account.name.clone(), scoped, None)
        };
        // 11. Second factor.
        if credential.kind == CredentialKind::Password && account.totp.is_some() {
            Box::pin(self.second_factor(ctx, &account, &rights, code, trace)).await?;
        } else if credential.kind == CredentialKind::Password {
            trace.step("second-factor", || "not enrolled".to_owned());
        } else {
            trace.step("second-factor", || {
                format!("not asked: {} logins skip it", credential.kind.name())
            });
        }
        // 12. Grant.
        let fingerprint = match &app {
            Some(app) => credential_fingerprint(app),
            None => account
                .password
                .as_ref()
                .map_or_else(|| fingerprint_of(&[b""]), password_fingerprint),
        };
        let expires_at = app.as_ref().and_then(|app| app.expires_at);
        let grant = Grant {
            account: account.name.clone(),
            acting_as: acting_as.clone(),
            credential,
            rights: session_rights,
            expires_at,
            session_binding: SessionBinding {
                account: account.name.clone(),
                acting_as,
                credential,
                fingerprint,
                expires_at: expires_at.map(OffsetDateTime::unix_timestamp),
                rehashed_fingerprint: rehash.as_ref().map(Rehash::fingerprint),
                rights: Some(rights_fingerprint(&rights, target_rights.as_ref())),
                token_roles: None,
            },
            rehash,
        };
        trace.step("grant", || {
            format!(
                "{} as {} with {} ({} permissions)",
                grant.account,
                grant.acting_as,
                credential_label(credential),
                grant.rights.len()
            )
        });
        Ok(Decision::Grant(grant))
    }

    /// Step 3 for an API key presented alone: the number it carries names
    /// the account; then the password path goes on as for `name` + key.
    async fn api_key_path(
        &self,
        ctx: &Context,
        token: &SecretString,
        account_id: u32,
        credential_id: u32,
        trace: &mut Trace,
        ledger: &mut Ledger,
    ) -> StepResult<Decision> {
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
        self.verify_secret(ctx, "", credential, &unknown, token, 0, trace)
            .await?;
        Err(self.deny(ctx, DenialReason::Internal("a dummy verify passed")))
    }

    fn resolve(
        &self,
        ctx: &Context,
        authcid: &str,
        authzid: Option<&str>,
        trace: &mut Trace,
    ) -> StepResult<LoginName> {
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
    fn resolve_asserted(
        &self,
        ctx: &Context,
        name: &str,
        authzid: Option<&str>,
        trace: &mut Trace,
    ) -> StepResult<LoginName> {
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
    async fn find(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        let account = self.inner.directory.account(name).await?;
        let principal = self.inner.directory.principal(name).await?;
        Ok(account.or(principal))
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one private step function of the pipeline"
    )]
    async fn verify_secret(
        &self,
        ctx: &Context,
        name: &str,
        credential: CredentialRef,
        target: &Target,
        secret: &SecretString,
        revision: u64,
        trace: &mut Trace,
    ) -> StepResult<Option<Rehash>> {
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
        if let Some((kind, id, revision, hash)) = probe
            && let Some(cache) = self.inner.verifier.cache()
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
                stored_hash: hash.as_str(),
            };
            if cache.get(&key, &material, ctx.now).is_some() {
                trace.step("verify-credential", || {
                    format!("{} verified (cached)", credential_label(credential))
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
        // Only an account password is upgraded: app passwords and API keys
        // are minted with the current hashing already.
        let upgradable = matches!(target, Target::Password(_));
        let outcome = self
            .inner
            .hashing
            .run(move || match record {
                Some(record) => verifier
                    .verify_credential(&account, &presented, &record, now, remote_ip)
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
                return Ok(Some(Rehash::new(name.to_owned(), fresh, old)));
            }
            // Expiry and address are judged at step 7, after the account gate.
            (_, Ok(_) | Err(CredentialRefusal::Expired | CredentialRefusal::IpNotAllowed)) => {
                trace.step("verify-credential", || {
                    format!("{} verified", credential_label(credential))
                });
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

    /// The account's effective rights (roles, policy, tenant clamp).
    async fn rights_of(
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
    fn compiled(&self, graph: &Arc<RoleGraph>) -> Option<Arc<BTreeMap<String, RoleRights>>> {
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

    async fn tenant_of(&self, account: &Account) -> Result<Option<Tenant>, DenialReason> {
        match &account.tenant {
            Some(name) => self
                .inner
                .directory
                .tenant(name)
                .await
                .map_err(directory_reason),
            None => Ok(None),
        }
    }

    async fn account_gate(
        &self,
        ctx: &Context,
        account: &Account,
        trace: &mut Trace,
    ) -> StepResult<PermissionSet> {
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

    fn credential_checks(
        &self,
        ctx: &Context,
        app: &CredentialRecord,
        trace: &mut Trace,
    ) -> StepResult<()> {
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

    fn surface_gate(
        &self,
        ctx: &Context,
        rights: &PermissionSet,
        scoped: &PermissionSet,
        trace: &mut Trace,
    ) -> StepResult<()> {
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
    async fn impersonation_step(
        &self,
        ctx: &Context,
        login: &LoginName,
        account: &Account,
        rights: PermissionSet,
        scoped: PermissionSet,
        credential: CredentialRef,
        trace: &mut Trace,
    ) -> StepResult<(String, PermissionSet, Option<PermissionSet>)> {
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

    async fn second_factor(
        &self,
        ctx: &Context,
        account: &Account,
        rights: &PermissionSet,
        code: Option<&SecretString>,
        trace: &mut Trace,
    ) -> StepResult<()> {
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
    fn second_factor_required(&self, ctx: &Context, rights: &PermissionSet) -> Decision {
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

    /// Steps 3 to 12 for a bearer token.
    async fn bearer_path(
        &self,
        ctx: &Context,
        token: &SecretString,
        authzid: Option<&str>,
        user: Option<&str>,
        trace: &mut Trace,
        ledger: &mut Ledger,
    ) -> StepResult<Decision> {
        ledger.audit.credential = Some(CredentialRef {
            kind: CredentialKind::OidcToken,
            id: None,
        });
        // A name the client claims (XOAUTH2 `user=`) has its pair checked
        // before the token is: failed tokens for that name count there.
        if let Some(user) = user {
            self.throttle_pair(ctx, &key(user), ledger, trace).await?;
        }
        let Some(validator) = &self.inner.oidc else {
            trace.step("verify-credential", || {
                "refused: no OIDC provider is configured".to_owned()
            });
            return Err(self.deny(ctx, DenialReason::BearerNotConfigured));
        };
        // The token is the credential: validate it first (it names the account).
        let principal = match validator.validate(token.expose(), ctx.now) {
            Ok(principal) => principal,
            Err(refusal) => {
                trace.step("verify-credential", || {
                    format!("refused: {refusal} ({})", refusal.kind())
                });
                let reason = if refusal.is_temporary() {
                    DenialReason::ProviderUnavailable(refusal)
                } else {
                    DenialReason::InvalidToken(refusal)
                };
                return Err(self.deny(ctx, reason));
            }
        };
        trace.step("verify-credential", || {
            format!(
                "token of {} from {} (subject {}) verified",
                principal.username, principal.issuer, principal.subject
            )
        });
        if let Some(user) = user
            && key(user) != key(&principal.username)
        {
            trace.step("resolve-login", || {
                format!(
                    "refused: user {user:?} is not the token's {}",
                    principal.username
                )
            });
            return Err(self.deny(ctx, DenialReason::TokenUserMismatch));
        }
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
        let token_roles = found.is_none().then(|| {
            if principal.roles.is_empty() {
                self.inner.oidc_default_roles.clone()
            } else {
                principal.roles.clone()
            }
        });
        let account = match found {
            Some(account) => {
                trace.step("find-account", || format!("directory entry {name:?}"));
                account
            }
            None => {
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
                let mut account = Account::new(name.clone()).with_roles(roles);
                account.groups.clone_from(&principal.groups);
                Arc::new(account)
            }
        };
        let credential = CredentialRef {
            kind: CredentialKind::OidcToken,
            id: None,
        };
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
        let grant = Grant {
            account: account.name.clone(),
            acting_as: acting_as.clone(),
            credential,
            rights: session_rights,
            expires_at: Some(principal.expires_at),
            session_binding: SessionBinding {
                account: account.name.clone(),
                acting_as,
                credential,
                fingerprint: fingerprint_of(&[
                    principal.issuer.as_bytes(),
                    principal.subject.as_bytes(),
                ]),
                expires_at: Some(principal.expires_at.unix_timestamp()),
                rehashed_fingerprint: None,
                rights: Some(rights_fingerprint(&rights, target_rights.as_ref())),
                token_roles,
            },
            rehash: None,
        };
        trace.step("grant", || {
            format!(
                "{} as {} with an OIDC token ({} permissions)",
                grant.account,
                grant.acting_as,
                grant.rights.len()
            )
        });
        Ok(Decision::Grant(grant))
    }

    fn directory_failure(&self, ctx: &Context, error: DirectoryError) -> Decision {
        self.deny(ctx, directory_reason(error))
    }

    /// The decision for a reason: `TryLater` for temporary failures.
    pub(crate) fn deny(&self, ctx: &Context, reason: DenialReason) -> Decision {
        self.refuse(ctx, reason)
    }

    pub(crate) fn refuse(&self, ctx: &Context, reason: DenialReason) -> Decision {
        let public = self.public(ctx, &reason);
        let temporary = matches!(
            reason,
            DenialReason::Throttled(_)
                | DenialReason::ProviderUnavailable(_)
                | DenialReason::DirectoryUnavailable(_)
                | DenialReason::DirectoryData(_)
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
            | DenialReason::Internal(_) => base(FailureClass::Unavailable).with_retry_after(30),
        }
    }

    fn bad_credentials(&self, ctx: &Context, failure: PublicFailure) -> PublicFailure {
        match ctx.scheme {
            HttpScheme::Bearer => failure.with_bearer_error("invalid_token", None, None),
            HttpScheme::Basic => failure,
        }
    }

    fn provider_retry_after(&self, ctx: &Context) -> u64 {
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

    pub(crate) fn transport_for(&self, tls: bool, remote_ip: IpAddr) -> Transport {
        self.transport(tls, Some(remote_ip))
    }

    pub(crate) fn emit(&self, ctx: &Context, audit: &AuditRecord, decision: Decision) -> Decision {
        self.conclude(ctx, audit, decision)
    }
}

/// The login a request names outside a SASL exchange, for the audit event
/// of a refusal that comes before the credentials are parsed.
fn claimed_login(credentials: &RequestCredentials) -> Option<String> {
    match credentials {
        RequestCredentials::Basic { username, .. }
        | RequestCredentials::PasswordAndCode { username, .. } => Some(username.clone()),
        RequestCredentials::Decoded(Credentials::Password(password)) => {
            Some(password.authcid().to_owned())
        }
        RequestCredentials::Decoded(Credentials::Bearer(bearer)) => {
            bearer.user().map(str::to_owned)
        }
        _ => None,
    }
}

/// The account password as a `portcullis-credentials` record, so it goes
/// through the same verifier and cache as app passwords.
fn password_record(hash: StoredHash, revision: u64) -> CredentialRecord {
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

fn facts(account: &Account, rights: PermissionSet) -> AccountFacts {
    let mut facts = AccountFacts::new(account.name.clone(), rights);
    if let Some(tenant) = &account.tenant {
        facts = facts.in_tenant(tenant.clone());
    }
    for group in account.groups.iter().chain(&account.roles) {
        facts = facts.member_of(group.clone());
    }
    facts
}

const fn credential_class(kind: CredentialKind) -> CredentialClass {
    match kind {
        CredentialKind::Password => CredentialClass::Password,
        CredentialKind::AppPassword => CredentialClass::AppPassword,
        CredentialKind::ApiKey => CredentialClass::ApiKey,
        CredentialKind::OidcToken => CredentialClass::OidcToken,
    }
}

fn credential_label(credential: CredentialRef) -> String {
    match credential.id {
        Some(id) => format!("{} {id}", credential.kind.name()),
        None => credential.kind.name().to_owned(),
    }
}

fn scope_name(scope: &CredentialScope) -> &'static str {
    match scope {
        CredentialScope::Inherit => "inherit",
        CredentialScope::Disable(_) => "disable",
        CredentialScope::Replace(_) => "replace",
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

fn login_reason(refusal: LoginRefusal) -> DenialReason {
    match refusal {
        LoginRefusal::AccountCannotAuthenticate => DenialReason::AccountCannotAuthenticate,
        LoginRefusal::SurfaceNotAllowedForAccount(surface) => {
            DenialReason::SurfaceNotAllowed(surface)
        }
        LoginRefusal::SurfaceNotInScope(surface) => DenialReason::SurfaceNotInScope(surface),
        LoginRefusal::ScopeLacksAuthenticate => DenialReason::ScopeLacksAuthenticate,
        _ => DenialReason::AccountCannotAuthenticate,
    }
}

pub(crate) fn directory_reason(error: DirectoryError) -> DenialReason {
    match error {
        DirectoryError::Data(detail) => DenialReason::DirectoryData(detail),
        DirectoryError::Unavailable(detail) => DenialReason::DirectoryUnavailable(detail),
    }
}

pub(crate) fn sasl_reason(error: portcullis_sasl::Error) -> DenialReason {
    match error {
        portcullis_sasl::Error::Cancelled => DenialReason::Cancelled,
        portcullis_sasl::Error::MechanismNotAllowed(mechanism) => {
            DenialReason::MechanismNotAllowed(mechanism.name().to_owned())
        }
        portcullis_sasl::Error::TlsRequired(mechanism) => {
            DenialReason::TlsRequired(mechanism.name().to_owned())
        }
        other => DenialReason::Malformed(other),
    }
}

pub(crate) fn sasl_reason_named(
    mechanism: &str,
) -> impl Fn(portcullis_sasl::Error) -> DenialReason + '_ {
    move |error| match error {
        portcullis_sasl::Error::UnknownMechanism => {
            DenialReason::MechanismNotAllowed(mechanism.chars().take(20).collect())
        }
        other => sasl_reason(other),
    }
}

/// The fingerprint of an app password or API key: its hash, revision,
/// scope and address allowlist, so that replacing, re-scoping, bumping or
/// narrowing the credential ends the sessions made with it.
fn credential_fingerprint(record: &CredentialRecord) -> String {
    let (tag, set) = match &record.scope {
        CredentialScope::Inherit => (0u8, PermissionSet::empty()),
        CredentialScope::Disable(set) => (1, *set),
        CredentialScope::Replace(set) => (2, *set),
    };
    let words: Vec<u8> = set
        .to_words()
        .iter()
        .flat_map(|w| w.to_be_bytes())
        .collect();
    let revision = record.revision.to_be_bytes();
    let tag = [tag];
    let mut parts: Vec<&[u8]> = vec![record.hash.as_str().as_bytes(), &revision, &tag, &words];
    // Only a credential with an allowlist adds it, so the fingerprints of
    // credentials without one (most of them) stay as they were stored.
    let networks: Vec<String> = record.allowed_ips.iter().map(ToString::to_string).collect();
    if !networks.is_empty() {
        parts.push(b"allowed-ips");
        parts.extend(networks.iter().map(String::as_bytes));
    }
    fingerprint_of(&parts)
}

/// The digest of an account's effective rights (and the impersonated
/// account's), kept in the session binding so that a role, tenant or
/// permission change ends the session.
fn rights_fingerprint(rights: &PermissionSet, target: Option<&PermissionSet>) -> String {
    let words = |set: &PermissionSet| -> Vec<u8> {
        set.to_words()
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect()
    };
    let target = target.map(words);
    fingerprint_of(&[
        b"rights",
        &words(rights),
        target.as_deref().unwrap_or_default(),
    ])
}

/// A short hex digest of stored credential data (never the secret).
pub(crate) fn fingerprint_of(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"portcullis session-binding v1");
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for byte in digest.iter().take(16) {
        for nibble in [byte >> 4, byte & 0x0f] {
            out.push(char::from(
                HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}
