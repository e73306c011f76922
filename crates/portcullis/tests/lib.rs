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
mod app_passwords_without_id;
mod audit;
mod bindings;
mod builder_settings;
mod credentials;
mod enumeration;
mod file_directory;
mod fingerprints;
mod hardening;
mod impersonation;
mod impersonation_targets;
mod mechanisms;
mod mutation_gaps;
mod oidc;
mod policy_denials;
mod rehash;
mod replies;
mod revocation;
mod revocation_names;
mod sasl;
mod scopes;
mod scram;
mod second_factor;
mod second_factor_app_passwords;
mod session_expiry;
mod tenants;
mod throttle;
mod throttle_store;
mod token_user;
mod tokens;
