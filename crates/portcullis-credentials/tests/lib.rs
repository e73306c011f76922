#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]
//! Public-API tests of `portcullis-credentials`, in one binary.

mod hash_vectors;
