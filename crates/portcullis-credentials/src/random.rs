//! Where randomness comes from: passed in, so that the crate stays sans-I/O
//! and tests are deterministic.

use crate::error::RandomError;

/// A source of cryptographically secure random bytes.
///
/// Every generator in this crate (salts, app passwords, API keys, TOTP
/// seeds, recovery codes, the cache key) takes one. [`OsRandom`] (feature
/// `os-rng`, on by default) reads the operating system's CSPRNG; tests may
/// pass a deterministic source.
pub trait RandomSource {
    /// Fills `dest` entirely with random bytes.
    ///
    /// # Errors
    /// [`RandomError`] when the source cannot deliver (for the OS source:
    /// the kernel refused).
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError>;
}

/// The operating system's CSPRNG (`getrandom`).
///
/// ```
/// use portcullis_credentials::{OsRandom, RandomSource};
/// let mut salt = [0u8; 16];
/// OsRandom.fill(&mut salt)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "os-rng")]
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

#[cfg(feature = "os-rng")]
impl RandomSource for OsRandom {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|_| RandomError)
    }
}

impl<R: RandomSource + ?Sized> RandomSource for &mut R {
    fn fill(&mut self, dest: &mut [u8]) -> Result<(), RandomError> {
        (**self).fill(dest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "os-rng")]
    #[test]
    fn os_random_fills() {
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        OsRandom.fill(&mut a).unwrap();
        OsRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
    }
}
