//! The sync protocol's push core (`sawda_sync::server::plan_push`) over
//! SurrealDB: each push is loaded, planned in Rust and written back in one
//! transaction, so a crash or a cut connection leaves nothing half-applied.
//!
//! Rows, all keyed so that pushes of different people touch different rows:
//! - `sync_record:[owner, record id]`: the record as JSON, its owner, kind,
//!   the sequence number of its last change in its owner's scope, and a
//!   storefront's address (`slug`, UNIQUE, so the database refuses a second
//!   claim). Each person's record ids are her own: nobody can take one before
//!   her, or learn that one exists;
//! - `sync_change:[owner, seq]` → record id: the owner's change log, one entry
//!   per record (its latest change), read by key range;
//! - `sync_scope:<owner>`: the owner's last sequence number;
//! - `sync_applied:[owner, mutation id]`: content hash and refused fields;
//! - `sync_epoch:main`: the name of this history (see `docs/sync.md`, restores);
//!   `sync_epoch:restored`: a ULID made when it was last restored from a
//!   backup (`new_epoch`), absent if it never was: a push gives back a copy of
//!   a record the server made (an order request) only after a restore.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::time::Duration;

use app::rules::people::Role;
use app::rules::records::SawdaRules;
use sawda_sync::limits::{Holdings, MAX_PULL_BYTES};
use sawda_sync::protocol::{Epoch, Snapshot, admit_pull, admit_push};
use sawda_sync::server::{AppliedMark, Loaded, Plan, Rules, Wants, plan_push, pull_limit, pull_page, unique_value};
use sawda_sync::{Mutation, MutationId, Owner, PullRequest, PullResponse, PushRequest, PushResponse, Record, RecordId};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;
use surrealdb::types::{Array, Number, RecordId as DbId, RecordIdKey, RecordIdKeyRange, SurrealValue, Value};

use crate::infra::database::StoreError;

/// CPU-heavy work (parsing and merging records) off the async workers, so
/// that no push or pull holds one while other requests wait.
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| StoreError::Corrupt(format!("sync work stopped: {e}")))
}

/// Stored records' JSON up to this many bytes is parsed on the async worker:
/// that takes tens of microseconds, less than the hop to the blocking pool
/// (which, with hundreds of pushes at once, also starts threads).
const PARSED_ON_THE_WORKER: usize = 16 * 1024;

#[derive(SurrealValue)]
struct Stored {
    seq: i64,
    body: String,
}

#[derive(SurrealValue)]
struct StoredMark {
    id: String,
    hash: String,
    refused: Option<String>,
}

#[derive(SurrealValue)]
struct Scope {
    seq: i64,
    records: Option<i64>,
    bytes: Option<i64>,
    open_requests: Option<i64>,
}

impl Scope {
    fn holdings(&self) -> Holdings {
        let count = |n: Option<i64>| n.unwrap_or(0).max(0) as u64;
        Holdings { records: count(self.records), bytes: count(self.bytes), open_requests: count(self.open_requests) }
    }
}

#[derive(SurrealValue)]
struct Holder {
    key: String,
    slug: String,
}

/// A `sync_record` row as written.
#[derive(SurrealValue)]
struct Row {
    id: DbId,
    owner: String,
    kind: String,
    seq: i64,
    body: String,
    slug: Option<String>,
}

/// A `sync_change` row: the record's latest change in its owner's log.
#[derive(SurrealValue)]
struct ChangeRow {
    id: DbId,
    record: String,
}

/// A `sync_applied` row.
#[derive(SurrealValue)]
struct MarkRow {
    id: DbId,
    hash: String,
    refused: Option<String>,
}

/// What a plan writes, as rows: each kind goes in one statement with an array
/// bound, not a statement per row (`write`).
struct Rows {
    records: Vec<Row>,
    changes: Vec<ChangeRow>,
    /// The change-log entries the changed records leave.
    gone: Vec<DbId>,
    marks: Vec<MarkRow>,
}

/// A key `[owner, n]` of an owner's rows.
fn owner_key(owner: &Owner, n: Value) -> RecordIdKey {
    RecordIdKey::from(Array::from(vec![Value::String(owner.to_string()), n]))
}

