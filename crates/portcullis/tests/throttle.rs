//! Throttling: pairs are locked out, never the account.

use portcullis::{Decision, MemoryDirectory, Surface};

use crate::support::*;

fn attempt(from: &str, password: &str) -> portcullis::AuthRequest {
    let mut request = plain(Surface::Imap, "", "victim@example.org", password);
    request.remote_ip = ip(from);
    request
}

fn auth() -> portcullis::Authenticator {
    authenticator(
        MemoryDirectory::builder()
            .account(user("victim@example.org", "victim-password"))
            .build(),
    )
}

#[tokio::test]
async fn one_attacker_address_is_locked_out_and_the_victim_is_not() {
    let auth = auth();
    for n in 0..5 {
        assert_eq!(
            kind(
                &auth
                    .verify(&attempt("203.0.113.66", &format!("guess-{n}")))
                    .await
            ),
            "wrong-secret"
        );
        assert_eq!(
            kind(&auth.verify(&attempt(CLIENT, "victim-password")).await),
            "grant"
        );
    }
    // The pair is locked: even the right password is not judged.
    let explained = auth
        .explain(&attempt("203.0.113.66", "victim-password"))
        .await;
    let Decision::TryLater(denial) = &explained.decision else {
        panic!("{:?}", explained.decision)
    };
    assert_eq!(denial.reason.kind(), "throttled");
    assert!(denial.retry_after.is_some());
    let http = denial.public.http();
    assert_eq!(http.status, 429);
    assert!(http.retry_after.is_some());
    assert!(denial.public.imap().starts_with("NO [UNAVAILABLE] "));
    assert_eq!(
        steps(&explained),
        [
            "parse",
            "throttle",
            "resolve-login",
            "find-account",
            "throttle-account"
        ]
    );
    // The victim's own address keeps working.
    assert_eq!(
        kind(&auth.verify(&attempt(CLIENT, "victim-password")).await),
        "grant"
    );
}

#[tokio::test]
async fn many_attacker_addresses_never_lock_the_victim_out() {
    let auth = auth();
    for n in 0..40_u8 {
        let attacker = format!("198.51.100.{n}");
        for guess in 0..6 {
            let decision = auth
                .verify(&attempt(&attacker, &format!("guess-{guess}")))
                .await;
            assert!(matches!(kind(&decision), "wrong-secret" | "throttled"));
        }
        assert_eq!(
            kind(&auth.verify(&attempt(&attacker, "guess")).await),
            "throttled"
        );
        assert_eq!(
            kind(&auth.verify(&attempt(CLIENT, "victim-password")).await),
            "grant"
        );
    }
    // IPv6 attackers in one /48 share the network bucket.
    for n in 0..40_u16 {
        let attacker = format!("2001:db8:77:{n:x}::1");
        let _ = auth.verify(&attempt(&attacker, "guess")).await;
    }
    assert_eq!(
        kind(&auth.verify(&attempt("2001:db8:77:ffff::9", "guess")).await),
        "throttled"
    );
    assert_eq!(
        kind(&auth.verify(&attempt(CLIENT, "victim-password")).await),
        "grant"
    );
}

#[tokio::test]
async fn exempt_addresses_are_never_throttled() {
    let mut policy = portcullis::ThrottlePolicy::default();
    policy.exempt.push("198.51.100.0/24".parse().unwrap());
    let auth = builder(
        MemoryDirectory::builder()
            .account(user("victim@example.org", "victim-password"))
            .build(),
    )
    .throttle_policy(policy)
    .build()
    .unwrap();
    for _ in 0..10 {
        assert_eq!(
            kind(&auth.verify(&attempt("198.51.100.7", "guess")).await),
            "wrong-secret"
        );
    }
    assert_eq!(
        kind(
            &auth
                .verify(&attempt("198.51.100.7", "victim-password"))
                .await
        ),
        "grant"
    );
}

#[tokio::test]
async fn a_wrong_password_resent_counts_once() {
    // neomutt and smtplib send each refused password twice: a user who
    // mistypes three times must not lock their own pair (limit 5).
    let auth = auth();
    for _ in 0..12 {
        assert_eq!(
            kind(&auth.verify(&attempt("203.0.113.66", "typo")).await),
            "wrong-secret"
        );
    }
    assert_eq!(
        kind(
            &auth
                .verify(&attempt("203.0.113.66", "victim-password"))
                .await
        ),
        "grant"
    );
    // Different guesses still count, one each: the fifth locks the pair.
    for n in 0..5 {
        let guess = format!("guess-{n}");
        assert_eq!(
            kind(&auth.verify(&attempt("203.0.113.66", &guess)).await),
            "wrong-secret"
        );
        // Resending each guess adds nothing.
        assert_eq!(
            kind(&auth.verify(&attempt("203.0.113.66", &guess)).await),
            if n < 4 { "wrong-secret" } else { "throttled" }
        );
    }
    assert_eq!(
        kind(
            &auth
                .verify(&attempt("203.0.113.66", "victim-password"))
                .await
        ),
        "throttled"
    );
}

#[tokio::test]
async fn a_resent_secret_is_free_only_on_its_own_pair() {
    let auth = authenticator(
        MemoryDirectory::builder()
            .account(user("victim@example.org", "victim-password"))
            .account(user("other@example.org", "other-password"))
            .build(),
    );
    // The same secret tried on five accounts is five guesses for the
    // network (limit 30 there), one on each pair.
    for n in 0..5 {
        let login = if n % 2 == 0 {
            "victim@example.org"
        } else {
            "other@example.org"
        };
        let mut request = plain(Surface::Imap, "", login, &format!("spray-{n}"));
        request.remote_ip = ip("203.0.113.66");
        assert_eq!(kind(&auth.verify(&request).await), "wrong-secret");
    }
    // victim has had three different wrong secrets, other two: neither
    // is locked, and one more distinct guess each does not lock other.
    let mut request = plain(Surface::Imap, "", "other@example.org", "other-password");
    request.remote_ip = ip("203.0.113.66");
    assert_eq!(kind(&auth.verify(&request).await), "grant");
}
