//! portcullis-sql's integration tests, in one binary. Tests that need a
//! server read `PORTCULLIS_TEST_POSTGRES_URL` (start one with
//! `.ci/services/postgres.sh start`) and skip with a printed line when it is
//! unset; each creates and drops its own schema.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod availability;
mod config;
mod end_to_end;
mod injection;
mod lookups;
mod replay;
mod support;