fn int(n: u64) -> Value {
    Value::Number(Number::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn corrupt(error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(error.to_string())
}

/// How many times a push is tried when another push of the same owner (her
/// other phone) or a claim of the same address committed first.
const CONFLICT_ATTEMPTS: u32 = 8;

/// What other stores add to a push, in its own transaction so that it
/// commits or fails with her edit (the review desk takes a submission, a
/// deleted order request forgets its buyer: `crate::after_push`). The caller
/// gives it, so this store imports neither.
pub trait PushHook: Copy + Send + Sync + 'static {
    /// What it carries from one step of a push to the next.
    type Pending: Send + 'static;
    /// Reads what it needs in the push's transaction, before the plan, from
    /// what the push's `mutations` say.
    fn read(
        self,
        transaction: &Transaction<Any>,
        who: &Owner,
        mutations: &[Mutation],
    ) -> impl Future<Output = Result<Self::Pending, StoreError>> + Send;
    /// Off the async workers: her records as they were, before the plan …
    fn before(self, pending: &mut Self::Pending, records: &BTreeMap<RecordId, Snapshot>);
    /// … and the plan, which it may amend before it is written.
    fn amend(self, pending: &mut Self::Pending, plan: &mut Plan, now_ms: u64);
    /// Writes what it decided, after her records, when the push writes anything.
    fn write(
        self,
        transaction: &Transaction<Any>,
        who: &Owner,
        pending: Self::Pending,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// A push by `who`, whose account has `role` (which kinds she may write).
pub async fn push(
    db: &Surreal<Any>,
    who: &Owner,
    role: Role,
    request: &PushRequest,
    hook: impl PushHook,
) -> Result<PushResponse, StoreError> {
    admit_push(who, request).map_err(StoreError::Protocol)?;
    let request = std::sync::Arc::new(request.clone());
    // Two pushes claiming one storefront address at once: the loser's retry
    // reads the claim and refuses that field.
    let retryable = |error: &surrealdb::Error| {
        crate::infra::database::is_conflict(error) || error.to_string().contains("sync_record_slug")
    };
    retrying(retryable, || push_once(db, who, SawdaRules { role }, &request, hook)).await
}

/// `once`, tried again with backoff while it fails in a way `retryable` says
/// another writer caused, up to `CONFLICT_ATTEMPTS` times.
pub(crate) async fn retrying<T, F: Future<Output = Result<T, StoreError>>>(
    retryable: impl Fn(&surrealdb::Error) -> bool,
    mut once: impl FnMut() -> F,
) -> Result<T, StoreError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match once().await {
            Err(StoreError::Database(error)) if retryable(&error) && attempt < CONFLICT_ATTEMPTS => {
                tokio::time::sleep(backoff(attempt)).await;
            }
            outcome => return outcome,
        }
    }
}

/// Exponential backoff with full jitter (up to 2, 4, 8 … 128 ms over the
/// attempts), so conflicting pushes do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let ceiling = 2u64.saturating_pow(attempt);
    let jitter = uuid::Uuid::new_v4().as_u128() as u64 % ceiling.max(1);
    Duration::from_millis(jitter + 1)
}

pub async fn epoch(db: &Surreal<Any>) -> Result<Epoch, StoreError> {
    let name: Option<String> = db.query("(SELECT VALUE name FROM sync_epoch:main)[0]").await?.check()?.take(0)?;
    Epoch::new(&name.ok_or_else(|| corrupt("no sync epoch"))?).map_err(corrupt)
}

