//! When the background sync tries again. After a failure it waits 2 s, then
//! twice as long each time up to 5 minutes, each wait shortened by a random
//! part of up to a half so that many phones coming back after an outage (a
//! workshop on one mast) do not all call the server in the same second.

/// Quiet time after an edit before a sync: one sync for a burst of typing.
pub const AFTER_EDIT_MS: u32 = 1_500;
/// How often an open studio looks for changes made elsewhere.
pub const PULL_EVERY_MS: u32 = 30_000;

const FIRST_RETRY_MS: u32 = 2_000;
const LONGEST_RETRY_MS: u32 = 5 * 60 * 1_000;

/// The wait before retry number `failures` (1 for the first), with `jitter`
/// in `0.0..1.0` from a random source.
pub fn retry_delay_ms(failures: u32, jitter: f64) -> u32 {
    let doublings = failures.saturating_sub(1).min(16);
    let full = FIRST_RETRY_MS.saturating_mul(1 << doublings).min(LONGEST_RETRY_MS);
    let jitter = jitter.clamp(0.0, 1.0);
    full - (f64::from(full / 2) * jitter) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_five_minutes_with_jitter() {
        assert_eq!(retry_delay_ms(1, 0.0), 2_000);
        assert_eq!(retry_delay_ms(2, 0.0), 4_000);
        assert_eq!(retry_delay_ms(5, 0.0), 32_000);
        assert_eq!(retry_delay_ms(20, 0.0), 300_000);
        assert_eq!(retry_delay_ms(u32::MAX, 0.0), 300_000);
        assert_eq!(retry_delay_ms(1, 1.0), 1_000);
        assert_eq!(retry_delay_ms(0, 0.5), 1_500, "a zero count is the first retry");
        for failures in 1..30 {
            for jitter in [0.0, 0.3, 0.999, 7.0, -1.0] {
                let wait = retry_delay_ms(failures, jitter);
                assert!((1_000..=300_000).contains(&wait), "{failures} {jitter}: {wait}");
            }
        }
    }
}
