//! The database schema, as numbered SurrealQL migrations applied at start-up,
//! each exactly once, recorded in `schema_migration`.
//!
//! A migration's script runs in one transaction (a script split by
//! `NEXT_TRANSACTION` lines, in one per part, in order). Work over every row of a
//! table (filling a new field, say) is not put in the script but in its
//! `chunked` steps: after the script, each step walks its table in key order,
//! `rows` at a time, each chunk one transaction that also records how far it
//! got (`schema_migration_progress`). The ledger row is written last, with the
//! progress row removed. So no transaction grows with the data, and a start
//! interrupted half-way (a crash, a stop, a failing chunk) resumes after the
//! last chunk done at the next start. A step must be idempotent: a chunk is
//! done once, but a step is free to meet rows it already changed.

use std::future::Future;
use std::ops::Bound;
use std::pin::Pin;
use std::time::Duration;

use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;
use surrealdb::types::{RecordId, RecordIdKey, RecordIdKeyRange, SurrealValue};

#[derive(Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub script: &'static str,
    /// Work over every row of a table, after the script, chunk by chunk.
    pub chunked: &'static [Chunked],
    /// Checksums this migration was released with before its row-by-row work
    /// moved to `chunked` steps: a database that applied it then is up to date.
    pub released_as: &'static [&'static str],
}

impl Migration {
    /// A migration that is its script alone.
    pub const PLAIN: Migration = Migration { version: 0, name: "", script: "", chunked: &[], released_as: &[] };
}

/// What a chunk step returns: the transaction, to be committed with the progress.
pub type StepFuture = Pin<Box<dyn Future<Output = Result<Transaction<Any>, surrealdb::Error>> + Send>>;

/// One pass over `table`: `step` gets a transaction and the ids of the next
/// `rows` rows in key order, and changes them (or not) in that transaction.
#[derive(Clone, Copy)]
pub struct Chunked {
    pub table: &'static str,
    pub rows: usize,
    pub step: fn(Transaction<Any>, Vec<RecordId>) -> StepFuture,
}

/// Rows per chunk: a transaction of a few hundred kilobytes at most.
pub const CHUNK_ROWS: usize = 500;

