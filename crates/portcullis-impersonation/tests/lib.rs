#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]
//! Public-API tests of `portcullis-impersonation`, in one binary.

mod audit;
mod policy;
mod properties;
mod syntax;
