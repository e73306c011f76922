//! Steps 2 and 4: throttle the client network, then the (network,
//! account) pair; afterwards, count the failure or reset the pair.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::time::Duration;

use super::Ledger;
use crate::authenticator::Context;
use crate::throttle::ThrottleKey;
use crate::trace::Trace;
use crate::{Authenticator, Decision, Denial, DenialReason};

impl Authenticator {
    pub(crate) async fn record_outcome(
        &self,
        keys: &[ThrottleKey],
        ctx: &Context,
        decision: &Decision,
    ) {
        match decision {
            Decision::Grant(_) => {
                for key in keys
                    .iter()
                    .filter(|key| matches!(key, ThrottleKey::Pair(..)))
                {
                    self.inner.throttle.reset(key).await;
                }
            }
            Decision::Deny(denial) if denial.reason.counts_as_failure() => {
                for key in keys {
                    let rule = match key {
                        ThrottleKey::Network(_) => self.inner.throttle_policy.per_network,
                        ThrottleKey::Pair(..) => self.inner.throttle_policy.per_pair,
                    };
                    self.inner.throttle.record_failure(key, rule, ctx.now).await;
                }
            }
            Decision::Deny(_) | Decision::TryLater(_) => {}
        }
    }

    /// The client network's throttle bucket (none when throttling is off
    /// or the address is exempt).
    pub(crate) fn network_key(&self, ctx: &Context) -> Vec<ThrottleKey> {
        let policy = &self.inner.throttle_policy;
        if !policy.enabled || policy.is_exempt(ctx.remote_ip) {
            return Vec::new();
        }
        vec![ThrottleKey::Network(policy.network_of(ctx.remote_ip))]
    }

    /// Step 4's throttle check: the (network, account) pair, keyed by the
    /// canonical name of the account whose secret is tried — the
    /// directory's own spelling when it has the account — never by the
    /// raw login, so `victim`, `Victim`, an NFD spelling, `victim%victim`
    /// and `anything%victim` all count against one pair.
    pub(crate) async fn throttle_pair(
        &self,
        ctx: &Context,
        account: &str,
        ledger: &mut Ledger,
        trace: &mut Trace,
    ) -> Result<(), Decision> {
        let policy = &self.inner.throttle_policy;
        if ledger.throttle.is_empty() {
            // Throttling is off or the address is exempt.
            return Ok(());
        }
        let pair = policy.pair_of(ctx.remote_ip, account);
        let outcome = self.throttle_check(ctx, Some(&pair), trace).await;
        ledger.throttle.push(pair);
        outcome
    }

    /// Whether a bucket is locked: step 2 for the network (`throttle`),
    /// step 4 for the (network, account) pair (`throttle-account`).
    pub(crate) async fn throttle_check(
        &self,
        ctx: &Context,
        key: Option<&ThrottleKey>,
        trace: &mut Trace,
    ) -> Result<(), Decision> {
        let Some(key) = key else {
            trace.step("throttle", || {
                "not throttled (disabled or exempt address)".to_owned()
            });
            return Ok(());
        };
        let (step, which) = match key {
            ThrottleKey::Network(_) => ("throttle", "this network"),
            ThrottleKey::Pair(..) => ("throttle-account", "this account from this network"),
        };
        let Some(left) = self.inner.throttle.locked(key, ctx.now).await else {
            trace.step(step, || "not locked".to_owned());
            return Ok(());
        };
        trace.step(step, || {
            format!(
                "locked: too many failures for {which}; {} s left",
                left.as_secs()
            )
        });
        let reason = DenialReason::Throttled(which);
        let seconds = left.as_secs().max(1);
        let public = self.public(ctx, &reason).with_retry_after(seconds);
        Err(Decision::TryLater(Denial {
            reason,
            public,
            retry_after: Some(Duration::from_secs(seconds)),
        }))
    }
}
