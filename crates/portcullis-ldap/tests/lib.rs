//! Integration tests against a real slapd (`.ci/services/slapd.sh start`),
//! in one binary. Without `PORTCULLIS_TEST_LDAP_URL` every server test
//! prints a "skipped" line and passes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests"
)]

mod support;

mod bind;
mod end_to_end;
mod injection;
mod lookup;
mod outage;
mod tls;
