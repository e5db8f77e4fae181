//! How often one account may push, from all her phones together: over the
//! allowance the push is refused with how long to wait, and her phone keeps
//! her edits and tries again (`docs/api.md`).

use std::time::{Duration, Instant};

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

/// What each account has pushed lately (kept in this process: with several
/// servers each counts its own share, as the sign-in limits do).
#[derive(Default)]
pub struct PushLimits {
    accounts: std::sync::Mutex<std::collections::HashMap<String, Pushed>>,
}

/// One account's pushes: those of the last minute, and its day's mutations.
struct Pushed {
    minute: std::collections::VecDeque<Instant>,
    day_began: Instant,
    mutations: usize,
}

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

impl PushLimits {
    /// Counts a push of `mutations` by `who`; `Err(wait)` when it is over
    /// either allowance (and then nothing is counted).
    pub fn admit(&self, who: &Owner, mutations: usize) -> Result<(), Duration> {
        self.admit_at(who.as_str(), mutations, Instant::now())
    }

    fn admit_at(&self, who: &str, mutations: usize, now: Instant) -> Result<(), Duration> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let pushed = accounts.entry(who.to_owned()).or_insert_with(|| Pushed {
            minute: Default::default(),
            day_began: now,
            mutations: 0,
        });
        if now.duration_since(pushed.day_began) >= DAY {
            (pushed.day_began, pushed.mutations) = (now, 0);
        }
        while pushed.minute.front().is_some_and(|at| now.duration_since(*at) >= MINUTE) {
            pushed.minute.pop_front();
        }
        if pushed.mutations + mutations > MUTATIONS_A_DAY {
            return Err(DAY.saturating_sub(now.duration_since(pushed.day_began)));
        }
        if let Some(oldest) = pushed.minute.front().filter(|_| pushed.minute.len() >= PUSHES_A_MINUTE) {
            return Err(MINUTE.saturating_sub(now.duration_since(*oldest)));
        }
        pushed.minute.push_back(now);
        pushed.mutations += mutations;
        Ok(())
    }

    /// Forgets accounts whose day has passed; how many.
    pub fn prune(&self) -> usize {
        let now = Instant::now();
        let mut accounts = self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = accounts.len();
        accounts.retain(|_, pushed| now.duration_since(pushed.day_began) < DAY);
        before - accounts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_pushes_so_many_times_a_minute_and_so_many_mutations_a_day() {
        let limits = PushLimits::default();
        let start = Instant::now();
        for _ in 0..PUSHES_A_MINUTE {
            limits.admit_at("her", 1, start).unwrap();
        }
        assert!(limits.admit_at("her", 1, start).is_err(), "the minute's pushes are used");
        assert!(limits.admit_at("another", 1, start).is_ok(), "accounts count apart");
        let later = start + Duration::from_secs(61);
        // The day's mutations: a push that would go over is refused whole, and says until when.
        limits.admit_at("her", MUTATIONS_A_DAY - PUSHES_A_MINUTE - 10, later).unwrap();
        let wait = limits.admit_at("her", 500, later).unwrap_err();
        assert_eq!(wait, DAY - Duration::from_secs(61));
        limits.admit_at("her", 10, later).expect("what fits still goes");
        assert!(limits.admit_at("her", 1, later).is_err());
        assert!(limits.admit_at("her", 500, start + DAY).is_ok(), "a new day");
    }
}
