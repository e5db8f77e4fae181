//! Attempts per key (a phone number, a client address, an account) counted in
//! the database, so every Sawda server of a cluster counts against the same
//! allowance (migration 24, `rate_limit`). Fixed windows on the database's
//! clock: a key may use its allowance at the end of one window and again at
//! the start of the next, and never more. The sign-in limits are in
//! `accounts::rate_limit`, the order requests' in `orders`, pushes' in
//! `sync::push_limits`.

use std::time::Duration;

use serde::Serialize;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::database;

/// At most `max` attempts per key in each `window`.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Keys of different limits never meet: the name is part of each row's id.
    name: &'static str,
    max: u64,
    window: Duration,
}

/// One attempt (or `cost` of them: a push's mutations) of `key` under a limit.
#[derive(Debug, Clone)]
pub struct Charge {
    limit: RateLimit,
    key: String,
    cost: u64,
}

/// What the database is sent for each charge.
#[derive(Serialize)]
struct Row<'a> {
    name: &'a str,
    key: &'a str,
    max: i64,
    window: i64,
    cost: i64,
}

impl RateLimit {
    pub const fn new(name: &'static str, max: u64, window: Duration) -> Self {
        RateLimit { name, max, window }
    }

    pub fn on(&self, key: impl Into<String>) -> Charge {
        self.costing(key, 1)
    }

    pub fn costing(&self, key: impl Into<String>, cost: u64) -> Charge {
        Charge { limit: *self, key: key.into(), cost }
    }
}

fn rows(charges: &[Charge], least: u64) -> Vec<Row<'_>> {
    charges
        .iter()
        .map(|charge| Row {
            name: charge.limit.name,
            key: &charge.key,
            max: charge.limit.max as i64,
            window: charge.limit.window.as_secs().max(1) as i64,
            cost: charge.cost.max(least) as i64,
        })
        .collect()
}

/// The window each charge is in, and how long until the first that is full
/// opens again (0: none is full). One statement, so the check and the count
/// of `take` are one transaction.
const WAIT: &str = "
    LET $now = time::unix(time::now());
    LET $rows = $charges.map(|$c| {
        id: type::record('rate_limit', [$c.name, $c.key, $now - ($now % $c.window)]),
        ends: $now - ($now % $c.window) + $c.window,
        cost: $c.cost,
        max: $c.max,
    });
    LET $wait = math::max($rows.map(|$r| IF ($r.id.n ?? 0) + $r.cost > $r.max { $r.ends - $now } ELSE { 0 }).concat([0]));";

/// Counts every charge, or none when any is over its allowance: then how long to wait.
pub async fn take(db: &Surreal<Any>, charges: &[Charge]) -> Result<Result<(), Duration>, surrealdb::Error> {
    let statement = format!(
        "BEGIN TRANSACTION; {WAIT}
         IF $wait = 0 {{
             FOR $r IN $rows {{ UPSERT $r.id SET n += $r.cost, expires = $r.ends RETURN NONE; }};
         }};
         RETURN $wait;
         COMMIT TRANSACTION;"
    );
    // The RETURN, before COMMIT (each counts as a statement).
    waited(db, &statement, rows(charges, 0), 2).await
}

/// Whether every charge would fit (each costing at least one); counts nothing.
pub async fn check(db: &Surreal<Any>, charges: &[Charge]) -> Result<Result<(), Duration>, surrealdb::Error> {
    waited(db, &format!("{WAIT} RETURN $wait;"), rows(charges, 1), 1).await
}

/// Takes back charges counted by `take` (an attempt that succeeded, under
/// limits on failures), from the window they are in now.
pub async fn give_back(db: &Surreal<Any>, charges: &[Charge]) -> Result<(), surrealdb::Error> {
    let statement = format!(
        "{WAIT}
         FOR $r IN $rows {{ UPDATE $r.id SET n = math::max([n - $r.cost, 0]) RETURN NONE; }};"
    );
    retried(db, &statement, rows(charges, 0)).await.map(|_| ())
}

/// Forgets the keys' counts (after a success: the key starts afresh).
pub async fn forget(db: &Surreal<Any>, charges: &[Charge]) -> Result<(), surrealdb::Error> {
    retried(db, &format!("{WAIT} FOR $r IN $rows {{ DELETE $r.id; }};"), rows(charges, 0)).await.map(|_| ())
}

/// The wait `statement` returns `from_end` statements before its end.
async fn waited(
    db: &Surreal<Any>,
    statement: &str,
    rows: Vec<Row<'_>>,
    from_end: usize,
) -> Result<Result<(), Duration>, surrealdb::Error> {
    let mut response = retried(db, statement, rows).await?;
    let at = response.num_statements() - from_end;
    let wait: Option<i64> = response.take(at)?;
    Ok(match wait.unwrap_or(0) {
        0 => Ok(()),
        seconds => Err(Duration::from_secs(seconds.max(1) as u64)),
    })
}

/// Several servers counting the same key at once may conflict: tried again.
async fn retried(
    db: &Surreal<Any>,
    statement: &str,
    rows: Vec<Row<'_>>,
) -> Result<surrealdb::IndexedResults, surrealdb::Error> {
    let rows = serde_json::to_value(rows).expect("rows are plain data");
    let mut tries = 0;
    loop {
        tries += 1;
        let mut response = db.query(statement).bind(("charges", rows.clone())).await?;
        match database::transaction_failure(&mut response) {
            None => return Ok(response),
            Some(failure) if failure.retryable && tries < 8 => {
                tokio::time::sleep(Duration::from_millis(2 * tries)).await;
            }
            Some(failure) => return Err(failure.cause),
        }
    }
}

