//! What a push from her phone does beyond her records, in the push's own
//! transaction: a deleted order request forgets its buyer, the review
//! desk takes what she submitted (so a submission commits with its edit),
//! her ads' public pages follow her ads (`ads`), and the programme counts
//! what it reports (`programme`).
//! The sync store runs it through [`PushHook`] and knows neither.

use std::collections::{BTreeMap, BTreeSet};

use app::rules::review as rules;
use sawda_sync::protocol::Snapshot;
use sawda_sync::server::Plan;
use sawda_sync::{Action, Mutation, Owner, Record, RecordId};
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;

use crate::infra::database::StoreError;
use crate::sync::store::PushHook;
use crate::{ads, orders, programme, review};

/// The hook every push from a phone runs with.
#[derive(Clone, Copy, Debug, Default)]
pub struct AfterPush;

pub struct Pending {
    /// Each item's submissions in the last day.
    submitted_lately: BTreeMap<RecordId, u32>,
    /// The reviewed records as they were before the push.
    before: BTreeMap<RecordId, Record>,
    reviewed: Vec<review::Reviewed>,
    ads: Vec<ads::AdChange>,
    /// The records the programme's counts read, as they were before the push.
    counted_before: BTreeMap<RecordId, Record>,
    pushed: programme::Pushed,
}

impl PushHook for AfterPush {
    type Pending = Pending;

    async fn read(
        self,
        transaction: &Transaction<Any>,
        who: &Owner,
        mutations: &[Mutation],
    ) -> Result<Pending, StoreError> {
        // Only a push that sets an item's submission can be held by the day's
        // count: the others (most pushes) skip reading it.
        let submitting: BTreeSet<String> = mutations
            .iter()
            .filter(|m| matches!(&m.action, Action::Set(fields) if fields.contains_key(rules::SUBMITTED)))
            .map(|m| m.record.to_string())
            .collect();
        let submitted_lately = if submitting.is_empty() {
            BTreeMap::new()
        } else {
            review::submitted_lately(transaction, who, submitting.into_iter().collect()).await?
        };
        Ok(Pending {
            submitted_lately,
            before: BTreeMap::new(),
            reviewed: Vec::new(),
            ads: Vec::new(),
            counted_before: BTreeMap::new(),
            pushed: programme::Pushed::default(),
        })
    }

    fn before(self, pending: &mut Pending, records: &BTreeMap<RecordId, Snapshot>) {
        pending.before = review::reviewed_records(records);
        pending.counted_before = programme::before_push(records);
    }

    fn amend(self, pending: &mut Pending, plan: &mut Plan, now_ms: u64) {
        orders::forget_deleted(plan, now_ms);
        pending.reviewed = review::after_push(plan, &pending.before, &pending.submitted_lately, now_ms);
        pending.ads = ads::after_push(plan);
        pending.pushed = programme::of_push(plan, &pending.counted_before);
    }

    async fn write(self, transaction: &Transaction<Any>, who: &Owner, pending: Pending) -> Result<(), StoreError> {
        review::write_after_push(transaction, who, pending.reviewed).await?;
        ads::write_after_push(transaction, who, pending.ads).await?;
        programme::write_push(transaction, who, pending.pushed).await
    }
}
