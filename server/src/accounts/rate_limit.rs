//! Attempts per key (a phone number, a client address) in a sliding window.
//! Kept in this process: with several servers each counts its own share (see
//! `docs/api.md`, "Limits").

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

/// The limits of sign-in, sign-up and password reset, on failed attempts
/// (every attempt is counted before its work, and taken back if it succeeds):
/// - per phone and client address: a stranger's failures lock out only the
///   stranger's address, never her phone elsewhere;
/// - per phone from every address together, far higher: a guess spread over
///   many addresses is slowed too;
/// - per client address, for everything it tries (a workshop shares one
///   address: successes are free).
///
/// A device that signed in to the phone's account before counts apart from
/// all of these, 5 failures of its own (`known_devices`).
///
/// Reset codes count apart from passwords (`reset:` keys), so failed
/// sign-ins never keep her from redeeming the code her coordinator gave her.
///
/// Successful sign-ins of one account are limited too, far above what a
/// person does (each one starts a session and costs a hash): someone who
/// knows her password cannot fill the sessions table.
pub struct RateLimits {
    pub per_phone_and_client: RateLimit,
    pub per_phone: RateLimit,
    pub per_client: RateLimit,
    pub sign_ins_per_phone: RateLimit,
}

impl Default for RateLimits {
    fn default() -> Self {
        let window = Duration::from_secs(15 * 60);
        RateLimits {
            per_phone_and_client: RateLimit::new(5, window),
            per_phone: RateLimit::new(100, window),
            per_client: RateLimit::new(50, window),
            sign_ins_per_phone: RateLimit::new(20, Duration::from_secs(60 * 60)),
        }
    }
}

impl RateLimits {
    /// The keys one attempt for `phone` (a password, or with `what` = "reset"
    /// a reset code) from `client` counts under.
    pub fn for_phone<'a>(&'a self, what: &str, phone: &str, client: &str) -> Vec<(&'a RateLimit, String)> {
        vec![
            (&self.per_client, client.to_owned()),
            (&self.per_phone_and_client, format!("{what}:{phone}|{client}")),
            (&self.per_phone, format!("{what}:{phone}")),
        ]
    }

    /// The keys a password attempt for `phone` from a device that signed in
    /// to it before counts under: that device alone, so no failure of anyone
    /// else's, from any address, keeps her own phone out.
    pub fn for_known_device<'a>(&'a self, phone: &str, device: &str) -> Vec<(&'a RateLimit, String)> {
        vec![(&self.per_phone_and_client, format!("password:{phone}|device:{device}"))]
    }

    /// The keys a successful sign-in to `phone` counts under.
    pub fn for_sign_in<'a>(&'a self, phone: &str) -> Vec<(&'a RateLimit, String)> {
        vec![(&self.sign_ins_per_phone, format!("signed-in:{phone}"))]
    }

    /// Forgets keys whose windows have passed; how many.
    pub fn prune(&self) -> usize {
        self.per_phone_and_client.prune()
            + self.per_phone.prune()
            + self.per_client.prune()
            + self.sign_ins_per_phone.prune()
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
    fn a_strangers_failures_do_not_lock_her_out_from_her_own_phone() {
        let limits = RateLimits::default();
        let (her, stranger) = ("client:10.0.0.1", "client:203.0.113.9");
        for _ in 0..5 {
            drop(Counted::attempt(limits.for_phone("password", "+998901112233", stranger), vec![]).unwrap());
        }
        assert!(Counted::attempt(limits.for_phone("password", "+998901112233", stranger), vec![]).is_err());
        // Her own attempt from her address still counts as a first, and succeeds.
        let hers = Counted::attempt(limits.for_phone("password", "+998901112233", her), vec![]).unwrap();
        hers.succeeded();
        // A reset code is counted apart.
        assert!(Counted::attempt(limits.for_phone("reset", "+998901112233", stranger), vec![]).is_ok());
    }

    #[test]
    fn her_known_device_is_not_locked_out_by_guesses_from_everywhere() {
        let limits = RateLimits::default();
        let phone = "+998901112277";
        for n in 0..100 {
            drop(Counted::attempt(limits.for_phone("password", phone, &format!("client:{n}")), vec![]).unwrap());
        }
        assert!(Counted::attempt(limits.for_phone("password", phone, "client:new"), vec![]).is_err());
        // Her phone, known from an earlier sign-in, still gets its own five tries.
        for _ in 0..5 {
            drop(Counted::attempt(limits.for_known_device(phone, "d1"), vec![]).unwrap());
        }
        assert!(Counted::attempt(limits.for_known_device(phone, "d1"), vec![]).is_err());
        assert!(Counted::attempt(limits.for_known_device(phone, "d2"), vec![]).is_ok());
    }

    #[test]
    fn parallel_attempts_are_counted_before_any_finishes() {
        let limits = RateLimits::default();
        // Five attempts under way at once, none finished: the sixth is refused.
        let under_way: Vec<_> = (0..5)
            .map(|_| Counted::attempt(limits.for_phone("password", "+998901112244", "c"), vec![]).unwrap())
            .collect();
        assert!(Counted::attempt(limits.for_phone("password", "+998901112244", "c"), vec![]).is_err());
        // A refused attempt counted nothing anywhere.
        assert_eq!(limits.per_client.check("c"), Ok(()));
        for attempt in under_way {
            attempt.succeeded();
        }
        assert!(Counted::attempt(limits.for_phone("password", "+998901112244", "c"), vec![]).is_ok());
    }

    #[test]
    fn successful_sign_ins_count_only_against_the_limit_on_successes() {
        let limits = RateLimits::default();
        let phone = "+998901112255";
        for _ in 0..20 {
            Counted::attempt(limits.for_phone("password", phone, "c"), limits.for_sign_in(phone)).unwrap().succeeded();
        }
        // The failure limits are untouched; the 21st success in the hour is refused.
        assert_eq!(limits.per_phone.check(&format!("password:{phone}")), Ok(()));
        assert!(Counted::attempt(limits.for_phone("password", phone, "c"), limits.for_sign_in(phone)).is_err());
        // A refused attempt counted nothing, and a failure takes back its success key.
        assert_eq!(limits.per_client.check("c"), Ok(()));
        let other = "+998901112266";
        drop(Counted::attempt(limits.for_phone("password", other, "c"), limits.for_sign_in(other)).unwrap());
        assert_eq!(limits.sign_ins_per_phone.keys(), 1, "only the first phone's successes are kept");
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
