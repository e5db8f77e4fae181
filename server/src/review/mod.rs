//! The OVOP review on the server: what her pushes do to a reviewed item
//! (a submission stamped on arrival, an edit that makes a draft again, the
//! fields that go public at once) and the coordinators' desk (`desk.rs`),
//! whose decisions write the approved revisions buyers see (`approved`). The
//! rules themselves are in `app::rules::review`, shared with the studio.
//!
//! Rows: `review_item:[owner, record]` (state, the submitted snapshot: the
//! desk's queue) and `review_event` (the audit log, append-only in the schema).

pub mod desk;

use std::collections::BTreeMap;

use app::rules::review::{self as rules, Review};
use sawda_sync::protocol::Snapshot;
use sawda_sync::server::Plan;
use sawda_sync::{Fields, Kind, Owner, Record, RecordId};
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;
use surrealdb::types::SurrealValue;

use crate::approved;
use crate::infra::database::StoreError;
use crate::sync::store::desk_clock;

/// What one push did to one reviewed item.
// A push holds a few of these, briefly: boxing the large variant buys nothing.
#[allow(clippy::large_enum_variant)]
pub enum Reviewed {
    /// Its review changed (submitted, or a draft again); the record as stored.
    Review { record: Record, review: Review, submitted: bool },
    /// Fields that go public at once changed on an item buyers see.
    Public { record: Record },
    /// She deleted it: off the public side and out of the queue.
    Deleted { kind: Kind, id: RecordId },
}

/// The reviewed records among those a push loaded, as they were.
pub fn reviewed_records(records: &BTreeMap<RecordId, Snapshot>) -> BTreeMap<RecordId, Record> {
    records
        .iter()
        .filter(|(_, s)| rules::is_reviewed_kind(s.record.kind()))
        .map(|(id, s)| (*id, s.record.clone()))
        .collect()
}

/// Submissions of one item that open a new revision (and append a row to the
/// review log, which nothing may delete): while it waits unchanged, at most
/// one every 10 minutes; in all, [`SUBMISSIONS_A_DAY`] in 24 hours. A loop of
/// pushes therefore cannot grow the log; her fixes after a submission (she
/// changed what a coordinator reviews) and after a decision go through at once.
pub const SUBMISSION_GAP_MS: i64 = 10 * 60 * 1000;
pub const SUBMISSIONS_A_DAY: u32 = 5;

/// Whether a fresh submission of an item with `review` opens a new revision,
/// the item having been submitted `in_the_last_day` times, and `reviewed_fields`
/// saying whether this push changed what a coordinator reviews. When not, it
/// is "already submitted": her record merges as ever and the server takes her
/// value in (her phone stops showing it on its way); the review stays as it is.
pub fn takes_submission(review: &Review, reviewed_fields: bool, in_the_last_day: u32, now_ms: u64) -> bool {
    if in_the_last_day >= SUBMISSIONS_A_DAY {
        return false;
    }
    let waiting_unchanged = review.state == rules::ReviewState::Submitted && !reviewed_fields;
    let submitted = review
        .submitted_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| at.timestamp_millis());
    !(waiting_unchanged && submitted.is_some_and(|at| (now_ms as i64) - at < SUBMISSION_GAP_MS))
}

#[derive(SurrealValue)]
struct Submissions {
    record: String,
    n: i64,
}

/// How often each of `records` was submitted in the last day (`takes_submission`), in a push's transaction.
pub async fn submitted_lately(
    transaction: &Transaction<Any>,
    who: &Owner,
    records: Vec<String>,
) -> Result<BTreeMap<RecordId, u32>, StoreError> {
    let rows: Vec<Submissions> = transaction
        .query(
            "SELECT record, count() AS n FROM review_event
                 WHERE owner = $owner AND record IN $keys AND action = 'submitted' AND at > time::now() - 1d
                 GROUP BY record",
        )
        .bind(("owner", who.to_string()))
        .bind(("keys", records))
        .await?
        .check()?
        .take(0)?;
    let mut submitted = BTreeMap::new();
    for row in rows {
        let record = row.record.parse::<RecordId>().map_err(|e| StoreError::Corrupt(format!("{e:?}")))?;
        submitted.insert(record, row.n.max(0) as u32);
    }
    Ok(submitted)
}

