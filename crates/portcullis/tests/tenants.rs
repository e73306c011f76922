//! An account that names a tenant the directory does not have is refused
//! (fail closed): its rights could not be clamped by the tenant's policy.

use portcullis::{MemoryDirectory, Surface, Tenant};
use portcullis_permissions::TenantPolicy;

use crate::support::*;

const ALICE: &str = "alice@example.org";

#[tokio::test]
async fn an_account_in_a_tenant_the_directory_lacks_is_refused() {
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user(ALICE, "alice-password").in_tenant("ghost"))
            .build(),
    );
    let explained = auth
        .explain(&plain(Surface::Imap, "", ALICE, "alice-password"))
        .await;
    assert_eq!(kind(&explained.decision), "directory-data");
    let portcullis::Decision::TryLater(denial) = &explained.decision else {
        panic!("{:?}", explained.decision);
    };
    assert_eq!(
        denial.reason.to_string(),
        "directory data unusable: the account's tenant \"ghost\" does not exist"
    );
}

#[tokio::test]
async fn an_account_in_a_known_tenant_signs_in() {
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user(ALICE, "alice-password").in_tenant("acme"))
            .tenant("acme", Tenant::new(TenantPolicy::default()))
            .build(),
    );
    let decision = auth
        .verify(&plain(Surface::Imap, "", ALICE, "alice-password"))
        .await;
    assert_eq!(kind(&decision), "grant");
}
