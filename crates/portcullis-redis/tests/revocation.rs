//! Revocation epochs and the shared verification tier through Redis: a
//! revocation on node A ends B's cached logins and sessions; a restart of
//! Redis (no persistence) loses no decision that must fail closed.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use portcullis::{
    Account, Authenticator, CredentialKind, CredentialRef, Decision, Hashing, MemoryDirectory,
    SessionBinding,
};
use portcullis_credentials::{Argon2Params, HashPolicy, OsRandom, StoredHash};
use portcullis_redis::{RedisStore, RevocationNotice};

use crate::support::*;

const SHARED_KEY: [u8; 32] = [42; 32];
const HASHED: &str = "password verified";
const CACHED: &str = "password verified (cached)";
const SHARED: &str = "password verified (cached by another server)";

/// The accounts every node's directory holds: the same stored hashes, as
/// with one shared directory.
fn accounts() -> Vec<Account> {
    let policy = HashPolicy::with_argon2(Argon2Params {
        m_kib: 64,
        t: 1,
        p: 1,
    });
    ["alice", "bob"]
        .into_iter()
        .map(|name| {
            let hash = policy
                .hash_password(PASSWORD.as_bytes(), &mut OsRandom)
                .unwrap();
            Account::new(name)
                .with_password(StoredHash::parse(&hash).unwrap())
                .with_roles(["user"])
        })
        .collect()
}

fn node(store: &RedisStore, accounts: &[Account]) -> Authenticator {
    let mut directory = MemoryDirectory::builder();
    for account in accounts {
        directory = directory.account(account.clone());
    }
    Authenticator::builder()
        .directory(directory.build())
        .hash_policy(HashPolicy::with_argon2(Argon2Params {
            m_kib: 64,
            t: 1,
            p: 1,
        }))
        .hashing(Hashing::Inline)
        .clock(now)
        .throttle_policy(policy())
        .throttle_store(store.clone())
        .revocation_store(store.clone())
        .shared_verification_cache(&SHARED_KEY, Duration::from_secs(600))
        .build()
        .unwrap()
}

async fn verified(node: &Authenticator, account: &str) -> String {
    let explained = node.explain(&plain(account, PASSWORD)).await;
    assert_eq!(kind(&explained.decision), "grant", "{:#?}", explained.trace);
    explained
        .trace
        .iter()
        .find(|step| step.step == "verify-credential")
        .map(|step| step.outcome.clone())
        .unwrap()
}

fn binding(decision: &Decision) -> SessionBinding {
    match decision {
        Decision::Grant(grant) => grant.session_binding.clone(),
        other => panic!("not a grant: {other:?}"),
    }
}

