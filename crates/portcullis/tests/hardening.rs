//! Regression tests of the security review (issue 19): each test failed on
//! the code the review attacked and is named after what it guards.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use portcullis::{
    Account, AuthRequest, Authenticator, Decision, DenialReason, Directory, DirectoryError,
    MemoryDirectory, RequestCredentials, Surface, Tenant,
};
use portcullis_permissions::{CredentialScope, RoleGraph};

use crate::support::*;
use crate::tokens::{token, validator};

fn http_bearer(token: &str, tls: bool) -> AuthRequest {
    AuthRequest::new(
        Surface::Jmap,
        ip(CLIENT),
        RequestCredentials::Bearer {
            token: token.into(),
        },
    )
    .with_tls(tls)
}

fn sasl(mechanism: &str, message: String, tls: bool) -> AuthRequest {
    AuthRequest::new(
        Surface::Imap,
        ip(CLIENT),
        RequestCredentials::Sasl {
            mechanism: mechanism.into(),
            responses: vec![message.into_bytes()],
        },
    )
    .with_tls(tls)
}

fn oauthbearer(authzid: &str, token: &str) -> AuthRequest {
    sasl(
        "OAUTHBEARER",
        format!("n,a={authzid},\x01auth=Bearer {token}\x01\x01"),
        true,
    )
}

fn admin(name: &str, password: &str) -> Account {
    Account::new(name)
        .with_password(hash(password))
        .with_roles(["admin"])
}

fn people() -> MemoryDirectory {
    MemoryDirectory::builder()
        .tenant("closed", Tenant::default().disabled(true))
        .account(user("alice@example.org", "alice-password"))
        .account(admin("admin@example.org", "admin-password"))
        .build()
}

fn with_oidc(directory: MemoryDirectory) -> Authenticator {
    builder(directory).oidc(validator()).build().unwrap()
}

// Item 1: a provider-asserted name is one name.

#[tokio::test]
async fn idp_username_with_a_separator_never_impersonates() {
    let auth = with_oidc(people());
    for username in [
        "alice@example.org%admin@example.org",
        "admin@example.org%admin@example.org",
    ] {
        let token = token(username);
        let requests = [
            http_bearer(&token, true),
            oauthbearer(username, &token),
            sasl(
                "OAUTHBEARER",
                format!("n,,\x01auth=Bearer {token}\x01\x01"),
                true,
            ),
            sasl(
                "XOAUTH2",
                format!("user={username}\x01auth=Bearer {token}\x01\x01"),
                true,
            ),
        ];
        for request in &requests {
            let decision = auth.verify(request).await;
            let Decision::Deny(denial) = &decision else {
                panic!("{username}: {decision:?}")
            };
            assert_eq!(denial.reason.kind(), "malformed-login", "{username}");
            assert!(
                denial
                    .public
                    .imap()
                    .starts_with("NO [AUTHENTICATIONFAILED]"),
                "{}",
                denial.public.imap()
            );
        }
    }
}

#[tokio::test]
async fn over_a_token_impersonation_goes_through_the_authzid_and_the_policy() {
    let auth = with_oidc(people());
    // The admin's token asks to act as alice with `a=`: the policy allows it.
    let decision = auth
        .verify(&oauthbearer(
            "alice@example.org",
            &token("admin@example.org"),
        ))
        .await;
    let grant = decision.grant().unwrap();
    assert_eq!(grant.account, "admin@example.org");
    assert_eq!(grant.acting_as, "alice@example.org");
    // Alice's token asking to act as the admin is refused by the policy.
    let decision = auth
        .verify(&oauthbearer(
            "admin@example.org",
            &token("alice@example.org"),
        ))
        .await;
    assert_eq!(kind(&decision), "impersonation-refused");
}

// Item 2: the lockout follows the account, whatever the spelling.

fn from(address: &str, mut request: AuthRequest) -> AuthRequest {
    request.remote_ip = ip(address);
    request
}

const ATTACKER: &str = "203.0.113.66";

/// Five different wrong guesses (the same one resent counts once).
async fn lock_out(auth: &Authenticator, login: &str) {
    for n in 0..5 {
        let guess = format!("wrong-guess-{n}");
        let decision = auth
            .verify(&from(ATTACKER, plain(Surface::Imap, "", login, &guess)))
            .await;
        assert_eq!(kind(&decision), "wrong-secret", "{login}");
    }
}

#[tokio::test]
async fn a_locked_account_stays_locked_through_the_impersonation_forms() {
    let auth = authenticator(people());
    lock_out(&auth, "alice@example.org").await;
    for login in [
        "alice@example.org",
        "alice@EXAMPLE.org",
        // `a%a` is a plain login of `a`.
        "alice@example.org%alice@example.org",
        // The actor's secret is the one tried: alice's lock applies.
        "admin@example.org%alice@example.org",
    ] {
        let decision = auth
            .verify(&from(
                ATTACKER,
                plain(Surface::Imap, "", login, "alice-password"),
            ))
            .await;
        assert_eq!(kind(&decision), "throttled", "{login}");
    }
    // SASL authzid names the target; alice still authenticates.
    let decision = auth
        .verify(&from(
            ATTACKER,
            plain(
                Surface::Imap,
                "admin@example.org",
                "alice@example.org",
                "alice-password",
            ),
        ))
        .await;
    assert_eq!(kind(&decision), "throttled");
}

