//! `portcullis-redis` against a real redis-server: set
//! `PORTCULLIS_TEST_REDIS_URL` (`.ci/services/redis.sh start` prints it);
//! without it every test says so and passes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    unreachable_pub,
    reason = "tests"
)]

mod cluster;
mod outage;
mod property;
mod proxy;
mod revocation;
mod store;
mod support;
mod two_nodes;