/// Deletes counts whose window has passed; how many.
pub async fn prune(db: &Surreal<Any>) -> Result<usize, surrealdb::Error> {
    database::delete_in_chunks(db, "rate_limit", "expires <= time::unix(time::now())", "expires", &[]).await
}

/// Attempts counted, before the work they cost, against several limits at
/// once. Limits on failures are taken back if the attempt succeeds
/// ([`Counted::succeeded`]); limits on successes are taken back when it
/// fails ([`Counted::failed`], or in a task of its own when it is dropped).
pub struct Counted {
    db: std::sync::Arc<Surreal<Any>>,
    failures: Vec<Charge>,
    successes: Vec<Charge>,
}

impl Counted {
    /// Counts one attempt under each charge of both lists; `Err(wait)`,
    /// counting nothing, when any of them has used its allowance.
    pub async fn attempt(
        db: &std::sync::Arc<Surreal<Any>>,
        failures: Vec<Charge>,
        successes: Vec<Charge>,
    ) -> Result<Result<Counted, Duration>, surrealdb::Error> {
        let all: Vec<Charge> = failures.iter().chain(&successes).cloned().collect();
        Ok(take(db, &all).await?.map(|()| Counted { db: db.clone(), failures, successes }))
    }

    /// The attempt succeeded: it counts only against the limits on successes.
    pub async fn succeeded(mut self) -> Result<(), surrealdb::Error> {
        self.successes.clear();
        give_back(&self.db, &std::mem::take(&mut self.failures)).await
    }
}

impl Drop for Counted {
    /// A failure (dropped without `succeeded`): it stays counted against the
    /// limits on failures, and is given back, in a task of its own, to those
    /// on successes.
    fn drop(&mut self) {
        let successes = std::mem::take(&mut self.successes);
        if successes.is_empty() {
            return;
        }
        let db = self.db.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = give_back(&db, &successes).await {
                    tracing::warn!(%error, "could not give back a limit's count");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseTarget;

    async fn db() -> std::sync::Arc<Surreal<Any>> {
        let db = database::connect(&DatabaseTarget::Memory, "sawda", "test").await.unwrap();
        crate::infra::migrations::migrate(&db, crate::infra::migrations::MIGRATIONS).await.unwrap();
        std::sync::Arc::new(db)
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[tokio::test]
    async fn allows_up_to_the_limit_then_says_how_long_to_wait() {
        let db = db().await;
        let limit = RateLimit::new("test", 3, HOUR);
        for _ in 0..3 {
            assert_eq!(take(&db, &[limit.on("k")]).await.unwrap(), Ok(()));
        }
        let wait = take(&db, &[limit.on("k")]).await.unwrap().unwrap_err();
        assert!(wait > Duration::ZERO && wait <= HOUR, "{wait:?}");
        assert_eq!(check(&db, &[limit.on("k")]).await.unwrap(), Err(wait));
        assert_eq!(take(&db, &[limit.on("other")]).await.unwrap(), Ok(()), "keys are separate");
        let another = RateLimit::new("another", 3, HOUR);
        assert_eq!(take(&db, &[another.on("k")]).await.unwrap(), Ok(()), "limits are separate");
        // Several charges are taken together or not at all.
        assert!(take(&db, &[another.on("k"), limit.on("k")]).await.unwrap().is_err());
        assert_eq!(take(&db, &[another.on("k"), another.on("k")]).await.unwrap(), Ok(()));
        assert!(take(&db, &[another.on("k")]).await.unwrap().is_err(), "3 counted, none more");
    }

    #[tokio::test]
    async fn a_cost_counts_as_that_many_attempts_and_a_give_back_returns_them() {
        let db = db().await;
        let limit = RateLimit::new("mutations", 100, HOUR);
        assert_eq!(take(&db, &[limit.costing("her", 90)]).await.unwrap(), Ok(()));
        assert!(take(&db, &[limit.costing("her", 20)]).await.unwrap().is_err(), "a push over is refused whole");
        assert_eq!(take(&db, &[limit.costing("her", 10)]).await.unwrap(), Ok(()), "what fits still goes");
        give_back(&db, &[limit.costing("her", 50)]).await.unwrap();
        assert_eq!(take(&db, &[limit.costing("her", 50)]).await.unwrap(), Ok(()));
        forget(&db, &[limit.on("her")]).await.unwrap();
        assert_eq!(take(&db, &[limit.costing("her", 100)]).await.unwrap(), Ok(()), "forgotten");
    }

    #[tokio::test]
    async fn two_servers_count_against_one_allowance_even_at_the_same_moment() {
        let db = db().await;
        let limit = RateLimit::new("test", 20, HOUR);
        // Two servers' handles on one database, 60 attempts at once.
        let attempts = (0..60).map(|n| {
            let db = if n % 2 == 0 { db.clone() } else { std::sync::Arc::new((*db).clone()) };
            let limit = &limit;
            async move { take(&db, &[limit.on("k")]).await.unwrap().is_ok() }
        });
        let allowed = futures_util::future::join_all(attempts).await.into_iter().filter(|ok| *ok).count();
        assert_eq!(allowed, 20);
    }

    #[tokio::test]
    async fn passed_windows_are_deleted() {
        let db = db().await;
        db.query("UPSERT rate_limit:['test', 'old', 0] SET n = 3, expires = 60; UPSERT rate_limit:['test', 'new', 0] SET n = 1, expires = time::unix(time::now()) + 60;")
            .await
            .unwrap()
            .check()
            .unwrap();
        assert_eq!(prune(&db).await.unwrap(), 1);
        assert_eq!(prune(&db).await.unwrap(), 0);
    }
}
