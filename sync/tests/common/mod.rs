//! The one proptest config: shared by the property tests here, the crate's
//! unit tests (`src/lib.rs` includes this file by path) and the server's
//! store properties (`server/tests/it/store_properties.rs`, by path too).

/// `cases` unless `PROPTEST_CASES` says otherwise.
pub fn config(cases: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    proptest::test_runner::Config { cases, ..Default::default() }
}
