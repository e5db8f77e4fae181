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
    #[error("cannot select namespace `{ns}` and database `{db}`: {source}")]
    Select { ns: String, db: String, source: surrealdb::Error },
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
