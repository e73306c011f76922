//! [`RevocationStore`] for [`RedisStore`]: revocation epochs, their
//! announcements, and the shared tier of the verification cache.
//!
//! | key | type | expires | content |
//! |---|---|---|---|
//! | `<prefix>e:{<byte length>:<account>}` | hash | never | `account` → the account's epoch; `c:<credential>` → each credential's (`c:password`, `c:app-password:3`) |
//! | `<prefix>v:{<digest, 64 hex>}` | string | with the tier's TTL | `1`: a secret verified under the epochs the digest covers |
//!
//! Announcements go to the channel `<prefix>revocations`.

use std::time::Duration;

use futures_util::StreamExt;
use portcullis::{
    CredentialRef, Epoch, Revocation, RevocationError, RevocationStore, VerificationDigest,
    credential_field,
};

use crate::store::{RedisStore, ttl_ms};

/// Reads an account's and a credential's epochs in one round trip,
/// drawing fresh random ones (passed in) for fields that do not exist
/// yet: an epoch lost with Redis (a restart without persistence) comes
/// back as a new random number, never as one a revoked session holds.
///
/// KEYS: epochs. ARGV: credential field, fresh account epoch, fresh
/// credential epoch.
pub(crate) const READ_EPOCHS: &str = r"
redis.call('HSETNX', KEYS[1], 'account', ARGV[2])
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[3])
return redis.call('HMGET', KEYS[1], 'account', ARGV[1])
";

/// Moves one epoch (drawing a fresh one first if it does not exist) and
/// announces it, atomically.
///
/// KEYS: epochs. ARGV: field, fresh epoch, channel, announcement.
pub(crate) const REVOKE: &str = r"
redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
local epoch = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PUBLISH', ARGV[3], ARGV[4])
return epoch
";

/// A fresh epoch: random, below 2⁶², so `HINCRBY` never overflows.
fn fresh() -> Result<u64, RevocationError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|_| RevocationError::Unavailable("the random source failed".to_owned()))?;
    Ok(u64::from_be_bytes(bytes) >> 2)
}

/// The hash field of a credential's epoch.
fn field(credential: CredentialRef) -> String {
    format!("c:{}", credential_field(credential))
}

/// The text announced on the channel: the field's length, `:`, the field,
/// then the account (which may hold any character).
fn announcement(field: &str, account: &str) -> String {
    format!("{}:{field}{account}", field.len())
}

/// A revocation announced by some node, as [`RevocationFeed::next`]
/// hands it out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevocationNotice {
    /// The account's canonical name.
    pub account: String,
    /// `account` when the account's epoch moved, else the credential's
    /// field (`c:password`, `c:app-password:3`, …).
    pub field: String,
}

impl RevocationNotice {
    fn parse(text: &str) -> Option<RevocationNotice> {
        let (length, rest) = text.split_once(':')?;
        let length: usize = length.parse().ok()?;
        let field = rest.get(..length)?;
        let account = rest.get(length..)?;
        Some(RevocationNotice {
            account: account.to_owned(),
            field: field.to_owned(),
        })
    }
}

/// The revocations announced by every node sharing the store
/// ([`RedisStore::revocations`]). Redis pub/sub delivers at most once:
/// a notice is a hint to revalidate the account's sessions now, never
/// the only guard (every login and every revalidation reads the epochs).
pub struct RevocationFeed {
    messages: futures_util::stream::BoxStream<'static, redis::Msg>,
}

impl std::fmt::Debug for RevocationFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevocationFeed").finish_non_exhaustive()
    }
}

impl RevocationFeed {
    /// The next notice; `None` once the subscription's connection is lost
    /// (subscribe again, and revalidate every session: notices may have
    /// been missed).
    pub async fn next(&mut self) -> Option<RevocationNotice> {
        loop {
            let message = self.messages.next().await?;
            let Ok(text) = message.get_payload::<String>() else {
                continue;
            };
            if let Some(notice) = RevocationNotice::parse(&text) {
                return Some(notice);
            }
        }
    }
}

impl RedisStore {
    fn epochs_key(&self, account: &str) -> String {
        format!(
            "{}e:{{{}:{account}}}",
            self.inner.config.key_prefix,
            account.len()
        )
    }

    fn verified_key(&self, digest: VerificationDigest) -> String {
        let mut hex = String::with_capacity(64);
        for byte in digest.to_bytes() {
            hex.push_str(&format!("{byte:02x}"));
        }
        format!("{}v:{{{hex}}}", self.inner.config.key_prefix)
    }

    fn channel(&self) -> String {
        format!("{}revocations", self.inner.config.key_prefix)
    }

