//! The coordinators' desk: the queue of submitted items of her districts,
//! one item with its diff and audit log, decisions and withdrawals. A
//! decision is one transaction (the review on her record, the queue row,
//! the audit line, the approved revision): a product's reads and writes its
//! rows by key, so it costs the same in a storefront of 1 or 1,000 products
//! (`make bench`); a storefront's also moves all her products. Decisions on
//! one person's items take turns (`turn_of`); of two on one item, the
//! second finds it decided and says by whom.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, PoisonError, Weak};
use std::time::Duration;

use app::rules::review::{self as rules, Decision, Refused, Review, ReviewState};
use app::wire::{
    DecisionRequest, DistrictCount, FieldChange, QueuedItem, ReviewEvent, ReviewItemView, ReviewQueue,
    StorefrontProduct,
};
use chrono::{DateTime, Utc};
use sawda_sync::{Fields, Kind, Owner, Record, RecordId};
use serde_json::Value;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

use crate::accounts::Account;
use crate::approved;
use crate::infra::database::StoreError;
use crate::sync::store;

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// No such item, or not one of her districts (the same answer).
    #[error("not found")]
    NotFound,
    #[error("a page cursor this desk did not make")]
    BadCursor,
    #[error("already decided by {by} at {at}")]
    AlreadyDecided { by: String, at: String },
    #[error("not under review")]
    NotUnderReview,
    #[error("bad feedback: {0}")]
    BadFeedback(String),
    /// Approving a storefront at an address once approved for another
    /// person's: buyers know it as hers.
    #[error("the address {0} was approved for another storefront")]
    AddressTaken(String),
    /// Decisions on the same person's items kept conflicting: nothing
    /// changed, the next try will likely go through.
    #[error("busy: {0}")]
    Busy(surrealdb::Error),
    /// The database refused the decision (a unique index, a schema rule):
    /// nothing changed.
    #[error("refused by the database: {0}")]
    Refused(surrealdb::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<surrealdb::Error> for DeskError {
    fn from(error: surrealdb::Error) -> Self {
        DeskError::Store(StoreError::Database(error))
    }
}

pub const PAGE: usize = 50;
/// The longest wait the queue's filter takes (`waiting_days`); more is clamped.
pub const MAX_WAITING_DAYS: u32 = 3_650;

/// The queue's filters, as in the desk's address.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct QueueFilter {
    pub district: Option<String>,
    pub category: Option<String>,
    pub kind: Option<String>,
    /// Only items waiting at least this many days.
    pub waiting_days: Option<u32>,
    /// The `next` of the page before.
    pub after: Option<String>,
    /// Items a page, up to [`PAGE`].
    pub limit: Option<usize>,
}

#[derive(SurrealValue)]
struct QueueRow {
    owner: String,
    record: String,
    kind: String,
    name: String,
    owner_name: String,
    district: Option<String>,
    category: Option<String>,
    revision: i64,
    submitted_at: DateTime<Utc>,
}

#[derive(SurrealValue)]
struct CountRow {
    district: Option<String>,
    count: i64,
}

/// The districts `who` may see: `None` for all (an admin).
fn scope_of(who: &Account) -> Option<Vec<String>> {
    (who.role() != Some(app::rules::people::Role::Admin)).then(|| who.districts.clone())
}

