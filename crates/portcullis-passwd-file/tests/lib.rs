//! Public-API tests of `portcullis-passwd-file`, in one binary. The
//! `doveadm` module needs Dovecot's `doveadm` on `PATH` (Debian's
//! `dovecot-core`); without it, it prints a "skipped" line and passes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

mod doveadm;
mod errors;
mod login;
mod parsing;
mod reload;
mod warnings;
