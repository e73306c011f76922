//! Used TOTP steps and recovery codes are recorded in the database
//! atomically: two servers (two pools) racing for one code, exactly one wins.

use portcullis::Directory;

use crate::support::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_totp_steps_exactly_one_wins() {
    let Some(db) = TestDb::new("concurrent_totp_steps_exactly_one_wins").await else {
        return;
    };
    db.account("alice@example.org", "alice-secret", &["user"])
        .await;
    db.exec(
        "INSERT INTO totp (account, secret) VALUES ('alice@example.org', 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP')",
        &[],
    )
    .await;
    let first = db.directory();
    let second = db.directory();
    for step in 60_000_000_u64..60_000_020 {
        let (a, b) = (first.clone(), second.clone());
        let one = tokio::spawn(async move { a.use_totp_step("alice@example.org", step).await });
        let two = tokio::spawn(async move { b.use_totp_step("alice@example.org", step).await });
        let wins = [one.await.unwrap().unwrap(), two.await.unwrap().unwrap()];
        assert_eq!(
            wins.iter().filter(|won| **won).count(),
            1,
            "step {step}: {wins:?}"
        );
    }
    // An older step, or the same one again, is a replay.
    assert!(
        !first
            .use_totp_step("alice@example.org", 60_000_019)
            .await
            .unwrap()
    );
    assert!(
        !second
            .use_totp_step("alice@example.org", 60_000_000)
            .await
            .unwrap()
    );
    assert!(
        first
            .use_totp_step("alice@example.org", 60_000_020)
            .await
            .unwrap()
    );
    // A step beyond PostgreSQL's bigint is refused, not wrapped.
    assert!(
        first
            .use_totp_step("alice@example.org", u64::MAX)
            .await
            .is_err()
    );
    // Accounts without an enrolment record nothing.
    assert!(!first.use_totp_step("nobody@example.org", 1).await.unwrap());
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovery_code_is_used_once() {
    let Some(db) = TestDb::new("a_recovery_code_is_used_once").await else {
        return;
    };
    db.account("alice@example.org", "alice-secret", &["user"])
        .await;
    db.exec(
        "INSERT INTO recovery_codes (account, idx, hash) \
         SELECT 'alice@example.org', i, '{PLAIN}code' || i FROM generate_series(0, 9) AS i",
        &[],
    )
    .await;
    let first = db.directory();
    let second = db.directory();
    for index in 0..10 {
        let (a, b) = (first.clone(), second.clone());
        let one =
            tokio::spawn(async move { a.use_recovery_code("alice@example.org", index).await });
        let two =
            tokio::spawn(async move { b.use_recovery_code("alice@example.org", index).await });
        let wins = [one.await.unwrap().unwrap(), two.await.unwrap().unwrap()];
        assert_eq!(
            wins.iter().filter(|won| **won).count(),
            1,
            "code {index}: {wins:?}"
        );
    }
    assert!(
        !first
            .use_recovery_code("alice@example.org", 3)
            .await
            .unwrap()
    );
    assert!(
        !first
            .use_recovery_code("alice@example.org", 10)
            .await
            .unwrap()
    );
    let used: i64 = db
        .admin
        .query_one(
            "SELECT count(*) FROM recovery_codes WHERE used AND used_at IS NOT NULL",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(used, 10);
    // The account still lists every code (used ones too), in order.
    let alice = first.account("alice@example.org").await.unwrap().unwrap();
    assert_eq!(alice.recovery_codes.len(), 10);
    db.drop().await;
}
