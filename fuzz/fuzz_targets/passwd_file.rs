//! Fuzzes `portcullis-passwd-file`'s parser: a whole file in Dovecot's
//! passwd-file format, read with the default options and with
//! `lowercase_names`.
//!
//! Besides "no panic": parsing is deterministic, and every entry is found
//! again, as itself, under its login and under its `user=` name.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use portcullis_passwd_file::{Options, PasswdFile};

fuzz_target!(|data: &[u8]| {
    for lowercase in [false, true] {
        let options = Options::default().lowercase_names(lowercase);
        let parsed = PasswdFile::parse_bytes(data, &options);
        let again = PasswdFile::parse_bytes(data, &options);
        assert_eq!(
            parsed.as_ref().map(PasswdFile::len).map_err(ToString::to_string),
            again.as_ref().map(PasswdFile::len).map_err(ToString::to_string)
        );
        let Ok(file) = parsed else {
            continue;
        };
        for entry in file.entries() {
            for name in [&entry.login, &entry.account.name] {
                assert!(
                    matches!(file.get(name), Some(found) if Arc::ptr_eq(found, entry)),
                    "{name:?} does not find its own entry"
                );
            }
            let _ = entry.allows_address(None);
        }
    }
});