/// Runs the review rules over a planned push: sets the `review` server field
/// on records whose review changed (before the plan is written) and says
/// what else to write. `submitted_lately`: each item's submissions in the last day.
pub fn after_push(
    plan: &mut Plan,
    before: &BTreeMap<RecordId, Record>,
    submitted_lately: &BTreeMap<RecordId, u32>,
    now_ms: u64,
) -> Vec<Reviewed> {
    let now = rfc3339(now_ms);
    let mut reviewed = Vec::new();
    for change in &mut plan.changes {
        let record = &mut change.record;
        if !rules::is_reviewed_kind(record.kind()) {
            continue;
        }
        let mut edited = rules::edited(before.get(&record.id()), record);
        let review = Review::of(record);
        if edited.deleted {
            // Off the public side and out of the queue: her review says so.
            if let Some(next) = rules::unpublished(&review, &now) {
                set_review(record, &next, now_ms);
            }
            reviewed.push(Reviewed::Deleted { kind: record.kind(), id: record.id() });
            continue;
        }
        // Brought back by an edit newer than its deletion: a draft to submit
        // again (one deleted before the server said so on deletion, too).
        let revived = edited.revived.then(|| rules::unpublished(&review, &now)).flatten();
        let changed = revived.is_some();
        let review = revived.unwrap_or(review);
        edited.as_approved = (edited.submitted || edited.reviewed_fields)
            && review
                .approved_content
                .as_ref()
                .is_some_and(|mark| *mark == content_mark(record.kind(), &rules::content(record)));
        // A record missing what its kind requires is not taken (a blank storefront).
        let missing: Vec<String> = if edited.submitted && !edited.as_approved {
            rules::missing(record).into_iter().map(str::to_owned).collect()
        } else {
            Vec::new()
        };
        let lately = submitted_lately.get(&record.id()).copied().unwrap_or(0);
        let held = edited.submitted
            && (!missing.is_empty() || !takes_submission(&review, edited.reviewed_fields, lately, now_ms));
        edited.submitted &= !held;
        let mut next = rules::after_push(&review, &edited, &now);
        if held {
            next = Some(Review {
                submission: edited.submission.clone(),
                missing,
                ..next.unwrap_or_else(|| review.clone())
            });
        }
        // Approved again as it was: nothing new for the desk.
        let submitted = edited.submitted && next.as_ref().is_some_and(|n| n.state == rules::ReviewState::Submitted);
        // Buyers see a revision of it: price, stock and order go public at once.
        let public = review.public_revision.is_some();
        if changed || next.is_some() {
            let next = next.unwrap_or(review);
            set_review(record, &next, now_ms);
            reviewed.push(Reviewed::Review { record: record.clone(), review: next, submitted });
        }
        if !edited.public_fields.is_empty() && public {
            reviewed.push(Reviewed::Public { record: record.clone() });
        }
    }
    reviewed
}

/// Sets the `review` server field, stamped by the server's own device.
fn set_review(record: &mut Record, review: &Review, now_ms: u64) {
    let fields = Fields::from([(rules::REVIEW.to_owned(), review.to_value())]);
    sawda_sync::server::set_server_fields(&mut desk_clock(), record, &fields, now_ms);
}

/// The mark of some content's reviewed fields kept with an approval
/// ([`Review::approved_content`]): SHA-256, so no other content shares it.
pub fn content_mark(kind: Kind, content: &BTreeMap<String, serde_json::Value>) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(rules::reviewed_text(kind, content).as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub fn rfc3339(ms: u64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64).unwrap_or_default().to_rfc3339()
}

#[derive(SurrealValue)]
struct OwnerFacts {
    name: String,
    district: Option<String>,
}

