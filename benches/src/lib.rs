//! Criterion benchmarks for the portcullis workspace.
//!
//! The benchmarks live in `benches/`; each compares a portcullis operation
//! against a named peer in the same run. Results are reported in
//! `docs/performance.md`.
