//! Steps 2 and 4: throttle the client network, then the (network,
//! account) pair; afterwards, count the failure or reset the pair.

#![allow(
    clippy::result_large_err,
    reason = "a step short-circuits with the final decision; boxing it would add an allocation per denial"
)]

use std::time::Duration;

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::Ledger;
use crate::authenticator::Context;
use crate::throttle::{SecretDigest, ThrottleKey};
use crate::trace::Trace;
use crate::{Authenticator, Decision, Denial, DenialReason, SecretString};

impl Authenticator {
    /// After the decision: a grant resets the pair (when its check found
    /// something to forget), a counted failure is counted in every bucket
    /// (unless the same wrong secret was already counted).
    pub(crate) async fn record_outcome(
        &self,
        keys: &[ThrottleKey],
        refused_secret: Option<SecretDigest>,
        pair_holds_failures: bool,
        ctx: &Context,
        decision: &Decision,
    ) {
        match decision {
            Decision::Grant(_) => {
                for key in keys
                    .iter()
                    .filter(|key| matches!(key, ThrottleKey::Pair(..)) && pair_holds_failures)
                {
                    self.inner.throttle.reset(key).await;
                }
            }
            Decision::Deny(denial) if denial.reason.counts_as_failure() => {
                // The same wrong secret again on the same pair, within the
                // window: a client resending it, not a new guess.
                let pair = keys.iter().find(|key| matches!(key, ThrottleKey::Pair(..)));
                let store = &self.inner.throttle;
                if let (Some(pair), Some(secret)) = (pair, refused_secret)
                    && store.is_repeated_secret(pair, secret, ctx.now).await
                {
                    return;
                }
                for key in keys {
                    let rule = match key {
                        ThrottleKey::Network(_) => self.inner.throttle_policy.per_network,
                        ThrottleKey::Pair(..) => self.inner.throttle_policy.per_pair,
                    };
                    store.record_failure(key, rule, ctx.now).await;
                }
                // Remembered once the pair's bucket holds the failure.
                if let (Some(pair), Some(secret)) = (pair, refused_secret) {
                    let until = ctx.now + self.inner.throttle_policy.per_pair.window;
                    store.remember_secret(pair, secret, until).await;
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
        ledger.pair_holds_failures = outcome?;
        Ok(())
    }

    /// Whether a bucket is locked: step 2 for the network (`throttle`),
    /// step 4 for the (network, account) pair (`throttle-account`). `Ok`
    /// says whether the bucket holds failures a grant must reset.
    pub(crate) async fn throttle_check(
        &self,
        ctx: &Context,
        key: Option<&ThrottleKey>,
        trace: &mut Trace,
    ) -> Result<bool, Decision> {
        let Some(key) = key else {
            trace.step("throttle", || {
                "not throttled (disabled or exempt address)".to_owned()
            });
            return Ok(false);
        };
        let (step, which) = match key {
            ThrottleKey::Network(_) => ("throttle", "this network"),
            ThrottleKey::Pair(..) => ("throttle-account", "this account from this network"),
        };
        let check = self.inner.throttle.check(key, ctx.now).await;
        let Some(left) = check.locked else {
            trace.step(step, || "not locked".to_owned());
            return Ok(check.holds_failures);
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

    /// The keyed digest of a refused secret tried on an account (see
    /// [`SecretDigest`]): HMAC-SHA-256 under the per-process key, over the
    /// length-prefixed account and secret.
    pub(crate) fn secret_digest(&self, account: &str, secret: &SecretString) -> SecretDigest {
        // A key of one block (64 bytes), so HMAC takes it as it is.
        let mut mac = <Hmac<Sha256> as KeyInit>::new(&self.inner.secret_digest_key.into());
        for part in [account.as_bytes(), secret.expose().as_bytes()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        let tag: [u8; 32] = mac.finalize().into_bytes().into();
        let mut first = [0u8; 16];
        for (out, byte) in first.iter_mut().zip(tag) {
            *out = byte;
        }
        SecretDigest(u128::from_be_bytes(first))
    }
}