async fn push_once(
    db: &Surreal<Any>,
    who: &Owner,
    rules: SawdaRules,
    request: &std::sync::Arc<PushRequest>,
    hook: impl PushHook,
) -> Result<PushResponse, StoreError> {
    let wants = Wants::of(&rules, request);
    let applied_ids: Vec<DbId> =
        wants.ids.iter().map(|id| DbId::new("sync_applied", owner_key(who, Value::String(id.to_string())))).collect();
    let record_ids: Vec<DbId> = wants
        .records
        .iter()
        .map(|id| DbId::new("sync_record", owner_key(who, Value::String(id.to_string()))))
        .collect();
    let transaction = crate::infra::database::begin(db).await?;
    let mut read = transaction
        .query(
            "SELECT record::id(id)[1] AS id, hash, refused FROM $applied;
             SELECT seq, body FROM $records;
             (SELECT seq, records, bytes, open_requests FROM $scope)[0];
             (SELECT VALUE name FROM sync_epoch:main)[0];
             (SELECT VALUE name FROM sync_epoch:restored)[0];",
        )
        .bind(("applied", applied_ids))
        .bind(("records", record_ids))
        .bind(("scope", DbId::new("sync_scope", who.to_string())))
        .await?
        .check()?;
    let mut loaded = Loaded::default();
    for mark in read.take::<Vec<StoredMark>>(0)? {
        let id: MutationId = mark.id.parse().map_err(corrupt)?;
        let refused = match mark.refused {
            Some(json) => serde_json::from_str(&json).map_err(corrupt)?,
            None => Vec::new(),
        };
        loaded.applied.insert(id, AppliedMark { hash: mark.hash.parse().map_err(corrupt)?, refused });
    }
    let stored: Vec<Stored> = read.take(1)?;
    let stored_bytes: usize = stored.iter().map(|row| row.body.len()).sum();
    if let Some(scope) = read.take::<Option<Scope>>(2)? {
        loaded.last_seq = scope.seq as u64;
        loaded.holdings = scope.holdings();
    }
    let epoch =
        Epoch::new(&read.take::<Option<String>>(3)?.ok_or_else(|| corrupt("no sync epoch"))?).map_err(corrupt)?;
    if let Some(restored) = read.take::<Option<String>>(4)? {
        loaded.restored_at = Some(restored.parse::<sawda_sync::ids::Ulid>().map_err(corrupt)?.unix_ms());
    }
    let mut pending = hook.read(&transaction, who, &request.mutations).await?;
    let load = move || {
        for row in stored {
            let record: Record = serde_json::from_str(&row.body).map_err(corrupt)?;
            loaded.records.insert(record.id(), Snapshot { seq: row.seq as u64, record });
        }
        // Holders of the addresses asked for and of those the loaded records hold.
        let slugs: Vec<String> = wants.unique_values_with(&rules, &loaded.records).into_iter().collect();
        Ok::<_, StoreError>((loaded, slugs))
    };
    // Parsing checks each record's canonical form: off the async workers,
    // unless there is little to parse (new records: nothing), when the hop to
    // the blocking pool would cost more than the work.
    let (mut loaded, slugs) =
        if stored_bytes <= PARSED_ON_THE_WORKER { load()? } else { off_the_workers(load).await?? };
    if !slugs.is_empty() {
        let approved: Vec<DbId> = slugs.iter().map(|slug| DbId::new("approved_address", slug.clone())).collect();
        let mut read = transaction
            .query(
                "SELECT record::id(id)[1] AS key, slug FROM sync_record WHERE slug IN $slugs;
                 SELECT storefront AS key, address AS slug FROM $approved;",
            )
            .bind(("slugs", slugs))
            .bind(("approved", approved))
            .await?
            .check()?;
        for holder in read.take::<Vec<Holder>>(0)? {
            loaded.holders.insert(holder.slug, holder.key.parse::<RecordId>().map_err(corrupt)?);
        }
        // An address ever approved stays its owner's storefront's, whoever
        // holds it in sync now: buyers know it. (A storefront that took one
        // before that rule keeps it, so her own edits are not refused.)
        for holder in read.take::<Vec<Holder>>(1)? {
            let storefront = holder.key.parse::<RecordId>().map_err(corrupt)?;
            loaded.holders.entry(holder.slug).or_insert(storefront);
        }
    }

    let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let (who_owned, request) = (who.clone(), request.clone());
    let (plan, rows, pending) = off_the_workers(move || {
        hook.before(&mut pending, &loaded.records);
        let mut plan = plan_push(&rules, &who_owned, &request, loaded, &epoch, now_ms);
        hook.amend(&mut pending, &mut plan, now_ms);
        let rows = rows_of(&rules, &who_owned, &plan);
        (plan, rows, pending)
    })
    .await?;
    if !plan.writes_nothing() {
        write(&transaction, who, &plan, rows).await?;
        hook.write(&transaction, who, pending).await?;
    }
    crate::infra::database::commit(db, transaction).await?;
    Ok(plan.response)
}

