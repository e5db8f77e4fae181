//! An owner's public pages changed on this server: every other server of a
//! cluster drops them from its cache within seconds. Each change is written as
//! `public_change:<owner>` with the database's clock (one clock for all
//! servers), and every server reads the rows written since its last look,
//! every `FOLLOW_EVERY`. A server that misses a row (it was down) has the
//! cache's own minute (`page_cache::KEPT_FOR`) as the floor.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

use super::page_cache::PageCache;

/// How often a server looks for other servers' changes.
pub const FOLLOW_EVERY: Duration = Duration::from_secs(2);
/// Rows are read again this far back: a change committed a moment after a
/// later one (clocks are read before commit) is not missed. Dropping a page twice costs a render.
const OVERLAP: chrono::Duration = chrono::Duration::seconds(5);

/// Says that `owner`'s public pages changed.
pub async fn announce(db: &Surreal<Any>, owner: &str) -> Result<(), surrealdb::Error> {
    db.query("UPSERT type::record('public_change', $owner) SET at = time::now() RETURN NONE")
        .bind(("owner", owner.to_owned()))
        .await?
        .check()?;
    Ok(())
}

#[derive(SurrealValue)]
struct Change {
    owner: String,
    at: DateTime<Utc>,
}

/// Drops from `pages` every owner's pages another server changed, for as long as it runs.
pub async fn follow(db: Arc<Surreal<Any>>, pages: Arc<PageCache>) {
    let mut since: Option<DateTime<Utc>> = None;
    loop {
        match changes_since(&db, since).await {
            Ok((changes, now)) => {
                for change in &changes {
                    pages.forget(&change.owner);
                }
                since = Some(changes.iter().map(|c| c.at).max().map_or(now, |last| last.max(now)));
            }
            Err(error) => tracing::warn!(%error, "could not read other servers' changes of public pages"),
        }
        tokio::time::sleep(FOLLOW_EVERY).await;
    }
}

/// The changes since `since` (less the overlap; none on the first look), and the database's clock.
async fn changes_since(
    db: &Surreal<Any>,
    since: Option<DateTime<Utc>>,
) -> Result<(Vec<Change>, DateTime<Utc>), surrealdb::Error> {
    let mut answer = db
        .query(
            "time::now();
             IF $since != NONE {
                 SELECT record::id(id) AS owner, at FROM public_change WHERE at > $since
             } ELSE { [] };",
        )
        .bind(("since", since.map(|s| s - OVERLAP)))
        .await?
        .check()?;
    let now: Option<DateTime<Utc>> = answer.take(0)?;
    let changes: Vec<Change> = answer.take(1)?;
    Ok((changes, now.unwrap_or_else(Utc::now)))
}
