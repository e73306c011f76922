//! Golden session-binding fingerprints. Servers store bindings with their
//! sessions, so the fingerprint of a given stored credential must not
//! change across upgrades: a change would end every stored session (or, if
//! the hex encoding dropped nibbles, let unrelated credentials collide).
//! Each value below was computed once from the code of issue 21 and is
//! also recomputed here from the documented format.

use portcullis::{Account, CredentialKind, MemoryDirectory, PermissionSet, Surface};
use portcullis_credentials::{
    CredentialId, CredentialOptions, RandomError, RandomSource, SecretHashing, StoredHash,
    new_app_password,
};
use portcullis_permissions::{CredentialScope, RoleGraph};
use sha2::{Digest, Sha256};

use crate::support::*;
use crate::tokens::{ISSUER, http_bearer, token, validator};

/// alice's password `alice-password` as `{SSHA}` with the salt `portcull`.
const SSHA: &str = "{SSHA}D45a7F4X35tn8MfalPMes9wnjB5wb3J0Y3VsbA==";
const SSHA_FINGERPRINT: &str = "348f8fb341817a6c52a3e2081f210e86";
/// The same password as argon2id (m=64, t=1, p=1) with a fixed salt.
const ARGON2ID: &str = "$argon2id$v=19$m=64,t=1,p=1$AAECAwQFBgcICQoLDA0ODw$EILrn29Sjdo9/C1wttd3wjhVEbSN1AWshuzGug6jrUs";
const ARGON2ID_FINGERPRINT: &str = "87bb43dd9c5a0d6b339d58e9db45f923";
/// The rights of an account holding the `user` preset, alone.
const USER_RIGHTS_FINGERPRINT: &str = "26368a3619b3029410543f73eaf0aa19";
/// The admin acting as a `user` account.
const IMPERSONATION_RIGHTS_FINGERPRINT: &str = "fa9f55fb07bc99458a92df7ba93cf853";
/// App password 42, minted from [`Counter`] with the default scope.
const APP_PASSWORD_HASH: &str =
    "{SSHA256}FM2/FxSZ+GvRiyYiQ9ZpBn7727VDGkgonPAvK1RIs9QSExQVFhcYGRobHB0eHyAh";
const APP_PASSWORD_FINGERPRINT: &str = "23515c0f26ae13c5ada00da4e9ac3223";
/// The same record with the `mail-only` scope and revision 3.
const SCOPED_APP_PASSWORD_FINGERPRINT: &str = "9ee9c8fc085aa94e63d0427e6b8beefe";
/// A token of [`ISSUER`] for `subject-of-carol@example.org`.
const TOKEN_FINGERPRINT: &str = "e6c83ed000aa98e47755b79093d76787";

/// The documented format: the first 16 bytes of SHA-256 over the domain
/// string, then each part as a big-endian u64 length and its bytes, in
/// lower-case hex (32 digits).
fn reference(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"portcullis session-binding v1");
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.finalize()[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn words(set: &PermissionSet) -> Vec<u8> {
    set.to_words()
        .iter()
        .flat_map(|word| word.to_be_bytes())
        .collect()
}

fn user_rights() -> PermissionSet {
    RoleGraph::with_presets()
        .resolve(&["user"])
        .unwrap()
        .effective()
}

/// Deterministic "random" bytes: 0, 1, 2, … (fixtures only).
struct Counter(u8);

impl RandomSource for Counter {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for byte in dest {
            *byte = self.0;
            self.0 = self.0.wrapping_add(1);
        }
        Ok(())
    }
}

fn assert_hex32(fingerprint: &str) {
    assert_eq!(fingerprint.len(), 32, "{fingerprint}");
    assert!(
        fingerprint
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)),
        "{fingerprint}"
    );
}

async fn password_binding(stored: &str) -> portcullis::SessionBinding {
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("alice@example.org")
                .with_password(StoredHash::parse(stored).unwrap())
                .with_roles(["user"]),
        )
        .build();
    let auth = authenticator(directory);
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "alice@example.org",
            "alice-password",
        ))
        .await;
    let grant = decision.grant().unwrap_or_else(|| panic!("{decision:?}"));
    assert_eq!(grant.credential.kind, CredentialKind::Password);
    grant.session_binding.clone()
}

#[tokio::test]
async fn the_password_fingerprint_of_a_fixed_ssha_hash_is_pinned() {
    let binding = password_binding(SSHA).await;
    assert_hex32(&binding.fingerprint);
    assert_eq!(binding.fingerprint, reference(&[SSHA.as_bytes()]));
    assert_eq!(binding.fingerprint, SSHA_FINGERPRINT);
    // A legacy hash is offered an upgrade; the binding accepts both.
    assert!(binding.rehashed_fingerprint.is_some());
    assert_eq!(binding.rights.as_deref(), Some(USER_RIGHTS_FINGERPRINT));
}