/// Writes what a push did to reviewed items, in its transaction.
pub async fn write_after_push(
    transaction: &Transaction<Any>,
    who: &Owner,
    reviewed: Vec<Reviewed>,
) -> Result<(), StoreError> {
    if reviewed.is_empty() {
        return Ok(());
    }
    let facts: Option<OwnerFacts> = transaction
        .query("(SELECT name, district FROM type::record('account', $owner))[0]")
        .bind(("owner", who.to_string()))
        .await?
        .check()?
        .take(0)?;
    let facts = facts.unwrap_or(OwnerFacts { name: String::new(), district: None });
    for item in reviewed {
        match item {
            Reviewed::Review { record, review, submitted } => {
                let category = category_of(transaction, who, &record).await?;
                let snapshot = submitted.then(|| serde_json::to_string(&rules::content(&record)).expect("JSON"));
                let name = record.get("name").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
                transaction
                    .query(
                        "UPSERT type::record('review_item', [$owner, $record]) MERGE {
                             owner: $owner, record: $record, kind: $kind, district: $district, category: $category,
                             name: $name, owner_name: $owner_name, state: $state, revision: $revision
                         };
                         IF $snapshot != NONE {
                             UPDATE type::record('review_item', [$owner, $record])
                                 SET snapshot = $snapshot, submitted_at = time::now();
                             CREATE review_event CONTENT {
                                 owner: $owner, record: $record, kind: $kind, district: $district,
                                 action: 'submitted', revision: $revision, by: $owner, by_name: $owner_name
                             };
                         };",
                    )
                    .bind(("owner", who.to_string()))
                    .bind(("record", record.id().to_string()))
                    .bind(("kind", record.kind().name()))
                    .bind(("district", facts.district.clone()))
                    .bind(("category", category))
                    .bind(("name", name))
                    .bind(("owner_name", facts.name.clone()))
                    .bind(("state", review.state.id()))
                    .bind(("revision", i64::from(review.revision)))
                    .bind(("snapshot", snapshot))
                    .await?
                    .check()?;
            }
            Reviewed::Public { record } => approved::write::update_public_fields(transaction, who, &record).await?,
            Reviewed::Deleted { kind, id } => {
                approved::write::unpublish(transaction, who, kind, id).await?;
                transaction
                    .query("DELETE type::record('review_item', [$owner, $record])")
                    .bind(("owner", who.to_string()))
                    .bind(("record", id.to_string()))
                    .await?
                    .check()?;
            }
        }
    }
    Ok(())
}

/// A product's category is its storefront's.
async fn category_of(
    transaction: &Transaction<Any>,
    who: &Owner,
    record: &Record,
) -> Result<Option<String>, StoreError> {
    if record.kind() == Kind::Storefront {
        return Ok(record.get("category").and_then(|v| v.as_str()).map(str::to_owned));
    }
    let storefront = app::rules::records::storefront::storefront_id(who);
    let body: Option<String> = transaction
        .query("(SELECT VALUE body FROM type::record('sync_record', [$owner, $id]))[0]")
        .bind(("owner", who.to_string()))
        .bind(("id", storefront.to_string()))
        .await?
        .check()?
        .take(0)?;
    let category = body
        .and_then(|body| serde_json::from_str::<Record>(&body).ok())
        .and_then(|r| r.get("category").and_then(|v| v.as_str()).map(str::to_owned));
    Ok(category)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: u64) -> Option<String> {
        Some(rfc3339(ms))
    }

    #[test]
    fn an_item_waiting_unchanged_is_submitted_once_every_ten_minutes_and_any_item_five_times_a_day() {
        use rules::ReviewState::*;
        let now = 1_760_000_000_000u64;
        let minute = 60_000;
        assert!(takes_submission(&Review::default(), true, 0, now), "the first one");
        let waiting = Review { state: Submitted, revision: 1, submitted_at: at(now - 9 * minute), ..Review::default() };
        assert!(!takes_submission(&waiting, false, 1, now), "already submitted nine minutes ago, unchanged");
        assert!(takes_submission(&waiting, true, 1, now), "her fix of a typo goes at once");
        let waited = Review { submitted_at: at(now - 10 * minute), ..waiting.clone() };
        assert!(takes_submission(&waited, false, 1, now));
        // Edited since (a draft again), or decided: at once.
        for state in [Draft, ChangesRequested, Approved, Withdrawn] {
            assert!(takes_submission(&Review { state, ..waiting.clone() }, false, 1, now), "{state:?}");
            assert!(!takes_submission(&Review { state, ..waiting.clone() }, true, SUBMISSIONS_A_DAY, now), "{state:?}");
        }
    }
}
