#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]
//! Public-API tests of `portcullis-sasl`: data-driven vectors, real-client
//! captures, property tests, and SCRAM.

mod captures;
mod data;
mod properties;
mod scram;
mod vectors;
