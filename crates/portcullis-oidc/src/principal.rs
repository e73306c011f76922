//! The identity a validated token establishes.

use serde::Serialize;
use time::OffsetDateTime;

/// Who a validated token speaks for, after claim mapping.
///
/// `roles` are portcullis role *names* from the provider's `group_roles`
/// map; the facade resolves them against its role catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Principal {
    /// The mapped, lower-cased username (a mailbox address when a
    /// `username_domain` is configured).
    pub username: String,
    /// The display name, if the name claim is present.
    pub name: Option<String>,
    /// IdP group names from the groups claim.
    pub groups: Vec<String>,
    /// Portcullis role names mapped from `groups` (first-seen order, no
    /// duplicates).
    pub roles: Vec<String>,
    /// Granted scopes, from `scope` and/or `scp`.
    pub scopes: Vec<String>,
    /// The token's issuer (`iss`), which selected the provider.
    pub issuer: String,
    /// The token's subject (`sub`).
    pub subject: String,
    /// The token's audiences (`aud`), possibly empty when `azp` was accepted.
    pub audience: Vec<String>,
    /// The authorized party (`azp`), if present.
    pub authorized_party: Option<String>,
    /// When the token expires (`exp`).
    #[serde(with = "time::serde::timestamp")]
    pub expires_at: OffsetDateTime,
}

impl Principal {
    /// A principal with these identifiers and no name, groups, roles,
    /// scopes or audience (for hosts and tests that build one by hand; the
    /// fields are public to fill in the rest).
    ///
    /// ```
    /// use portcullis_oidc::Principal;
    /// let p = Principal::new("alice@example.org", "https://idp", "u-1", time::OffsetDateTime::UNIX_EPOCH);
    /// assert!(!p.has_scope("mail"));
    /// ```
    #[must_use]
    pub fn new(
        username: impl Into<String>,
        issuer: impl Into<String>,
        subject: impl Into<String>,
        expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            username: username.into(),
            name: None,
            groups: Vec::new(),
            roles: Vec::new(),
            scopes: Vec::new(),
            issuer: issuer.into(),
            subject: subject.into(),
            audience: Vec::new(),
            authorized_party: None,
            expires_at,
        }
    }

    /// Whether the token granted `scope`.
    #[must_use]
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}
