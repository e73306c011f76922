//! Work estimates for the per-verification budget ([`CostLimits::max_work`](super::CostLimits::max_work)).
//!
//! Per-parameter caps alone let one stored hash cost seconds: every
//! parameter of scrypt `ln=17, r=8, p=16` is within its cap, yet the hash
//! takes 3.5 s; PBKDF2-SHA512 with 2,000,000 iterations and a 128-byte
//! output takes 2.5 s, and sha512-crypt at 1,000,000 rounds costs 0.3 s
//! for a short password but 4–5 s for a 1,024-byte one. Each scheme therefore
//! also reports one number, its estimated work, computed from the stored
//! parameters alone when the hash is parsed, and verification refuses a hash
//! whose estimate exceeds the budget before doing any of it.
//!
//! **The unit** is one SHA-256 compression-function call (one 64-byte
//! block, about 50 ns on the reference machine, an AMD EPYC core with the
//! SHA extensions). Every scheme's natural count (argon2 1 KiB blocks,
//! scrypt 128-byte BlockMix blocks, HMAC iterations, bcrypt expensive
//! rounds, sha-crypt compressions) is converted by a weight measured on that
//! machine (minimum of several runs, release build) and rounded up where in
//! doubt, so estimates err towards "more costly". On a CPU without SHA
//! instructions the SHA-based schemes (PBKDF2, sha-crypt, the digests) run
//! two to three times slower than their estimate relative to the others;
//! the budget then still bounds them, only less tightly. The measured
//! figures and
//! the budget's rationale are in `docs/security-model.md`, section
//! "Per-verification work budget".
//!
//! Estimates are deterministic functions of the stored string: the same
//! hash is refused or accepted on every machine, whatever its load. They
//! never depend on the presented secret; where the cost grows with the
//! secret's length, the estimate assumes the longest secret the scheme
//! accepts ([`MAX_CRYPT_PASSWORD_LEN`] for the crypt family,
//! [`DEFAULT_MAX_PASSWORD_LEN`] for single-pass digests).

use super::{DEFAULT_MAX_PASSWORD_LEN, MAX_CRYPT_PASSWORD_LEN};

/// One 1 KiB argon2 block through its BLAKE2b-based compression: 0.39 µs
/// with the per-thread memory reused (m = 19,456 KiB), 0.7–0.75 µs for
/// 64–128 MiB of fresh memory (cache misses and page faults). The weight
/// leans to the larger figure: big-memory hashes are the ones the budget
/// is for.
pub(crate) const ARGON2_BLOCK: u64 = 12;
/// One 128-byte block through scrypt's BlockMix (two Salsa20/8 cores):
/// 0.09 µs while V fits in cache, 0.15 µs at N = 2¹⁷, r = 8 (128 MiB).
pub(crate) const SCRYPT_BLOCK: u64 = 3;
/// One SHA-1 compression (64-byte block): 0.058 µs.
pub(crate) const SHA1_COMPRESSION: u64 = 1;
/// One SHA-256 compression (64-byte block): 0.053 µs, the unit itself.
pub(crate) const SHA256_COMPRESSION: u64 = 1;
/// One SHA-512 compression (128-byte block): 0.27–0.28 µs.
pub(crate) const SHA512_COMPRESSION: u64 = 5;
/// One MD5 compression (64-byte block, no hardware support): 0.1 µs.
pub(crate) const MD5_COMPRESSION: u64 = 2;
/// One of bcrypt's 2^cost expensive rounds (two Blowfish `ExpandKey`):
/// 57–61 µs.
pub(crate) const BCRYPT_ROUND: u64 = 1_200;
/// A whole traditional DES `crypt(3)` (25 DES encryptions, 8-byte key):
/// under 5 µs.
pub(crate) const DES_CRYPT: u64 = 100;

/// Compression calls to hash `bytes` bytes with a `block`-byte
/// compression function whose padding adds at least `pad` bytes.
const fn compressions(bytes: u64, block: u64, pad: u64) -> u64 {
    bytes.saturating_add(pad).div_ceil(block)
}

/// Argon2: every one of the `m` blocks is filled once per pass; the `p`
/// lanes share those `m` blocks (this crate computes them in turn), so `p`
/// does not add work.
pub(crate) fn argon2(m_kib: u32, t: u32) -> u64 {
    u64::from(m_kib)
        .saturating_mul(u64::from(t))
        .saturating_mul(ARGON2_BLOCK)
}

