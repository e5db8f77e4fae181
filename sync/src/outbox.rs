//! The outbox: edits made on the device that the server has not confirmed.
//!
//! Stored with the rest of the device's data (browser local storage), so a
//! reload, a crash or a week offline loses nothing. Its [`Outbox::len`] is the
//! "N changes waiting" the app shows.
//!
//! Two edits of the same record that have not been sent yet are combined into
//! one mutation (the later one, with its id and stamp, carrying the fields of
//! both): typing into a form queues one mutation per record, not one per
//! keystroke. A mutation handed out for sending is left as it is, so that the
//! answer to that push settles it and its fields do not travel twice.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};

use crate::ids::{MutationId, RecordId};
use crate::mutation::{Action, Mutation, Rejection};
use crate::protocol::{Limits, Outcome, PushResponse, batch_len};
use crate::record::Fields;

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Queued {
    mutation: Mutation,
    /// Handed out by [`Outbox::next_batch`]: no longer combined with later edits.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    sent: bool,
}

/// What the server refused of a mutation, kept for the app to show with
/// what she typed (and not retried): the whole mutation with one reason, or
/// only its refused fields with one reason per field.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(try_from = "RefusedData")]
pub struct Refused {
    pub mutation: Mutation,
    pub reasons: Vec<Rejection>,
}

/// The stored form; a store written by protocol 2 holds one `rejection`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RefusedData {
    mutation: Mutation,
    #[serde(default)]
    reasons: Vec<Rejection>,
    #[serde(default)]
    rejection: Option<Rejection>,
}

impl TryFrom<RefusedData> for Refused {
    type Error = String;

    fn try_from(data: RefusedData) -> Result<Self, String> {
        let mut reasons = data.reasons;
        reasons.extend(data.rejection);
        if reasons.is_empty() {
            return Err(format!("refused mutation {} has no reason", data.mutation.id));
        }
        Ok(Refused { mutation: data.mutation, reasons })
    }
}

impl Refused {
    /// The reason a field was refused, if it was (a whole refusal covers every field).
    pub fn reason_for(&self, field: &str) -> Option<&Rejection> {
        self.reasons.iter().find(|r| r.field.as_deref().is_none_or(|f| f == field))
    }
}

/// How many settled and dismissed mutation ids an outbox remembers, so that
/// another tab's older copy cannot bring them back (see [`Outbox::merge`]).
pub const SETTLED_KEPT: usize = 1_000;

/// The queue of unconfirmed mutations, oldest first, and the refused ones.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outbox {
    queue: Vec<Queued>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    refused: Vec<Refused>,
    /// The latest mutations the server answered (oldest first).
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    settled: VecDeque<MutationId>,
    /// The latest refusals the person dismissed (oldest first).
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    dismissed: VecDeque<MutationId>,
}

/// Adds an id to a list kept sorted (ids are ULIDs: the oldest first), so two
/// copies that saw the same ids in another order still write the same text.
fn remember(list: &mut VecDeque<MutationId>, id: MutationId) {
    if !list.contains(&id) {
        list.push_back(id);
        list.make_contiguous().sort_unstable();
        while list.len() > SETTLED_KEPT {
            list.pop_front();
        }
    }
}

impl Outbox {
    pub fn new() -> Self {
        Outbox::default()
    }

