//! Attempts per key (a phone number, a client address) in a sliding window.
//! Kept in this process: with several servers each counts its own share.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimit {
    max: usize,
    window: Duration,
    attempts: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimit {
    pub fn new(max: usize, window: Duration) -> Self {
        RateLimit { max, window, attempts: Mutex::new(HashMap::new()) }
    }

    /// Counts an attempt for `key`; `Err(wait)` once the key has used its allowance.
    pub fn attempt(&self, key: &str) -> Result<(), Duration> {
        self.attempt_at(key, Instant::now(), true)
    }

    /// `Err(wait)` when the key has used its allowance; counts nothing.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        self.attempt_at(key, Instant::now(), false)
    }

    fn attempt_at(&self, key: &str, now: Instant, count: bool) -> Result<(), Duration> {
        let mut attempts = self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Forget keys whose window has passed, so the map does not grow without end.
        if attempts.len() > 10_000 {
            attempts.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
        }
        let times = attempts.entry(key.to_string()).or_default();
        while times.front().is_some_and(|t| now.duration_since(*t) >= self.window) {
            times.pop_front();
        }
        if times.len() >= self.max {
            let oldest = *times.front().expect("full");
            return Err(self.window.saturating_sub(now.duration_since(oldest)));
        }
        if count {
            times.push_back(now);
        }
        Ok(())
    }

    /// After a success: the key starts afresh.
    pub fn forget(&self, key: &str) {
        self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}

/// The limits of sign-in, sign-up and password reset.
pub struct RateLimits {
    /// Failed attempts per phone number.
    pub per_phone: RateLimit,
    /// Failed attempts per client address (a workshop shares one address: successes are free).
    pub per_client: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            per_phone: RateLimit::new(5, Duration::from_secs(15 * 60)),
            per_client: RateLimit::new(50, Duration::from_secs(15 * 60)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_up_to_the_limit_then_says_how_long_to_wait() {
        let limit = RateLimit::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limit.attempt_at("k", start, true).is_ok());
        }
        let wait = limit.attempt_at("k", start + Duration::from_secs(10), true).unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(limit.attempt_at("other", start, true).is_ok(), "keys are separate");
        assert!(limit.attempt_at("k", start + Duration::from_secs(61), true).is_ok(), "the window slides");
    }

    #[test]
    fn forgetting_resets_a_key() {
        let limit = RateLimit::new(1, Duration::from_secs(60));
        assert!(limit.attempt("k").is_ok());
        assert!(limit.attempt("k").is_err());
        limit.forget("k");
        assert!(limit.attempt("k").is_ok());
    }
}
