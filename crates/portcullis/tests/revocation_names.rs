//! A revocation reaches the account whatever spelling the admin path
//! uses, as every login spelling reaches the same throttle pair; a
//! directory failure revokes nothing and says so.

use std::sync::Arc;

use portcullis::{
    Account, Decision, Directory, DirectoryError, MemoryDirectory, MemoryRevocations,
    RevocationError, Surface, Tenant,
};
use portcullis_permissions::RoleGraph;

use crate::support::*;

const ALICE: &str = "alice@example.org";

fn session(decision: &Decision) -> portcullis::SessionBinding {
    match decision {
        Decision::Grant(grant) => grant.session_binding.clone(),
        other => panic!("not a grant: {other:?}"),
    }
}

#[tokio::test]
async fn every_spelling_of_the_name_revokes_the_account() {
    // NFD "é" and an upper-case domain: both resolve to the stored name.
    let name = "andr\u{e9}@example.org";
    for spelling in [
        name.to_owned(),
        "andre\u{301}@example.org".to_owned(),
        "andr\u{e9}@EXAMPLE.ORG".to_owned(),
    ] {
        let auth = builder(
            MemoryDirectory::builder()
                .account(user(name, "secret"))
                .build(),
        )
        .revocation_store(MemoryRevocations::new())
        .build()
        .unwrap();
        let live = session(&auth.verify(&plain(Surface::Imap, "", name, "secret")).await);
        assert_eq!(auth.revalidate(&live).await, Ok(()));
        auth.revoke_account(&spelling).await.unwrap();
        assert_eq!(
            auth.revalidate(&live).await.unwrap_err().kind(),
            "credential-revoked",
            "{spelling:?}"
        );
    }
}

/// A directory that is down.
struct Down;

fn down<T>() -> Result<T, DirectoryError> {
    Err(DirectoryError::Unavailable("connection refused".to_owned()))
}

impl Directory for Down {
    async fn account(&self, _: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        down()
    }

    async fn principal(&self, _: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        down()
    }

    async fn roles(&self) -> Result<Arc<RoleGraph>, DirectoryError> {
        down()
    }

    async fn tenant(&self, _: &str) -> Result<Option<Tenant>, DirectoryError> {
        down()
    }

    async fn use_totp_step(&self, _: &str, _: u64) -> Result<bool, DirectoryError> {
        down()
    }

    async fn use_recovery_code(&self, _: &str, _: usize) -> Result<bool, DirectoryError> {
        down()
    }
}

#[tokio::test]
async fn a_directory_failure_revokes_nothing_and_says_so() {
    let auth = portcullis::Authenticator::builder()
        .directory(Down)
        .revocation_store(MemoryRevocations::new())
        .build()
        .unwrap();
    let error = auth.revoke_account(ALICE).await.unwrap_err();
    assert!(
        matches!(&error, RevocationError::Unavailable(detail) if detail.starts_with("the directory could not name the account")),
        "{error:?}"
    );
}