/// The rows a plan writes: its records, their change-log entries (new and
/// gone) and its applied marks.
fn rows_of(rules: &dyn Rules, who: &Owner, plan: &Plan) -> Rows {
    let key = |table: &str, n: Value| DbId::new(table, owner_key(who, n));
    let mut rows = Rows {
        records: Vec::with_capacity(plan.changes.len()),
        changes: Vec::with_capacity(plan.changes.len()),
        gone: Vec::new(),
        marks: Vec::with_capacity(plan.applied.len()),
    };
    for change in &plan.changes {
        let id = change.record.id().to_string();
        rows.gone.extend(change.replaced.map(|seq| key("sync_change", int(seq))));
        rows.changes.push(ChangeRow { id: key("sync_change", int(change.seq)), record: id.clone() });
        rows.records.push(Row {
            id: key("sync_record", Value::String(id)),
            owner: change.record.owner().to_string(),
            kind: change.record.kind().name().to_string(),
            seq: change.seq as i64,
            body: serde_json::to_string(&change.record).expect("records serialise"),
            // A deleted storefront frees its address.
            slug: unique_value(rules, &change.record).map(str::to_owned),
        });
    }
    rows.marks = plan
        .applied
        .iter()
        .map(|(id, mark)| MarkRow {
            id: key("sync_applied", Value::String(id.to_string())),
            hash: mark.hash.to_string(),
            refused: (!mark.refused.is_empty())
                .then(|| serde_json::to_string(&mark.refused).expect("rejections serialise")),
        })
        .collect();
    rows
}

/// Writes a plan's rows: a statement per table, each row bound in an array
/// (a statement per row made a push of 20 records some 80 statements).
async fn write(transaction: &Transaction<Any>, who: &Owner, plan: &Plan, rows: Rows) -> Result<(), StoreError> {
    let mut text = String::from(
        "UPSERT $scope SET seq = $seq, records = $records, bytes = $bytes, open_requests = $open_requests;",
    );
    if !rows.gone.is_empty() {
        text.push_str("DELETE $gone;");
    }
    if !rows.records.is_empty() {
        text.push_str(
            "INSERT INTO sync_record $rows ON DUPLICATE KEY UPDATE
                 owner = $input.owner, kind = $input.kind, seq = $input.seq, body = $input.body, slug = $input.slug;
             INSERT INTO sync_change $changes;",
        );
    }
    if !rows.marks.is_empty() {
        text.push_str("INSERT INTO sync_applied $marks;");
    }
    transaction
        .query(text)
        .bind(("scope", DbId::new("sync_scope", who.to_string())))
        .bind(("seq", plan.last_seq as i64))
        .bind(("records", plan.holdings.records as i64))
        .bind(("bytes", plan.holdings.bytes as i64))
        .bind(("open_requests", plan.holdings.open_requests as i64))
        .bind(("gone", rows.gone))
        .bind(("rows", rows.records))
        .bind(("changes", rows.changes))
        .bind(("marks", rows.marks))
        .await?
        .check()?;
    Ok(())
}

/// The server's own device, for the fields only it sets: its stamps are made
/// newer than everything in the record they go into.
pub fn desk_clock() -> sawda_sync::Clock {
    sawda_sync::Clock::new(sawda_sync::DeviceId::new(0, *b"sawda-desk"))
}

/// Sets fields only the server decides (a review) on a stored record, in
/// `transaction`, as a new change in its owner's scope, so her phones pull
/// it. `None` when the record does not exist.
pub async fn set_server_fields(
    transaction: &Transaction<Any>,
    owner: &Owner,
    id: RecordId,
    fields: sawda_sync::Fields,
) -> Result<Option<Record>, StoreError> {
    change_by_server(transaction, owner, id, move |record, clock, now_ms| {
        sawda_sync::server::set_server_fields(clock, record, &fields, now_ms);
    })
    .await
}

