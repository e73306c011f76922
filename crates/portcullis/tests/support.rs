//! Shared helpers: a cheap hash policy, minted credentials, requests.

use std::net::IpAddr;

use portcullis::{
    Account, AuthRequest, Authenticator, AuthenticatorBuilder, Decision, Explained, Hashing,
    MemoryDirectory, RequestCredentials, Surface,
};
use portcullis_credentials::{
    Argon2Params, CredentialId, CredentialOptions, CredentialRecord, HashPolicy, OsRandom,
    SecretHashing, StoredHash, new_api_key, new_app_password,
};
use portcullis_permissions::CredentialScope;
use time::OffsetDateTime;

pub(crate) const NOW: i64 = 1_800_000_000;
pub(crate) const CLIENT: &str = "192.0.2.10";

pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).unwrap()
}

pub(crate) fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// argon2id with tiny parameters: the tests run unoptimised.
pub(crate) fn policy() -> HashPolicy {
    HashPolicy::with_argon2(Argon2Params {
        m_kib: 64,
        t: 1,
        p: 1,
    })
}

pub(crate) fn hash(password: &str) -> StoredHash {
    StoredHash::parse(
        &policy()
            .hash_password(password.as_bytes(), &mut OsRandom)
            .unwrap(),
    )
    .unwrap()
}

/// A user account with a password.
pub(crate) fn user(name: &str, password: &str) -> Account {
    Account::new(name)
        .with_password(hash(password))
        .with_roles(["user"])
}

/// A fresh app password: the secret and the record to store.
pub(crate) fn app_password(id: u32, scope: CredentialScope) -> (String, CredentialRecord) {
    app_password_with(
        id,
        CredentialOptions {
            scope,
            ..CredentialOptions::default()
        },
    )
}

pub(crate) fn app_password_with(id: u32, options: CredentialOptions) -> (String, CredentialRecord) {
    let minted = new_app_password(
        CredentialId(id),
        options,
        now(),
        SecretHashing::default(),
        &policy(),
        &mut OsRandom,
    )
    .unwrap();
    (
        minted.secret.expose_str().unwrap().to_owned(),
        minted.record,
    )
}

/// A fresh API key of account number `account_id`: the secret and the record.
pub(crate) fn api_key(
    account_id: u32,
    id: u32,
    scope: CredentialScope,
) -> (String, CredentialRecord) {
    let minted = new_api_key(
        account_id,
        CredentialId(id),
        CredentialOptions {
            scope,
            ..CredentialOptions::default()
        },
        now(),
        SecretHashing::default(),
        &policy(),
        &mut OsRandom,
    )
    .unwrap();
    (
        minted.secret.expose_str().unwrap().to_owned(),
        minted.record,
    )
}

pub(crate) fn builder(directory: MemoryDirectory) -> AuthenticatorBuilder {
    Authenticator::builder()
        .directory(directory)
        .hash_policy(policy())
        .hashing(Hashing::Inline)
        .clock(now)
}

pub(crate) fn authenticator(directory: MemoryDirectory) -> Authenticator {
    builder(directory).build().unwrap()
}

/// SASL PLAIN over TLS.
pub(crate) fn plain(surface: Surface, authzid: &str, authcid: &str, password: &str) -> AuthRequest {
    let message = format!("{authzid}\0{authcid}\0{password}").into_bytes();
    AuthRequest::new(
        surface,
        ip(CLIENT),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![message],
        },
    )
    .with_tls(true)
}

/// HTTP Basic over TLS.
pub(crate) fn basic(surface: Surface, username: &str, secret: &str) -> AuthRequest {
    AuthRequest::new(
        surface,
        ip(CLIENT),
        RequestCredentials::Basic {
            username: username.into(),
            secret: secret.into(),
        },
    )
    .with_tls(true)
}

/// `grant`, or the denial's reason kind.
pub(crate) fn kind(decision: &Decision) -> &'static str {
    match decision {
        Decision::Grant(_) => "grant",
        Decision::Deny(denial) | Decision::TryLater(denial) => denial.reason.kind(),
    }
}

/// The trace's step names.
pub(crate) fn steps(explained: &Explained) -> Vec<&'static str> {
    explained.trace.iter().map(|step| step.step).collect()
}

/// The outcome text of a step.
pub(crate) fn outcome<'a>(explained: &'a Explained, step: &str) -> &'a str {
    explained
        .trace
        .iter()
        .find(|entry| entry.step == step)
        .map(|entry| entry.outcome.as_str())
        .unwrap_or_else(|| panic!("no step {step} in {:#?}", explained.trace))
}

pub(crate) const ALL_STEPS: [&str; 13] = [
    "parse",
    "throttle",
    "resolve-login",
    "find-account",
    "throttle-account",
    "verify-credential",
    "account-gate",
    "credential-checks",
    "scope",
    "surface-gate",
    "impersonation",
    "second-factor",
    "grant",
];
