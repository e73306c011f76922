//! Interop with the real tool: a passwd-file written at test time with
//! `doveadm pw` (Debian's `dovecot-core`), one line per scheme it offers
//! (`doveadm pw -l`), then a PLAIN login through the authenticator for
//! each. Without `doveadm` on `PATH` the test prints "skipped: …" and
//! passes.

use std::process::Command;

use portcullis::Decision;
use portcullis_passwd_file::{Options, PasswdFileDirectory, WarningKind};

use crate::support::{authenticator, outcome, plain, scratch};

/// Differs from the wrong one within the first 8 bytes, which is all
/// DES crypt reads.
const PASSWORD: &str = "correct horse 42";
const WRONG: &str = "wrong password";

/// The schemes doveadm 2.3 writes that portcullis must verify (`MD5` is
/// Dovecot's name for md5-crypt; `CRYPT` writes bcrypt).
const MUST_WORK: &[&str] = &[
    "ARGON2I",
    "ARGON2ID",
    "BLF-CRYPT",
    "CLEAR",
    "CLEARTEXT",
    "CRYPT",
    "DES-CRYPT",
    "MD5",
    "MD5-CRYPT",
    "PLAIN",
    "SHA",
    "SHA1",
    "SHA256",
    "SHA256-CRYPT",
    "SHA512",
    "SHA512-CRYPT",
    "SSHA",
    "SSHA256",
    "SSHA512",
];

/// `doveadm pw -l`, or `None` after saying why the test is skipped.
fn schemes() -> Option<Vec<String>> {
    match Command::new("doveadm").args(["pw", "-l"]).output() {
        Ok(output) if output.status.success() => Some(
            String::from_utf8_lossy(&output.stdout)
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
        ),
        Ok(output) => {
            println!(
                "skipped: `doveadm pw -l` failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
            None
        }
        Err(error) => {
            println!(
                "skipped: doveadm is not on PATH ({error}); install Debian's dovecot-core to run it"
            );
            None
        }
    }
}

/// `doveadm pw -s SCHEME`, or why it could not make one.
fn hash(scheme: &str, user: &str) -> Result<String, String> {
    let output = Command::new("doveadm")
        .args(["pw", "-s", scheme, "-u", user, "-p", PASSWORD])
        .output()
        .map_err(|error| error.to_string())?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().next().unwrap_or_default().trim();
    if output.status.success() && !line.is_empty() {
        Ok(line.to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

#[tokio::test]
async fn every_doveadm_scheme_logs_in_or_is_reported() {
    let Some(schemes) = schemes() else { return };
    assert!(!schemes.is_empty(), "doveadm pw -l listed no scheme");

    // One line per scheme, alternating a bare `user:hash` line and one
    // with every field.
    let mut text = String::from("# written by doveadm pw at test time\n");
    let mut lines = Vec::new(); // (scheme, user, line number)
    for (index, scheme) in schemes.iter().enumerate() {
        let user = format!("{}@example.org", scheme.to_ascii_lowercase());
        match hash(scheme, &user) {
            Ok(hash) => {
                if index % 2 == 0 {
                    text.push_str(&format!("{user}:{hash}\n"));
                } else {
                    text.push_str(&format!(
                        "{user}:{hash}:1000:1000:{scheme} user:/home/{index}::userdb_quota_rule=*:storage=1G\n"
                    ));
                }
                lines.push((scheme.clone(), user, lines.len() + 2));
            }
            Err(why) => println!("{scheme:>14}: doveadm cannot write it here ({why})"),
        }
    }
    let path = scratch("doveadm.passwd");
    std::fs::write(&path, &text).unwrap();
    let directory = PasswdFileDirectory::load(&path, Options::default()).unwrap();
    let auth = authenticator(&directory);
    let warnings = directory.warnings();

    let mut works = Vec::new();
    let mut refused = Vec::new();
    for (scheme, user, line) in &lines {
        let entry = directory.entry(user).unwrap();
        assert_eq!(entry.line, *line, "{scheme}");
        let right = auth.verify(&plain(user, PASSWORD)).await;
        if let Some(hash) = &entry.account.password {
            // Loaded: the right password signs in, a wrong one does not.
            assert!(
                matches!(right, Decision::Grant(_)),
                "{scheme}: the right password was refused: {right:?}"
            );
            let wrong = auth.verify(&plain(user, WRONG)).await;
            assert_eq!(outcome(&wrong), "wrong-secret", "{scheme}");
            println!("{scheme:>14}: works (verified as {})", hash.scheme());
            works.push(scheme.as_str());
        } else {
            // Not loaded: reported on its line, and no login.
            let warning = warnings
                .iter()
                .find(|warning| warning.line == *line)
                .unwrap_or_else(|| panic!("{scheme}: not loaded, and no warning"));
            assert_eq!(warning.field, "password", "{scheme}");
            let WarningKind::UnsupportedScheme { scheme: written } = &warning.kind else {
                panic!("{scheme}: {warning}")
            };
            assert!(
                written.eq_ignore_ascii_case(&format!("{{{scheme}}}")),
                "{warning}"
            );
            assert!(
                matches!(right, Decision::Deny(_)),
                "{scheme}: an unverifiable hash let a login in: {right:?}"
            );
            println!("{scheme:>14}: refused, reported as `{warning}`");
            refused.push(scheme.as_str());
        }
    }
    // Every warning is one of those (nothing else in this file warns).
    assert_eq!(warnings.len(), refused.len(), "{warnings:?}");
    let missing: Vec<_> = MUST_WORK
        .iter()
        .filter(|scheme| lines.iter().any(|(s, ..)| s == *scheme) && !works.contains(*scheme))
        .collect();
    assert!(
        missing.is_empty(),
        "schemes that must work do not: {missing:?}"
    );
    println!("works: {}", works.join(" "));
    println!("refused: {}", refused.join(" "));
}
