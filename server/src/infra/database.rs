//! One way to reach the database, whichever engine the configuration names.

use std::path::Path;
use std::time::Duration;

use surrealdb::engine::any::{self, Any};
use surrealdb::opt::auth::Root;
use surrealdb::{IndexedResults, Surreal};

use crate::config::DatabaseTarget;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot open the database at {address}: {source}")]
    Connect { address: String, source: surrealdb::Error },
    #[error("the database server at {address} refused the user name or password: {source}")]
    SignIn { address: String, source: surrealdb::Error },
    #[error("the database at {address} did not open within 10 s")]
    Timeout { address: String },
    #[error("cannot select namespace `{ns}` and database `{db}`: {source}")]
    Select { ns: String, db: String, source: surrealdb::Error },
}

/// What the stores' work (sync, the review, order requests) fails with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A sync request the protocol refuses.
    #[error("{0:?}")]
    Protocol(sawda_sync::SyncError),
    #[error(transparent)]
    Database(#[from] surrealdb::Error),
    #[error("a stored record cannot be read: {0}")]
    Corrupt(String),
}

/// SurrealKV's durability, named rather than left to the engine's default:
/// every commit is synced to disk before it is answered (`sync=every`; the
/// other settings, `never` and an interval, answer before the disk has it).
pub const EMBEDDED_SYNC: &str = "sync=every";

/// The address handed to the SDK: the configured one, with the embedded
/// store's durability pinned.
pub fn engine_address(target: &DatabaseTarget) -> String {
    match target {
        DatabaseTarget::Embedded(_) => format!("{}?{EMBEDDED_SYNC}", target.address()),
        _ => target.address(),
    }
}

pub async fn connect(target: &DatabaseTarget, ns: &str, db_name: &str) -> Result<Surreal<Any>, DatabaseError> {
    let address = target.address();
    let db = any::connect(engine_address(target))
        .await
        .map_err(|source| DatabaseError::Connect { address: address.clone(), source })?;
    // Embedded engines run without authentication; a server needs its root user.
    if let DatabaseTarget::Remote { credentials: Some((username, password)), .. } = target
        && let Err(source) = db.signin(Root { username: username.clone(), password: password.clone() }).await
    {
        close(db, target).await;
        return Err(DatabaseError::SignIn { address, source });
    }
    if let Err(source) = db.use_ns(ns).use_db(db_name).await {
        close(db, target).await;
        return Err(DatabaseError::Select { ns: ns.to_string(), db: db_name.to_string(), source });
    }
    Ok(db)
}

/// Connects, and while a database server is not up yet (refused, or not
/// answering), tries again every few seconds, saying so. A refused password or
/// namespace is final; so is any failure of an embedded store.
pub async fn connect_when_up(target: &DatabaseTarget, ns: &str, db_name: &str) -> Result<Surreal<Any>, DatabaseError> {
    let mut tries = 0u32;
    loop {
        let attempt = tokio::time::timeout(CONNECT_AT_MOST, connect(target, ns, db_name)).await;
        let why = match attempt {
            Ok(Ok(db)) => return Ok(db),
            Ok(Err(DatabaseError::Connect { source, .. })) if matches!(target, DatabaseTarget::Remote { .. }) => {
                source.to_string()
            }
            Ok(Err(error)) => return Err(error),
            Err(_) if matches!(target, DatabaseTarget::Remote { .. }) => "no answer".to_string(),
            Err(_) => return Err(DatabaseError::Timeout { address: target.address() }),
        };
        tries += 1;
        let wait = Duration::from_secs(u64::from(tries.min(5)));
        tracing::warn!(address = %target.address(), %why, "the database server is not up yet; trying again in {} s", wait.as_secs());
        tokio::time::sleep(wait).await;
    }
}

/// How long one attempt to reach the database may take.
const CONNECT_AT_MOST: Duration = Duration::from_secs(10);

/// Whether the database answered its last ping (`watch`). While it does not,
/// the API answers "try again" at once instead of queueing behind a server
/// that is restarting.
#[derive(Debug)]
pub struct Reachability {
    up: std::sync::atomic::AtomicBool,
}

