//! The limits of sign-in, sign-up and password reset (`RateLimits`), over
//! the generic `infra::rate_limit`.

use std::time::Duration;

use crate::infra::rate_limit::RateLimit;

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
    use crate::infra::rate_limit::Counted;

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
}