/// Changes a stored record as the server (`change` gets the server's clock,
/// which stamps newer than everything in the record), in `transaction`, as a
/// new change in its owner's scope, with what she holds counted again.
/// `None` when the record does not exist.
pub async fn change_by_server(
    transaction: &Transaction<Any>,
    owner: &Owner,
    id: RecordId,
    change: impl FnOnce(&mut Record, &mut sawda_sync::Clock, u64) + Send + 'static,
) -> Result<Option<Record>, StoreError> {
    let mut read = transaction
        .query("(SELECT seq, body FROM $record)[0]; (SELECT seq, records, bytes, open_requests FROM $scope)[0];")
        .bind(("record", DbId::new("sync_record", owner_key(owner, Value::String(id.to_string())))))
        .bind(("scope", DbId::new("sync_scope", owner.to_string())))
        .await?
        .check()?;
    let Some(stored) = read.take::<Option<Stored>>(0)? else { return Ok(None) };
    let scope = read.take::<Option<Scope>>(1)?.ok_or_else(|| corrupt(format!("{owner} has a record and no scope")))?;
    let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
    let holdings = scope.holdings();
    let (record, body, holdings) = off_the_workers(move || {
        let mut record: Record = serde_json::from_str(&stored.body).map_err(corrupt)?;
        let before = record.clone();
        change(&mut record, &mut desk_clock(), now_ms);
        let holdings = holdings.changed(Some(&before), &record);
        let body = serde_json::to_string(&record).expect("records serialise");
        Ok::<_, StoreError>((record, body, holdings))
    })
    .await??;
    let seq = scope.seq + 1;
    transaction
        .query(
            "UPDATE $scope SET seq = $seq, records = $records, bytes = $bytes, open_requests = $open_requests;
             DELETE type::record('sync_change', [$owner, $replaced]);
             UPDATE type::record('sync_record', [$owner, $key]) SET seq = $seq, body = $body;
             CREATE type::record('sync_change', [$owner, $seq]) SET record = $key;",
        )
        .bind(("scope", DbId::new("sync_scope", owner.to_string())))
        .bind(("seq", seq))
        .bind(("records", holdings.records as i64))
        .bind(("bytes", holdings.bytes as i64))
        .bind(("open_requests", holdings.open_requests as i64))
        .bind(("owner", owner.to_string()))
        .bind(("replaced", stored.seq))
        .bind(("key", id.to_string()))
        .bind(("body", body))
        .await?
        .check()?;
    Ok(Some(record))
}

/// What a caller writes with a record the server makes, in its transaction.
pub type WithIt<'t> = std::pin::Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 't>>;

/// What became of a record the server makes itself.
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    New,
    /// A record with this id is there already (the same request sent twice).
    AlreadyThere,
    /// As many buyers' requests wait for her answer as may (`MAX_OPEN_REQUESTS`).
    Full,
}

/// Makes `record` (a buyer's order request) in its owner's scope as a new
/// change, so her phones pull it; within the bound of requests waiting for
/// her, outside her room for her own work (`Holdings::take_request`).
/// `also` writes what goes with it, in its transaction (what the caller counts).
pub async fn create(
    db: &Surreal<Any>,
    record: Record,
    also: impl for<'t> Fn(&'t Transaction<Any>) -> WithIt<'t> + Send + Sync,
) -> Result<Created, StoreError> {
    let owner = record.owner().clone();
    let body = serde_json::to_string(&record).expect("records serialise");
    retrying(crate::infra::database::is_conflict, || create_once(db, &owner, &record, &body, &also)).await
}

async fn create_once(
    db: &Surreal<Any>,
    owner: &Owner,
    record: &Record,
    body: &str,
    also: &(impl for<'t> Fn(&'t Transaction<Any>) -> WithIt<'t> + Send + Sync),
) -> Result<Created, StoreError> {
    let transaction = crate::infra::database::begin(db).await?;
    let mut read = transaction
        .query("(SELECT VALUE seq FROM $record)[0]; (SELECT seq, records, bytes, open_requests FROM $scope)[0];")
        .bind(("record", DbId::new("sync_record", owner_key(owner, Value::String(record.id().to_string())))))
        .bind(("scope", DbId::new("sync_scope", owner.to_string())))
        .await?
        .check()?;
    if read.take::<Option<i64>>(0)?.is_some() {
        crate::infra::database::cancel(db, transaction).await?;
        return Ok(Created::AlreadyThere);
    }
    let scope = read.take::<Option<Scope>>(1)?;
    let (seq, holdings) = scope.map_or((0, Holdings::default()), |s| (s.seq, s.holdings()));
    let Some(holdings) = holdings.take_request(record) else {
        crate::infra::database::cancel(db, transaction).await?;
        return Ok(Created::Full);
    };
    let seq = seq + 1;
    transaction
        .query(
            "UPSERT $scope SET seq = $seq, records = $records, bytes = $bytes, open_requests = $open_requests;
             CREATE type::record('sync_record', [$owner, $key])
                 CONTENT { owner: $owner, kind: $kind, seq: $seq, body: $body };
             CREATE type::record('sync_change', [$owner, $seq]) SET record = $key;",
        )
        .bind(("scope", DbId::new("sync_scope", owner.to_string())))
        .bind(("seq", seq))
        .bind(("records", holdings.records as i64))
        .bind(("bytes", holdings.bytes as i64))
        .bind(("open_requests", holdings.open_requests as i64))
        .bind(("owner", owner.to_string()))
        .bind(("key", record.id().to_string()))
        .bind(("kind", record.kind().name()))
        .bind(("body", body.to_owned()))
        .await?
        .check()?;
    also(&transaction).await?;
    crate::infra::database::commit(db, transaction).await?;
    Ok(Created::New)
}

