//! Public-API tests of portcullis-oidc, in one integration binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]

mod support;

mod cache;
mod claim_cases;
mod config;
mod header_cases;
mod lifecycle;
mod opaque;
mod properties;
mod providers;
mod signin;
mod stale_keys;
mod username_email;
