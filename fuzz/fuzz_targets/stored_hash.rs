//! Fuzzes `portcullis-credentials`' stored-hash parser and verifier.
//!
//! Input: UTF-8 text parsed with `StoredHash::parse`; a parsed hash is then
//! verified against a fixed password under tiny cost limits (so every
//! scheme runs, but no hostile parameter can make an iteration slow).
//! Besides "no panic": parsing is deterministic, a refusal for cost names a
//! parameter above its limit, and the reported scheme is stable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_credentials::{Argon2Params, CostLimits, HashError, HashPolicy, StoredHash};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(stored) = StoredHash::parse(text) else {
        return;
    };
    assert_eq!(
        StoredHash::parse(text).map(|again| again.scheme()).ok(),
        Some(stored.scheme())
    );
    let policy = HashPolicy {
        limits: CostLimits {
            argon2_max_m_kib: 64,
            argon2_max_t: 1,
            argon2_max_p: 2,
            bcrypt_max_cost: 4,
            scrypt_max_memory_kib: 64,
            scrypt_max_p: 1,
            pbkdf2_max_rounds: 1000,
            sha_crypt_max_rounds: 1000,
            // About 5 ms per run in release: every tiny-parameter scheme fits.
            max_work: 100_000,
        },
        ..HashPolicy::with_argon2(Argon2Params {
            m_kib: 8,
            t: 1,
            p: 1,
        })
    };
    match stored.verify(b"fuzz", &policy) {
        Ok(verified) => assert_eq!(verified.scheme, stored.scheme()),
        Err(HashError::ParametersTooCostly { value, limit, .. }) => assert!(value > limit),
        Err(_) => {}
    }
});
