//! The database schema, as numbered SurrealQL migrations applied at start-up,
//! each exactly once and each in one transaction, recorded in `schema_migration`.

use std::time::Duration;

use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub script: &'static str,
}

/// Append only: a migration, once released, is never edited (its checksum is kept).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "schema migration ledger",
        script: include_str!("../../migrations/0001_schema_migration.surql"),
    },
    Migration {
        version: 2,
        name: "accounts, invitations, sessions, reset codes",
        script: include_str!("../../migrations/0002_accounts.surql"),
    },
    Migration {
        version: 3,
        name: "synced records, applied mutations, change sequence",
        script: include_str!("../../migrations/0003_sync.surql"),
    },
    Migration {
        version: 4,
        name: "age index of applied mutations",
        script: include_str!("../../migrations/0004_sync_retention.surql"),
    },
    Migration {
        version: 5,
        name: "unique storefront addresses",
        script: include_str!("../../migrations/0005_storefront_address.surql"),
    },
    Migration {
        version: 6,
        name: "sequences per owner, change log by key, applied ids per owner, epoch",
        script: include_str!("../../migrations/0006_sync_scopes.surql"),
    },
    Migration {
        version: 7,
        name: "what each owner holds, for her bounds",
        script: include_str!("../../migrations/0007_sync_holdings.surql"),
    },
    Migration {
        version: 8,
        name: "synced records keyed by owner",
        script: include_str!("../../migrations/0008_records_by_owner.surql"),
    },
    Migration {
        version: 9,
        name: "who keeps which photos",
        script: include_str!("../../migrations/0009_photo_holdings.surql"),
    },
    Migration {
        version: 10,
        name: "devices that signed in before",
        script: include_str!("../../migrations/0010_known_devices.surql"),
    },
    Migration {
        version: 11,
        name: "the OVOP review: queue, approved revisions, audit log",
        script: include_str!("../../migrations/0011_review.surql"),
    },
    Migration {
        version: 12,
        name: "market search over approved storefronts and products",
        script: include_str!("../../migrations/0012_market_search.surql"),
    },
    Migration {
        version: 13,
        name: "order requests by kind, page views by day",
        script: include_str!("../../migrations/0013_orders_and_views.surql"),
    },
    Migration {
        version: 14,
        name: "the market's orders, one index each",
        script: include_str!("../../migrations/0014_market_order.surql"),
    },
];

const LEDGER: &str = "schema_migration";
const APPLY_ATTEMPTS: u64 = 4;

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error(
        "the database has schema version {database}, newer than this Sawda knows ({binary}): run a newer Sawda, or restore a backup made for this one"
    )]
    NewerSchema { database: i64, binary: i64 },
    #[error(
        "migration {version} ({name}) differs from the one applied to this database: migrations must not be edited after release"
    )]
    Edited { version: i64, name: &'static str },
    #[error("migration {version} ({name}) failed and was rolled back: {cause}")]
    Failed { version: i64, name: &'static str, cause: String },
    #[error("cannot read the schema version: {0}")]
    Read(#[from] surrealdb::Error),
}

#[derive(Debug, SurrealValue)]
struct Applied {
    version: i64,
    checksum: String,
}

pub fn latest_version(migrations: &[Migration]) -> i64 {
    migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Applies what is missing; returns the versions it applied (empty when up to date).
pub async fn migrate(db: &Surreal<Any>, migrations: &[Migration]) -> Result<Vec<i64>, MigrationError> {
    let known = latest_version(migrations);
    let applied = read_applied(db).await?;
    if let Some(newest) = applied.iter().map(|a| a.version).max().filter(|&v| v > known) {
        return Err(MigrationError::NewerSchema { database: newest, binary: known });
    }
    let mut done = Vec::new();
    for migration in migrations {
        if let Some(previous) = applied.iter().find(|a| a.version == migration.version) {
            if previous.checksum != checksum(migration.script) {
                return Err(MigrationError::Edited { version: migration.version, name: migration.name });
            }
            continue;
        }
        let mut attempt = 0;
        loop {
            match apply(db, migration).await {
                Ok(()) => {
                    tracing::info!(version = migration.version, name = migration.name, "schema migration applied");
                    done.push(migration.version);
                    break;
                }
                // Another server starting at the same time may have applied it.
                Err(cause) if applied_by_someone_else(db, migration.version).await => {
                    tracing::info!(version = migration.version, %cause, "schema migration was applied by another server");
                    break;
                }
                Err(cause) => {
                    attempt += 1;
                    if attempt == APPLY_ATTEMPTS {
                        return Err(MigrationError::Failed { version: migration.version, name: migration.name, cause });
                    }
                    // The other server's transaction may still be committing: look again shortly.
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                }
            }
        }
    }
    Ok(done)
}

/// The newest migration applied to the database (0 for an empty database).
pub async fn schema_version(db: &Surreal<Any>) -> Result<i64, surrealdb::Error> {
    Ok(read_applied(db).await?.iter().map(|a| a.version).max().unwrap_or(0))
}

async fn read_applied(db: &Surreal<Any>) -> Result<Vec<Applied>, surrealdb::Error> {
    // Selecting from a table that does not exist is an error in SurrealDB 3: ask first.
    let info = db.query("INFO FOR DB").await?.check()?.take::<surrealdb::types::Value>(0)?.into_json_value();
    if info["tables"].get(LEDGER).is_none() {
        return Ok(Vec::new());
    }
    db.query("SELECT version, checksum FROM schema_migration ORDER BY version").await?.check()?.take(0)
}

async fn apply(db: &Surreal<Any>, migration: &Migration) -> Result<(), String> {
    let query = format!(
        "BEGIN TRANSACTION;\n{}\n;CREATE schema_migration CONTENT {{ version: $version, name: $name, checksum: $checksum, applied_by: $applied_by }};\nCOMMIT TRANSACTION;",
        migration.script
    );
    let mut response = db
        .query(query)
        .bind(("version", migration.version))
        .bind(("name", migration.name))
        .bind(("checksum", checksum(migration.script)))
        .bind(("applied_by", concat!("sawda ", env!("CARGO_PKG_VERSION"))))
        .await
        .map_err(|error| error.to_string())?;
    match crate::infra::database::transaction_failure(&mut response) {
        None => Ok(()),
        Some(failure) => Err(failure.cause.to_string()),
    }
}

async fn applied_by_someone_else(db: &Surreal<Any>, version: i64) -> bool {
    read_applied(db).await.is_ok_and(|applied| applied.iter().any(|a| a.version == version))
}

/// FNV-1a, 64 bits, as 16 hex digits: stable across releases and platforms.
fn checksum(script: &str) -> String {
    format!("{:016x}", sawda_sync::ids::fnv1a(sawda_sync::ids::FNV_BASIS, script.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_increasing_and_unique() {
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version, "migration {} out of order", pair[1].version);
        }
        assert_eq!(MIGRATIONS[0].version, 1);
    }

    #[test]
    fn checksum_is_stable() {
        assert_eq!(checksum(""), "cbf29ce484222325");
        assert_eq!(checksum("a"), "af63dc4c8601ec8c");
        assert_ne!(checksum("DEFINE TABLE a"), checksum("DEFINE TABLE b"));
    }
}
