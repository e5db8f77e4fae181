//! The limits of sign-in, sign-up and password reset (`RateLimits`), over
//! the generic `infra::rate_limit`.

use std::time::Duration;

use crate::infra::rate_limit::{Charge, RateLimit};

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
            per_phone_and_client: RateLimit::new("phone_and_client", 5, window),
            per_phone: RateLimit::new("phone", 100, window),
            per_client: RateLimit::new("client", 50, window),
            sign_ins_per_phone: RateLimit::new("sign_ins", 20, Duration::from_secs(60 * 60)),
        }
    }
}

impl RateLimits {
    /// The charges one attempt for `phone` (a password, or with `what` =
    /// "reset" a reset code) from `client` counts under.
    pub fn for_phone(&self, what: &str, phone: &str, client: &str) -> Vec<Charge> {
        vec![
            self.per_client.on(client),
            self.per_phone_and_client.on(format!("{what}:{phone}|{client}")),
            self.per_phone.on(format!("{what}:{phone}")),
        ]
    }

    /// The charge a password attempt for `phone` from a device that signed in
    /// to it before counts under: that device alone, so no failure of anyone
    /// else's, from any address, keeps her own phone out.
    pub fn for_known_device(&self, phone: &str, device: &str) -> Vec<Charge> {
        vec![self.per_phone_and_client.on(format!("password:{phone}|device:{device}"))]
    }

    /// The charge a successful sign-in to `phone` counts under.
    pub fn for_sign_in(&self, phone: &str) -> Vec<Charge> {
        vec![self.sign_ins_per_phone.on(format!("signed-in:{phone}"))]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::rate_limit::{self, Counted};
    use std::sync::Arc;
    use surrealdb::Surreal;
    use surrealdb::engine::any::Any;

    async fn db() -> Arc<Surreal<Any>> {
        let db =
            crate::infra::database::connect(&crate::config::DatabaseTarget::Memory, "sawda", "test").await.unwrap();
        crate::infra::migrations::migrate(&db, crate::infra::migrations::MIGRATIONS).await.unwrap();
        Arc::new(db)
    }

    async fn attempt(db: &Arc<Surreal<Any>>, failures: Vec<Charge>, successes: Vec<Charge>) -> Option<Counted> {
        Counted::attempt(db, failures, successes).await.unwrap().ok()
    }

    #[tokio::test]
    async fn a_strangers_failures_do_not_lock_her_out_from_her_own_phone() {
        let (db, limits) = (db().await, RateLimits::default());
        let (her, stranger) = ("client:10.0.0.1", "client:203.0.113.9");
        for _ in 0..5 {
            drop(attempt(&db, limits.for_phone("password", "+998901112233", stranger), vec![]).await.unwrap());
        }
        assert!(attempt(&db, limits.for_phone("password", "+998901112233", stranger), vec![]).await.is_none());
        // Her own attempt from her address still counts as a first, and succeeds.
        let hers = attempt(&db, limits.for_phone("password", "+998901112233", her), vec![]).await.unwrap();
        hers.succeeded().await.unwrap();
        // A reset code is counted apart.
        assert!(attempt(&db, limits.for_phone("reset", "+998901112233", stranger), vec![]).await.is_some());
    }

    #[tokio::test]
    async fn her_known_device_is_not_locked_out_by_guesses_from_everywhere() {
        let (db, limits) = (db().await, RateLimits::default());
        let phone = "+998901112277";
        for n in 0..100 {
            drop(attempt(&db, limits.for_phone("password", phone, &format!("client:{n}")), vec![]).await.unwrap());
        }
        assert!(attempt(&db, limits.for_phone("password", phone, "client:new"), vec![]).await.is_none());
        // Her phone, known from an earlier sign-in, still gets its own five tries.
        for _ in 0..5 {
            drop(attempt(&db, limits.for_known_device(phone, "d1"), vec![]).await.unwrap());
        }
        assert!(attempt(&db, limits.for_known_device(phone, "d1"), vec![]).await.is_none());
        assert!(attempt(&db, limits.for_known_device(phone, "d2"), vec![]).await.is_some());
    }

    #[tokio::test]
    async fn parallel_attempts_are_counted_before_any_finishes() {
        let (db, limits) = (db().await, RateLimits::default());
        // Five attempts under way at once, none finished: the sixth is refused.
        let mut under_way = Vec::new();
        for _ in 0..5 {
            under_way.push(attempt(&db, limits.for_phone("password", "+998901112244", "c"), vec![]).await.unwrap());
        }
        assert!(attempt(&db, limits.for_phone("password", "+998901112244", "c"), vec![]).await.is_none());
        // A refused attempt counted nothing anywhere: 5 of the client's 50 are used.
        assert_eq!(rate_limit::take(&db, &[limits.per_client.costing("c", 45)]).await.unwrap(), Ok(()));
        rate_limit::give_back(&db, &[limits.per_client.costing("c", 45)]).await.unwrap();
        for attempt in under_way {
            attempt.succeeded().await.unwrap();
        }
        assert!(attempt(&db, limits.for_phone("password", "+998901112244", "c"), vec![]).await.is_some());
    }

    #[tokio::test]
    async fn successful_sign_ins_count_only_against_the_limit_on_successes() {
        let (db, limits) = (db().await, RateLimits::default());
        let phone = "+998901112255";
        for _ in 0..20 {
            let counted = attempt(&db, limits.for_phone("password", phone, "c"), limits.for_sign_in(phone)).await;
            counted.unwrap().succeeded().await.unwrap();
        }
        // The failure limits are untouched; the 21st success in the hour is refused.
        assert_eq!(
            rate_limit::check(&db, &[limits.per_phone.costing(format!("password:{phone}"), 100)]).await.unwrap(),
            Ok(())
        );
        assert!(attempt(&db, limits.for_phone("password", phone, "c"), limits.for_sign_in(phone)).await.is_none());
        // A refused attempt counted nothing, and a failure gives back its success charge.
        assert_eq!(rate_limit::check(&db, &[limits.per_client.costing("c", 50)]).await.unwrap(), Ok(()));
        let other = "+998901112266";
        drop(attempt(&db, limits.for_phone("password", other, "c"), limits.for_sign_in(other)).await.unwrap());
        tokio::time::sleep(Duration::from_millis(200)).await;
        let whole = limits.sign_ins_per_phone.costing(format!("signed-in:{other}"), 20);
        assert_eq!(
            rate_limit::check(&db, &[whole]).await.unwrap(),
            Ok(()),
            "only the first phone's successes are kept"
        );
    }
}
