//! One way to reach the database, whichever engine the configuration names.

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

pub async fn connect(target: &DatabaseTarget, ns: &str, db_name: &str) -> Result<Surreal<Any>, DatabaseError> {
    let address = target.address();
    let db = any::connect(address.as_str())
        .await
        .map_err(|source| DatabaseError::Connect { address: address.clone(), source })?;
    // Embedded engines run without authentication; a server needs its root user.
    if let DatabaseTarget::Remote { credentials: Some((username, password)), .. } = target {
        db.signin(Root { username: username.clone(), password: password.clone() })
            .await
            .map_err(|source| DatabaseError::SignIn { address: address.clone(), source })?;
    }
    db.use_ns(ns).use_db(db_name).await.map_err(|source| DatabaseError::Select {
        ns: ns.to_string(),
        db: db_name.to_string(),
        source,
    })?;
    Ok(db)
}

/// Closes the database after the last request. The SurrealDB SDK closes an embedded
/// store in a background task when the last handle goes; give it a moment to
/// finish before the process exits. Every commit is already on disk either way.
pub async fn close(db: Surreal<Any>) {
    drop(db);
    tokio::time::sleep(Duration::from_millis(300)).await;
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
