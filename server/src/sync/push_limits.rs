//! How often one account may push, from all her phones together: over the
//! allowance the push is refused with how long to wait, and her phone keeps
//! her edits and tries again (`docs/api.md`).

use std::time::Duration;

use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::infra::rate_limit::{self, RateLimit};

use sawda_sync::Owner;

/// Pushes one account may make in a minute, from all her phones together:
/// a phone pushes at most once per pause in her typing.
pub const PUSHES_A_MINUTE: usize = 60;

/// Pushes written at once. More at once only share the cores and the
/// database's commits: 500 phones pushing 20 products each took p95 3.4 s
/// with no bound (142 pushes/s), 2.0–2.1 s with 2 or 3 at once (233–238/s),
/// 2.5 s with 16 (`make bench PARTS=sync`, 2 cores). (A `tokio::time::timeout`
/// around the wait cost a third of that: 2.7 s.)
pub fn pushes_at_once() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZero::get).max(2)
}

/// Mutations one account may push in a day: twice her whole scope
/// (`sawda_sync::limits`, 10,000 records, sent once each by a phone coming
/// online after weeks away). Each one leaves an applied mark, kept 180 days.
pub const MUTATIONS_A_DAY: usize = 20_000;

/// What each account may push, counted in the database for every server together.
pub struct PushLimits {
    pushes: RateLimit,
    mutations: RateLimit,
}

impl Default for PushLimits {
    fn default() -> Self {
        PushLimits {
            pushes: RateLimit::new("pushes", PUSHES_A_MINUTE as u64, Duration::from_secs(60)),
            mutations: RateLimit::new("mutations", MUTATIONS_A_DAY as u64, Duration::from_secs(24 * 60 * 60)),
        }
    }
}

impl PushLimits {
    /// Counts a push of `mutations` by `who`; `Err(wait)` when it is over
    /// either allowance (and then nothing is counted).
    pub async fn admit(
        &self,
        db: &Surreal<Any>,
        who: &Owner,
        mutations: usize,
    ) -> Result<Result<(), Duration>, surrealdb::Error> {
        let charges = [self.pushes.on(who.as_str()), self.mutations.costing(who.as_str(), mutations as u64)];
        rate_limit::take(db, &charges).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_account_pushes_so_many_times_a_minute_and_so_many_mutations_a_day() {
        let db =
            crate::infra::database::connect(&crate::config::DatabaseTarget::Memory, "sawda", "test").await.unwrap();
        crate::infra::migrations::migrate(&db, crate::infra::migrations::MIGRATIONS).await.unwrap();
        let limits = PushLimits::default();
        let her: Owner = "account:her".parse().unwrap();
        // The day's mutations: a push that would go over is refused whole, and says until when.
        limits.admit(&db, &her, MUTATIONS_A_DAY - 10).await.unwrap().unwrap();
        let wait = limits.admit(&db, &her, 500).await.unwrap().unwrap_err();
        assert!(wait > Duration::ZERO && wait <= Duration::from_secs(24 * 60 * 60), "{wait:?}");
        for _ in 0..10 {
            limits.admit(&db, &her, 1).await.unwrap().expect("what fits still goes");
        }
        assert!(limits.admit(&db, &her, 1).await.unwrap().is_err());
        // Pushes a minute, apart from the mutations (tried again should the minute turn during the loop).
        let mut admitted = 0;
        for turn in 0..2 {
            let another: Owner = format!("account:another{turn}").parse().unwrap();
            admitted = 0;
            for _ in 0..PUSHES_A_MINUTE + 5 {
                admitted += usize::from(limits.admit(&db, &another, 0).await.unwrap().is_ok());
            }
            if admitted == PUSHES_A_MINUTE {
                break;
            }
        }
        assert_eq!(admitted, PUSHES_A_MINUTE);
    }
}
