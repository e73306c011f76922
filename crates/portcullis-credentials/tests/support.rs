//! Shared helpers: a deterministic random source, fixed instants, a cheap
//! argon2 policy for debug builds.

use portcullis_credentials::{Argon2Params, HashPolicy, RandomError, RandomSource};
use time::OffsetDateTime;

/// Deterministic bytes (a counter); never for production.
pub(crate) struct Counter(pub u8);

impl RandomSource for Counter {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        for byte in dest {
            self.0 = self.0.wrapping_add(1);
            *byte = self.0;
        }
        Ok(())
    }
}

/// A source that always fails.
pub(crate) struct Broken;

impl RandomSource for Broken {
    fn fill(&mut self, _dest: &mut [u8]) -> Result<(), RandomError> {
        Err(RandomError)
    }
}

/// 2026-11-15T00:00:00Z.
pub(crate) fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_794_700_800).unwrap()
}

/// Argon2id small enough for debug-build tests.
pub(crate) fn fast_policy() -> HashPolicy {
    HashPolicy::with_argon2(Argon2Params {
        m_kib: 256,
        t: 1,
        p: 1,
    })
}