    /// Subscribes to the revocations every node announces (a connection
    /// of its own).
    ///
    /// # Errors
    /// [`RevocationError::Unavailable`] when Redis cannot be reached
    /// within the timeout.
    pub async fn revocations(&self) -> Result<RevocationFeed, RevocationError> {
        let unavailable = |detail: String| RevocationError::Unavailable(detail);
        let client = crate::connection::Client::for_pubsub(&self.inner.config)
            .ok_or_else(|| unavailable("no Redis URL".to_owned()))?;
        let subscribe = async {
            let mut pubsub = client.get_async_pubsub().await?;
            pubsub.subscribe(self.channel()).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        let pubsub = tokio::time::timeout(self.inner.config.timeout, subscribe)
            .await
            .map_err(|_| unavailable("timed out".to_owned()))?
            .map_err(|error| unavailable(error.to_string()))?;
        Ok(RevocationFeed {
            messages: pubsub.into_on_message().boxed(),
        })
    }
}

/// What a failed call says (the warning has the detail).
fn unreachable_redis() -> RevocationError {
    RevocationError::Unavailable(
        "Redis did not answer (see the portcullis::redis warning)".to_owned(),
    )
}

impl RevocationStore for RedisStore {
    /// One `HMGET` (as cheap as a `GET`); only for an account or
    /// credential without epochs yet (a first login, or after Redis lost
    /// them) a second round trip runs the script that draws them.
    async fn epoch(
        &self,
        account: &str,
        credential: CredentialRef,
    ) -> Result<Epoch, RevocationError> {
        let key = self.epochs_key(account);
        let field = field(credential);
        let read = self
            .redis("epoch", |mut connection| {
                let (key, field) = (key.clone(), field.clone());
                async move {
                    redis::cmd("HMGET")
                        .arg(&key)
                        .arg("account")
                        .arg(&field)
                        .query_async::<(Option<u64>, Option<u64>)>(&mut connection)
                        .await
                }
            })
            .await
            .ok_or_else(unreachable_redis)?;
        if let (Some(account), Some(credential)) = read {
            return Ok(Epoch {
                account,
                credential,
            });
        }
        let (fresh_account, fresh_credential) = (fresh()?, fresh()?);
        let script = &self.inner.read_epochs;
        let (account, credential) = self
            .redis("epoch", |mut connection| async move {
                script
                    .key(&key)
                    .arg(&field)
                    .arg(fresh_account)
                    .arg(fresh_credential)
                    .invoke_async::<(u64, u64)>(&mut connection)
                    .await
            })
            .await
            .ok_or_else(unreachable_redis)?;
        Ok(Epoch {
            account,
            credential,
        })
    }

    async fn revoke(&self, account: &str, what: Revocation) -> Result<(), RevocationError> {
        let key = self.epochs_key(account);
        let field = match what {
            Revocation::Account => "account".to_owned(),
            Revocation::Credential(credential) => field(credential),
        };
        let message = announcement(&field, account);
        let channel = self.channel();
        let fresh = fresh()?;
        let script = &self.inner.revoke;
        self.redis("revoke", |mut connection| async move {
            script
                .key(&key)
                .arg(&field)
                .arg(fresh)
                .arg(&channel)
                .arg(&message)
                .invoke_async::<u64>(&mut connection)
                .await
        })
        .await
        .map(|_| ())
        .ok_or_else(unreachable_redis)
    }

    async fn is_verified(&self, digest: VerificationDigest) -> bool {
        let key = self.verified_key(digest);
        self.redis("is_verified", |mut connection| async move {
            redis::cmd("EXISTS")
                .arg(&key)
                .query_async::<bool>(&mut connection)
                .await
        })
        .await
        // Unreachable: not verified here (the secret is hashed instead).
        .unwrap_or(false)
    }

    async fn remember_verified(&self, digest: VerificationDigest, ttl: Duration) {
        let key = self.verified_key(digest);
        let _stored = self
            .redis("remember_verified", |mut connection| async move {
                redis::cmd("SET")
                    .arg(&key)
                    .arg(1)
                    .arg("PX")
                    .arg(ttl_ms(ttl))
                    .query_async::<()>(&mut connection)
                    .await
            })
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_parse_back_whatever_the_account() {
        for (field, account) in [
            ("account", "alice@example.org"),
            ("c:app-password:3", "a:b:c"),
            ("c:password", "12:x"),
            ("account", ""),
        ] {
            let text = announcement(field, account);
            assert_eq!(
                RevocationNotice::parse(&text),
                Some(RevocationNotice {
                    account: account.to_owned(),
                    field: field.to_owned(),
                }),
                "{text}"
            );
        }
        assert_eq!(RevocationNotice::parse("x:account"), None);
        assert_eq!(RevocationNotice::parse("99:account"), None);
        assert_eq!(RevocationNotice::parse("no colon"), None);
    }

    #[test]
    fn fresh_epochs_leave_room_to_count() {
        for _ in 0..100 {
            assert!(fresh().is_ok_and(|epoch| epoch < 1 << 62));
        }
    }
}
