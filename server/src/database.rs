//! One way to reach the database, whichever engine the configuration names.

use std::time::Duration;

use surrealdb::{IndexedResults, Surreal};
use surrealdb::engine::any::{self, Any};
use surrealdb::opt::auth::Root;

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
    db.use_ns(ns)
        .use_db(db_name)
        .await
        .map_err(|source| DatabaseError::Select { ns: ns.to_string(), db: db_name.to_string(), source })?;
    Ok(db)
}

/// Closes the database after the last request. The SurrealDB SDK closes an embedded
/// store in a background task when the last handle goes; give it a moment to
/// finish before the process exits. Every commit is already on disk either way.
pub async fn close(db: Surreal<Any>) {
    drop(db);
    tokio::time::sleep(Duration::from_millis(300)).await;
}

/// The cause of a failed `BEGIN … COMMIT` block, if it failed. Every statement of
/// a failed transaction reports an error; the cause is the one that is not about
/// the transaction itself being cancelled.
pub fn transaction_failure(response: &mut IndexedResults) -> Option<surrealdb::Error> {
    let mut errors: Vec<(usize, surrealdb::Error)> = response.take_errors().into_iter().collect();
    errors.sort_by_key(|(index, _)| *index);
    let about_transaction = |error: &surrealdb::Error| error.to_string().contains("transaction");
    let cause = errors.iter().position(|(_, error)| !about_transaction(error)).unwrap_or(0);
    (!errors.is_empty()).then(|| errors.swap_remove(cause).1)
}
