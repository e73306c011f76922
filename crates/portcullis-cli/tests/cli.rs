//! Runs the `portcullis` binary and checks the JSON contract.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]

mod support;

mod credentials;
mod import;

mod oidc;
mod permissions;
mod sasl;
mod verify;