/// The stored record `id` of `owner`, if any.
pub async fn record(db: &Surreal<Any>, owner: &Owner, id: RecordId) -> Result<Option<Record>, StoreError> {
    let body: Option<String> = db
        .query("(SELECT VALUE body FROM $record)[0]")
        .bind(("record", DbId::new("sync_record", owner_key(owner, Value::String(id.to_string())))))
        .await?
        .check()?
        .take(0)?;
    match body {
        Some(body) => off_the_workers(move || serde_json::from_str(&body).map(Some).map_err(corrupt)).await?,
        None => Ok(None),
    }
}

/// How long a mutation id is remembered as applied. A device retrying a push
/// within this time gets the same answer; after it, the mutation is applied
/// again, which changes nothing (merging is idempotent: a record is a function
/// of the set of edits it has taken in) and is answered `applied`. A phone
/// offline for longer than this with an unanswered push is all it would take.
pub const APPLIED_KEPT_DAYS: i64 = 180;

/// Forgets applied mutation ids older than `days`, oldest first and a chunk
/// per transaction (`database::delete_in_chunks`), so a backlog (after
/// downtime, or a run that failed) never makes one big transaction; returns how many.
pub async fn forget_applied(db: &Surreal<Any>, days: i64) -> Result<usize, surrealdb::Error> {
    crate::infra::database::delete_in_chunks(
        db,
        "sync_applied",
        "applied_at < time::now() - type::duration($age)",
        "applied_at",
        &[("age", Value::String(format!("{days}d")))],
    )
    .await
}

#[derive(SurrealValue)]
struct Change {
    seq: i64,
    body: Option<String>,
}

/// A page of the owner's change log after the cursor, read as a range of
/// `sync_change:[owner, seq]` keys: scanned in key order, with no query plan
/// that could skip a row and leave it behind the cursor for good.
pub async fn pull(db: &Surreal<Any>, who: &Owner, request: &PullRequest) -> Result<PullResponse, StoreError> {
    admit_pull(who, request).map_err(StoreError::Protocol)?;
    let limit = pull_limit(request);
    let range = RecordIdKeyRange {
        start: Bound::Excluded(owner_key(who, int(request.cursor))),
        end: Bound::Included(owner_key(who, int(u64::MAX))),
    };
    // The change log and the epoch in one snapshot.
    let transaction = crate::infra::database::begin(db).await?;
    let mut read = transaction
        .query(
            "SELECT record::id(id)[1] AS seq, type::record('sync_record', [$owner, record]).body AS body FROM $range LIMIT $limit;
             (SELECT VALUE name FROM sync_epoch:main)[0];",
        )
        .bind(("range", DbId::new("sync_change", RecordIdKey::from(range))))
        .bind(("owner", who.to_string()))
        .bind(("limit", limit as i64 + 1))
        .await?
        .check()?;
    let name: Option<String> = read.take(1)?;
    let epoch = Epoch::new(&name.ok_or_else(|| corrupt("no sync epoch"))?).map_err(corrupt)?;
    let rows: Vec<Change> = read.take(0)?;
    crate::infra::database::cancel(db, transaction).await?;
    let (who, request) = (who.clone(), request.clone());
    off_the_workers(move || {
        let mut log = Vec::with_capacity(rows.len());
        let (mut last, mut bytes) = (request.cursor, 0);
        for row in rows {
            let seq = row.seq as u64;
            // Key order is the contract; a page out of order is a bug, not a gap to skip.
            if seq <= last {
                return Err(corrupt(format!("change {seq} of {who} read after {last}")));
            }
            last = seq;
            let body = row.body.ok_or_else(|| corrupt(format!("change {seq} of {who} names no record")))?;
            // The page's bound in bytes (the body is the record's JSON): past
            // it, nothing more is parsed; `pull_page` ends the page there.
            bytes += body.len();
            let past = !log.is_empty() && bytes > MAX_PULL_BYTES;
            let record: Record = serde_json::from_str(&body).map_err(corrupt)?;
            log.push(Snapshot { seq, record });
            if past {
                break;
            }
        }
        Ok(pull_page(&who, &request, &epoch, log))
    })
    .await?
}

