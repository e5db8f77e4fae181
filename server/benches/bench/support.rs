//! What the bench parts share: a fresh embedded database, milliseconds for
//! printing, and (by path, one copy) the builders the integration tests use.

use std::time::Duration;

use sawda_server::config::DatabaseTarget;
use sawda_server::infra::{database, migrations};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

#[path = "../../tests/it/support/builders.rs"]
mod builders;
pub use builders::*;

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// A migrated embedded database (SurrealKV on disk, as a real start uses)
/// in a temporary directory, gone when closed.
pub struct Embedded {
    pub db: Surreal<Any>,
    pub dir: tempfile::TempDir,
}

impl Embedded {
    pub async fn new() -> Embedded {
        let dir = tempfile::tempdir().unwrap();
        let db = database::connect(&Self::target_in(&dir), "sawda", "bench").await.unwrap();
        migrations::migrate(&db, migrations::MIGRATIONS).await.unwrap();
        Embedded { db, dir }
    }

    fn target_in(dir: &tempfile::TempDir) -> DatabaseTarget {
        DatabaseTarget::Embedded(dir.path().join("db"))
    }

    /// Closes the database, so its files are written before the directory goes.
    pub async fn close(self) {
        database::close(self.db, &Self::target_in(&self.dir)).await;
    }
}
