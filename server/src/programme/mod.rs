//! The programme's figures (`/review/dashboard`): what the programme reports,
//! per district and in total, over a range of days. Counted as things happen
//! ([`tally`]: each count in the transaction of what it counts), read from
//! those counts and one index ([`figures`]), drawn as a page without script
//! and as CSV ([`page`]). What a push from her phone adds is read here from
//! her records before and after it, so the sync store knows nothing of it.

pub mod figures;
pub mod page;
pub mod tally;

use std::collections::BTreeMap;

use app::rules::records::order_request::{STATUS, Status};
use app::rules::review::{Review, ReviewState};
use sawda_sync::protocol::Snapshot;
use sawda_sync::server::Plan;
use sawda_sync::{Kind, Owner, Record, RecordId};
use serde_json::Value;
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;

use crate::infra::database::StoreError;
use tally::{Entrepreneur, Event, Standing, Tally};

/// A storefront's review state, `None` when there is none (never made, or deleted).
pub fn storefront_state(record: Option<&Record>) -> Option<ReviewState> {
    record.filter(|r| r.kind() == Kind::Storefront && !r.is_deleted()).map(|r| Review::of(r).state)
}

/// Whether an order request is done (she marked it so).
fn order_done(record: Option<&Record>) -> bool {
    record.is_some_and(|r| {
        r.kind() == Kind::OrderRequest
            && !r.is_deleted()
            && r.get(STATUS).and_then(Value::as_str) == Some(Status::Done.id())
    })
}

/// The records a push's counts are read from, as they were before it.
pub fn before_push(records: &BTreeMap<RecordId, Snapshot>) -> BTreeMap<RecordId, Record> {
    records
        .iter()
        .filter(|(_, s)| matches!(s.record.kind(), Kind::Storefront | Kind::AdPost | Kind::OrderRequest))
        .map(|(id, s)| (*id, s.record.clone()))
        .collect()
}

/// What a push did that the programme counts.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pushed {
    /// It changed something of hers: she is active today.
    pub edited: bool,
    /// Her storefront's state before and after, when it changed.
    pub storefront: Option<(Option<ReviewState>, Option<ReviewState>)>,
    pub ads_published: u32,
    pub orders_done: u32,
}

/// Reads a planned push against the records before it (`before_push`).
pub fn of_push(plan: &Plan, before: &BTreeMap<RecordId, Record>) -> Pushed {
    let mut pushed = Pushed { edited: !plan.changes.is_empty(), ..Pushed::default() };
    for change in &plan.changes {
        let after = &change.record;
        let was = before.get(&after.id());
        match after.kind() {
            Kind::Storefront => {
                let (from, to) = (storefront_state(was), storefront_state(Some(after)));
                if from != to {
                    pushed.storefront = Some((from, to));
                }
            }
            Kind::AdPost => {
                let live = |r: &Record| matches!(crate::ads::page_of(r), crate::ads::AdChange::Show(_));
                if live(after) && !was.is_some_and(live) {
                    pushed.ads_published += 1;
                }
            }
            Kind::OrderRequest if order_done(Some(after)) && !order_done(was) => pushed.orders_done += 1,
            _ => {}
        }
    }
    pushed
}

/// Writes a push's counts, in its transaction.
pub async fn write_push(transaction: &Transaction<Any>, who: &Owner, pushed: Pushed) -> Result<(), StoreError> {
    if !pushed.edited {
        return Ok(());
    }
    let her = Entrepreneur::read(transaction, who.as_str()).await?;
    let today = tally::today();
    her.edited(transaction, today).await?;
    let Some(district) = her.district.as_deref() else { return Ok(()) };
    let mut tally = Tally::default();
    if let Some((from, to)) = pushed.storefront {
        tally.storefront(district, her.led_by, from, to);
    }
    for _ in 0..pushed.ads_published {
        tally.add(district, today, Event::AdPublished);
    }
    for _ in 0..pushed.orders_done {
        tally.add(district, today, Event::OrderDone);
    }
    tally.write(transaction).await
}

/// A buyer's order request arrived at a storefront of `district` at `at_ms`, in its transaction.
pub async fn order_received(transaction: &Transaction<Any>, district: &str, at_ms: u64) -> Result<(), StoreError> {
    let at = chrono::DateTime::from_timestamp_millis(at_ms as i64).unwrap_or_default();
    let mut tally = Tally::default();
    tally.add(district, tally::day_of(at), Event::OrderReceived);
    tally.write(transaction).await
}

/// A decision or withdrawal at the desk, in its transaction: a storefront's
/// state moves; a decision counts with its minutes since her submission.
pub struct AtTheDesk<'a> {
    pub district: Option<&'a str>,
    pub kind: Kind,
    pub from: ReviewState,
    pub to: ReviewState,
    /// A decision's submission time (a withdrawal has none).
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn write_desk(transaction: &Transaction<Any>, act: AtTheDesk<'_>) -> Result<(), StoreError> {
    let Some(district) = act.district else { return Ok(()) };
    let now = chrono::Utc::now();
    let mut tally = Tally::default();
    if let Some(submitted_at) = act.submitted_at {
        tally.add(district, tally::day_of(now), Event::Decided { minutes: (now - submitted_at).num_minutes() });
        if act.kind == Kind::Product && act.to == ReviewState::Approved {
            tally.add(district, tally::day_of(now), Event::ProductApproved);
        }
    }
    if act.kind == Kind::Storefront {
        tally.moved(district, Some(Standing::Storefront(act.from)), Some(Standing::Storefront(act.to)));
    }
    tally.write(transaction).await
}