    /// How many changes are waiting for the server.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// The waiting mutations, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Mutation> {
        self.queue.iter().map(|q| &q.mutation)
    }

    /// Whether a change to this record is waiting.
    pub fn has_pending(&self, record: RecordId) -> bool {
        self.iter().any(|m| m.record == record)
    }

    /// Mutations the server refused, for the app to show.
    pub fn refused(&self) -> &[Refused] {
        &self.refused
    }

    /// Forgets a refused mutation once the user has seen it.
    pub fn dismiss(&mut self, id: MutationId) {
        self.refused.retain(|r| r.mutation.id != id);
        remember(&mut self.dismissed, id);
    }

    /// Forgets one refused field of a refused mutation (she put it back in
    /// the form); the mutation goes once no refused field is left.
    pub fn dismiss_field(&mut self, id: MutationId, field: &str) {
        let Some(refused) = self.refused.iter_mut().find(|r| r.mutation.id == id) else { return };
        if let Action::Set(fields) = &mut refused.mutation.action {
            fields.remove(field);
            refused.reasons.retain(|r| r.field.as_deref() != Some(field));
            if !fields.is_empty() && !refused.reasons.is_empty() {
                return;
            }
        }
        self.dismiss(id);
    }

    /// Takes a queued mutation the server could not read at all (found by
    /// sending it alone) out of the queue into the refused list, so the rest
    /// of the queue goes on.
    pub fn refuse_unreadable(&mut self, id: MutationId, message: &str) -> Option<Mutation> {
        let i = self.queue.iter().position(|q| q.mutation.id == id)?;
        let mutation = self.queue.remove(i).mutation;
        remember(&mut self.settled, id);
        let reason = Rejection::new(crate::mutation::RejectCode::Unreadable, message);
        self.refused.push(Refused { mutation: mutation.clone(), reasons: vec![reason] });
        self.refused.sort_by_key(|r| r.mutation.id);
        Some(mutation)
    }

    /// Queues a mutation (already validated by the caller) and returns what
    /// is queued for its record: the mutation itself, or the unsent mutation
    /// it was combined into.
    pub fn enqueue(&mut self, mutation: Mutation) -> &Mutation {
        let last_of_record = self.queue.iter().rposition(|q| q.mutation.record == mutation.record);
        if let Some(i) = last_of_record
            && let Some(combined) = combine(&self.queue[i], &mutation)
        {
            self.queue[i].mutation = combined;
            return &self.queue[i].mutation;
        }
        self.queue.push(Queued { mutation, sent: false });
        &self.queue[self.queue.len() - 1].mutation
    }

    /// Marks every queued mutation as no longer to be combined with later
    /// edits, as if sent. Done when another tab may hold a copy of the queue:
    /// were both tabs to fold their next edit into the same queued mutation,
    /// each would carry its older fields forward under a newer stamp, and the
    /// stale tab's copy could then beat the other tab's newer value.
    pub fn seal(&mut self) {
        for queued in &mut self.queue {
            queued.sent = true;
        }
    }

    /// Seals the queued mutations of one record: a pull changed it, and a
    /// later edit folded into them would re-stamp values she has seen replaced.
    pub fn seal_record(&mut self, record: RecordId) {
        for queued in self.queue.iter_mut().filter(|q| q.mutation.record == record) {
            queued.sent = true;
        }
    }

    /// Queues a mutation that is never folded with later edits. One the
    /// server answered before (a server since restored) is no longer settled:
    /// another tab's copy must not drop it as answered.
    pub fn enqueue_sealed(&mut self, mutation: Mutation) {
        self.settled.retain(|id| *id != mutation.id);
        self.queue.push(Queued { mutation, sent: true });
    }

    /// Empties the queue: after a restore the device sends what its records
    /// hold instead, which includes every queued edit. The ids are not
    /// remembered as answered: ids sent again are made from content and come
    /// back with the same content after a later restore, which must not be
    /// taken for answered. (Another tab's older copy may bring a dropped edit
    /// back: sent again, it changes nothing.)
    pub fn forget_queue(&mut self) {
        self.queue.clear();
    }

    /// Puts the queue in stamp order (as [`Outbox::merge`] leaves it): after
    /// a restore, the copies sent again go before the newer edits of the same
    /// records, so the one that makes a record arrives first.
    pub fn order_by_stamp(&mut self) {
        self.queue.sort_by_key(|q| (q.mutation.at, q.mutation.id));
    }

    /// The next push: the oldest waiting mutations within `limits`, including
    /// ones sent before and not yet confirmed (resending them is safe).
    pub fn next_batch(&mut self, limits: Limits) -> Vec<Mutation> {
        let n = batch_len(self.iter(), limits);
        self.queue[..n]
            .iter_mut()
            .map(|q| {
                q.sent = true;
                q.mutation.clone()
            })
            .collect()
    }

    /// Takes in the server's answer: applied and duplicate mutations leave
    /// the queue; rejected ones leave it for the refused list. Answers for
    /// mutations no longer queued (a late or repeated response) are ignored.
    /// Returns each mutation that left the queue with its outcome.
    pub fn acknowledge(&mut self, response: &PushResponse) -> Vec<(Mutation, Outcome)> {
        let outcomes: BTreeMap<MutationId, &Outcome> = response.results.iter().map(|r| (r.id, &r.result)).collect();
        let mut settled = Vec::new();
        self.queue.retain(|q| match outcomes.get(&q.mutation.id) {
            Some(outcome) => {
                settled.push((q.mutation.clone(), (*outcome).clone()));
                false
            }
            None => true,
        });
        for (mutation, _) in &settled {
            remember(&mut self.settled, mutation.id);
        }
        for (mutation, outcome) in &settled {
            if self.refused.iter().any(|r| r.mutation.id == mutation.id) {
                continue;
            }
            match outcome {
                Outcome::Rejected(rejection) => {
                    self.refused.push(Refused { mutation: mutation.clone(), reasons: vec![rejection.clone()] });
                }
                Outcome::FieldsRefused(reasons) => {
                    let (refused, _) = split_refused(mutation, reasons);
                    self.refused.push(Refused { mutation: refused, reasons: reasons.clone() });
                }
                Outcome::Applied | Outcome::Duplicate => {}
            }
        }
        self.refused.sort_by_key(|r| r.mutation.id);
        settled
    }
}

