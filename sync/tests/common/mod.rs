//! Shared by the property tests.

/// `cases` unless `PROPTEST_CASES` says otherwise.
pub fn config(cases: u32) -> proptest::test_runner::Config {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    proptest::test_runner::Config { cases, ..Default::default() }
}
