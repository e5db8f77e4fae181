//! A job that one server of several should run (the daily housekeeping):
//! whoever takes the lease runs it; the others see it taken and skip. A server
//! that dies holding it lets it lapse at `until`. Each step of the job is also
//! harmless done twice, so a lease that lapses mid-run costs nothing.

use std::time::Duration;

use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::database;

/// Takes `name` for `holder` for `length` if nobody holds it now (or
/// `holder` does); whether it was taken. One transaction: of several servers
/// asking at once, one gets it (the others conflict, or see it held).
pub async fn take(db: &Surreal<Any>, name: &str, holder: &str, length: Duration) -> Result<bool, surrealdb::Error> {
    let mut response = db
        .query(
            "BEGIN TRANSACTION;
             LET $lease = type::record('lease', $name);
             LET $free = $lease.until = NONE OR $lease.until < time::now() OR $lease.holder = $holder;
             IF $free { UPSERT $lease SET holder = $holder, until = time::now() + <duration>$length RETURN NONE; };
             RETURN $free;
             COMMIT TRANSACTION;",
        )
        .bind(("name", name.to_owned()))
        .bind(("holder", holder.to_owned()))
        .bind(("length", format!("{}s", length.as_secs().max(1))))
        .await?;
    match database::transaction_failure(&mut response) {
        // Another server took it in the same moment.
        Some(failure) if failure.retryable => Ok(false),
        Some(failure) => Err(failure.cause),
        // The RETURN, before COMMIT (each counts as a statement).
        None => Ok(response.take::<Option<bool>>(response.num_statements() - 2)?.unwrap_or(false)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DatabaseTarget;

    #[tokio::test]
    async fn of_servers_asking_at_once_one_takes_it_until_it_lapses() {
        let db = database::connect(&DatabaseTarget::Memory, "sawda", "test").await.unwrap();
        crate::infra::migrations::migrate(&db, crate::infra::migrations::MIGRATIONS).await.unwrap();
        // Eight servers' handles on one database, all asking at once.
        let handles: Vec<Surreal<Any>> = (0..8).map(|_| db.clone()).collect();
        let asks = handles.iter().enumerate().map(|(n, db)| async move {
            take(db, "daily", &format!("server-{n}"), Duration::from_secs(60)).await.unwrap()
        });
        let taken = futures_util::future::join_all(asks).await;
        assert_eq!(taken.iter().filter(|t| **t).count(), 1, "{taken:?}");
        let holder = taken.iter().position(|t| *t).unwrap();
        assert!(take(&db, "daily", &format!("server-{holder}"), Duration::from_secs(60)).await.unwrap(), "hers still");
        assert!(!take(&db, "daily", "server-late", Duration::from_secs(60)).await.unwrap());
        assert!(take(&db, "another job", "server-late", Duration::from_secs(60)).await.unwrap());
        // Lapsed: the next server takes it.
        db.query("UPDATE lease:daily SET until = time::now() - 1s").await.unwrap().check().unwrap();
        assert!(take(&db, "daily", "server-late", Duration::from_secs(60)).await.unwrap());
    }
}