impl Default for Reachability {
    fn default() -> Self {
        Reachability { up: std::sync::atomic::AtomicBool::new(true) }
    }
}

impl Reachability {
    pub fn is_up(&self) -> bool {
        self.up.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set(&self, up: bool) -> bool {
        self.up.swap(up, std::sync::atomic::Ordering::Relaxed)
    }
}

/// How often the database is pinged, how long an answer may take, and how
/// many pings in a row go unanswered before it counts as gone: a database that
/// is only slow (a burst of pushes) is waited for, not turned into refusals.
pub const PING_EVERY: Duration = Duration::from_secs(1);
const PING_AT_MOST: Duration = Duration::from_secs(5);
const MISSED_PINGS: u32 = 2;

/// Where the shared handle signs in again, should a reconnect lose it.
pub struct SignIn {
    pub target: DatabaseTarget,
    pub ns: String,
    pub db: String,
}

/// Pings the database for ever, keeping `reach` true while it answers. The
/// SDK reconnects by itself after a server restart; should the session come
/// back without its sign-in (queries refused as not allowed, seen after a
/// restart here), this signs in again and lets the pooled sessions go.
pub async fn watch(db: std::sync::Arc<Surreal<Any>>, reach: std::sync::Arc<Reachability>, sign_in: SignIn, pool: Pool) {
    let mut missed = 0;
    loop {
        let answer = tokio::time::timeout(PING_AT_MOST, async { db.query("RETURN 1").await?.check() }).await;
        missed = match &answer {
            Ok(Ok(_)) => 0,
            Ok(Err(error)) if error.is_not_allowed() => {
                tracing::warn!(%error, "the database session lost its sign-in: signing in again");
                if let Err(error) = again(&db, &sign_in).await {
                    tracing::warn!(%error, "could not sign in to the database again");
                }
                pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
                missed + 1
            }
            _ => missed + 1,
        };
        let up = missed < MISSED_PINGS;
        match (reach.set(up), up) {
            (true, false) => tracing::error!("the database does not answer: the API answers \"try again\" meanwhile"),
            (false, true) => tracing::warn!("the database answers again"),
            _ => {}
        }
        tokio::time::sleep(PING_EVERY).await;
    }
}

async fn again(db: &Surreal<Any>, sign_in: &SignIn) -> Result<(), surrealdb::Error> {
    if let DatabaseTarget::Remote { credentials: Some((username, password)), .. } = &sign_in.target {
        db.signin(Root { username: username.clone(), password: password.clone() }).await?;
    }
    db.use_ns(&sign_in.ns).use_db(&sign_in.db).await.map(|_| ())
}

/// Sessions kept open for transactions. `begin` takes the handle it is
/// given, so each transaction needs a handle of its own, and a cloned handle
/// is a new session: over ws one that signs in again, which the server checks
/// with its password hash (surrealdb#7526; `make cluster-check` measured a
/// handle cloned per query at 53 queries/s against 10,771 on one shared). A
/// committed or cancelled transaction gives its session back for the next.
pub type Pool = std::sync::Arc<Sessions>;
type Sessions = std::sync::Mutex<Vec<Surreal<Any>>>;

/// Sessions kept per pooled handle, at most.
const POOLED_SESSIONS: usize = 32;

/// The handles whose transactions reuse sessions: a handle is known by its
/// address while its `Arc` lives (the `Weak` says so), never by a dead one's.
/// The pool itself is held by whoever asked for it (the server's state): once
/// that is gone, so are its sessions, and the store can close.
type Pools = Vec<(std::sync::Weak<Surreal<Any>>, std::sync::Weak<Sessions>)>;
static POOLS: std::sync::Mutex<Pools> = std::sync::Mutex::new(Vec::new());

/// Transactions on `db` (a server's shared handle) reuse their sessions while
/// the returned pool is held.
pub fn pool_sessions(db: &std::sync::Arc<Surreal<Any>>) -> Pool {
    let pool = Pool::default();
    let mut pools = POOLS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    pools.retain(|(handle, pool)| handle.strong_count() > 0 && pool.strong_count() > 0);
    pools.push((std::sync::Arc::downgrade(db), std::sync::Arc::downgrade(&pool)));
    pool
}

fn pool_of(db: &Surreal<Any>) -> Option<Pool> {
    let pools = POOLS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    pools
        .iter()
        .find(|(handle, _)| handle.strong_count() > 0 && std::ptr::eq(handle.as_ptr(), db))
        .and_then(|(_, pool)| pool.upgrade())
}

/// Begins a transaction on a session of `db`'s: a pooled one if there is one
/// free (one that fails to begin, lost in a reconnect, is let go), else a new one.
pub async fn begin(db: &Surreal<Any>) -> Result<surrealdb::method::Transaction<Any>, surrealdb::Error> {
    let pool = pool_of(db);
    while let Some(session) =
        pool.as_ref().and_then(|p| p.lock().unwrap_or_else(std::sync::PoisonError::into_inner).pop())
    {
        match session.begin().await {
            Ok(transaction) => return Ok(transaction),
            Err(error) => tracing::debug!(%error, "a pooled database session could not begin: let go"),
        }
    }
    db.clone().begin().await
}

fn give_back(db: &Surreal<Any>, session: Surreal<Any>) {
    if let Some(pool) = pool_of(db) {
        let mut free = pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if free.len() < POOLED_SESSIONS {
            free.push(session);
        }
    }
}

/// Commits, and gives the session back to `db`'s pool.
pub async fn commit(
    db: &Surreal<Any>,
    transaction: surrealdb::method::Transaction<Any>,
) -> Result<(), surrealdb::Error> {
    give_back(db, transaction.commit().await?);
    Ok(())
}

/// Cancels, and gives the session back to `db`'s pool.
pub async fn cancel(
    db: &Surreal<Any>,
    transaction: surrealdb::method::Transaction<Any>,
) -> Result<(), surrealdb::Error> {
    give_back(db, transaction.cancel().await?);
    Ok(())
}

/// How long a closing embedded store may take to flush and let go of its files.
const CLOSING_AT_MOST: Duration = Duration::from_secs(30);

/// Closes the database: `db` must be the last handle (every clone, every
/// transaction and every task holding one gone first). The SDK shuts an
/// embedded store down in a task of its own once the last handle goes; this
/// waits until that is done, which is when SurrealKV has flushed, synced and
/// released its `LOCK` file, so the process never exits in the middle of it.
/// Returns whether the store was seen closed (always for other targets).
pub async fn close(db: Surreal<Any>, target: &DatabaseTarget) -> bool {
    drop(db);
    let DatabaseTarget::Embedded(path) = target else { return true };
    let started = tokio::time::Instant::now();
    while started.elapsed() < CLOSING_AT_MOST {
        if lock_is_free(path) {
            // The engine's own last steps after letting go of the lock (its
            // tasks ending) get a moment on this runtime, not a dying one.
            tokio::time::sleep(Duration::from_millis(50)).await;
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tracing::error!(
        path = %path.display(),
        "the database did not close within {} s: a handle to it is still held somewhere",
        CLOSING_AT_MOST.as_secs()
    );
    false
}

/// Whether SurrealKV's lock on `path` could be taken (and it is let go at once):
/// the store is closed, or was never opened.
fn lock_is_free(path: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new().read(true).write(true).open(path.join("LOCK")) else {
        return true;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            true
        }
        Err(_) => false,
    }
}

/// Rows a daily clean-up deletes per statement (each statement is its own transaction).
pub const DELETE_CHUNK_ROWS: usize = 1000;

/// Deletes the rows of `table` that match `condition` (SurrealQL, its
/// parameters bound by `bind`), `DELETE_CHUNK_ROWS` at a time, so no
/// transaction grows with a backlog and a run cut short keeps what it did;
/// returns how many. `order` sorts the rows of a chunk (an indexed field, so
/// the oldest go first), or is empty.
pub async fn delete_in_chunks(
    db: &Surreal<Any>,
    table: &str,
    condition: &str,
    order: &str,
    bind: &[(&str, surrealdb::types::Value)],
) -> Result<usize, surrealdb::Error> {
    let order = if order.is_empty() { String::new() } else { format!("ORDER BY {order}") };
    let statement = format!(
        "LET $chunk = SELECT VALUE id FROM {table} WHERE {condition} {order} LIMIT $rows;
         DELETE $chunk RETURN NONE;
         RETURN array::len($chunk);"
    );
    let mut deleted_in_all = 0;
    loop {
        let mut query = db.query(&statement).bind(("rows", DELETE_CHUNK_ROWS as i64));
        for (name, value) in bind {
            query = query.bind((name.to_string(), value.clone()));
        }
        let deleted: Option<i64> = query.await?.check()?.take(2)?;
        let deleted = deleted.unwrap_or(0).max(0) as usize;
        deleted_in_all += deleted;
        if deleted < DELETE_CHUNK_ROWS {
            return Ok(deleted_in_all);
        }
    }
}

/// Why a `BEGIN … COMMIT` block failed, if it did. Every statement of a failed
/// transaction reports an error; the cause is the first that is not one of the
/// placeholders SurrealDB puts on the statements the failure cancelled.
pub struct TransactionFailure {
    pub cause: surrealdb::Error,
    /// Another transaction wrote the same records at the same time: trying again may succeed.
    pub retryable: bool,
}

pub fn transaction_failure(response: &mut IndexedResults) -> Option<TransactionFailure> {
    let mut errors: Vec<(usize, surrealdb::Error)> = response.take_errors().into_iter().collect();
    if errors.is_empty() {
        return None;
    }
    errors.sort_by_key(|(index, _)| *index);
    let retryable = errors.iter().any(|(_, error)| is_conflict(error));
    let placeholder = |error: &surrealdb::Error| {
        let message = error.to_string();
        ["not executed due to a failed transaction", "due to a cancelled transaction", "aborted due to a prior error"]
            .iter()
            .any(|text| message.contains(text))
    };
    let cause = errors.iter().position(|(_, error)| !placeholder(error)).unwrap_or(0);
    Some(TransactionFailure { cause: errors.swap_remove(cause).1, retryable })
}

/// A write-write conflict between concurrent transactions.
pub fn is_conflict(error: &surrealdb::Error) -> bool {
    matches!(error.query_details(), Some(surrealdb::types::QueryError::TransactionConflict))
        || error.to_string().contains("can be retried")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_backlog_is_deleted_in_chunks_and_the_rest_is_kept() {
        let db = connect(&DatabaseTarget::Memory, "sawda", "test").await.unwrap();
        let rows = DELETE_CHUNK_ROWS as i64 * 3 + 345;
        db.query("FOR $n IN array::range(0, $rows) { CREATE type::record('mark', $n) SET age = $n % 3 RETURN NONE; };")
            .bind(("rows", rows))
            .await
            .unwrap()
            .check()
            .unwrap();
        let old = (0..rows).filter(|n| n % 3 != 0).count();
        assert!(old > 2 * DELETE_CHUNK_ROWS, "more than two chunks");
        let deleted = delete_in_chunks(
            &db,
            "mark",
            "age >= $oldest",
            "age",
            &[("oldest", surrealdb::types::Value::Number(1i64.into()))],
        )
        .await
        .unwrap();
        assert_eq!(deleted, old);
        let left: Option<i64> = db.query("count(SELECT * FROM mark WHERE age = 0)").await.unwrap().take(0).unwrap();
        let all: Option<i64> = db.query("count(SELECT * FROM mark)").await.unwrap().take(0).unwrap();
        assert_eq!((left, all), (Some(rows - old as i64), Some(rows - old as i64)), "the rest stays");
        assert_eq!(delete_in_chunks(&db, "mark", "age >= 1", "", &[]).await.unwrap(), 0, "nothing twice");
    }
}
