//! Attempts per key (a phone number, a client address) in a sliding window,
//! and attempts counted against several limits at once. Kept in this
//! process: with several servers each counts its own share (see
//! `docs/api.md`, "Limits"). The sign-in limits are in
//! `accounts::rate_limit`, the order requests' in `orders`.

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

    /// Takes back the latest attempt counted for `key` (it succeeded).
    pub fn refund(&self, key: &str) {
        let mut attempts = self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(times) = attempts.get_mut(key) {
            times.pop_back();
            if times.is_empty() {
                attempts.remove(key);
            }
        }
    }

    /// Forgets keys whose window has passed, so the map does not grow
    /// without end (run on a timer, not on every attempt).
    pub fn prune(&self) -> usize {
        self.prune_at(Instant::now())
    }

    fn prune_at(&self, now: Instant) -> usize {
        let mut attempts = self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = attempts.len();
        attempts.retain(|_, times| times.back().is_some_and(|t| now.duration_since(*t) < self.window));
        before - attempts.len()
    }

    pub fn keys(&self) -> usize {
        self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

/// Attempts counted, before the work they cost, against several limits at
/// once. Limits on failures are taken back if the attempt succeeds
/// ([`Counted::succeeded`]); limits on successes are taken back when it is
/// dropped without succeeding.
pub struct Counted<'a> {
    failures: Vec<(&'a RateLimit, String)>,
    successes: Vec<(&'a RateLimit, String)>,
}

impl<'a> Counted<'a> {
    /// Counts one attempt under each `(limit, key)` of both lists; `Err(wait)`,
    /// counting nothing, when any of them has used its allowance.
    pub fn attempt(
        failures: Vec<(&'a RateLimit, String)>,
        successes: Vec<(&'a RateLimit, String)>,
    ) -> Result<Counted<'a>, Duration> {
        let mut counted = Counted { failures: Vec::new(), successes: Vec::new() };
        for (limit, key) in failures {
            if let Err(wait) = limit.attempt(&key) {
                counted.take_back_failures();
                return Err(wait);
            }
            counted.failures.push((limit, key));
        }
        for (limit, key) in successes {
            if let Err(wait) = limit.attempt(&key) {
                counted.take_back_failures();
                return Err(wait);
            }
            counted.successes.push((limit, key));
        }
        Ok(counted)
    }

    /// The attempt succeeded: it counts only against the limits on successes.
    pub fn succeeded(mut self) {
        self.take_back_failures();
        self.successes.clear();
    }

    fn take_back_failures(&mut self) {
        for (limit, key) in self.failures.drain(..) {
            limit.refund(&key);
        }
    }
}

impl Drop for Counted<'_> {
    /// A failure: it stays counted against the limits on failures, and is
    /// taken back from those on successes.
    fn drop(&mut self) {
        for (limit, key) in self.successes.drain(..) {
            limit.refund(&key);
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
    fn pruning_forgets_keys_whose_window_passed() {
        let limit = RateLimit::new(3, Duration::from_secs(60));
        let start = Instant::now();
        for n in 0..100 {
            limit.attempt_at(&format!("phone:{n}"), start, true).unwrap();
        }
        limit.attempt_at("recent", start + Duration::from_secs(50), true).unwrap();
        assert_eq!(limit.prune_at(start + Duration::from_secs(61)), 100);
        assert_eq!(limit.keys(), 1);
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
