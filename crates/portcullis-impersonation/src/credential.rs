//! What the actor authenticated with.

use core::fmt;

use portcullis_permissions::PermissionSet;

/// The kind of credential the actor proved.
///
/// Primary credentials prove the person (password, password with a second
/// factor, a token from the identity provider); secondary ones are
/// delegated, scoped secrets (app passwords, API keys) that may sit in a
/// device or a script. Only primary credentials may impersonate by default.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "kebab-case"))]
#[non_exhaustive]
pub enum CredentialClass {
    /// The account password. Primary.
    Password,
    /// The account password with a TOTP (or recovery) code. Primary.
    PasswordTotp,
    /// An OIDC/OAuth token from a trusted issuer. Primary.
    OidcToken,
    /// An app password. Secondary.
    AppPassword,
    /// An API key. Secondary.
    ApiKey,
}

impl CredentialClass {
    /// Whether this proves the account holder (password, password + TOTP,
    /// OIDC token) rather than a delegated secret.
    pub const fn is_primary(self) -> bool {
        match self {
            CredentialClass::Password
            | CredentialClass::PasswordTotp
            | CredentialClass::OidcToken => true,
            CredentialClass::AppPassword | CredentialClass::ApiKey => false,
        }
    }

    /// A stable kebab-case name (`password`, `password-totp`, `oidc-token`,
    /// `app-password`, `api-key`), used as the audit field `credential_kind`.
    pub const fn name(self) -> &'static str {
        match self {
            CredentialClass::Password => "password",
            CredentialClass::PasswordTotp => "password-totp",
            CredentialClass::OidcToken => "oidc-token",
            CredentialClass::AppPassword => "app-password",
            CredentialClass::ApiKey => "api-key",
        }
    }
}

impl fmt::Display for CredentialClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An opaque id of the credential the actor used, chosen by the credential
/// store (for an app password, the id inside its secret). It is not a
/// secret; it ties the session to the credential, so revoking the credential
/// can revoke the session.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(transparent))]
pub struct CredentialId(pub u64);

impl fmt::Display for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// The actor's verified credential: its class, its id, and the rights its
/// scope leaves (for a primary credential, the actor's effective rights;
/// for an app password or API key, its scope applied to them).
///
/// ```
/// use portcullis_impersonation::{ActorCredential, CredentialClass, CredentialId};
/// use portcullis_permissions::{Permission, PermissionSet};
/// let credential = ActorCredential::new(
///     CredentialClass::AppPassword,
///     CredentialId(7),
///     PermissionSet::from(Permission::ImapAuthenticate),
/// );
/// assert!(!credential.class.is_primary());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub struct ActorCredential {
    /// What kind of credential it was.
    pub class: CredentialClass,
    /// Which credential it was.
    pub id: CredentialId,
    /// The rights the credential's scope leaves, a subset of the actor's
    /// effective rights.
    pub scoped_rights: PermissionSet,
}

impl ActorCredential {
    /// A verified credential.
    pub const fn new(
        class: CredentialClass,
        id: CredentialId,
        scoped_rights: PermissionSet,
    ) -> Self {
        ActorCredential {
            class,
            id,
            scoped_rights,
        }
    }
}