#[tokio::test]
async fn guesses_through_the_actor_form_count_against_the_actor() {
    let auth = authenticator(people());
    // `anything%alice` checks alice's password: an oracle unless it counts.
    lock_out(&auth, "admin@example.org%alice@example.org").await;
    let decision = auth
        .verify(&from(
            ATTACKER,
            plain(Surface::Imap, "", "alice@example.org", "alice-password"),
        ))
        .await;
    assert_eq!(kind(&decision), "throttled");
    // The admin, whose name was the target, is not locked.
    let decision = auth
        .verify(&from(
            ATTACKER,
            plain(Surface::Imap, "", "admin@example.org", "admin-password"),
        ))
        .await;
    assert_eq!(kind(&decision), "grant");
}

#[tokio::test]
async fn a_decomposed_spelling_shares_the_lock_of_the_composed_name() {
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("jos\u{e9}@example.org", "jose-password"))
            .build(),
    );
    lock_out(&auth, "jose\u{301}@example.org").await;
    let decision = auth
        .verify(&from(
            ATTACKER,
            plain(Surface::Imap, "", "jos\u{e9}@example.org", "jose-password"),
        ))
        .await;
    assert_eq!(kind(&decision), "throttled");
}

#[tokio::test]
async fn a_success_of_another_account_does_not_reset_the_lock() {
    // Local parts keep their case: these are two accounts.
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("victim@example.org", "victim-password"))
            .account(user("Victim@example.org", "other-password"))
            .build(),
    );
    let guess =
        |login: &str, password: &str| from(ATTACKER, plain(Surface::Imap, "", login, password));
    for n in 0..4 {
        let decision = auth
            .verify(&guess("victim@example.org", &format!("wrong-{n}")))
            .await;
        assert_eq!(kind(&decision), "wrong-secret");
    }
    let decision = auth
        .verify(&guess("Victim@example.org", "other-password"))
        .await;
    assert_eq!(kind(&decision), "grant");
    let decision = auth.verify(&guess("victim@example.org", "wrong-4")).await;
    assert_eq!(kind(&decision), "wrong-secret");
    let decision = auth
        .verify(&guess("victim@example.org", "victim-password"))
        .await;
    assert_eq!(kind(&decision), "throttled");
}

#[tokio::test]
async fn a_bare_api_key_is_throttled_per_account() {
    let (key, record) = api_key(7, 1, CredentialScope::Inherit);
    let directory = MemoryDirectory::builder()
        .account(
            user("alice@example.org", "alice-password")
                .with_id(7)
                .with_credential(record),
        )
        .build();
    let auth = authenticator(directory);
    lock_out(&auth, "alice@example.org").await;
    let decision = auth.verify(&from(ATTACKER, http_bearer(&key, true))).await;
    assert_eq!(kind(&decision), "throttled");
}

// Item 4: token sessions end like password sessions.

