#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]
//! Public-API tests of `portcullis-credentials`, in one binary.

mod support;

mod cache;
mod credentials;
mod hash_policy;
mod hash_vectors;
mod recovery;
mod redaction;
mod scram;
mod tokens;
mod totp;
mod work_budget;