#[test]
fn the_argon2id_fixture_is_the_fixed_phc_string() {
    let phc = policy()
        .hash_password(b"alice-password", &mut Counter(0))
        .unwrap();
    assert_eq!(phc, ARGON2ID, "the fixture changed, not the fingerprint");
}

#[tokio::test]
async fn the_password_fingerprint_of_a_fixed_argon2id_hash_is_pinned() {
    let binding = password_binding(ARGON2ID).await;
    assert_eq!(binding.fingerprint, reference(&[ARGON2ID.as_bytes()]));
    assert_eq!(binding.fingerprint, ARGON2ID_FINGERPRINT);
    // Hashed with the policy's parameters: nothing to upgrade.
    assert_eq!(binding.rehashed_fingerprint, None);
}

#[test]
fn the_rights_fingerprint_is_pinned() {
    let reference = reference(&[b"rights", &words(&user_rights()), b""]);
    assert_eq!(reference, USER_RIGHTS_FINGERPRINT);
}

#[tokio::test]
async fn the_rights_fingerprint_of_an_impersonation_is_pinned() {
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("admin@example.org")
                .with_password(hash("admin-password"))
                .with_roles(["admin"]),
        )
        .account(user("bob@example.org", "bob-password"))
        .build();
    let auth = authenticator(directory);
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "bob@example.org%admin@example.org",
            "admin-password",
        ))
        .await;
    let binding = &decision.grant().unwrap().session_binding;
    let admin = PermissionSet::all();
    assert_eq!(
        binding.rights.as_deref(),
        Some(reference(&[b"rights", &words(&admin), &words(&user_rights())]).as_str())
    );
    assert_eq!(
        binding.rights.as_deref(),
        Some(IMPERSONATION_RIGHTS_FINGERPRINT)
    );
}

fn minted(options: CredentialOptions) -> (String, portcullis::CredentialRecord) {
    let minted = new_app_password(
        CredentialId(42),
        options,
        now(),
        SecretHashing::default(),
        &policy(),
        &mut Counter(0),
    )
    .unwrap();
    (
        minted.secret.expose_str().unwrap().to_owned(),
        minted.record,
    )
}

async fn app_password_binding(
    secret: &str,
    record: portcullis::CredentialRecord,
) -> portcullis::SessionBinding {
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password").with_credential(record))
        .build();
    let auth = authenticator(directory);
    let decision = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", secret))
        .await;
    let grant = decision.grant().unwrap_or_else(|| panic!("{decision:?}"));
    assert_eq!(grant.credential.kind, CredentialKind::AppPassword);
    grant.session_binding.clone()
}

#[tokio::test]
async fn the_app_password_fingerprint_is_pinned() {
    let (secret, record) = minted(CredentialOptions::default());
    assert_eq!(
        record.hash.as_str(),
        APP_PASSWORD_HASH,
        "the fixture changed, not the fingerprint"
    );
    let binding = app_password_binding(&secret, record).await;
    let expected = reference(&[
        APP_PASSWORD_HASH.as_bytes(),
        &0u64.to_be_bytes(),
        &[0],
        &words(&PermissionSet::empty()),
    ]);
    assert_eq!(binding.fingerprint, expected);
    assert_eq!(binding.fingerprint, APP_PASSWORD_FINGERPRINT);
}

#[tokio::test]
async fn the_fingerprint_of_a_scoped_app_password_is_pinned() {
    let (secret, mut record) = minted(CredentialOptions {
        scope: CredentialScope::mail_only(),
        ..CredentialOptions::default()
    });
    record.revision = 3;
    let CredentialScope::Replace(listed) = CredentialScope::mail_only() else {
        panic!("mail-only is a Replace scope")
    };
    let binding = app_password_binding(&secret, record).await;
    let expected = reference(&[
        APP_PASSWORD_HASH.as_bytes(),
        &3u64.to_be_bytes(),
        &[2],
        &words(&listed),
    ]);
    assert_eq!(binding.fingerprint, expected);
    assert_eq!(binding.fingerprint, SCOPED_APP_PASSWORD_FINGERPRINT);
}

#[tokio::test]
async fn the_token_fingerprint_is_pinned() {
    let auth = builder(MemoryDirectory::builder().build())
        .oidc(validator())
        .build()
        .unwrap();
    let decision = auth.verify(&http_bearer(&token("carol@example.org"))).await;
    let binding = &decision.grant().unwrap().session_binding;
    assert_eq!(
        binding.fingerprint,
        reference(&[ISSUER.as_bytes(), b"subject-of-carol@example.org"])
    );
    assert_eq!(binding.fingerprint, TOKEN_FINGERPRINT);
}