const PASSWORD_REF: CredentialRef = CredentialRef {
    kind: CredentialKind::Password,
    id: None,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_verified_on_node_a_is_not_hashed_again_on_node_b() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let accounts = accounts();
    let (a, b) = (
        node(&store(&url, &prefix), &accounts),
        node(&store(&url, &prefix), &accounts),
    );
    assert_eq!(verified(&a, "alice").await, HASHED);
    assert_eq!(verified(&b, "alice").await, SHARED);
    assert_eq!(verified(&b, "alice").await, CACHED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_through_a_ends_bs_cached_logins_and_sessions() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let accounts = accounts();
    let (a, b) = (
        node(&store(&url, &prefix), &accounts),
        node(&store(&url, &prefix), &accounts),
    );
    let session = binding(&b.verify(&plain("alice", PASSWORD)).await);
    let bobs = binding(&b.verify(&plain("bob", PASSWORD)).await);
    assert_eq!(verified(&b, "alice").await, CACHED);
    assert_eq!(a.revalidate(&session).await, Ok(()));

    a.revoke_account("alice").await.unwrap();

    // B's cached path no longer answers: the password is verified again.
    assert_eq!(verified(&b, "alice").await, HASHED);
    for node in [&a, &b] {
        assert_eq!(
            node.revalidate(&session).await.unwrap_err().kind(),
            "credential-revoked"
        );
        // Bob is untouched.
        assert_eq!(node.revalidate(&bobs).await, Ok(()));
    }
    assert_eq!(verified(&b, "bob").await, CACHED);

    // A credential revocation moves that credential only.
    let fresh = binding(&a.verify(&plain("alice", PASSWORD)).await);
    assert_eq!(b.revalidate(&fresh).await, Ok(()));
    b.revoke_credential("alice", PASSWORD_REF).await.unwrap();
    assert_eq!(
        a.revalidate(&fresh).await.unwrap_err().kind(),
        "credential-revoked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_are_announced_to_every_subscriber() {
    let Some(url) = redis_url() else { return };
    let prefix = prefix();
    let (store_a, store_b) = (store(&url, &prefix), store(&url, &prefix));
    let mut feed = store_b.revocations().await.unwrap();
    let a = node(&store_a, &accounts());
    a.revoke_account("alice").await.unwrap();
    a.revoke_credential(
        "bob:x",
        CredentialRef {
            kind: CredentialKind::AppPassword,
            id: Some(3),
        },
    )
    .await
    .unwrap();
    let mut notices = Vec::new();
    for _ in 0..2 {
        let notice = tokio::time::timeout(Duration::from_secs(5), feed.next())
            .await
            .unwrap()
            .unwrap();
        notices.push(notice);
    }
    assert_eq!(
        notices,
        [
            RevocationNotice {
                account: "alice".to_owned(),
                field: "account".to_owned(),
            },
            RevocationNotice {
                account: "bob:x".to_owned(),
                field: "c:app-password:3".to_owned(),
            },
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_redis_fails_closed_on_revocation() {
    let Some(url) = redis_url() else { return };
    let proxy = crate::proxy::Proxy::start(&url).await;
    let prefix = prefix();
    let accounts = accounts();
    let store_a = store(&proxy.url(), &prefix);
    let a = node(&store_a, &accounts);
    let session = binding(&a.verify(&plain("alice", PASSWORD)).await);
    assert_eq!(verified(&a, "alice").await, CACHED);
    proxy.down();
    assert_eq!(
        a.revalidate(&session).await.unwrap_err().kind(),
        "revocation-state-unavailable"
    );
    // Logins go on, verified against the directory, never from a cache.
    assert_eq!(verified(&a, "alice").await, HASHED);
    assert_eq!(verified(&a, "alice").await, HASHED);
    assert!(a.revoke_account("alice").await.is_err());
    proxy.up();
    wait_until_shared(&store_a, &pair("alice")).await;
    assert_eq!(a.revalidate(&session).await, Ok(()));
    assert_eq!(verified(&a, "alice").await, CACHED);
}

/// A redis-server of this test's own, so that it can be restarted.
struct OwnRedis {
    port: u16,
    child: Child,
}

impl OwnRedis {
    fn start(port: u16) -> OwnRedis {
        let mut child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server (installed by .ci/services/redis.sh)");
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return OwnRedis { port, child };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("redis-server did not start on {port}");
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Killed without a chance to save anything (as a crash).
    fn kill(mut self) -> u16 {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        self.port
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_restart_loses_no_decision_that_must_fail_closed() {
    let Some(_) = redis_url() else { return };
    let redis = OwnRedis::start(free_port());
    let prefix = prefix();
    let accounts = accounts();
    let (store_a, store_b) = (store(&redis.url(), &prefix), store(&redis.url(), &prefix));
    let (a, b) = (node(&store_a, &accounts), node(&store_b, &accounts));

    // Before: a session revoked, one alive, alice's login cached on both.
    let revoked = binding(&a.verify(&plain("alice", PASSWORD)).await);
    let alive = binding(&a.verify(&plain("bob", PASSWORD)).await);
    assert_eq!(verified(&b, "alice").await, SHARED);
    assert_eq!(verified(&b, "alice").await, CACHED);
    b.revoke_account("alice").await.unwrap();
    let after_revocation = binding(&a.verify(&plain("alice", PASSWORD)).await);
    assert_eq!(verified(&a, "alice").await, CACHED);

    // Redis dies and comes back empty on the same port.
    let port = redis.kill();
    for node in [&a, &b] {
        for session in [&revoked, &alive, &after_revocation] {
            assert_eq!(
                node.revalidate(session).await.unwrap_err().kind(),
                "revocation-state-unavailable"
            );
        }
    }
    assert_eq!(verified(&a, "alice").await, HASHED);
    let redis = OwnRedis::start(port);
    wait_until_shared(&store_a, &pair("alice")).await;
    wait_until_shared(&store_b, &pair("alice")).await;

    // After: the revoked session stays ended (fresh random epochs match
    // nothing issued before); sessions from before the restart end too,
    // which costs their clients one login, and never revives a revoked one.
    for node in [&a, &b] {
        for session in [&revoked, &alive, &after_revocation] {
            assert_eq!(
                node.revalidate(session).await.unwrap_err().kind(),
                "credential-revoked"
            );
        }
    }
    // No cache entry from before the restart answers.
    assert_eq!(verified(&b, "alice").await, HASHED);
    assert_eq!(verified(&a, "alice").await, SHARED);
    let fresh = binding(&b.verify(&plain("bob", PASSWORD)).await);
    assert_eq!(a.revalidate(&fresh).await, Ok(()));
    drop(redis);
}