/// Submitted items, oldest first, one page after `filter.after` (keyset:
/// submitted time, then owner and record, so paging holds while items come
/// and go).
pub async fn queue(db: &Surreal<Any>, who: &Account, filter: &QueueFilter) -> Result<ReviewQueue, DeskError> {
    let after = match filter.after.as_deref() {
        Some(cursor) => Some(parse_cursor(cursor).ok_or(DeskError::BadCursor)?),
        None => None,
    };
    let page = filter.limit.unwrap_or(PAGE).clamp(1, PAGE);
    // Ten years is older than any item: a larger number means the same.
    let waited_since =
        filter.waiting_days.map(|days| Utc::now() - chrono::Duration::days(i64::from(days.min(MAX_WAITING_DAYS))));
    let conditions = "state = 'submitted'
             AND ($scope = NONE OR district IN $scope)
             AND ($district = NONE OR district = $district)
             AND ($category = NONE OR category = $category)
             AND ($kind = NONE OR kind = $kind)
             AND ($since = NONE OR submitted_at <= $since)";
    let (after_at, after_key) = after.map_or((None, None), |(at, key)| (Some(at), Some(key)));
    let mut read = db
        .query(format!(
            "SELECT owner, record, kind, name, owner_name, district, category, revision, submitted_at
                 FROM review_item WHERE {conditions}
                 AND ($after_at = NONE OR submitted_at > $after_at
                      OR (submitted_at = $after_at AND string::concat(owner, '/', record) > $after_key))
                 ORDER BY submitted_at, owner, record LIMIT $limit;
             SELECT district, count() AS count FROM review_item WHERE {conditions} GROUP BY district;"
        ))
        .bind(("scope", scope_of(who)))
        .bind(("district", filter.district.clone()))
        .bind(("category", filter.category.clone()))
        .bind(("kind", filter.kind.clone()))
        .bind(("since", waited_since))
        .bind(("after_at", after_at))
        .bind(("after_key", after_key))
        .bind(("limit", page as i64 + 1))
        .await?
        .check()?;
    let mut rows: Vec<QueueRow> = read.take(0)?;
    let counts: Vec<CountRow> = read.take(1)?;
    let next = (rows.len() > page).then(|| {
        rows.truncate(page);
        let last = rows.last().expect("a full page");
        format!("{}|{}/{}", last.submitted_at.to_rfc3339(), last.owner, last.record)
    });
    let by_district: Vec<DistrictCount> =
        counts.into_iter().map(|c| DistrictCount { district: c.district, count: c.count.max(0) as u64 }).collect();
    Ok(ReviewQueue {
        total: by_district.iter().map(|c| c.count).sum(),
        by_district,
        items: rows
            .into_iter()
            .map(|r| QueuedItem {
                owner: r.owner,
                record: r.record,
                kind: r.kind,
                name: r.name,
                owner_name: r.owner_name,
                district: r.district,
                category: r.category,
                revision: r.revision.max(0) as u32,
                submitted_at: r.submitted_at.to_rfc3339(),
            })
            .collect(),
        next,
    })
}

fn parse_cursor(cursor: &str) -> Option<(DateTime<Utc>, String)> {
    let (at, key) = cursor.split_once('|')?;
    Some((DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc), key.to_owned()))
}

#[derive(SurrealValue)]
struct ItemRow {
    kind: String,
    name: String,
    owner_name: String,
    district: Option<String>,
    category: Option<String>,
    snapshot: Option<String>,
    approved_snapshot: Option<String>,
    decided_by_name: Option<String>,
    decided_at: Option<DateTime<Utc>>,
    submitted_at: Option<DateTime<Utc>>,
}

#[derive(SurrealValue)]
struct EventRow {
    action: String,
    revision: i64,
    by_name: String,
    at: DateTime<Utc>,
    checklist: Option<String>,
    comments: Option<String>,
    reason: Option<String>,
}

async fn item_row(db: &Surreal<Any>, owner: &Owner, id: RecordId) -> Result<Option<ItemRow>, DeskError> {
    Ok(db
        .query(
            "SELECT kind, name, owner_name, district, category, snapshot, approved_snapshot, decided_by_name, decided_at,
                 submitted_at
             FROM type::record('review_item', [$owner, $record])",
        )
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_string()))
        .await?
        .check()?
        .take::<Option<ItemRow>>(0)?)
}

fn fields_of_json(json: Option<&str>) -> BTreeMap<String, Value> {
    json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default()
}

