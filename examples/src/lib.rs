//! Example programs for portcullis. Run one with
//! `cargo run --example <name>`; see the README for the list.