#[tokio::test]
async fn a_token_session_ends_when_the_account_changes() {
    let directory = people();
    let auth = with_oidc(directory.clone());
    let decision = auth
        .verify(&http_bearer(&token("alice@example.org"), true))
        .await;
    let binding = decision.grant().unwrap().session_binding.clone();
    assert!(binding.rights.is_some());
    assert_eq!(binding.token_roles, None);
    assert_eq!(auth.revalidate(&binding).await, Ok(()));

    assert!(directory.update("alice@example.org", |account| {
        account.roles.push("admin".to_owned());
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::RightsChanged)
    );
    assert!(directory.update("alice@example.org", |account| {
        account.roles.clear();
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::AccountCannotAuthenticate)
    );
    assert!(directory.update("alice@example.org", |account| {
        account.roles = vec!["user".to_owned()];
        account.tenant = Some("closed".to_owned());
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::TenantDisabled)
    );
    assert!(directory.remove_account("alice@example.org"));
    assert_eq!(auth.revalidate(&binding).await, Err(DenialReason::Revoked));
}

#[tokio::test]
async fn a_token_impersonation_session_ends_when_the_actor_loses_impersonate() {
    let directory = people();
    let auth = with_oidc(directory.clone());
    let decision = auth
        .verify(&oauthbearer(
            "alice@example.org",
            &token("admin@example.org"),
        ))
        .await;
    let binding = decision.grant().unwrap().session_binding.clone();
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    assert!(directory.update("admin@example.org", |account| {
        account.roles = vec!["user".to_owned()];
    }));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::RightsChanged)
    );
}

#[tokio::test]
async fn a_token_principal_without_an_entry_keeps_its_roles_in_the_binding() {
    let directory = MemoryDirectory::builder().build();
    let auth = with_oidc(directory.clone());
    let decision = auth
        .verify(&http_bearer(&token("dora@example.org"), true))
        .await;
    let binding = decision.grant().unwrap().session_binding.clone();
    assert_eq!(binding.token_roles, Some(vec!["user".to_owned()]));
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    // The name gets a directory entry: a new login would get its rights.
    directory.insert_account(admin("dora@example.org", "dora-password"));
    assert_eq!(
        auth.revalidate(&binding).await,
        Err(DenialReason::RightsChanged)
    );
}

// Item 5: every reusable secret needs TLS.

#[tokio::test]
async fn bearer_tokens_need_tls_like_passwords() {
    let auth = with_oidc(people());
    let token = token("alice@example.org");
    let cleartext = [
        http_bearer(&token, false),
        sasl(
            "OAUTHBEARER",
            format!("n,a=alice@example.org,\x01auth=Bearer {token}\x01\x01"),
            false,
        ),
        sasl(
            "XOAUTH2",
            format!("user=alice@example.org\x01auth=Bearer {token}\x01\x01"),
            false,
        ),
    ];
    for request in &cleartext {
        let decision = auth.verify(request).await;
        let Decision::Deny(denial) = &decision else {
            panic!("{decision:?}")
        };
        assert_eq!(denial.reason.kind(), "tls-required");
        assert!(denial.public.imap().starts_with("NO [PRIVACYREQUIRED]"));
    }
    assert_eq!(
        kind(&auth.verify(&http_bearer(&token, true)).await),
        "grant"
    );
    let client = ip("198.51.100.7");
    assert_eq!(
        auth.mechanisms(Surface::Imap, false, client),
        Vec::<&str>::new()
    );
    assert_eq!(
        auth.mechanisms(Surface::Imap, true, client),
        ["OAUTHBEARER", "XOAUTH2", "PLAIN", "LOGIN"]
    );
}

// Item 10: suspicions settled.

/// A directory that counts its account and principal lookups.
#[derive(Clone)]
struct Counting {
    inner: MemoryDirectory,
    lookups: Arc<AtomicUsize>,
}

impl Directory for Counting {
    async fn account(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.account(name).await
    }

    async fn principal(&self, name: &str) -> Result<Option<Arc<Account>>, DirectoryError> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.principal(name).await
    }

    async fn roles(&self) -> Result<Arc<RoleGraph>, DirectoryError> {
        self.inner.roles().await
    }

    async fn tenant(&self, name: &str) -> Result<Option<Tenant>, DirectoryError> {
        self.inner.tenant(name).await
    }

    async fn use_totp_step(&self, account: &str, step: u64) -> Result<bool, DirectoryError> {
        self.inner.use_totp_step(account, step).await
    }

    async fn use_recovery_code(&self, account: &str, index: usize) -> Result<bool, DirectoryError> {
        self.inner.use_recovery_code(account, index).await
    }
}

#[tokio::test]
async fn an_unknown_name_costs_the_directory_what_a_known_one_costs() {
    let lookups = Arc::new(AtomicUsize::new(0));
    let auth = authenticator_over(Counting {
        inner: people(),
        lookups: Arc::clone(&lookups),
    });
    let mut counts = Vec::new();
    for login in ["alice@example.org", "nobody@example.org"] {
        lookups.store(0, Ordering::SeqCst);
        let decision = auth
            .verify(&plain(Surface::Imap, "", login, "wrong-guess"))
            .await;
        assert_ne!(kind(&decision), "grant");
        counts.push(lookups.load(Ordering::SeqCst));
    }
    assert_eq!(counts[0], counts[1], "{counts:?}");
}

fn authenticator_over(directory: impl Directory) -> Authenticator {
    Authenticator::builder()
        .directory(directory)
        .hash_policy(policy())
        .hashing(portcullis::Hashing::Inline)
        .clock(now)
        .build()
        .unwrap()
}

#[tokio::test]
async fn narrowing_an_allowlist_ends_the_sessions_it_no_longer_allows() {
    let (secret, record) = app_password(3, CredentialScope::Inherit);
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password").with_credential(record))
        .build();
    let auth = authenticator(directory.clone());
    let decision = auth
        .verify(&plain(Surface::Imap, "", "alice@example.org", &secret))
        .await;
    let binding = decision.grant().unwrap().session_binding.clone();
    assert_eq!(auth.revalidate(&binding).await, Ok(()));
    // The session came from 192.0.2.10; the credential now allows another
    // network only.
    assert!(directory.update("alice@example.org", |account| {
        for credential in &mut account.credentials {
            credential.allowed_ips = vec!["198.51.100.0/24".parse().unwrap()];
        }
    }));
    assert_eq!(auth.revalidate(&binding).await, Err(DenialReason::Revoked));
}
