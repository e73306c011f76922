//! API keys presented alone (`Authorization: Bearer API_…`): the number in
//! the key names the account.

use portcullis::{
    Account, AuthRequest, CredentialKind, Decision, DenialReason, FileDirectory, MemoryDirectory,
    RequestCredentials, Surface,
};
use portcullis_permissions::CredentialScope;

use crate::support::*;

/// Alice, account number 12, with the API key #3 (scope: her account's).
fn alice_with_key() -> (String, MemoryDirectory) {
    let (key, record) = api_key(12, 3, CredentialScope::Inherit);
    let directory = MemoryDirectory::builder()
        .account(
            user("alice@example.org", "alice-password")
                .with_id(12)
                .with_credential(record),
        )
        .account(user("bob@example.org", "bob-password").with_id(13))
        .account(user("carol@example.org", "carol-password"))
        .build();
    (key, directory)
}

fn bearer(token: &str, tls: bool) -> AuthRequest {
    AuthRequest::new(
        Surface::Jmap,
        ip(CLIENT),
        RequestCredentials::Bearer {
            token: token.into(),
        },
    )
    .with_tls(tls)
}

#[tokio::test]
async fn a_bare_api_key_signs_in_to_its_account() {
    let (key, directory) = alice_with_key();
    // No OIDC validator is needed for API keys.
    let auth = authenticator(directory.clone());
    let explained = auth.explain(&bearer(&key, true)).await;
    assert_eq!(
        outcome(&explained, "parse"),
        "BEARER: API key 3 of account number 12"
    );
    let grant = explained
        .decision
        .grant()
        .unwrap_or_else(|| panic!("{explained:#?}"));
    assert_eq!(grant.account, "alice@example.org");
    assert_eq!(grant.credential.kind, CredentialKind::ApiKey);
    assert_eq!(grant.credential.id, Some(3));
    let binding = grant.session_binding.clone();
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    assert!(directory.remove_credential("alice@example.org", CredentialKind::ApiKey, 3));
    assert_eq!(auth.revalidate(&binding).await, Err(DenialReason::Revoked));

    // Cleartext is refused like any password.
    let (key, record) = api_key(13, 1, CredentialScope::Inherit);
    directory.update("bob@example.org", |bob| bob.credentials.push(record));
    assert_eq!(
        kind(&auth.verify(&bearer(&key, false)).await),
        "tls-required"
    );
    assert_eq!(kind(&auth.verify(&bearer(&key, true)).await), "grant");
}

#[tokio::test]
async fn unknown_numbers_and_wrong_keys_look_the_same() {
    let (key, directory) = alice_with_key();
    let auth = authenticator(directory);

    let (stranger, _) = api_key(99, 3, CredentialScope::Inherit);
    let explained = auth.explain(&bearer(&stranger, true)).await;
    assert_eq!(
        outcome(&explained, "resolve-login"),
        "no account has the number 99; a dummy verify follows"
    );
    assert!(steps(&explained).contains(&"verify-credential"));
    let unknown = explained.decision;
    assert_eq!(kind(&unknown), "unknown-user");

    // Same account number and key id, other random bytes.
    let (forged, _) = api_key(12, 3, CredentialScope::Inherit);
    assert_ne!(forged, key);
    let wrong = auth.verify(&bearer(&forged, true)).await;
    assert_eq!(kind(&wrong), "wrong-secret");

    for decision in [&unknown, &wrong] {
        let Decision::Deny(denial) = decision else {
            panic!("{decision:?}")
        };
        let http = denial.public.http();
        assert_eq!(http.status, 401);
        assert_eq!(
            http.www_authenticate.as_deref(),
            Some("Bearer realm=\"portcullis\", error=\"invalid_token\"")
        );
    }
    assert_eq!(
        unknown.denial().unwrap().public,
        wrong.denial().unwrap().public
    );
}

#[test]
fn the_file_directory_reads_account_numbers_and_refuses_duplicates() {
    let directory = FileDirectory::from_toml(
        "[[account]]\nname = \"a@example.org\"\nid = 7\n[[account]]\nname = \"b@example.org\"\n",
        ".",
    )
    .unwrap();
    assert_eq!(directory.memory().get("a@example.org").unwrap().id, Some(7));
    assert_eq!(directory.memory().get("b@example.org").unwrap().id, None);
    let error = FileDirectory::from_toml(
        "[[account]]\nname = \"a@example.org\"\nid = 7\n[[account]]\nname = \"b@example.org\"\nid = 7\n",
        ".",
    )
    .unwrap_err();
    assert_eq!(error.kind(), "invalid-config");
    assert!(error.to_string().contains("the same id 7"), "{error}");
}

#[tokio::test]
async fn two_accounts_with_one_number_are_a_directory_error() {
    let (key, record) = api_key(5, 1, CredentialScope::Inherit);
    let directory = MemoryDirectory::builder()
        .account(
            Account::new("x@example.org")
                .with_id(5)
                .with_credential(record),
        )
        .account(Account::new("y@example.org").with_id(5))
        .build();
    let decision = authenticator(directory).verify(&bearer(&key, true)).await;
    assert!(matches!(decision, Decision::TryLater(_)), "{decision:?}");
    assert_eq!(kind(&decision), "directory-data");
}
