//! Reload: the contents swap atomically; a bad file changes nothing.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};

use portcullis::Directory;
use portcullis_passwd_file::{Error, Options, PasswdFileDirectory, WarningKind};

use crate::support::{authenticator, outcome, plain, scratch};

#[tokio::test]
async fn reload_swaps_and_a_bad_file_keeps_the_old_contents() {
    let path = scratch("users.passwd");
    std::fs::write(&path, "alice:{PLAIN}one\nbob:{PLAIN}bob\n").unwrap();
    let directory = PasswdFileDirectory::load(&path, Options::default()).unwrap();
    assert_eq!(directory.path(), Some(path.as_path()));
    let auth = authenticator(&directory);
    assert_eq!(outcome(&auth.verify(&plain("alice", "one")).await), "grant");
    let before = directory.contents();

    // A new password, bob gone, carol new, with a warning.
    std::fs::write(&path, "alice:{PLAIN}two\ncarol:{PLAIN}carol::::::nodelay\n").unwrap();
    let warnings = directory.reload().unwrap();
    assert_eq!(warnings.len(), 1);
    assert_eq!(
        (warnings[0].line, warnings[0].kind.clone()),
        (2, WarningKind::Ignored)
    );
    assert_eq!(directory.warnings(), warnings);
    assert_eq!(
        outcome(&auth.verify(&plain("alice", "one")).await),
        "wrong-secret"
    );
    assert_eq!(outcome(&auth.verify(&plain("alice", "two")).await), "grant");
    assert_eq!(
        outcome(&auth.verify(&plain("bob", "bob")).await),
        "unknown-user"
    );
    assert_eq!(
        outcome(&auth.verify(&plain("carol", "carol")).await),
        "grant"
    );
    // A snapshot taken before is unchanged.
    assert!(before.get("bob").is_some());
    assert!(before.get("carol").is_none());

    // Broken files: each refused, the last good contents stay in force.
    for broken in [
        "alice:{PLAIN}three\nalice:{PLAIN}four\n",
        "alice:{PLAIN}three\n:nobody\n",
        "alice:{SHA512-CRYPT}broken\n",
    ] {
        std::fs::write(&path, broken).unwrap();
        let error = directory.reload().unwrap_err();
        assert!(
            matches!(error, Error::Duplicate { .. } | Error::Line { .. }),
            "{error:?}"
        );
        assert_eq!(outcome(&auth.verify(&plain("alice", "two")).await), "grant");
        assert_eq!(
            outcome(&auth.verify(&plain("alice", "three")).await),
            "wrong-secret"
        );
        assert_eq!(directory.warnings().len(), 1);
    }
    // A file that vanished: an I/O error, nothing changes either.
    std::fs::remove_file(&path).unwrap();
    let error = directory.reload().unwrap_err();
    assert_eq!(error.kind(), "io");
    assert!(error.to_string().contains("users.passwd"), "{error}");
    assert_eq!(
        outcome(&auth.verify(&plain("carol", "carol")).await),
        "grant"
    );
}

#[tokio::test]
async fn strict_reload_refuses_a_file_with_warnings() {
    let path = scratch("strict.passwd");
    std::fs::write(&path, "alice:{PLAIN}one\n").unwrap();
    let directory = PasswdFileDirectory::load(&path, Options::default().strict(true)).unwrap();
    std::fs::write(&path, "alice:{PLAIN}two::::::nodelay\n").unwrap();
    assert_eq!(directory.reload().unwrap_err().kind(), "strict-mode");
    let alice = directory.account("alice").await.unwrap().unwrap();
    let policy = portcullis_credentials::HashPolicy::default();
    assert!(
        alice
            .password
            .as_ref()
            .unwrap()
            .verify(b"one", &policy)
            .is_ok()
    );
}

#[test]
fn loading_errors() {
    let missing = scratch("missing.passwd");
    let error = PasswdFileDirectory::load(&missing, Options::default()).unwrap_err();
    assert!(matches!(error, Error::Io { .. }), "{error:?}");
    let path = scratch("bad.passwd");
    std::fs::write(&path, "ok:{PLAIN}x\r\nbad\r\n").unwrap();
    let error = PasswdFileDirectory::load(&path, Options::default()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 2: no password field (no `:` after the user name)"
    );
}

#[tokio::test]
async fn text_directories_replace_their_text() {
    let directory = PasswdFileDirectory::from_text("a:{PLAIN}x\n", Options::default()).unwrap();
    assert_eq!(directory.path(), None);
    assert_eq!(directory.reload().unwrap_err(), Error::NoPath);
    assert!(directory.replace_text("b:{PLAIN}x\n").unwrap().is_empty());
    assert!(directory.account("a").await.unwrap().is_none());
    assert!(directory.account("b").await.unwrap().is_some());
    assert!(directory.replace_text("b:{PLAIN}x\nb:{PLAIN}y\n").is_err());
    assert!(directory.account("b").await.unwrap().is_some());
    // Clones share the contents.
    let clone = directory.clone();
    directory.replace_text("c:{PLAIN}x\n").unwrap();
    assert!(clone.entry("c").is_some());
}

/// Readers racing reloads see one file or the other, never a mix: every
/// snapshot has both accounts on the same generation.
#[test]
fn readers_never_see_a_mix() {
    let generation = |n: u32| format!("a:{{PLAIN}}x:{n}\nb:{{PLAIN}}x:{n}\n");
    let directory =
        Arc::new(PasswdFileDirectory::from_text(&generation(0), Options::default()).unwrap());
    let done = Arc::new(AtomicBool::new(false));
    // Everyone starts together, so the readers overlap the reloads even
    // on a busy machine.
    let start = Arc::new(Barrier::new(3));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let directory = Arc::clone(&directory);
            let done = Arc::clone(&done);
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                let mut seen = 0u32;
                loop {
                    let finished = done.load(Ordering::Acquire);
                    let contents = directory.contents();
                    let a = contents.get("a").unwrap().uid.clone();
                    let b = contents.get("b").unwrap().uid.clone();
                    assert_eq!(a, b);
                    seen += 1;
                    if finished {
                        return seen;
                    }
                }
            })
        })
        .collect();
    start.wait();
    for n in 1..=200 {
        directory.replace_text(&generation(n)).unwrap();
    }
    done.store(true, Ordering::Release);
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    assert_eq!(directory.entry("a").unwrap().uid.as_deref(), Some("200"));
}
