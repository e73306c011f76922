//! [`Refusal`]: why the policy refused an impersonation, with two faces.

use crate::CredentialClass;

/// What every target-related refusal tells the actor. One message for all of
/// them, so an actor cannot use refusals to learn which accounts exist, which
/// are administrators, or which tenant or group an account is in.
const TARGET_REFUSED: &str = "you may not act as this account";

/// Why the impersonation policy refused.
///
/// Every refusal has two faces:
/// - the **internal reason** (`Display`, [`Refusal::kind`]): precise, for
///   logs, audit and `explain`;
/// - the **public message** ([`Refusal::public_message`]): what the client
///   may be told.
///
/// **Show the public message only to an actor whose own secret was
/// verified.** An actor whose credential failed must get the generic
/// authentication failure and nothing else, so that the existence of
/// accounts stays hidden (the facade enforces this; the policy is only
/// asked after a successful verification).
///
/// Refusals about the target all share one public message ("you may not
/// act as this account"): even a correctly authenticated actor learns
/// nothing about accounts it may not reach.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The actor's effective rights lack `impersonate`. The actor's fault:
    /// it asked for something its account may not do.
    #[error("the actor lacks the impersonate permission")]
    ActorLacksImpersonate,
    /// The actor used an app password or API key, and the policy allows only
    /// primary credentials (password, password + TOTP, OIDC token) to
    /// impersonate. The actor's fault: the right account, the wrong kind of
    /// credential.
    #[error("{0} credentials cannot impersonate")]
    AppPasswordCannotImpersonate(CredentialClass),
    /// The policy allows scoped credentials to impersonate, but this one's
    /// scope lacks `impersonate`. The actor's fault.
    #[error("the {0}'s scope lacks the impersonate permission")]
    CredentialScopeLacksImpersonate(CredentialClass),
    /// The policy's ceiling removes `authenticate`, so no impersonated
    /// session could sign in. The configuration's fault.
    #[error("the impersonation ceiling excludes authenticate")]
    CeilingExcludesAuthenticate,
    /// The directory has no account by the target's name. The actor's fault.
    #[error("the target account does not exist")]
    TargetNotFound,
    /// The target's own rights lack `authenticate` (disabled or suspended).
    /// Policy: a disabled account stays closed.
    #[error("the target account may not sign in")]
    TargetCannotAuthenticate,
    /// The target is in another tenant and the policy requires the same
    /// tenant. Policy.
    #[error("the target account is in another tenant")]
    CrossTenant,
    /// The target's domain is not in the policy's allowlist. Policy.
    #[error("the target account's domain is not allowed")]
    DomainNotAllowed,
    /// The target is in none of the policy's target groups. Policy.
    #[error("the target account is in none of the allowed groups")]
    TargetNotInGroup,
    /// The target holds administrative rights and the policy does not allow
    /// admin targets. Policy.
    #[error("the target account holds administrative rights")]
    AdminTarget,
}

impl Refusal {
    /// A stable kebab-case name, for logs, the audit field `reason` and the
    /// CLI.
    pub const fn kind(&self) -> &'static str {
        match self {
            Refusal::ActorLacksImpersonate => "actor-lacks-impersonate",
            Refusal::AppPasswordCannotImpersonate(_) => "app-password-cannot-impersonate",
            Refusal::CredentialScopeLacksImpersonate(_) => "credential-scope-lacks-impersonate",
            Refusal::CeilingExcludesAuthenticate => "ceiling-excludes-authenticate",
            Refusal::TargetNotFound => "target-not-found",
            Refusal::TargetCannotAuthenticate => "target-cannot-authenticate",
            Refusal::CrossTenant => "cross-tenant",
            Refusal::DomainNotAllowed => "domain-not-allowed",
            Refusal::TargetNotInGroup => "target-not-in-group",
            Refusal::AdminTarget => "admin-target",
        }
    }

    /// What an actor **whose secret was verified** may be told (see the
    /// type docs).
    ///
    /// ```
    /// use portcullis_impersonation::{CredentialClass, Refusal};
    /// let refusal = Refusal::AppPasswordCannotImpersonate(CredentialClass::AppPassword);
    /// assert_eq!(
    ///     refusal.public_message(),
    ///     "app passwords cannot be used to impersonate; use your account password"
    /// );
    /// assert_eq!(Refusal::AdminTarget.public_message(), Refusal::TargetNotFound.public_message());
    /// ```
    pub const fn public_message(&self) -> &'static str {
        match self {
            Refusal::ActorLacksImpersonate => "your account may not act as other accounts",
            Refusal::AppPasswordCannotImpersonate(CredentialClass::ApiKey) => {
                "API keys cannot be used to impersonate; use your account password"
            }
            Refusal::AppPasswordCannotImpersonate(_) => {
                "app passwords cannot be used to impersonate; use your account password"
            }
            Refusal::CredentialScopeLacksImpersonate(CredentialClass::ApiKey) => {
                "this API key's scope does not allow impersonation; use your account password"
            }
            Refusal::CredentialScopeLacksImpersonate(_) => {
                "this app password's scope does not allow impersonation; use your account password"
            }
            Refusal::CeilingExcludesAuthenticate => "impersonation is not available on this server",
            Refusal::TargetNotFound
            | Refusal::TargetCannotAuthenticate
            | Refusal::CrossTenant
            | Refusal::DomainNotAllowed
            | Refusal::TargetNotInGroup
            | Refusal::AdminTarget => TARGET_REFUSED,
        }
    }

    /// Whether the refusal is about the target account (and so shares the
    /// one public message that reveals nothing about it).
    pub const fn is_about_target(&self) -> bool {
        matches!(
            self,
            Refusal::TargetNotFound
                | Refusal::TargetCannotAuthenticate
                | Refusal::CrossTenant
                | Refusal::DomainNotAllowed
                | Refusal::TargetNotInGroup
                | Refusal::AdminTarget
        )
    }
}
