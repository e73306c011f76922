//! [`Authenticator::revalidate`]: whether a session made from a grant is
//! still valid, and the fingerprints its [`SessionBinding`] carries.

use std::sync::Arc;

use portcullis_credentials::CredentialRecord;
use portcullis_permissions::{CredentialScope, PermissionSet};
use sha2::{Digest, Sha256};

use crate::decide::outcome::directory_reason;
use crate::decide::rights::login_reason;
use crate::directory::Account;
use crate::memory::key;
use crate::rehash::password_fingerprint;
use crate::{Authenticator, CredentialKind, DenialReason, SessionBinding};

impl Authenticator {
    /// Whether a session made from a grant is still valid: the credential
    /// still exists unchanged and unexpired, the accounts are still open,
    /// and their effective rights are the ones the session was granted
    /// (a role, tenant or permission change ends it; the client signs in
    /// again and gets the new rights).
    ///
    /// # Errors
    /// The [`DenialReason`] that ends the session: `credential-revoked`
    /// (also when a [revocation](Self::revoke_account) moved its epochs),
    /// `credential-expired`, `rights-changed`, `account-disabled`,
    /// `tenant-disabled`, `account-cannot-authenticate`, `unknown-user`, a
    /// directory failure, or `revocation-state-unavailable` when the
    /// revocation store cannot be read (temporary; the session is not
    /// shown alive).
    pub async fn revalidate(&self, binding: &SessionBinding) -> Result<(), DenialReason> {
        let now = (self.inner.clock)();
        if binding
            .expires_at
            .is_some_and(|expires| expires <= now.unix_timestamp())
        {
            return Err(DenialReason::CredentialExpired);
        }
        // With a revocation store, a session lives only while its epochs
        // are the current ones; when they cannot be read it is not shown
        // alive (fail closed).
        if let Some(store) = &self.inner.revocations {
            let current = store
                .epoch(&binding.account, binding.credential)
                .await
                .map_err(DenialReason::RevocationUnavailable)?;
            if binding.epoch != Some(current) {
                return Err(DenialReason::Revoked);
            }
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
}

/// The fingerprint of an app password or API key: its hash, revision,
/// scope and address allowlist, so that replacing, re-scoping, bumping or
/// narrowing the credential ends the sessions made with it.
pub(crate) fn credential_fingerprint(record: &CredentialRecord) -> String {
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
pub(crate) fn rights_fingerprint(rights: &PermissionSet, target: Option<&PermissionSet>) -> String {
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