impl Outbox {
    /// Takes in another copy of this device's outbox (another tab wrote the
    /// store meanwhile): the union of both queues, oldest first, without what
    /// either copy saw the server answer; and of both refused lists, without
    /// what either copy dismissed. Everything queued is sealed (see
    /// [`Outbox::seal`]). Returns the mutations this copy still had queued
    /// that the other saw answered.
    pub fn merge(&mut self, other: &Outbox) -> Vec<Mutation> {
        self.seal();
        let theirs_settled: BTreeSet<MutationId> = other.settled.iter().copied().collect();
        let ours_settled: BTreeSet<MutationId> = self.settled.iter().copied().collect();
        let (dropped, kept): (Vec<Queued>, Vec<Queued>) =
            std::mem::take(&mut self.queue).into_iter().partition(|q| theirs_settled.contains(&q.mutation.id));
        self.queue = kept;
        for theirs in &other.queue {
            let id = theirs.mutation.id;
            if !ours_settled.contains(&id) && self.queue.iter().all(|q| q.mutation.id != id) {
                self.queue.push(Queued { mutation: theirs.mutation.clone(), sent: true });
            }
        }
        self.queue.sort_by_key(|q| (q.mutation.at, q.mutation.id));
        for id in &other.settled {
            remember(&mut self.settled, *id);
        }
        for id in &other.dismissed {
            remember(&mut self.dismissed, *id);
        }
        for refused in &other.refused {
            if self.refused.iter().all(|r| r.mutation.id != refused.mutation.id) {
                self.refused.push(refused.clone());
            }
        }
        let dismissed = &self.dismissed;
        self.refused.retain(|r| !dismissed.contains(&r.mutation.id));
        // One order whatever each copy saw first, so two tabs that merged
        // each other's copies write the same text and stop (no ping-pong).
        self.refused.sort_by_key(|r| r.mutation.id);
        dropped.into_iter().map(|q| q.mutation).collect()
    }

    /// Whether this copy saw the server refuse the mutation `id`.
    pub fn was_refused(&self, id: MutationId) -> bool {
        self.refused.iter().any(|r| r.mutation.id == id) || (self.settled.contains(&id) && self.dismissed.contains(&id))
    }
}