/// One item as a coordinator reviews it.
pub async fn item(db: &Surreal<Any>, who: &Account, owner: &Owner, id: RecordId) -> Result<ReviewItemView, DeskError> {
    let row = item_row(db, owner, id).await?.ok_or(DeskError::NotFound)?;
    if !who.may_review(row.district.as_deref()) {
        return Err(DeskError::NotFound);
    }
    let record = store::record(db, owner, id).await?.ok_or(DeskError::NotFound)?;
    let submitted = fields_of_json(row.snapshot.as_deref());
    let approved = fields_of_json(row.approved_snapshot.as_deref());
    let kind = record.kind();
    // In the order of the studio's form.
    let order = |name: &str| {
        app::rules::records::fields_of(kind)
            .and_then(|specs| specs.iter().position(|s| s.name == name))
            .unwrap_or(usize::MAX)
    };
    let mut names: Vec<&String> = submitted.keys().chain(approved.keys()).collect();
    names.sort_by_key(|name| (order(name), name.as_str()));
    names.dedup();
    let changes = names
        .into_iter()
        .filter(|name| rules::is_reviewed(kind, name) && submitted.get(*name) != approved.get(*name))
        .map(|name| FieldChange {
            field: name.clone(),
            before: approved.get(name).cloned(),
            after: submitted.get(name).cloned(),
        })
        .collect();
    let products = if kind == Kind::Storefront { products_of(db, owner, id).await? } else { Vec::new() };
    let storefront = if kind == Kind::Product {
        let storefront = app::rules::records::storefront::storefront_id(owner);
        store::record(db, owner, storefront).await?.map(|r| rules::content(&r))
    } else {
        None
    };
    let ads = match kind {
        Kind::Storefront => crate::ads::pages_of(db, owner, None).await?,
        Kind::Product => crate::ads::pages_of(db, owner, Some(id)).await?,
        _ => Vec::new(),
    };
    Ok(ReviewItemView {
        owner: owner.to_string(),
        record: id.to_string(),
        kind: row.kind,
        name: row.name,
        owner_name: row.owner_name,
        district: row.district,
        category: row.category,
        review: Review::of(&record),
        submitted,
        changes,
        storefront,
        products,
        ads,
        log: log(db, owner, id).await?,
    })
}

/// The live products of her storefront, in her order, with their reviews.
async fn products_of(
    db: &Surreal<Any>,
    owner: &Owner,
    storefront: RecordId,
) -> Result<Vec<StorefrontProduct>, DeskError> {
    use app::rules::records::product;
    let storefront = storefront.to_string();
    let mut products: Vec<Record> = store::records_of_kind(db, owner, Kind::Product)
        .await?
        .into_iter()
        .filter(|r| !r.is_deleted() && r.get(product::STOREFRONT).and_then(Value::as_str) == Some(storefront.as_str()))
        .collect();
    let position = |r: &Record| r.get(product::POSITION).and_then(Value::as_f64).unwrap_or(0.0);
    products.sort_by(|a, b| position(a).total_cmp(&position(b)).then(a.id().cmp(&b.id())));
    Ok(products
        .iter()
        .map(|r| StorefrontProduct {
            record: r.id().to_string(),
            state: Review::of(r).state,
            content: rules::content(r),
        })
        .collect())
}

/// The audit log of one item, oldest first.
pub async fn log(db: &Surreal<Any>, owner: &Owner, id: RecordId) -> Result<Vec<ReviewEvent>, DeskError> {
    let rows: Vec<EventRow> = db
        .query(
            "SELECT action, revision, by_name, at, checklist, comments, reason FROM review_event
             WHERE owner = $owner AND record = $record ORDER BY at",
        )
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(rows
        .into_iter()
        .map(|r| ReviewEvent {
            action: r.action,
            revision: r.revision.max(0) as u32,
            by_name: r.by_name,
            at: r.at.to_rfc3339(),
            checklist: r.checklist.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default(),
            comments: r.comments.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default(),
            reason: r.reason,
        })
        .collect())
}

/// What a coordinator does to an item.
enum Act {
    Decide(DecisionRequest),
    Withdraw(String),
}

