//! The sync protocol's server rules (`sawda_sync::server`) over SurrealDB: each
//! push is read, merged in Rust and written back in one transaction, so a crash
//! or a cut connection leaves nothing half-applied.

use std::collections::{BTreeMap, HashSet};

use app::rules::problem::FieldProblem;
use app::rules::records::storefront::{SLUG, storefront_id};
use app::rules::records::{check_fields, rejection};
use sawda_sync::protocol::Snapshot;
use sawda_sync::protocol::{Limits, MAX_PULL_LIMIT, MutationResult, Outcome, check_version};
use sawda_sync::server::{apply_mutation, may_see};
use sawda_sync::{Action, Kind, RejectCode, Rejection};
use sawda_sync::{Owner, PullRequest, PullResponse, PushRequest, PushResponse, Record, RecordId, SyncError};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{RecordId as DbId, SurrealValue};

#[derive(Debug, thiserror::Error)]
pub enum SyncStoreError {
    #[error("{0:?}")]
    Protocol(SyncError),
    #[error(transparent)]
    Database(#[from] surrealdb::Error),
    #[error("a stored record cannot be read: {0}")]
    Corrupt(String),
}

#[derive(SurrealValue)]
struct Stored {
    seq: i64,
    body: String,
}

#[derive(SurrealValue)]
struct Row {
    key: String,
    owner: String,
    kind: String,
    seq: i64,
    body: String,
    slug: Option<String>,
}

#[derive(SurrealValue)]
struct Claim {
    key: String,
    slug: String,
}

/// The web address a storefront edit asks for, if any.
fn asked_slug(mutation: &sawda_sync::Mutation) -> Option<&str> {
    match (&mutation.kind, &mutation.action) {
        (Kind::Storefront, Action::Set(fields)) => fields.get(SLUG).and_then(|v| v.as_str()),
        _ => None,
    }
}

/// The app's rules for the fields an edit sets, and a storefront address
/// not held by another storefront (`claims`: address → record key). A
/// storefront's id is the one derived from its owner's account, so nobody can
/// make another person's storefront first and block it (one storefront per
/// person until a second is designed).
fn check_rules(
    who: &Owner,
    mutation: &sawda_sync::Mutation,
    claims: &BTreeMap<String, String>,
) -> Result<(), Rejection> {
    if mutation.kind == Kind::Storefront && mutation.record != storefront_id(who) {
        return Err(Rejection::new(RejectCode::NotOwner, "a storefront's id is its owner's"));
    }
    if let Action::Set(fields) = &mutation.action {
        check_fields(mutation.kind, fields).map_err(|(field, problem)| rejection(&field, problem))?;
    }
    if let Some(slug) = asked_slug(mutation)
        && claims.get(slug).is_some_and(|holder| *holder != mutation.record.to_string())
    {
        return Err(rejection(SLUG, FieldProblem::SlugTaken));
    }
    Ok(())
}

/// How many times a push is retried when another push touched the same rows at once.
const CONFLICT_RETRIES: usize = 5;

pub async fn push(db: &Surreal<Any>, who: &Owner, request: &PushRequest) -> Result<PushResponse, SyncStoreError> {
    check_version(request.version).map_err(SyncStoreError::Protocol)?;
    if request.mutations.len() > Limits::DEFAULT.max_mutations {
        return Err(SyncStoreError::Protocol(SyncError::batch_too_large()));
    }
    let mut attempt = 0;
    loop {
        match push_once(db, who, request).await {
            // Two pushes claiming one storefront address at once: the loser's
            // retry reads the claim and refuses its edit.
            Err(SyncStoreError::Database(error))
                if (crate::infra::database::is_conflict(&error) || error.to_string().contains("sync_record_slug"))
                    && attempt < CONFLICT_RETRIES =>
            {
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

async fn push_once(db: &Surreal<Any>, who: &Owner, request: &PushRequest) -> Result<PushResponse, SyncStoreError> {
    let mutation_ids: Vec<DbId> =
        request.mutations.iter().map(|m| DbId::new("sync_applied", m.id.to_string().as_str())).collect();
    let record_ids: Vec<DbId> = request
        .mutations
        .iter()
        .map(|m| m.record.to_string())
        .collect::<HashSet<_>>()
        .into_iter()
        .map(|key| DbId::new("sync_record", key.as_str()))
        .collect();

    let slugs: Vec<String> = request.mutations.iter().filter_map(asked_slug).map(str::to_owned).collect();

    let transaction = db.clone().begin().await?;
    let mut read = transaction
        .query(
            "SELECT VALUE record::id(id) FROM $applied; SELECT seq, body FROM $records; \
             (SELECT VALUE seq FROM sync_counter:main)[0] OR 0; \
             SELECT record::id(id) AS key, slug FROM sync_record WHERE slug IN $slugs;",
        )
        .bind(("applied", mutation_ids))
        .bind(("records", record_ids))
        .bind(("slugs", slugs))
        .await?
        .check()?;
    let applied: HashSet<String> = read.take::<Vec<String>>(0)?.into_iter().collect();
    let stored: Vec<Stored> = read.take(1)?;
    let mut last_seq: i64 = read.take::<Option<i64>>(2)?.unwrap_or(0);
    let mut claims: BTreeMap<String, String> =
        read.take::<Vec<Claim>>(3)?.into_iter().map(|claim| (claim.slug, claim.key)).collect();

    let mut records: BTreeMap<RecordId, Record> = BTreeMap::new();
    for row in stored {
        let record: Record = serde_json::from_str(&row.body).map_err(|e| SyncStoreError::Corrupt(e.to_string()))?;
        records.insert(record.id(), record);
    }
    let mut changed: BTreeMap<RecordId, Record> = BTreeMap::new();
    let mut newly_applied = Vec::new();
    let mut results = Vec::with_capacity(request.mutations.len());
    for mutation in &request.mutations {
        let key = mutation.id.to_string();
        let result = if applied.contains(&key) || newly_applied.contains(&key) {
            Outcome::Duplicate
        } else {
            let checked = check_rules(who, mutation, &claims);
            match checked.and_then(|()| apply_mutation(records.get(&mutation.record), who, mutation)) {
                Ok(record) => {
                    if let Some(slug) = asked_slug(mutation) {
                        claims.insert(slug.to_owned(), mutation.record.to_string());
                    }
                    if records.get(&mutation.record) != Some(&record) {
                        changed.insert(mutation.record, record.clone());
                    }
                    records.insert(mutation.record, record);
                    newly_applied.push(key);
                    Outcome::Applied
                }
                Err(rejection) => Outcome::Rejected(rejection),
            }
        };
        results.push(MutationResult { id: mutation.id, result });
    }

    if !newly_applied.is_empty() {
        let rows: Vec<Row> = changed
            .into_values()
            .map(|record| {
                last_seq += 1;
                Row {
                    key: record.id().to_string(),
                    owner: record.owner().to_string(),
                    kind: record.kind().name().to_string(),
                    seq: last_seq,
                    body: serde_json::to_string(&record).expect("records serialise"),
                    // A deleted storefront frees its address.
                    slug: (record.kind() == Kind::Storefront && !record.is_deleted())
                        .then(|| record.get(SLUG).and_then(|v| v.as_str()).map(str::to_owned))
                        .flatten(),
                }
            })
            .collect();
        transaction
            .query(
                "UPSERT sync_counter:main SET seq = $seq;
                 FOR $row IN $rows {
                     UPSERT type::record('sync_record', $row.key)
                         CONTENT { owner: $row.owner, kind: $row.kind, seq: $row.seq, body: $row.body, slug: $row.slug };
                 };
                 FOR $id IN $applied { CREATE type::record('sync_applied', $id); };",
            )
            .bind(("seq", last_seq))
            .bind(("rows", rows))
            .bind(("applied", newly_applied))
            .await?
            .check()?;
    }
    transaction.commit().await?;
    Ok(PushResponse { results })
}

/// How long a mutation id is remembered as applied. A device retrying a push
/// within this time gets `duplicate`; after it, the mutation is applied again,
/// which changes nothing (merging is idempotent: a record is a function of
/// the set of edits it has taken in) and is answered `applied`. A phone
/// offline for longer than this with an unanswered push is all it would take.
pub const APPLIED_KEPT_DAYS: i64 = 180;

/// Forgets applied mutation ids older than `days`; returns how many.
pub async fn forget_applied(db: &Surreal<Any>, days: i64) -> Result<usize, surrealdb::Error> {
    let forgotten: Vec<surrealdb::types::Value> = db
        .query("DELETE sync_applied WHERE applied_at < time::now() - type::duration($age) RETURN BEFORE")
        .bind(("age", format!("{days}d")))
        .await?
        .check()?
        .take(0)?;
    Ok(forgotten.len())
}

pub async fn pull(db: &Surreal<Any>, who: &Owner, request: &PullRequest) -> Result<PullResponse, SyncStoreError> {
    check_version(request.version).map_err(SyncStoreError::Protocol)?;
    let limit = i64::from(request.limit.clamp(1, MAX_PULL_LIMIT));
    let cursor = i64::try_from(request.cursor).unwrap_or(i64::MAX);
    // One more than asked for tells whether more changes wait.
    let rows: Vec<Stored> = db
        .query("SELECT seq, body FROM sync_record WHERE owner = $owner AND seq > $cursor ORDER BY seq LIMIT $limit")
        .bind(("owner", who.to_string()))
        .bind(("cursor", cursor))
        .bind(("limit", limit + 1))
        .await?
        .check()?
        .take(0)?;
    let more = rows.len() as i64 > limit;
    let mut changes = Vec::new();
    let mut last = request.cursor;
    for row in rows.into_iter().take(limit as usize) {
        let record: Record = serde_json::from_str(&row.body).map_err(|e| SyncStoreError::Corrupt(e.to_string()))?;
        last = row.seq as u64;
        // The query already keeps to the owner; the protocol's rule has the last word.
        if may_see(who, &record) {
            changes.push(Snapshot { seq: row.seq as u64, record });
        }
    }
    Ok(PullResponse { changes, cursor: last, more })
}