/// A mutation answered `fields_refused` split into its refused fields and
/// its applied ones (either `None` when empty).
pub fn split_refused(mutation: &Mutation, reasons: &[Rejection]) -> (Mutation, Option<Mutation>) {
    let Action::Set(fields) = &mutation.action else { return (mutation.clone(), None) };
    let refused = |name: &String| reasons.iter().any(|r| r.field.as_ref() == Some(name));
    let (bad, good): (Fields, Fields) =
        fields.iter().map(|(k, v)| (k.clone(), v.clone())).partition(|(k, _)| refused(k));
    let applied = (!good.is_empty()).then(|| mutation.with_fields(good));
    (mutation.with_fields(bad), applied)
}

/// `later` folded into `earlier` when that is safe: never sent, both set
/// fields, and the result still a valid mutation.
fn combine(earlier: &Queued, later: &Mutation) -> Option<Mutation> {
    let (Action::Set(old), Action::Set(new)) = (&earlier.mutation.action, &later.action) else {
        return None;
    };
    if earlier.sent {
        return None;
    }
    let mut fields = old.clone();
    fields.extend(new.iter().map(|(k, v)| (k.clone(), v.clone())));
    // The later stamp now covers the earlier fields too: it moves the
    // device's own edit forward in time. Another device's edit made in
    // between then loses to it and goes to history, as any concurrent loser.
    let combined = Mutation { action: Action::Set(fields), ..later.clone() };
    combined.validate().is_ok().then_some(combined)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Stamp;
    use crate::ids::DeviceId;
    use crate::mutation::{MAX_FIELDS_PER_MUTATION, RejectCode};
    use crate::protocol::MutationResult;
    use crate::record::Kind;
    use serde_json::json;

    fn record(n: u8) -> RecordId {
        RecordId::new(1, [n; 10])
    }

    fn set(n: u64, rec: u8, fields: &[(&str, i64)]) -> Mutation {
        Mutation {
            id: MutationId::new(n, [0; 10]),
            record: record(rec),
            kind: Kind::Product,
            owner: "user:amina".parse().unwrap(),
            at: Stamp::new(n, 0, DeviceId::new(1, [1; 10])),
            action: Action::Set(fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect()),
        }
    }

    fn answer(results: &[(MutationId, Outcome)]) -> PushResponse {
        PushResponse {
            epoch: None,
            results: results.iter().map(|(id, result)| MutationResult { id: *id, result: result.clone() }).collect(),
        }
    }

    #[test]
    fn unsent_edits_of_a_record_are_combined() {
        let mut outbox = Outbox::new();
        outbox.enqueue(set(1, 1, &[("name", 1), ("price", 1)]));
        outbox.enqueue(set(2, 2, &[("name", 2)]));
        let combined = outbox.enqueue(set(3, 1, &[("price", 3)])).clone();
        assert_eq!(outbox.len(), 2);
        assert_eq!(combined.id, MutationId::new(3, [0; 10]));
        assert_eq!(combined.at, set(3, 1, &[]).at);
        assert_eq!(combined.action, set(0, 0, &[("name", 1), ("price", 3)]).action);
    }

    #[test]
    fn sent_edits_and_deletions_are_not_combined() {
        let mut outbox = Outbox::new();
        outbox.enqueue(set(1, 1, &[("name", 1)]));
        assert_eq!(outbox.next_batch(Limits::DEFAULT).len(), 1);
        outbox.enqueue(set(2, 1, &[("name", 2)]));
        assert_eq!(outbox.len(), 2, "the answer to the sent one will settle it");
        outbox.enqueue(Mutation { action: Action::Delete, ..set(3, 1, &[]) });
        outbox.enqueue(set(4, 1, &[("name", 4)]));
        assert_eq!(outbox.len(), 4);
        // Only up to a valid mutation.
        let mut outbox = Outbox::new();
        let many: Vec<(String, i64)> = (0..MAX_FIELDS_PER_MUTATION).map(|n| (format!("f{n}"), 0)).collect();
        let many: Vec<(&str, i64)> = many.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        outbox.enqueue(set(1, 1, &many));
        outbox.enqueue(set(2, 1, &[("one_more", 1)]));
        assert_eq!(outbox.len(), 2);
    }

    #[test]
    fn batches_resend_until_acknowledged() {
        let mut outbox = Outbox::new();
        for n in 0..5 {
            outbox.enqueue(set(n, n as u8, &[("name", 0)]));
        }
        let limits = Limits { max_mutations: 2, ..Limits::DEFAULT };
        let first = outbox.next_batch(limits);
        assert_eq!(first.len(), 2);
        assert_eq!(outbox.next_batch(limits), first, "unanswered: sent again");
        outbox.acknowledge(&answer(&[(first[0].id, Outcome::Applied), (first[1].id, Outcome::Duplicate)]));
        assert_eq!(outbox.len(), 3);
        assert_ne!(outbox.next_batch(limits), first);
    }

    #[test]
    fn a_mutation_queued_again_after_a_restore_is_not_dropped_as_answered() {
        let mut outbox = Outbox::new();
        let m = outbox.enqueue(set(1, 1, &[("name", 1)])).clone();
        outbox.next_batch(Limits::DEFAULT);
        outbox.acknowledge(&answer(&[(m.id, Outcome::Applied)]));
        // The server was restored: the same mutation goes again.
        outbox.enqueue_sealed(m.clone());
        let other_tab = outbox.clone();
        assert!(outbox.merge(&other_tab).is_empty());
        assert_eq!(outbox.iter().collect::<Vec<_>>(), [&m]);
        // Restored again before it was answered: the queue is dropped for the
        // copies, which hold the same mutation (its id made from its content).
        // Another tab that queued it still sends it: nothing took it as answered.
        let other_tab = outbox.clone();
        outbox.forget_queue();
        assert!(outbox.merge(&other_tab).is_empty());
        assert_eq!(outbox.iter().collect::<Vec<_>>(), [&m]);
    }

    #[test]
    fn rejected_ones_leave_the_queue_for_the_refused_list() {
        let mut outbox = Outbox::new();
        let a = outbox.enqueue(set(1, 1, &[("name", 1)])).clone();
        let b = outbox.enqueue(set(2, 2, &[("name", 2)])).clone();
        let c = outbox.enqueue(set(3, 3, &[("name", 3)])).clone();
        outbox.next_batch(Limits::DEFAULT);
        let no = Rejection::new(RejectCode::NotOwner, "not yours");
        let settled = outbox.acknowledge(&answer(&[
            (a.id, Outcome::Rejected(no.clone())),
            (b.id, Outcome::Applied),
            (MutationId::new(99, [9; 10]), Outcome::Applied),
        ]));
        assert_eq!(settled.len(), 2);
        assert_eq!(outbox.iter().collect::<Vec<_>>(), [&c]);
        assert_eq!(outbox.refused(), [Refused { mutation: a.clone(), reasons: vec![no] }]);
        // The same answer again (a duplicated response) changes nothing.
        let before = outbox.clone();
        assert!(outbox.acknowledge(&answer(&[(a.id, Outcome::Applied)])).is_empty());
        assert_eq!(outbox, before);
        outbox.dismiss(a.id);
        assert!(outbox.refused().is_empty());
    }

    #[test]
    fn stored_form_round_trips_and_bad_input_is_refused() {
        let mut outbox = Outbox::new();
        outbox.enqueue(set(1, 1, &[("name", 1)]));
        outbox.next_batch(Limits::DEFAULT);
        outbox.enqueue(set(2, 2, &[("name", 2)]));
        let json = serde_json::to_string(&outbox).unwrap();
        assert!(json.contains(r#""sent":true"#), "{json}");
        assert_eq!(serde_json::from_str::<Outbox>(&json).unwrap(), outbox);
        for bad in [r#"{"queue":[{"sent":true}]}"#, r#"{"queue":[],"extra":1}"#, r#"{"queue":{}}"#, "[]"] {
            assert!(serde_json::from_str::<Outbox>(bad).is_err(), "{bad}");
        }
        assert_eq!(serde_json::from_str::<Outbox>(r#"{"queue":[]}"#).unwrap(), Outbox::new());
    }
}
