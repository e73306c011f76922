//! XOAUTH2's `user=` against the token's own username
//! (`token-user-mismatch`), in both directions, and spellings of one name.

use portcullis::{Account, Decision, FailureClass, MemoryDirectory, Surface};

use crate::support::*;
use crate::tokens::{token, validator, xoauth2};

fn auth() -> portcullis::Authenticator {
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password"))
        .account(
            Account::new("admin@example.org")
                .with_password(hash("admin-password"))
                .with_roles(["admin"]),
        )
        .account(user("jos\u{e9}@example.org", "jose-password"))
        .build();
    builder(directory).oidc(validator()).build().unwrap()
}

fn assert_mismatch(decision: &Decision) {
    let Decision::Deny(denial) = decision else {
        panic!("{decision:?}")
    };
    assert_eq!(denial.reason.kind(), "token-user-mismatch");
    // Looks like any refused token: nothing about either account.
    assert_eq!(denial.public.class(), FailureClass::BadCredentials);
    assert_eq!(
        denial.public.imap(),
        "NO [AUTHENTICATIONFAILED] Authentication failed"
    );
    assert_eq!(
        denial.public.oauthbearer_challenge().as_deref(),
        Some(br#"{"status":"invalid_token"}"#.as_slice())
    );
}

#[tokio::test]
async fn a_user_naming_another_account_than_the_token_is_refused() {
    let auth = auth();
    // Alice's token, presented as the admin: must never sign in as admin.
    let explained = auth
        .explain(&xoauth2("admin@example.org", &token("alice@example.org")))
        .await;
    assert_mismatch(&explained.decision);
    assert_eq!(
        outcome(&explained, "resolve-login"),
        "refused: user \"admin@example.org\" is not the token's alice@example.org"
    );
}

#[tokio::test]
async fn a_token_naming_another_account_than_user_is_refused() {
    let auth = auth();
    // The admin's token under alice's name: refused too, not "upgraded" to
    // the token's account nor downgraded to alice's.
    let explained = auth
        .explain(&xoauth2("alice@example.org", &token("admin@example.org")))
        .await;
    assert_mismatch(&explained.decision);
    assert_eq!(
        outcome(&explained, "resolve-login"),
        "refused: user \"alice@example.org\" is not the token's admin@example.org"
    );
    // A name that exists nowhere is refused the same way.
    let decision = auth
        .verify(&xoauth2("nobody@example.org", &token("alice@example.org")))
        .await;
    assert_mismatch(&decision);
}

#[tokio::test]
async fn user_equal_to_the_token_username_in_another_spelling_is_accepted() {
    let auth = auth();
    for (user, username, account) in [
        (
            "alice@example.org",
            "alice@example.org",
            "alice@example.org",
        ),
        // Domains compare case-insensitively.
        (
            "alice@EXAMPLE.ORG",
            "alice@example.org",
            "alice@example.org",
        ),
        (
            "alice@example.org",
            "alice@Example.Org",
            "alice@example.org",
        ),
        // NFD and NFC spellings of one name.
        (
            "jose\u{301}@example.org",
            "jos\u{e9}@example.org",
            "jos\u{e9}@example.org",
        ),
        (
            "jos\u{e9}@example.org",
            "jose\u{301}@example.org",
            "jos\u{e9}@example.org",
        ),
    ] {
        let decision = auth.verify(&xoauth2(user, &token(username))).await;
        let grant = decision
            .grant()
            .unwrap_or_else(|| panic!("{user} / {username}: {decision:?}"));
        assert_eq!(grant.account, account, "{user} / {username}");
        assert_eq!(grant.acting_as, account, "{user} / {username}");
    }
}

#[tokio::test]
async fn a_local_part_in_another_case_is_another_user() {
    // Local parts keep their case (RFC 5321 §2.4): `Alice` is not `alice`.
    let auth = auth();
    let decision = auth
        .verify(&xoauth2("Alice@example.org", &token("alice@example.org")))
        .await;
    assert_mismatch(&decision);
}

#[tokio::test]
async fn mismatched_tokens_count_against_the_claimed_user() {
    // Five wrong tokens under alice's name lock (this network, alice), as
    // five wrong passwords would.
    let auth = auth();
    for other in 1..=5 {
        let token = token(&format!("other-{other}@example.org"));
        let decision = auth.verify(&xoauth2("alice@example.org", &token)).await;
        assert_eq!(kind(&decision), "token-user-mismatch");
    }
    let decision = auth
        .verify(&plain(
            Surface::Imap,
            "",
            "alice@example.org",
            "alice-password",
        ))
        .await;
    assert_eq!(kind(&decision), "throttled");
}