/// Decides the submitted revision `request.revision`.
pub async fn decide(
    db: &Surreal<Any>,
    who: &Account,
    owner: &Owner,
    id: RecordId,
    request: DecisionRequest,
) -> Result<Review, DeskError> {
    act(db, who, owner, id, Act::Decide(request)).await
}

/// Takes an approved item off the public side, with a reason.
pub async fn withdraw(
    db: &Surreal<Any>,
    who: &Account,
    owner: &Owner,
    id: RecordId,
    reason: String,
) -> Result<Review, DeskError> {
    act(db, who, owner, id, Act::Withdraw(reason)).await
}

/// Tries of one decision while her pushes, or decisions on her items in
/// another server process, commit first (each writes her sync scope).
const ATTEMPTS: u32 = 12;

/// Decisions on one person's items take turns in this process: each writes
/// her sync scope (`sync_scope:<owner>`, the sequence her phones pull by),
/// so two at once conflict and one would be done again after the other.
fn turn_of(owner: &Owner) -> Arc<tokio::sync::Mutex<()>> {
    type Turns = HashMap<String, Weak<tokio::sync::Mutex<()>>>;
    static TURNS: LazyLock<std::sync::Mutex<Turns>> = LazyLock::new(Default::default);
    let mut turns = TURNS.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(turn) = turns.get(owner.as_str()).and_then(Weak::upgrade) {
        return turn;
    }
    // Only people with a decision under way are kept.
    turns.retain(|_, turn| turn.strong_count() > 0);
    let turn = Arc::new(tokio::sync::Mutex::new(()));
    turns.insert(owner.to_string(), Arc::downgrade(&turn));
    turn
}

async fn act(db: &Surreal<Any>, who: &Account, owner: &Owner, id: RecordId, act: Act) -> Result<Review, DeskError> {
    let turn = turn_of(owner);
    let _turn = turn.lock().await;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match act_once(db, who, owner, id, &act).await {
            // Another decision, or her push, committed first: read again.
            Err(DeskError::Store(StoreError::Database(error))) if crate::infra::database::is_conflict(&error) => {
                if attempt >= ATTEMPTS {
                    tracing::warn!(%error, attempts = attempt, "a decision kept conflicting");
                    return Err(DeskError::Busy(error));
                }
                tokio::time::sleep(backoff(attempt)).await;
            }
            Err(DeskError::Store(StoreError::Database(error))) => {
                tracing::warn!(%error, "the database refused a decision");
                return Err(DeskError::Refused(error));
            }
            outcome => return outcome,
        }
    }
}

/// A random wait of up to 2, 4, 8 … 256 ms (then 256), so decisions that
/// conflicted do not try again in step.
fn backoff(attempt: u32) -> Duration {
    let ceiling = 2u64.saturating_pow(attempt.min(8));
    Duration::from_millis(1 + uuid::Uuid::new_v4().as_u128() as u64 % ceiling)
}