/// Append only: a migration, once released, is never edited (its checksum is kept).
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "schema migration ledger",
        script: include_str!("../../migrations/0001_schema_migration.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 2,
        name: "accounts, invitations, sessions, reset codes",
        script: include_str!("../../migrations/0002_accounts.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 3,
        name: "synced records, applied mutations, change sequence",
        script: include_str!("../../migrations/0003_sync.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 4,
        name: "age index of applied mutations",
        script: include_str!("../../migrations/0004_sync_retention.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 5,
        name: "unique storefront addresses",
        script: include_str!("../../migrations/0005_storefront_address.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 6,
        name: "sequences per owner, change log by key, applied ids per owner, epoch",
        script: include_str!("../../migrations/0006_sync_scopes.surql"),
        chunked: &[
            Chunked { table: "sync_record", rows: CHUNK_ROWS, step: data::change_log },
            Chunked { table: "sync_applied", rows: CHUNK_ROWS, step: data::forget_applied },
        ],
        // Released with its loops over every record and its DELETE in the script.
        released_as: &["905ea598be2bb2d8"],
    },
    Migration {
        version: 7,
        name: "what each owner holds, for her bounds",
        script: include_str!("../../migrations/0007_sync_holdings.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 8,
        name: "synced records keyed by owner",
        script: include_str!("../../migrations/0008_records_by_owner.surql"),
        chunked: &[Chunked { table: "sync_record", rows: CHUNK_ROWS, step: data::records_by_owner }],
        // Released with its loop over every record in the script.
        released_as: &["f80c69c752c2b209"],
    },
    Migration {
        version: 9,
        name: "who keeps which photos",
        script: include_str!("../../migrations/0009_photo_holdings.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 10,
        name: "devices that signed in before",
        script: include_str!("../../migrations/0010_known_devices.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 11,
        name: "the OVOP review: queue, approved revisions, audit log",
        script: include_str!("../../migrations/0011_review.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 12,
        name: "market search over approved storefronts and products",
        script: include_str!("../../migrations/0012_market_search.surql"),
        // What the market needs of the items approved before it.
        chunked: &[
            Chunked { table: "approved_storefront", rows: CHUNK_ROWS, step: data::storefront_search },
            Chunked { table: "approved_product", rows: CHUNK_ROWS, step: data::product_search },
        ],
        // Released as one transaction without them, which fails on a database
        // that has approved items (so none that applied it had any).
        released_as: &["c3a2c21ac5706647"],
    },
    Migration {
        version: 13,
        name: "order requests by kind, page views by day",
        script: include_str!("../../migrations/0013_orders_and_views.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 14,
        name: "the market's orders, one index each",
        script: include_str!("../../migrations/0014_market_order.surql"),
        chunked: &[Chunked { table: "approved_product", rows: CHUNK_ROWS, step: data::market_order }],
        // Released with its UPDATE over every approved product in the script.
        released_as: &["d4629bb4ee004765"],
    },
    Migration {
        version: 15,
        name: "addresses ever approved stay their owner's",
        script: include_str!("../../migrations/0015_approved_addresses.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 16,
        name: "buyers' order requests counted apart from her room; the order form's key; who sent which request",
        script: include_str!("../../migrations/0016_order_requests_apart.surql"),
        chunked: &[Chunked { table: "sync_scope", rows: 20, step: data::holdings_apart }],
        ..Migration::PLAIN
    },
    Migration {
        version: 17,
        name: "the market's search within a district or a category, from its own index",
        script: include_str!("../../migrations/0017_market_filtered_search.surql"),
        chunked: &[Chunked { table: "approved_product", rows: CHUNK_ROWS, step: data::filtered_search }],
        ..Migration::PLAIN
    },
    Migration {
        version: 18,
        name: "ads' public pages; the desk's take-down of one in the review log",
        script: include_str!("../../migrations/0018_public_ads.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 19,
        name: "a seller's ad pages, for the desk",
        script: include_str!("../../migrations/0019_public_ads_by_owner.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 20,
        name: "a product's name and description in English",
        script: include_str!("../../migrations/0020_products_in_english.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 21,
        name: "the export feed for partner systems, and their tokens",
        script: include_str!("../../migrations/0021_export_feed.surql"),
        // The products approved before it, at the time of their approval.
        chunked: &[Chunked { table: "approved_product", rows: CHUNK_ROWS, step: data::export_changes }],
        ..Migration::PLAIN
    },
    Migration {
        version: 22,
        name: "the programme's figures, counted as things happen",
        script: include_str!("../../migrations/0022_programme_figures.surql"),
        // What happened before it, counted once from the records.
        chunked: &[
            Chunked { table: "invitation", rows: CHUNK_ROWS, step: data::count_invitations },
            Chunked { table: "account", rows: CHUNK_ROWS, step: data::count_sign_ups },
            Chunked { table: "review_event", rows: CHUNK_ROWS, step: data::count_decisions },
            Chunked { table: "public_ad", rows: CHUNK_ROWS, step: data::count_ads },
            Chunked { table: "sync_record", rows: CHUNK_ROWS, step: data::count_records },
        ],
        ..Migration::PLAIN
    },
    Migration {
        version: 23,
        name: "public pages' changes, followed by every server",
        script: include_str!("../../migrations/0023_public_changes.surql"),
        ..Migration::PLAIN
    },
    Migration {
        version: 24,
        name: "limits and the daily job's lease shared by every server",
        script: include_str!("../../migrations/0024_shared_limits.surql"),
        ..Migration::PLAIN
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
            if previous.checksum != checksum(migration.script)
                && !migration.released_as.contains(&previous.checksum.as_str())
            {
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
    if migration.chunked.is_empty() && !migration.script.contains(NEXT_TRANSACTION) {
        apply_whole(db, migration).await
    } else {
        apply_in_chunks(db, migration).await
    }
}

/// The script and the ledger row in one transaction.
async fn apply_whole(db: &Surreal<Any>, migration: &Migration) -> Result<(), String> {
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

const PROGRESS: &str = "schema_migration_progress";

/// Splits a script into transactions run one after the other, where a later
/// statement needs an earlier one committed: SurrealDB 3.3 builds an index
/// over existing rows without seeing an analyzer defined in the same transaction.
pub const NEXT_TRANSACTION: &str = "\n-- next transaction\n";

/// How far a migration done in parts got: the script's parts before `part`
/// are applied, its steps before `step` are done, and step `step` is done up
/// to the row `after`.
#[derive(Debug, SurrealValue)]
struct Progress {
    part: i64,
    step: i64,
    after: Option<RecordId>,
}

/// Conflicts with another server walking the same chunks are retried this often.
const CHUNK_ATTEMPTS: usize = 20;

async fn apply_in_chunks(db: &Surreal<Any>, migration: &Migration) -> Result<(), String> {
    let error = |e: surrealdb::Error| e.to_string();
    let progress = RecordId::new(PROGRESS, migration.version);
    db.query(format!("DEFINE TABLE IF NOT EXISTS {PROGRESS} SCHEMALESS"))
        .await
        .and_then(|r| r.check())
        .map_err(error)?;
    let parts: Vec<&str> = migration.script.split(NEXT_TRANSACTION).collect();
    let mut at = read_progress(db, &progress).await?;
    // Each part of the script with the progress row that says it is done, at once.
    while at.as_ref().is_none_or(|at| (at.part as usize) < parts.len()) {
        let part = at.as_ref().map_or(0, |at| at.part as usize);
        let mark = if part == 0 { "CREATE" } else { "UPDATE" };
        let query = format!(
            "BEGIN TRANSACTION;\n{}\n;{mark} $progress SET part = $next, step = 0, after = NONE;\nCOMMIT TRANSACTION;",
            parts[part]
        );
        let mut response = db
            .query(query)
            .bind(("progress", progress.clone()))
            .bind(("next", part as i64 + 1))
            .await
            .map_err(error)?;
        if let Some(failure) = crate::infra::database::transaction_failure(&mut response) {
            return Err(failure.cause.to_string());
        }
        at = Some(Progress { part: part as i64 + 1, step: 0, after: None });
    }
    let mut at = at.expect("set above");
    let mut conflicts = 0;
    while let Some(chunked) = migration.chunked.get(at.step as usize) {
        let start = match &at.after {
            Some(after) => Bound::Excluded(after.key.clone()),
            None => Bound::Unbounded,
        };
        let range = RecordIdKeyRange { start, end: Bound::Unbounded };
        let ids: Vec<RecordId> = db
            .query("SELECT VALUE id FROM $range LIMIT $rows")
            .bind(("range", RecordId::new(chunked.table, RecordIdKey::from(range))))
            .bind(("rows", chunked.rows as i64))
            .await
            .and_then(|r| r.check())
            .and_then(|mut r| r.take(0))
            .map_err(error)?;
        let next = match ids.last() {
            Some(last) => Progress { part: at.part, step: at.step, after: Some(last.clone()) },
            None => Progress { part: at.part, step: at.step + 1, after: None },
        };
        let done = async {
            let mut transaction = db.clone().begin().await?;
            if !ids.is_empty() {
                transaction = (chunked.step)(transaction, ids).await?;
            }
            // The chunk and the mark of it, together: each chunk is done once.
            transaction
                .query("UPDATE $progress SET step = $step, after = $after")
                .bind(("progress", progress.clone()))
                .bind(("step", next.step))
                .bind(("after", next.after.clone()))
                .await?
                .check()?;
            transaction.commit().await.map(drop)
        }
        .await;
        match done {
            Ok(()) => at = next,
            // Another server did this chunk: go on from where it got.
            Err(e) if crate::infra::database::is_conflict(&e) && conflicts < CHUNK_ATTEMPTS => {
                conflicts += 1;
                tokio::time::sleep(Duration::from_millis(20 * conflicts as u64)).await;
                at = read_progress(db, &progress).await?.ok_or("the migration's progress is gone")?;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    // The ledger row last; the progress row goes with it.
    let mut response = db
        .query(
            "BEGIN TRANSACTION;
             DELETE $progress;
             CREATE schema_migration CONTENT { version: $version, name: $name, checksum: $checksum, applied_by: $applied_by };
             COMMIT TRANSACTION;",
        )
        .bind(("progress", progress))
        .bind(("version", migration.version))
        .bind(("name", migration.name))
        .bind(("checksum", checksum(migration.script)))
        .bind(("applied_by", concat!("sawda ", env!("CARGO_PKG_VERSION"))))
        .await
        .map_err(error)?;
    match crate::infra::database::transaction_failure(&mut response) {
        None => Ok(()),
        Some(failure) => Err(failure.cause.to_string()),
    }
}

async fn read_progress(db: &Surreal<Any>, progress: &RecordId) -> Result<Option<Progress>, String> {
    db.query("(SELECT part, step, after FROM $progress)[0]")
        .bind(("progress", progress.clone()))
        .await
        .and_then(|r| r.check())
        .and_then(|mut r| r.take(0))
        .map_err(|e| e.to_string())
}

async fn applied_by_someone_else(db: &Surreal<Any>, version: i64) -> bool {
    read_applied(db).await.is_ok_and(|applied| applied.iter().any(|a| a.version == version))
}

/// FNV-1a, 64 bits, as 16 hex digits: stable across releases and platforms.
fn checksum(script: &str) -> String {
    format!("{:016x}", sawda_sync::ids::fnv1a(sawda_sync::ids::FNV_BASIS, script.as_bytes()))
}

/// The row-by-row work of migrations, one chunk of row ids at a time.
pub mod data {
    use std::collections::BTreeMap;

    use sawda_sync::Kind;
    use serde_json::Value;
    use surrealdb::types::{RecordId, SurrealValue};

    use super::StepFuture;

    /// A product's places in the market's orders, as migration 14 was
    /// released with them (and as `approved::market::market_order` writes them).
    const MARKET_ORDER: &str = "market_all = IF storefront_slug = NONE { NONE } ELSE { string::concat(<string> (10000000000000 - time::millis(approved_at)), '|', <string> id) },
        market_d = IF storefront_slug = NONE { NONE } ELSE { string::concat(district, '|', <string> (10000000000000 - time::millis(approved_at)), '|', <string> id) },
        market_c = IF storefront_slug = NONE { NONE } ELSE { string::concat(category, '|', <string> (10000000000000 - time::millis(approved_at)), '|', <string> id) },
        market_dc = IF storefront_slug = NONE { NONE } ELSE { string::concat(district, '|', category, '|', <string> (10000000000000 - time::millis(approved_at)), '|', <string> id) }";

    /// Migration 6: each record's entry in its owner's change log, and her
    /// scope's sequence number, the greatest of her records'.
    pub fn change_log(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction
                .query(
                    "FOR $id IN $ids {
                         LET $r = (SELECT owner, seq FROM ONLY $id);
                         UPSERT type::record('sync_change', [$r.owner, $r.seq]) SET record = record::id($id) RETURN NONE;
                         UPSERT type::record('sync_scope', $r.owner) SET seq = math::max([seq OR 0, $r.seq]) RETURN NONE;
                     };",
                )
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    /// Migration 6: the applied ids of protocol 2 go.
    pub fn forget_applied(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction.query("DELETE $ids RETURN NONE").bind(("ids", ids)).await?.check()?;
            Ok(transaction)
        })
    }

    /// Migration 8: each record moved from `sync_record:<id>` to
    /// `sync_record:[owner, id]`; the ones already moved are left.
    pub fn records_by_owner(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction
                .query(
                    "FOR $id IN $ids {
                         LET $key = record::id($id);
                         IF !type::is_array($key) {
                             LET $r = (SELECT * FROM ONLY $id);
                             -- The address index would refuse the copy while the old row holds it.
                             DELETE $id;
                             CREATE type::record('sync_record', [$r.owner, $key])
                                 CONTENT { owner: $r.owner, kind: $r.kind, seq: $r.seq, body: $r.body, slug: $r.slug }
                                 RETURN NONE;
                         };
                     };",
                )
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    /// Migration 16: what each owner holds, counted again with buyers'
    /// order requests apart from her room (`Holdings`), from her records
    /// read as one key range each (20 owners a chunk: at most 20 × 32 MiB).
    pub fn holdings_apart(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            let mut counted = Vec::with_capacity(ids.len());
            for scope in ids {
                let surrealdb::types::RecordIdKey::String(owner) = &scope.key else { continue };
                let range = surrealdb::types::RecordIdKeyRange {
                    start: std::ops::Bound::Included(owner_key(owner, "")),
                    end: std::ops::Bound::Included(owner_key(owner, "~")),
                };
                let bodies: Vec<String> = transaction
                    .query("SELECT VALUE body FROM $range")
                    .bind(("range", RecordId::new("sync_record", surrealdb::types::RecordIdKey::from(range))))
                    .await?
                    .check()?
                    .take(0)?;
                let holdings = bodies
                    .iter()
                    .filter_map(|body| serde_json::from_str::<sawda_sync::Record>(body).ok())
                    .fold(sawda_sync::limits::Holdings::default(), |h, record| h.changed(None, &record));
                counted.push(Counted {
                    scope,
                    records: holdings.records as i64,
                    bytes: holdings.bytes as i64,
                    open_requests: holdings.open_requests as i64,
                });
            }
            transaction
                .query("FOR $c IN $counted { UPDATE $c.scope SET records = $c.records, bytes = $c.bytes, open_requests = $c.open_requests RETURN NONE; };")
                .bind(("counted", counted))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    #[derive(SurrealValue)]
    struct Counted {
        scope: RecordId,
        records: i64,
        bytes: i64,
        open_requests: i64,
    }

    fn owner_key(owner: &str, id: &str) -> surrealdb::types::RecordIdKey {
        use surrealdb::types::{Array, Value};
        surrealdb::types::RecordIdKey::from(Array::from(vec![
            Value::String(owner.to_owned()),
            Value::String(id.to_owned()),
        ]))
    }

    /// Migration 21: every approved product in the export feed, at its approval.
    pub fn export_changes(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            // As `export::changes::stamp` wrote it then (a migration stays as released).
            transaction
                .query(
                    "FOR $id IN $ids {
                         LET $at = (SELECT VALUE approved_at FROM ONLY $id);
                         LET $owner = record::id($id)[0];
                         LET $record = record::id($id)[1];
                         LET $export_id = crypto::sha256(string::concat($owner, '/', $record));
                         UPSERT type::record('export_change', [$owner, $record]) CONTENT {
                             owner: $owner, record: $record, changed_at: $at,
                             position: string::concat(<string> time::nano($at), '|', $export_id)
                         } RETURN NONE;
                     };",
                )
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    /// Migration 22: the programme's day and month of a datetime, as `programme::tally::day_of` counts them (UTC+5).
    const PROGRAMME_DAY: &str = "time::format($at + 5h, '%Y-%m-%d')";
    const PROGRAMME_MONTH: &str = "time::format($at + 5h, '%Y-%m')";

    /// Migration 22: invitation codes made, on the day each was made.
    pub fn count_invitations(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction
                .query(format!(
                    "FOR $id IN $ids {{
                         LET $i = (SELECT district, created_at FROM ONLY $id);
                         LET $at = $i.created_at;
                         FOR $row IN [type::record('programme_day', [$i.district, {PROGRAMME_DAY}]),
                                      type::record('programme_month', [$i.district, {PROGRAMME_MONTH}])] {{
                             UPSERT $row SET invited += 1 RETURN NONE;
                         }};
                     }};"
                ))
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    /// Migration 22: entrepreneurs signed up, per district and day and per workshop.
    pub fn count_sign_ups(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction
                .query(format!(
                    "FOR $id IN $ids {{
                         LET $a = (SELECT district, created_at, invitation, role FROM ONLY $id);
                         LET $at = $a.created_at;
                         IF $a.role = 'entrepreneur' AND $a.district != NONE {{
                             FOR $row IN [type::record('programme_day', [$a.district, {PROGRAMME_DAY}]),
                                          type::record('programme_month', [$a.district, {PROGRAMME_MONTH}])] {{
                                 UPSERT $row SET signed_up += 1 RETURN NONE;
                             }};
                         }};
                         IF $a.invitation != NONE {{
                             LET $workshop = (SELECT VALUE workshop FROM ONLY $a.invitation);
                             UPDATE $workshop SET signed_up = (signed_up ?? 0) + 1 RETURN NONE;
                         }};
                     }};"
                ))
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    /// Migration 22: the desk's decisions with their minutes from the submission
    /// before each, and the products approved.
    pub fn count_decisions(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction
                .query(format!(
                    "FOR $id IN $ids {{
                         LET $e = (SELECT owner, record, kind, district, action, at FROM ONLY $id);
                         LET $at = $e.at;
                         IF $e.district != NONE AND $e.action IN ['approved', 'changes_requested'] {{
                             LET $submitted = (SELECT VALUE at FROM review_event
                                 WHERE owner = $e.owner AND record = $e.record AND at <= $e.at AND action = 'submitted'
                                 ORDER BY at DESC LIMIT 1)[0];
                             LET $minutes = IF $submitted = NONE {{ [] }} ELSE {{
                                 [math::max([0, math::floor(duration::mins($e.at - $submitted))])] }};
                             LET $product = IF $e.kind = 'product' AND $e.action = 'approved' {{ 1 }} ELSE {{ 0 }};
                             FOR $row IN [type::record('programme_day', [$e.district, {PROGRAMME_DAY}]),
                                          type::record('programme_month', [$e.district, {PROGRAMME_MONTH}])] {{
                                 UPSERT $row SET decided += array::len($minutes), decision_minutes += $minutes,
                                     products_approved += $product RETURN NONE;
                             }};
                         }};
                     }};"
                ))
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    /// Migration 22: ads' pages live, on the day each was first published.
    pub fn count_ads(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction
                .query(format!(
                    "FOR $id IN $ids {{
                         LET $ad = (SELECT owner, published_at FROM ONLY $id);
                         LET $at = $ad.published_at;
                         LET $district = (SELECT VALUE district FROM ONLY type::record('account', $ad.owner));
                         IF $district != NONE {{
                             FOR $row IN [type::record('programme_day', [$district, {PROGRAMME_DAY}]),
                                          type::record('programme_month', [$district, {PROGRAMME_MONTH}])] {{
                                 UPSERT $row SET ads_published += 1 RETURN NONE;
                             }};
                         }};
                     }};"
                ))
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    #[derive(SurrealValue)]
    struct Kept {
        owner: String,
        body: String,
        district: Option<String>,
        gender: Option<String>,
    }

    /// Migration 22: from the synced records, read as the code of the time
    /// reads them: storefronts by state and by who leads them; order requests
    /// received (the day in their id) and done (the day of the status); each
    /// entrepreneur's last day with an edit of her own.
    pub fn count_records(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        use app::rules::people::LedBy;
        use app::rules::records::order_request::{STATUS, Status};
        use app::rules::review::Review;
        use sawda_sync::Record;

        Box::pin(async move {
            let rows: Vec<Kept> = transaction
                .query(
                    "SELECT owner, body, type::record('account', owner).district AS district,
                         type::record('account', owner).gender AS gender
                         FROM $ids WHERE kind IN ['storefront', 'order_request', 'product', 'ad_post']",
                )
                .bind(("ids", ids))
                .await?
                .check()?
                .take(0)?;
            let day = |ms: u64| {
                chrono::DateTime::from_timestamp_millis(ms as i64)
                    .map(|at| (at + chrono::Duration::hours(5)).format("%Y-%m-%d").to_string())
            };
            let (mut days, mut now, mut active) = (Vec::new(), Vec::new(), BTreeMap::<String, (String, String)>::new());
            for row in rows {
                let Some(district) = row.district else { continue };
                let Ok(record) = serde_json::from_str::<Record>(&row.body) else { continue };
                if record.is_deleted() {
                    continue;
                }
                match record.kind() {
                    Kind::Storefront => {
                        now.push(serde_json::json!([district, format!("state:{}", Review::of(&record).state.id())]));
                        now.push(serde_json::json!([
                            district,
                            format!("led:{}", LedBy::of(row.gender.as_deref()).id())
                        ]));
                    }
                    Kind::OrderRequest => {
                        if let Some(d) = day(record.id().ulid().unix_ms()) {
                            days.push(
                                serde_json::json!({ "district": district, "day": d, "field": "orders_received" }),
                            );
                        }
                        let status = record.fields().get(STATUS);
                        if let Some(status) = status.filter(|f| f.value.as_str() == Some(Status::Done.id()))
                            && let Some(d) = day(status.at.wall_ms())
                        {
                            days.push(serde_json::json!({ "district": district, "day": d, "field": "orders_done" }));
                        }
                    }
                    _ => {}
                }
                // Her own edits: the fields she writes (not the server's), on a record she made.
                if record.kind() != Kind::OrderRequest {
                    let last = record
                        .fields()
                        .iter()
                        .filter(|(name, _)| !record.kind().is_server_field(name))
                        .map(|(_, f)| f.at.wall_ms())
                        .max();
                    if let Some(d) = last.and_then(day) {
                        let entry = active.entry(row.owner.clone()).or_insert_with(|| (district.clone(), d.clone()));
                        if d > entry.1 {
                            entry.1 = d;
                        }
                    }
                }
            }
            let active: Vec<Value> = active
                .into_iter()
                .map(|(owner, (district, day))| serde_json::json!({ "owner": owner, "district": district, "day": day }))
                .collect();
            transaction
                .query(
                    "FOR $n IN $now { UPSERT type::record('programme_now', $n) SET n += 1 RETURN NONE; };
                     FOR $d IN $days {
                         FOR $row IN [type::record('programme_day', [$d.district, $d.day]),
                                      type::record('programme_month', [$d.district, string::slice($d.day, 0, 7)])] {
                             UPSERT $row SET
                                 orders_received += IF $d.field = 'orders_received' { 1 } ELSE { 0 },
                                 orders_done += IF $d.field = 'orders_done' { 1 } ELSE { 0 }
                                 RETURN NONE;
                         };
                     };
                     FOR $a IN $active {
                         UPSERT type::record('programme_active', $a.owner) SET district = $a.district,
                             day = IF day != NONE AND day > $a.day { day } ELSE { $a.day } RETURN NONE;
                     };",
                )
                .bind(("now", now))
                .bind(("days", days))
                .bind(("active", active))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    /// Migration 14: every approved product's places in the market's orders.
    pub fn market_order(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            transaction
                .query(format!("UPDATE $ids SET {MARKET_ORDER} RETURN NONE;"))
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    #[derive(SurrealValue)]
    struct Searched {
        id: RecordId,
        search_text: Option<String>,
    }

    /// Migration 17: products approved before it get their search text with
    /// letters and digits apart (as `approved::write::row_of` now writes
    /// it), then their filtered words (`approved::market::filtered_words`).
    pub fn filtered_search(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            let rows: Vec<Searched> = transaction
                .query("SELECT id, search_text FROM $ids")
                .bind(("ids", ids.clone()))
                .await?
                .check()?
                .take(0)?;
            let apart: Vec<(RecordId, String)> = rows
                .into_iter()
                .filter_map(|row| {
                    let text = row.search_text?;
                    let searchable = app::rules::search::searchable(&text);
                    (searchable != text).then_some((row.id, searchable))
                })
                .collect();
            transaction
                .query(format!(
                    "FOR $row IN $apart {{ UPDATE $row[0] SET search_text = $row[1] RETURN NONE; }};
                     UPDATE $ids SET search_filtered = {} RETURN NONE;",
                    crate::approved::market::filtered_words()
                ))
                .bind(("apart", apart))
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }

    #[derive(SurrealValue)]
    struct Approved {
        id: RecordId,
        name: Option<String>,
        story: Option<String>,
        description: Option<String>,
        materials: Option<String>,
    }

    #[derive(SurrealValue)]
    struct Search {
        id: RecordId,
        search_text: String,
        name_search: String,
    }

    /// The search texts `approved::write::row_of` gives an approved item of
    /// `kind`, for the approved rows among `ids` that have none.
    async fn search_texts(
        transaction: &super::Transaction<super::Any>,
        kind: Kind,
        ids: Vec<RecordId>,
    ) -> Result<(), surrealdb::Error> {
        let missing: Vec<Approved> = transaction
            .query(
                "SELECT id, name, story, description, materials FROM $ids
                 WHERE search_text = NONE OR search_text = '' OR name_search = NONE OR name_search = ''",
            )
            .bind(("ids", ids))
            .await?
            .check()?
            .take(0)?;
        let searches: Vec<Search> = missing
            .into_iter()
            .filter_map(|row| {
                let fields: BTreeMap<String, Value> = [
                    ("name", row.name),
                    ("story", row.story),
                    ("description", row.description),
                    ("materials", row.materials),
                ]
                .into_iter()
                .filter_map(|(name, value)| Some((name.to_owned(), Value::String(value?))))
                .collect();
                let (_, made, _) = crate::approved::write::row_of(kind, &fields)?;
                let text = |name: &str| made.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
                Some(Search { id: row.id, search_text: text("search_text"), name_search: text("name_search") })
            })
            .collect();
        transaction
            .query("FOR $s IN $searches { UPDATE $s.id SET search_text = $s.search_text, name_search = $s.name_search RETURN NONE; };")
            .bind(("searches", searches))
            .await?
            .check()?;
        Ok(())
    }

    /// Migration 12: the search text of storefronts approved before it.
    pub fn storefront_search(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            search_texts(&transaction, Kind::Storefront, ids).await?;
            Ok(transaction)
        })
    }

    /// Migration 12: for products approved before it, their search text and
    /// what the market filters by (from her approved storefront, as
    /// `approved::write::publish` copies it); migration 14 then gives them
    /// their places in the market's orders.
    pub fn product_search(transaction: super::Transaction<super::Any>, ids: Vec<RecordId>) -> StepFuture {
        Box::pin(async move {
            search_texts(&transaction, Kind::Product, ids.clone()).await?;
            transaction
                .query(
                    "FOR $id IN $ids {
                         LET $product = (SELECT owner, storefront_slug FROM ONLY $id);
                         IF $product.storefront_slug = NONE {
                             LET $shop = (SELECT slug, name, district, category FROM approved_storefront WHERE owner = $product.owner LIMIT 1)[0];
                             IF $shop != NONE {
                                 UPDATE $id SET storefront_slug = $shop.slug, storefront_name = $shop.name,
                                     district = $shop.district, category = $shop.category RETURN NONE;
                             };
                         };
                     };",
                )
                .bind(("ids", ids))
                .await?
                .check()?;
            Ok(transaction)
        })
    }
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
