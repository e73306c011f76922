//! Public-API tests of the `portcullis` facade: one integration binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests may panic"
)]

mod support;

mod api;
mod api_keys;
mod audit;
mod bindings;
mod credentials;
mod enumeration;
mod file_directory;
mod hardening;
mod impersonation;
mod mechanisms;
mod oidc;
mod rehash;
mod sasl;
mod scopes;
mod second_factor;
mod throttle;
mod throttle_store;
