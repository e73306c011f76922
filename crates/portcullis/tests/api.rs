//! Shape of the public API: thread safety and `Send` futures.

use portcullis::{Authenticator, Decision, FileDirectory, MemoryDirectory, SaslSession, Surface};

use crate::support::*;

fn send_sync<T: Send + Sync>() {}
fn send<T: Send>(_: &T) {}

#[test]
fn types_are_thread_safe() {
    send_sync::<Authenticator>();
    send_sync::<Decision>();
    send_sync::<MemoryDirectory>();
    send_sync::<FileDirectory>();
    send_sync::<SaslSession>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_runs_on_a_multi_threaded_runtime() {
    let directory = MemoryDirectory::builder()
        .account(user("alice@example.org", "alice-password"))
        .build();
    // The default hashing: tokio's blocking pool.
    let auth = Authenticator::builder()
        .directory(directory)
        .hash_policy(policy())
        .build()
        .unwrap();
    let request = plain(Surface::Imap, "", "alice@example.org", "alice-password");
    let future = auth.verify(&request);
    send(&future);
    assert_eq!(kind(&future.await), "grant");
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let auth = auth.clone();
            tokio::spawn(async move {
                let request = plain(Surface::Imap, "", "alice@example.org", "alice-password");
                kind(&auth.verify(&request).await)
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), "grant");
    }
}
