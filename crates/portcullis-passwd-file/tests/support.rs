//! Shared helpers: an authenticator over a directory, PLAIN requests,
//! scratch files.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use portcullis::{AuthRequest, Authenticator, Decision, Hashing, RequestCredentials, Surface};
use portcullis_passwd_file::{Options, PasswdFile, PasswdFileDirectory};
use time::OffsetDateTime;

/// `tests/data/users.passwd`.
pub(crate) const USERS: &str = include_str!("data/users.passwd");

pub(crate) fn parse(text: &str) -> PasswdFile {
    PasswdFile::parse(text, &Options::default()).unwrap()
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap()
}

/// Hashing inline (no blocking pool needed by `#[tokio::test]`).
pub(crate) fn authenticator(directory: &PasswdFileDirectory) -> Authenticator {
    Authenticator::builder()
        .directory(directory.clone())
        .hashing(Hashing::Inline)
        .clock(now)
        .build()
        .unwrap()
}

/// SASL PLAIN over TLS, each from its own client address, so that the
/// throttle never links two attempts.
pub(crate) fn plain(name: &str, password: &str) -> AuthRequest {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let [_, a, b, c] = n.to_be_bytes();
    let message = format!("\0{name}\0{password}").into_bytes();
    AuthRequest::new(
        Surface::Imap,
        IpAddr::from([10, a, b, c]),
        RequestCredentials::Sasl {
            mechanism: "PLAIN".into(),
            responses: vec![message],
        },
    )
    .with_tls(true)
}

/// `grant`, or the denial's reason kind.
pub(crate) fn outcome(decision: &Decision) -> &'static str {
    match decision {
        Decision::Grant(_) => "grant",
        Decision::Deny(denial) | Decision::TryLater(denial) => denial.reason.kind(),
    }
}

/// A fresh path under the test's scratch directory.
pub(crate) fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("portcullis-passwd-file");
    std::fs::create_dir_all(&dir).unwrap();
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!("{}-{n}-{name}", std::process::id()))
}