async fn act_once(
    db: &Surreal<Any>,
    who: &Account,
    owner: &Owner,
    id: RecordId,
    act: &Act,
) -> Result<Review, DeskError> {
    let transaction = crate::infra::database::begin(db).await?;
    let mut read = transaction
        .query(
            "SELECT kind, name, owner_name, district, category, snapshot, approved_snapshot, decided_by_name, decided_at,
                     submitted_at
                 FROM type::record('review_item', [$owner, $record]);
             (SELECT VALUE body FROM type::record('sync_record', [$owner, $record]))[0];",
        )
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_string()))
        .await?
        .check()?;
    let row: Option<ItemRow> = read.take(0)?;
    let body: Option<String> = read.take(1)?;
    let (Some(row), Some(body)) = (row, body) else { return Err(DeskError::NotFound) };
    if !who.may_review(row.district.as_deref()) {
        return Err(DeskError::NotFound);
    }
    let record: Record = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let kind = record.kind();
    let review = Review::of(&record);
    let now = Utc::now().to_rfc3339();
    let already = || DeskError::AlreadyDecided {
        by: row.decided_by_name.clone().unwrap_or_default(),
        at: row.decided_at.map(|at| at.to_rfc3339()).unwrap_or_default(),
    };
    let refused = |refused: Refused| match refused {
        Refused::AlreadyDecided => already(),
        Refused::NotSubmitted | Refused::NotPublic => DeskError::NotUnderReview,
        Refused::BadChecklist(why) => DeskError::BadFeedback(why),
    };
    let (next, action, checklist, comments, reason) = match act {
        Act::Decide(request) => {
            rules::check_feedback(&request.decision, &request.checklist, &request.comments, kind).map_err(refused)?;
            let next = rules::decide(
                &review,
                request.revision,
                &request.decision,
                request.checklist.clone(),
                request.comments.clone(),
                &who.name,
                &now,
            )
            .map_err(refused)?;
            let mut next = next;
            if next.state == ReviewState::Approved {
                // Her later edits that bring the content back to this are approved again.
                next.approved_content = Some(super::content_mark(kind, &fields_of_json(row.snapshot.as_deref())));
            }
            if next.state == ReviewState::Approved && kind == Kind::Storefront {
                let address = fields_of_json(row.snapshot.as_deref())
                    .get(app::rules::records::storefront::SLUG)
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_default();
                if !address.is_empty()
                    && approved::write::address_owner(&transaction, &address)
                        .await?
                        .is_some_and(|o| o != owner.as_str())
                {
                    return Err(DeskError::AddressTaken(address));
                }
            }
            let action = if request.decision == Decision::Approve { "approved" } else { "changes_requested" };
            let checklist = serde_json::to_string(&next.checklist).expect("JSON");
            let comments = serde_json::to_string(&next.comments).expect("JSON");
            (next, action, Some(checklist), Some(comments), None)
        }
        Act::Withdraw(reason) => {
            let next = rules::withdraw(&review, reason, &who.name, &now).map_err(refused)?;
            let reason = next.reason.clone();
            (next, "withdrawn", None, None, reason)
        }
    };
    let fields = Fields::from([(rules::REVIEW.to_owned(), next.to_value())]);
    let record = store::set_server_fields(&transaction, owner, id, fields).await?.ok_or(DeskError::NotFound)?;
    let approved = next.state == ReviewState::Approved;
    transaction
        .query(
            "UPDATE type::record('review_item', [$owner, $record]) SET
                 state = $state, decided_by = $by, decided_by_name = $by_name, decided_at = time::now(),
                 approved_snapshot = IF $approved { snapshot } ELSE { approved_snapshot };
             CREATE review_event CONTENT {
                 owner: $owner, record: $record, kind: $kind, district: $district, action: $action,
                 revision: $revision, by: $by, by_name: $by_name,
                 checklist: $checklist, comments: $comments, reason: $reason
             };",
        )
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_string()))
        .bind(("state", next.state.id()))
        .bind(("by", who.id.clone()))
        .bind(("by_name", who.name.clone()))
        .bind(("approved", approved))
        .bind(("kind", kind.name()))
        .bind(("district", row.district.clone()))
        .bind(("action", action))
        .bind(("revision", i64::from(next.revision)))
        .bind(("checklist", checklist))
        .bind(("comments", comments))
        .bind(("reason", reason))
        .await?
        .check()?;
    let decision = matches!(act, Act::Decide(_));
    let at_the_desk = crate::programme::AtTheDesk {
        district: row.district.as_deref(),
        kind,
        from: review.state,
        to: next.state,
        submitted_at: if decision { row.submitted_at } else { None },
    };
    crate::programme::write_desk(&transaction, at_the_desk).await?;
    match next.state {
        ReviewState::Approved => {
            let snapshot = fields_of_json(row.snapshot.as_deref());
            approved::write::publish(&transaction, owner, kind, id, snapshot, &record, next.revision, &who.name)
                .await?;
        }
        ReviewState::Withdrawn => approved::write::unpublish(&transaction, owner, kind, id).await?,
        _ => {}
    }
    crate::infra::database::commit(db, transaction).await?;
    Ok(next)
}
