//! Public-API tests for `portcullis-permissions`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]

mod bitset;
mod catalogue;
mod names;
mod presets;
mod properties;
mod resolution;
mod scenarios;
