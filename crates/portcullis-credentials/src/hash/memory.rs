//! Per-thread argon2 memory, reused between verifications.
//!
//! Allocating the 19 MiB of an OWASP-sized argon2id run afresh on every
//! call maps new pages each time, and the page faults cost as much as a
//! good part of the hash itself (DESIGN.md measured m=47104 at 3× its
//! expected time). A verifier that serves many logins keeps one buffer per
//! worker thread instead. Argon2 overwrites every block it reads within a
//! run (pass 0 writes each block before any later reference), so stale
//! contents from a previous run are never read; they stay in this process's
//! memory only until the next run overwrites them or the thread exits.
//!
//! The retained size is bounded by [`HashPolicy::retained_memory_kib`](super::HashPolicy):
//! a rare larger legacy hash gets a one-off allocation, so one hostile entry
//! cannot pin its memory to every thread.

use std::cell::RefCell;

use argon2::Block;

thread_local! {
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `work` with at least `blocks` argon2 blocks of scratch memory.
///
/// `retain_blocks` is the most this thread keeps between calls. `work` is
/// called exactly once.
pub(crate) fn with_blocks<R>(
    blocks: usize,
    retain_blocks: usize,
    mut work: impl FnMut(&mut [Block]) -> R,
) -> R {
    if blocks <= retain_blocks {
        let reused = BLOCKS.try_with(|cell| {
            // A re-entrant call (not expected) finds the buffer borrowed.
            let mut buffer = cell.try_borrow_mut().ok()?;
            if buffer.len() < blocks {
                buffer.resize(blocks, Block::new());
            }
            Some(work(buffer.as_mut_slice()))
        });
        if let Ok(Some(result)) = reused {
            return result;
        }
    }
    work(&mut vec![Block::new(); blocks])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_and_grows() {
        let len = with_blocks(8, 16, |mem| mem.len());
        assert!(len >= 8);
        let len = with_blocks(16, 16, |mem| mem.len());
        assert!(len >= 16);
        let len = with_blocks(32, 16, |mem| mem.len());
        assert_eq!(len, 32);
    }

    #[test]
    fn reentrant_call_allocates() {
        let inner = with_blocks(4, 16, |_| with_blocks(4, 16, |mem| mem.len()));
        assert_eq!(inner, 4);
    }
}