/// scrypt: ROMix runs BlockMix `N` times to fill V and `N` times to read
/// it back, each call mixing `r` 128-byte blocks, for each of the `p`
/// independent lanes: `2·N·r·p` blocks.
pub(crate) fn scrypt(log_n: u8, r: u32, p: u32) -> u64 {
    let n = 1u64.checked_shl(u32::from(log_n)).unwrap_or(u64::MAX);
    n.saturating_mul(2)
        .saturating_mul(u64::from(r))
        .saturating_mul(u64::from(p))
        .saturating_mul(SCRYPT_BLOCK)
}

/// PBKDF2-HMAC: each output block of `prf_len` bytes costs `iterations`
/// HMAC calls of two compressions each (the keyed inner and outer states
/// are computed once, so a long password does not add per-iteration work).
pub(crate) fn pbkdf2(iterations: u32, output_len: usize, prf_len: usize, compression: u64) -> u64 {
    let blocks = output_len.div_ceil(prf_len.max(1)) as u64;
    u64::from(iterations)
        .saturating_mul(blocks)
        .saturating_mul(2)
        .saturating_mul(compression)
}

/// bcrypt: 2^cost expensive rounds. The password is truncated to 72 bytes,
/// so its length adds nothing.
pub(crate) fn bcrypt(cost: u32) -> u64 {
    1u64.checked_shl(cost)
        .unwrap_or(u64::MAX)
        .saturating_mul(BCRYPT_ROUND)
}

/// SHA-crypt (Drepper) with a secret of [`MAX_CRYPT_PASSWORD_LEN`] bytes.
///
/// Each round hashes the previous digest, the salt (≤ 16 bytes) on two
/// rounds in three, and the password once or twice; the estimate counts
/// both salt and two passwords on every round (an upper bound). Before the
/// rounds, the password is hashed once per byte of itself (step 14 of the
/// specification: `L²` bytes).
pub(crate) fn sha_crypt(rounds: u32, digest_len: u64, block: u64, pad: u64, weight: u64) -> u64 {
    let len = MAX_CRYPT_PASSWORD_LEN as u64;
    let per_round = compressions(digest_len + 16 + 2 * len, block, pad);
    let setup = compressions(len * len, block, pad) + 8;
    u64::from(rounds)
        .saturating_mul(per_round)
        .saturating_add(setup)
        .saturating_mul(weight)
}

/// md5-crypt: 1,000 fixed rounds shaped like SHA-crypt's (digest 16 bytes,
/// salt ≤ 8), with a secret of [`MAX_CRYPT_PASSWORD_LEN`] bytes.
pub(crate) fn md5_crypt() -> u64 {
    let len = MAX_CRYPT_PASSWORD_LEN as u64;
    let per_round = compressions(16 + 8 + 2 * len, 64, 9);
    1_000u64
        .saturating_mul(per_round)
        .saturating_add(compressions(3 * len + 16, 64, 9) + 4)
        .saturating_mul(MD5_COMPRESSION)
}

/// A single-pass digest of salt ‖ a [`DEFAULT_MAX_PASSWORD_LEN`]-byte
/// secret (`{SSHA512}`, `{SHA}`, the SHA-256 of `{PLAIN}`'s comparison, …).
pub(crate) fn single_pass(salt_len: usize, block: u64, pad: u64, weight: u64) -> u64 {
    let bytes = (DEFAULT_MAX_PASSWORD_LEN as u64).saturating_add(salt_len as u64);
    compressions(bytes, block, pad).saturating_mul(weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_saturate_instead_of_overflowing() {
        assert_eq!(argon2(u32::MAX, u32::MAX), u64::MAX);
        assert_eq!(scrypt(u8::MAX, u32::MAX, u32::MAX), u64::MAX);
        assert_eq!(bcrypt(u32::MAX), u64::MAX);
        assert!(pbkdf2(u32::MAX, 128, 20, SHA1_COMPRESSION) > 0);
        assert!(sha_crypt(u32::MAX, 64, 128, 17, SHA512_COMPRESSION) > 0);
    }

    #[test]
    fn sha_crypt_counts_the_longest_accepted_secret() {
        // 64 + 16 + 512 + 17 = 609 bytes: 5 SHA-512 blocks per round.
        assert_eq!(
            sha_crypt(1_000, 64, 128, 17, 1),
            1_000 * 5 + (256 * 256 + 17_u64).div_ceil(128) + 8
        );
    }
}
