//! Property: whatever the interleaving of failures across two nodes on
//! one pair, at most `max_failures` attempts are judged before the lock.

use proptest::prelude::*;

use crate::support::*;

proptest! {
    // Each case talks to Redis and hashes a few passwords: few cases.
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[test]
    fn judged_attempts_never_exceed_the_limit(schedule in proptest::collection::vec(any::<bool>(), 1..10)) {
        let Some(url) = redis_url() else { return Ok(()) };
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let judged: Vec<&str> = runtime.block_on(async {
            let prefix = prefix();
            let (store_a, store_b) = (store(&url, &prefix), store(&url, &prefix));
            let (a, b) = (node(&store_a), node(&store_b));
            let mut kinds = Vec::new();
            for (n, on_a) in schedule.iter().enumerate() {
                let node = if *on_a { &a } else { &b };
                kinds.push(login(node, "alice", &format!("guess {n}")).await);
            }
            // Whoever asks next, the pair is locked once the limit is reached.
            if schedule.len() >= 3 {
                kinds.push(login(&a, "alice", PASSWORD).await);
                kinds.push(login(&b, "alice", PASSWORD).await);
            }
            kinds
        });
        let max = policy().per_pair.max_failures as usize;
        let not_throttled = judged.iter().filter(|kind| **kind != "throttled").count();
        prop_assert!(not_throttled <= max, "{judged:?}");
        prop_assert_eq!(not_throttled, schedule.len().min(max), "{:?}", judged);
        // Judged ones come first; after the lock, everything is throttled.
        let first_throttled = judged.iter().position(|kind| *kind == "throttled").unwrap_or(judged.len());
        prop_assert!(judged[first_throttled..].iter().all(|kind| *kind == "throttled"), "{:?}", judged);
        prop_assert!(!judged.contains(&"grant"));
    }
}