/// Every photo a synced record or an approved revision points at, read owner by owner (her records
/// as a key range), parsed off the async workers: what the daily photo
/// sweep keeps.
pub async fn photos_in_use(db: &Surreal<Any>) -> Result<std::collections::HashSet<String>, StoreError> {
    let owners: Vec<String> = db.query("SELECT VALUE record::id(id) FROM sync_scope").await?.check()?.take(0)?;
    // Buyers still see the photos of approved revisions she has since replaced.
    let approved: Vec<String> = db.query("SELECT VALUE hash FROM approved_photo").await?.check()?.take(0)?;
    let mut in_use: std::collections::HashSet<String> = approved.into_iter().collect();
    let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
    for owner in owners {
        let Ok(who) = owner.parse::<Owner>() else { continue };
        let records = records_of(db, &who).await?;
        // A deleted record's too, for a while: a later edit may bring it back with them.
        in_use.extend(records.iter().flat_map(|record| app::rules::photos::photos_kept_by(record, now_ms)));
    }
    Ok(in_use)
}

/// Every record `owner` keeps (deleted ones too), read as one key range and
/// parsed off the async workers.
pub async fn records_of(db: &Surreal<Any>, owner: &Owner) -> Result<Vec<Record>, StoreError> {
    read_records(db, owner, None).await
}

/// The records of one kind `owner` keeps (deleted ones too): her key range,
/// filtered on the kind before anything is copied out or parsed.
pub async fn records_of_kind(
    db: &Surreal<Any>,
    owner: &Owner,
    kind: sawda_sync::Kind,
) -> Result<Vec<Record>, StoreError> {
    read_records(db, owner, Some(kind)).await
}

async fn read_records(
    db: &Surreal<Any>,
    owner: &Owner,
    kind: Option<sawda_sync::Kind>,
) -> Result<Vec<Record>, StoreError> {
    // Record ids are ULIDs: every one sorts between "" and "~".
    let range = RecordIdKeyRange {
        start: Bound::Included(owner_key(owner, Value::String(String::new()))),
        end: Bound::Included(owner_key(owner, Value::String("~".into()))),
    };
    let filter = if kind.is_some() { " WHERE kind = $kind" } else { "" };
    let bodies: Vec<String> = db
        .query(format!("SELECT VALUE body FROM $range{filter}"))
        .bind(("range", DbId::new("sync_record", RecordIdKey::from(range))))
        .bind(("kind", kind.map(|kind| kind.name())))
        .await?
        .check()?
        .take(0)?;
    off_the_workers(move || {
        bodies.iter().map(|body| serde_json::from_str(body).map_err(corrupt)).collect::<Result<Vec<Record>, _>>()
    })
    .await?
}

/// Gives this database a new epoch, greater than the one it had: to be run
/// once on a database restored from a backup, before Sawda serves it
/// (`sawda sync new-epoch`). Phones then start their pulls again from 0 and
/// send again what only they hold, the order requests she received since the
/// backup included (made again from her phone's copy: `sync_epoch:restored`
/// says when the restore was). Returns the new epoch.
pub async fn new_epoch(db: &Surreal<Any>) -> Result<Epoch, StoreError> {
    let old = epoch(db).await?;
    let restored = ulid_now();
    let mut name = restored.clone();
    while name.as_str() <= old.as_str() {
        // A clock behind the old epoch's: count on from it instead.
        name = next_after(old.as_str());
    }
    db.query(
        "BEGIN; UPSERT sync_epoch:main SET name = $name; UPSERT sync_epoch:restored SET name = $restored; COMMIT;",
    )
    .bind(("name", name.clone()))
    .bind(("restored", restored))
    .await?
    .check()?;
    Epoch::new(&name).map_err(corrupt)
}

fn ulid_now() -> String {
    let now = chrono::Utc::now().timestamp_millis().max(0) as u64;
    sawda_sync::MutationId::new(now, uuid::Uuid::new_v4().as_bytes()[..10].try_into().expect("10 bytes")).to_string()
}

/// The smallest name above `old` of the same alphabet.
fn next_after(old: &str) -> String {
    format!("{old}0")
}
