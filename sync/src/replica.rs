//! The device's copy of its records: what the app reads and edits.
//!
//! A [`Replica`] holds the records, the [`Outbox`], the pull cursor and the
//! clock; the app stores it per signed-in person, as parts ([`Head`],
//! records, server copies, outbox: [`Replica::from_parts`]).
//! An edit is applied to the local record at once and queued; a pull joins the
//! server's copies in without losing queued edits (merging keeps the newer
//! value whichever side it is on).
//!
//! While a record has queued edits, the replica also keeps the server's copy
//! as last known (`confirmed`), so that when the server refuses an edit the
//! record is rebuilt without it: server copy + the edits still queued.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::hlc::{Clock, Stamp};
use crate::ids::{DeviceId, MutationId, Owner, RecordId};
use crate::merge::MergeError;
use crate::mutation::{Action, Mutation, RejectCode, Rejection};
use crate::outbox::Outbox;
use crate::outbox::split_refused;
use crate::protocol::{Epoch, Limits, Outcome, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, PushResponse};
use crate::record::{Fields, Kind, Record, by_record};

/// One device's records, queue, cursor and clock.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replica {
    owner: Owner,
    clock: Clock,
    #[serde(with = "by_record")]
    records: BTreeMap<RecordId, Record>,
    /// The server's copy of each record with queued edits, as last known.
    #[serde(default, with = "by_record", skip_serializing_if = "BTreeMap::is_empty")]
    confirmed: BTreeMap<RecordId, Record>,
    outbox: Outbox,
    cursor: u64,
    /// The server history the cursor belongs to (`None`: not pulled yet, or
    /// a store from protocol 2, which takes the first epoch it sees).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    epoch: Option<Epoch>,
    /// Records only this phone holds: a server restored from a backup
    /// refused to take them back (see [`Replica::only_here`]).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    only_here: BTreeSet<RecordId>,
}

/// The small part of a replica that is not records or the outbox: whose it
/// is, the clock, the cursor and its epoch. A store that keeps one row per
/// record ([`Replica::from_parts`]) keeps this as one more.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub owner: Owner,
    pub clock: Clock,
    pub cursor: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<Epoch>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub only_here: BTreeSet<RecordId>,
}

/// Why stored parts do not make a replica.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum PartsError {
    /// A record (or server copy) of another person than the head's.
    Foreign(RecordId),
    /// The same record twice.
    Twice(RecordId),
}

impl std::fmt::Display for PartsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PartsError::Foreign(id) => write!(f, "record {id} is another person's"),
            PartsError::Twice(id) => write!(f, "record {id} appears twice"),
        }
    }
}

impl std::error::Error for PartsError {}

/// What became of a pull page.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct PullTaken {
    /// Records that could not be taken in. A page holding another person's
    /// record is not taken in at all, and the cursor stays.
    pub problems: Vec<MergeError>,
    /// The server was restored (a new epoch): pull again from the start now.
    /// What this device holds is queued to be sent again.
    pub pull_again: bool,
}

/// How far a store's clock moves past its stored stamp when it is opened: the
/// copy on disk may be older than stamps already issued (a browser killed
/// before its last write), which must not be issued twice.
pub const OPEN_ADVANCE_MS: u64 = 60_000;

impl Replica {
    /// A new, empty store for `owner` on this device.
    pub fn new(device: DeviceId, owner: Owner) -> Self {
        Replica {
            owner,
            clock: Clock::new(device),
            records: BTreeMap::new(),
            confirmed: BTreeMap::new(),
            outbox: Outbox::new(),
            cursor: 0,
            epoch: None,
            only_here: BTreeSet::new(),
        }
    }

    /// Called when a stored copy is loaded at the device's `now_ms`: the
    /// clock moves [`OPEN_ADVANCE_MS`] past its stored stamp unless the wall
    /// clock is already further (see [`OPEN_ADVANCE_MS`]).
    pub fn opened(&mut self, now_ms: u64) {
        self.clock.advance_past_stored(now_ms, OPEN_ADVANCE_MS);
    }

    /// The server history this store's cursor belongs to.
    /// The replica from its stored parts, each checked to be the head's
    /// person's and there once.
    pub fn from_parts(
        head: Head,
        records: impl IntoIterator<Item = Record>,
        server_copies: impl IntoIterator<Item = Record>,
        outbox: Outbox,
    ) -> Result<Replica, PartsError> {
        let collect = |items: &mut dyn Iterator<Item = Record>| {
            let mut map = BTreeMap::new();
            for record in items {
                let id = record.id();
                if *record.owner() != head.owner {
                    return Err(PartsError::Foreign(id));
                }
                if map.insert(id, record).is_some() {
                    return Err(PartsError::Twice(id));
                }
            }
            Ok(map)
        };
        let records = collect(&mut records.into_iter())?;
        let confirmed = collect(&mut server_copies.into_iter())?;
        Ok(Replica {
            owner: head.owner,
            clock: head.clock,
            records,
            confirmed,
            outbox,
            cursor: head.cursor,
            epoch: head.epoch,
            only_here: head.only_here,
        })
    }

    pub fn head(&self) -> Head {
        Head {
            owner: self.owner.clone(),
            clock: self.clock.clone(),
            cursor: self.cursor,
            epoch: self.epoch.clone(),
            only_here: self.only_here.clone(),
        }
    }

    /// Records that only this phone holds: after a restore from a backup,
    /// the server refused to take back its copy of them (a server older than
    /// this app, her holdings full, a request the buyer's form would not
    /// take). The phone keeps each as she had it, never removed for that, and
    /// the studio says it is only on this phone; the refusals are in
    /// [`Outbox::refused`] (their mutations are re-sends:
    /// [`Mutation::is_resend`]). A record leaves this list when the server
    /// has it again: when its copy is pulled (the server's copy then replaces
    /// the kept one, plus her queued edits) or when an edit of it is applied
    /// (the server made it again of that edit): then the rest of it goes
    /// again as she has it.
    pub fn only_here(&self) -> impl Iterator<Item = RecordId> + '_ {
        self.only_here.iter().copied()
    }

    pub fn is_only_here(&self, record: RecordId) -> bool {
        self.only_here.contains(&record)
    }

    /// The server's copy, as last known, of each record with queued edits.
    pub fn server_copies(&self) -> impl Iterator<Item = &Record> {
        self.confirmed.values()
    }

    pub fn server_copy(&self, record: RecordId) -> Option<&Record> {
        self.confirmed.get(&record)
    }

    pub fn epoch(&self) -> Option<&Epoch> {
        self.epoch.as_ref()
    }

    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    pub fn device(&self) -> DeviceId {
        self.clock.device()
    }

    pub fn record(&self, id: RecordId) -> Option<&Record> {
        self.records.get(&id)
    }

    /// Every record, deleted ones included (check [`Record::is_deleted`]).
    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values()
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Forgets a refused edit once the user has seen it.
    pub fn dismiss(&mut self, refused: MutationId) {
        self.outbox.dismiss(refused);
    }

    /// Puts a refused field's value back into its record as a new edit (she
    /// then changes it in the form) and forgets the refusal of that field.
    pub fn put_back(
        &mut self,
        refused: MutationId,
        field: &str,
        now_ms: u64,
        random: [u8; 10],
    ) -> Result<Stamp, Rejection> {
        let unknown = || Rejection::new(RejectCode::UnknownRecord, format!("no refused edit {refused} of {field}"));
        let entry = self.outbox.refused().iter().find(|r| r.mutation.id == refused).ok_or_else(unknown)?;
        let Action::Set(fields) = &entry.mutation.action else { return Err(unknown()) };
        let value = fields.get(field).ok_or_else(unknown)?.clone();
        let (record, kind) = (entry.mutation.record, entry.mutation.kind);
        let at = self.put(record, kind, Fields::from([(field.to_owned(), value)]), now_ms, random)?;
        self.outbox.dismiss_field(refused, field);
        Ok(at)
    }

    /// Takes a queued mutation the server cannot read (a 400 or 413 for it
    /// sent alone) out of the queue as refused, so the rest goes on.
    pub fn refuse_unreadable(&mut self, id: MutationId, message: &str) {
        if let Some(mutation) = self.outbox.refuse_unreadable(id, message) {
            self.settle_refused(mutation.record, mutation.is_resend());
            if !self.outbox.has_pending(mutation.record) {
                self.confirmed.remove(&mutation.record);
            }
        }
    }

    /// Stops queued edits from being combined with later ones: call it when
    /// this copy of the store is loaded while another tab may be using it
    /// (see [`Outbox::seal`]).
    pub fn seal(&mut self) {
        self.outbox.seal();
    }

    /// Where the next pull starts.
    pub fn cursor(&self) -> u64 {
        self.cursor
    }

    /// Creates a record; its id (and its first mutation's) is made from
    /// `now_ms` and `random`.
    pub fn create(&mut self, kind: Kind, fields: Fields, now_ms: u64, random: [u8; 10]) -> Result<RecordId, Rejection> {
        let id = RecordId::new(now_ms, random);
        self.submit(id, kind, Action::Set(fields), now_ms, random)?;
        Ok(id)
    }

    /// Sets fields of the record `record`, creating it when this device does
    /// not have it: for a record whose id every device derives alike (a
    /// person's storefront), so that two phones creating it offline make one.
    pub fn put(
        &mut self,
        record: RecordId,
        kind: Kind,
        fields: Fields,
        now_ms: u64,
        random: [u8; 10],
    ) -> Result<Stamp, Rejection> {
        self.submit(record, kind, Action::Set(fields), now_ms, random)
    }

    /// Sets fields of a record; returns the edit's stamp.
    pub fn edit(
        &mut self,
        record: RecordId,
        fields: Fields,
        now_ms: u64,
        random: [u8; 10],
    ) -> Result<Stamp, Rejection> {
        let kind = self.kind_of(record)?;
        self.submit(record, kind, Action::Set(fields), now_ms, random)
    }

    /// Deletes a record; returns the deletion's stamp.
    pub fn delete(&mut self, record: RecordId, now_ms: u64, random: [u8; 10]) -> Result<Stamp, Rejection> {
        let kind = self.kind_of(record)?;
        self.submit(record, kind, Action::Delete, now_ms, random)
    }

    fn kind_of(&self, record: RecordId) -> Result<Kind, Rejection> {
        self.records
            .get(&record)
            .map(Record::kind)
            .ok_or_else(|| Rejection::new(RejectCode::UnknownRecord, format!("record {record} is not on this device")))
    }

    /// Checks an edit as the server will, applies it here and queues it.
    fn submit(
        &mut self,
        record: RecordId,
        kind: Kind,
        action: Action,
        now_ms: u64,
        random: [u8; 10],
    ) -> Result<Stamp, Rejection> {
        let mutation = Mutation {
            id: MutationId::new(now_ms, random),
            record,
            kind,
            owner: self.owner.clone(),
            at: self.clock.tick(now_ms),
            action,
        };
        mutation.validate()?;
        mutation.check_write(&self.owner, self.records.get(&record))?;
        if !self.outbox.has_pending(record)
            && !self.only_here.contains(&record)
            && let Some(current) = self.records.get(&record)
        {
            // No queued edit: the local copy is all the server's (unless the
            // server refused to take it back: then it has none of it).
            self.confirmed.insert(record, current.clone());
        }
        let at = mutation.at;
        let queued = self.outbox.enqueue(mutation).clone();
        take_in(&mut self.records, &queued);
        Ok(at)
    }

    /// The next push, if anything is waiting.
    pub fn push_request(&mut self, limits: Limits) -> Option<PushRequest> {
        let mutations = self.outbox.next_batch(limits);
        (!mutations.is_empty()).then(|| PushRequest {
            version: PROTOCOL_VERSION,
            account: self.owner.clone(),
            device: self.device(),
            mutations,
        })
    }

    /// Takes in the answer to a push (any push: late and repeated answers are fine).
    pub fn receive_push(&mut self, response: &PushResponse) {
        // From a server since restored from a backup: what it applied may be
        // gone, so the mutations stay queued and go again.
        if response.epoch.as_ref().is_some_and(|e| self.epoch.as_ref().is_some_and(|mine| e < mine)) {
            return;
        }
        // From a server restored since this device last pulled: it starts
        // again as a pull of the new epoch would, and this answer's outcomes
        // are not taken: they were given before the restored server had what
        // this phone holds (a refusal there may be an edit of a record it
        // lacks yet). What the mutations carried goes again in the copies.
        if let Some(epoch) = &response.epoch
            && self.epoch.as_ref().is_some_and(|mine| mine < epoch)
        {
            self.restored(epoch.clone());
            return;
        }
        let settled = self.outbox.acknowledge(response);
        // Records kept only here of which the server took something now (an
        // edit of a product made it again): the rest goes again, as she has it.
        let taken_back: BTreeSet<RecordId> = settled
            .iter()
            .filter(|(mutation, outcome)| self.only_here.contains(&mutation.record) && took_some(mutation, outcome))
            .map(|(mutation, _)| mutation.record)
            .collect();
        // Records holding a refused edit or field: rebuilt without it.
        let refused: BTreeSet<RecordId> = settled
            .iter()
            .filter(|(_, outcome)| matches!(outcome, Outcome::Rejected(_) | Outcome::FieldsRefused(_)))
            .map(|(mutation, _)| mutation.record)
            .filter(|record| !taken_back.contains(record))
            .collect();
        for (mutation, outcome) in &settled {
            // What the server has: part of its copy, for records still to be rebuilt.
            let applied = match outcome {
                Outcome::Applied | Outcome::Duplicate => Some(mutation.clone()),
                Outcome::FieldsRefused(reasons) => split_refused(mutation, reasons).1,
                Outcome::Rejected(_) => None,
            };
            let rebuilt_later = refused.contains(&mutation.record)
                || taken_back.contains(&mutation.record)
                || self.outbox.has_pending(mutation.record);
            if let Some(applied) = applied
                && rebuilt_later
            {
                take_in(&mut self.confirmed, &applied);
            }
        }
        if !taken_back.is_empty() {
            self.only_here.retain(|id| !taken_back.contains(id));
            self.send_records_again(&taken_back.into_iter().collect::<Vec<_>>());
        }
        for record in refused {
            let resent_refused = settled
                .iter()
                .any(|(m, outcome)| m.record == record && m.is_resend() && matches!(outcome, Outcome::Rejected(_)));
            self.settle_refused(record, resent_refused);
        }
        for (mutation, _) in &settled {
            if !self.outbox.has_pending(mutation.record) {
                self.confirmed.remove(&mutation.record);
            }
        }
    }

    /// A record after the server refused some of it. Rebuilt as the server
    /// has it plus the edits still queued, except when the server has none of
    /// it and refused the copy sent again after a restore (`resent_refused`):
    /// then the phone holds the only copy, and keeps it as it is, marked
    /// [`Replica::only_here`].
    fn settle_refused(&mut self, record: RecordId, resent_refused: bool) {
        let server_has_some = self.confirmed.contains_key(&record);
        if !server_has_some
            && (resent_refused || self.only_here.contains(&record))
            && self.records.contains_key(&record)
        {
            self.only_here.insert(record);
            return;
        }
        self.only_here.remove(&record);
        self.rebuild(record);
    }

    /// A record as the server has it plus the edits still queued.
    fn rebuild(&mut self, record: RecordId) {
        let mut rebuilt = BTreeMap::new();
        if let Some(confirmed) = self.confirmed.get(&record) {
            rebuilt.insert(record, confirmed.clone());
        }
        for mutation in self.outbox.iter().filter(|m| m.record == record) {
            take_in(&mut rebuilt, mutation);
        }
        match rebuilt.remove(&record) {
            Some(r) => self.records.insert(record, r),
            None => self.records.remove(&record),
        };
    }

    /// The next pull.
    pub fn pull_request(&self, limit: u32) -> PullRequest {
        PullRequest { version: PROTOCOL_VERSION, account: self.owner.clone(), cursor: self.cursor, limit }
    }

    /// Takes in a page of changes. Queued local edits that are newer keep
    /// winning, and a queued edit of a record the page changed is sealed (a
    /// later edit folded into it would re-stamp values she has seen replaced).
    /// Records that cannot be merged (another kind under the same id, which
    /// only a broken server sends) are left out and the rest taken in. A page
    /// with another person's record is refused whole and the cursor stays.
    /// A page from a new epoch (the server was restored from a backup) resets
    /// the cursor and queues again everything this device holds.
    pub fn receive_pull(&mut self, response: PullResponse) -> PullTaken {
        let mut taken = PullTaken::default();
        // Epochs grow: a late page of an older one is of no use.
        if self.epoch.as_ref().is_some_and(|e| response.epoch < *e) {
            return taken;
        }
        let foreign: Vec<MergeError> = response
            .changes
            .iter()
            .filter(|s| *s.record.owner() != self.owner)
            .map(|s| MergeError { record: s.record.id(), problem: "another person's record" })
            .collect();
        if !foreign.is_empty() {
            taken.problems = foreign;
            return taken;
        }
        let restored = self.epoch.as_ref().is_some_and(|e| *e != response.epoch);
        if restored {
            self.restored(response.epoch.clone());
        }
        for snapshot in response.changes {
            let server = snapshot.record;
            if let Some(newest) = server.stamps().max() {
                self.clock.observe(&newest);
            }
            let id = server.id();
            if self.only_here.remove(&id) && self.records.get(&id).is_some_and(|r| r.kind() == server.kind()) {
                // The server has it again: its copy replaces the one kept
                // here (what it refused is in the refused list), plus her
                // queued edits.
                self.confirmed.insert(id, server.clone());
                self.rebuild(id);
                if self.outbox.has_pending(id) {
                    self.outbox.seal_record(id);
                } else {
                    self.confirmed.remove(&id);
                }
                continue;
            }
            let before = self.records.get(&id).cloned();
            if let Err(problem) = join_into(&mut self.records, &server) {
                taken.problems.push(problem);
                continue;
            }
            if self.outbox.has_pending(id) {
                if self.records.get(&id) != before.as_ref() {
                    self.outbox.seal_record(id);
                }
                // Cannot fail: the same record joined the local copy above.
                let _ = join_into(&mut self.confirmed, &server);
            }
        }
        if restored {
            taken.pull_again = true;
            return taken;
        }
        self.epoch = Some(response.epoch);
        // A late page starts before the cursor: it adds nothing new, so the
        // cursor never moves back. A page that starts after it (asked for
        // before a new epoch reset the cursor) would leave a gap: its records
        // are in, the cursor stays.
        if response.after <= self.cursor {
            self.cursor = self.cursor.max(response.cursor);
        }
        taken
    }

    /// The server was restored from a backup (a new epoch): everything this
    /// device holds goes again, what it knew of the old server's copies is
    /// forgotten (pulls from 0 bring the restored one), and the cursor starts
    /// from 0. Queued edits are in the records, so they go as part of the
    /// copies: an answer to one sent before (from either server) is then no
    /// longer taken, which would refuse an edit of a record the restored
    /// server did not have back yet.
    ///
    /// The server's own fields of records it does not make (a coordinator's
    /// decision) are the restored server's to say: the phone forgets its
    /// copies of them, and the pulls bring the restored server's (a decision
    /// made after the backup is gone with it, and the studio shows what the
    /// desk shows). A record the server made (an order request) goes again
    /// whole, its server fields included, for the server to take back.
    fn restored(&mut self, epoch: Epoch) {
        self.outbox.forget_queue();
        self.send_again();
        self.confirmed.clear();
        forget_server_decisions(&mut self.records);
        self.epoch = Some(epoch);
        self.cursor = 0;
    }

    /// Queues every record this device holds as it holds it, for a server
    /// restored from a backup: one mutation per stamp, carrying the fields
    /// (and the values kept in history) written with it, and the deletion.
    /// The server's own fields are its to decide again, except in a record
    /// the server made (an order request), which goes whole: the restored
    /// server may lack it, and then only her phones have what the buyer sent.
    /// Merging makes this harmless where the server has them. The queue is
    /// then in stamp order, so a record's oldest mutation (the one that makes
    /// it) goes first.
    fn send_again(&mut self) {
        let ids: Vec<RecordId> = self.records.keys().copied().collect();
        self.send_records_again(&ids);
    }

    /// Queues these records again as [`Replica::send_again`] does, in stamp order.
    fn send_records_again(&mut self, ids: &[RecordId]) {
        let queued: BTreeSet<MutationId> = self.outbox.iter().map(|m| m.id).collect();
        let again: Vec<Mutation> = ids
            .iter()
            .filter_map(|id| self.records.get(id))
            .flat_map(|record| self.copies_of(record))
            .filter(|m| !queued.contains(&m.id))
            .collect();
        for mutation in again {
            self.outbox.enqueue_sealed(mutation);
        }
        self.outbox.order_by_stamp();
    }

    /// A record as this device holds it, as mutations sent again: one per
    /// stamp, and its deletion.
    fn copies_of(&self, record: &Record) -> Vec<Mutation> {
        // The server's copy last known counts too: a value the server took
        // stays hers when her newer edit of it is refused.
        let copies = || std::iter::once(record).chain(self.confirmed.get(&record.id()));
        let kind = record.kind();
        let mut by_stamp: BTreeMap<Stamp, Fields> = BTreeMap::new();
        for copy in copies() {
            let current = copy.fields().iter().map(|(name, f)| (name, &f.value, f.at));
            // Values that lost to another phone's go too: they are history on the server.
            let lost = copy.history().iter().map(|l| (&l.field, &l.value, l.at));
            for (name, value, at) in current.chain(lost) {
                if !kind.is_server_field(name) || kind.is_restorable_field(name) {
                    by_stamp.entry(at).or_default().insert(name.clone(), value.clone());
                }
            }
        }
        let deletions = copies().filter_map(Record::deleted_at);
        let actions = by_stamp.into_iter().map(|(at, fields)| (at, Action::Set(fields)));
        let mut again: Vec<Mutation> = Vec::new();
        for (at, action) in actions.chain(deletions.map(|at| (at, Action::Delete))) {
            let mut mutation = Mutation {
                id: MutationId::new(0, [0; 10]),
                record: record.id(),
                kind,
                owner: record.owner().clone(),
                at,
                action,
            };
            mutation.id = mutation.resend_id();
            if !again.contains(&mutation) && mutation.validate().is_ok() {
                again.push(mutation);
            }
        }
        again
    }
}

/// Whether the server took something of a mutation.
fn took_some(mutation: &Mutation, outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Applied | Outcome::Duplicate => true,
        Outcome::FieldsRefused(reasons) => split_refused(mutation, reasons).1.is_some(),
        Outcome::Rejected(_) => false,
    }
}

/// Forgets the server's own fields of every record it does not make: after
/// a restore they are the restored server's, which the pulls bring.
fn forget_server_decisions(records: &mut BTreeMap<RecordId, Record>) {
    for record in records.values_mut().filter(|r| !r.kind().made_by_server()) {
        *record = record.without_server_fields();
    }
}

/// Why two copies of a device's store cannot be merged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReplicaMergeError {
    /// The other copy belongs to another person or another device.
    NotTheSameStore,
}

impl std::fmt::Display for ReplicaMergeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the other copy is another person's or another device's store")
    }
}

impl std::error::Error for ReplicaMergeError {}

impl Replica {
    /// Takes in another copy of this same store, written by another tab of
    /// the browser meanwhile, so that neither tab's edits are lost whichever
    /// wrote last: records are joined, queues and refused lists united, and
    /// the clock and the cursor take the later of the two (both copies'
    /// pulled records are in the join, so the later cursor is safe). Queued
    /// edits are sealed ([`Replica::seal`]).
    pub fn merge(&mut self, other: &Replica) -> Result<Vec<MergeError>, ReplicaMergeError> {
        if self.owner != other.owner || self.device() != other.device() {
            return Err(ReplicaMergeError::NotTheSameStore);
        }
        // A copy with no edit queued for a record holds the server's copy of
        // it. Where the other copy does queue edits, that copy is what a
        // refusal rebuilds the record from: it must not be forgotten.
        let ours_pending: BTreeSet<RecordId> = self.outbox.iter().map(|m| m.record).collect();
        let theirs_pending: BTreeSet<RecordId> = other.outbox.iter().map(|m| m.record).collect();
        // A copy from before a restore knows the old server, not the restored
        // one: what it took for the server's copy is only hers to send again.
        let across_a_restore = self.epoch.is_some() && other.epoch.is_some() && self.epoch != other.epoch;
        let (ours_current, theirs_current) = match (across_a_restore, self.epoch.cmp(&other.epoch)) {
            (false, _) => (true, true),
            (true, ordering) => (ordering.is_gt(), ordering.is_lt()),
        };
        if !ours_current {
            self.confirmed.clear();
        }
        // (Not a record kept only here: the server has none of it.)
        let kept = |id: &&RecordId| self.only_here.contains(*id) || other.only_here.contains(*id);
        let server_copies: Vec<Record> = theirs_pending
            .difference(&ours_pending)
            .filter(|id| !kept(id))
            .filter_map(|id| self.records.get(id).filter(|_| ours_current))
            .chain(
                ours_pending
                    .difference(&theirs_pending)
                    .filter(|id| !kept(id))
                    .filter_map(|id| other.records.get(id).filter(|_| theirs_current)),
            )
            .cloned()
            .collect();
        // Records holding an edit one copy queued and the other saw refused:
        // joining the copies would bring the refused value back, so they are
        // rebuilt from what both know of the server plus the edits still queued.
        let refused_here: BTreeSet<RecordId> =
            other.outbox.iter().filter(|m| self.outbox.was_refused(m.id)).map(|m| m.record).collect();
        // A copy from before a restore holds decisions the restored server
        // may not have: forgotten, as the newer copy forgot them (`restored`).
        if !ours_current {
            forget_server_decisions(&mut self.records);
        }
        let mut theirs = other.records.clone();
        if !theirs_current {
            forget_server_decisions(&mut theirs);
        }
        let ours_before = self.clone();
        let mut problems = Vec::new();
        for record in theirs.values() {
            if let Err(problem) = join_into(&mut self.records, record) {
                problems.push(problem);
            }
        }
        // Kept only on this phone in either copy: kept in the merge.
        self.only_here.extend(other.only_here.iter().copied());
        let dropped = self.outbox.merge(&other.outbox);
        let refused_there: BTreeSet<RecordId> =
            dropped.iter().filter(|m| other.outbox.was_refused(m.id)).map(|m| m.record).collect();
        let their_confirmed = other.confirmed.values().filter(|_| theirs_current);
        for record in their_confirmed.chain(&server_copies) {
            let _ = join_into(&mut self.confirmed, record);
        }
        let current_sides = [(&ours_before, ours_current), (other, theirs_current)];
        for record in refused_here.union(&refused_there) {
            if self.only_here.contains(record) {
                // The only copy left: kept as the two copies hold it.
                continue;
            }
            let mut rebuilt = BTreeMap::new();
            for side in current_sides.iter().filter(|(_, current)| *current).map(|(side, _)| *side) {
                let known = if side.outbox.has_pending(*record) {
                    side.confirmed.get(record)
                } else {
                    side.records.get(record)
                };
                if let Some(known) = known {
                    let _ = join_into(&mut rebuilt, known);
                }
            }
            for mutation in self.outbox.iter().filter(|m| m.record == *record) {
                take_in(&mut rebuilt, mutation);
            }
            match rebuilt.remove(record) {
                Some(r) => self.records.insert(*record, r),
                None => self.records.remove(record),
            };
        }
        let outbox = &self.outbox;
        self.confirmed.retain(|id, _| outbox.has_pending(*id));
        self.clock.observe(&other.clock.last());
        // A copy from before a restore brings values the restored server may
        // never have had: what this store holds goes again (ids from content,
        // so what is already queued is not queued twice).
        // The later epoch's cursor wins; within one epoch, the later cursor.
        match self.epoch.cmp(&other.epoch) {
            std::cmp::Ordering::Less => (self.epoch, self.cursor) = (other.epoch.clone(), other.cursor),
            std::cmp::Ordering::Equal => self.cursor = self.cursor.max(other.cursor),
            std::cmp::Ordering::Greater => {}
        }
        if across_a_restore {
            self.outbox.forget_queue();
            self.send_again();
        }
        Ok(problems)
    }
}

/// Applies a mutation to its record in `records`, creating the record if needed.
fn take_in(records: &mut BTreeMap<RecordId, Record>, mutation: &Mutation) {
    match records.get_mut(&mutation.record) {
        // Checked against this record before it was queued, so it fits; only
        // a hand-edited store could hold one that does not, and it is left out.
        Some(record) => {
            let _ = record.apply(mutation);
        }
        None => {
            records.insert(mutation.record, Record::from_mutation(mutation));
        }
    }
}

fn join_into(records: &mut BTreeMap<RecordId, Record>, other: &Record) -> Result<(), MergeError> {
    match records.get_mut(&other.id()) {
        Some(record) => record.join(other),
        None => {
            records.insert(other.id(), other.clone());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{MutationResult, Snapshot};
    use serde_json::json;

    fn amina() -> Owner {
        "user:amina".parse().unwrap()
    }

    fn phone(n: u8) -> Replica {
        Replica::new(DeviceId::new(1, [n; 10]), amina())
    }

    fn fields(pairs: &[(&str, serde_json::Value)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    fn applied(request: &PushRequest) -> PushResponse {
        PushResponse {
            epoch: None,
            results: request.mutations.iter().map(|m| MutationResult { id: m.id, result: Outcome::Applied }).collect(),
        }
    }

    fn page(records: &[&Record], cursor: u64) -> PullResponse {
        PullResponse {
            epoch: Epoch::new("first").unwrap(),
            after: 0,
            changes: records.iter().map(|r| Snapshot { seq: cursor, record: (*r).clone() }).collect(),
            cursor,
            more: false,
        }
    }

    /// `a` merged with `b`, and `b` with `a`: the same store written by two tabs.
    fn both_ways(a: &Replica, b: &Replica) -> [Replica; 2] {
        let mut ab = a.clone();
        ab.merge(b).unwrap();
        let mut ba = b.clone();
        ba.merge(a).unwrap();
        [ab, ba]
    }

    #[test]
    fn edits_apply_at_once_and_wait_in_the_queue() {
        let mut phone = phone(1);
        let id = phone.create(Kind::Product, fields(&[("name", json!("Melon jam"))]), 1_000, [1; 10]).unwrap();
        phone.edit(id, fields(&[("price", json!(25_000))]), 1_001, [2; 10]).unwrap();
        let record = phone.record(id).unwrap();
        assert_eq!(record.get("name"), Some(&json!("Melon jam")));
        assert_eq!(record.get("price"), Some(&json!(25_000)));
        assert_eq!(phone.outbox().len(), 1, "combined into one mutation");
        phone.delete(id, 1_002, [3; 10]).unwrap();
        assert!(phone.record(id).unwrap().is_deleted());
        assert_eq!(phone.outbox().len(), 2);

        let request = phone.push_request(Limits::DEFAULT).unwrap();
        assert_eq!(request.mutations.len(), 2);
        assert_eq!(request.device, phone.device());
        phone.receive_push(&applied(&request));
        assert!(phone.outbox().is_empty());
        assert!(phone.confirmed.is_empty());
        assert!(phone.push_request(Limits::DEFAULT).is_none());
    }

    #[test]
    fn bad_edits_are_refused_on_the_device() {
        let mut phone = phone(1);
        let id = phone.create(Kind::Product, fields(&[("name", json!("x"))]), 1, [1; 10]).unwrap();
        let err = phone.edit(id, fields(&[("review_state", json!("approved"))]), 2, [2; 10]).unwrap_err();
        assert_eq!(err.code, RejectCode::ServerField);
        let err = phone.edit(RecordId::new(5, [5; 10]), fields(&[("name", json!(1))]), 3, [3; 10]).unwrap_err();
        assert_eq!(err.code, RejectCode::UnknownRecord);
        assert_eq!(phone.delete(RecordId::new(5, [5; 10]), 3, [3; 10]).unwrap_err().code, RejectCode::UnknownRecord);
        assert_eq!(phone.create(Kind::Product, Fields::new(), 4, [4; 10]).unwrap_err().code, RejectCode::NoFields);
        assert_eq!(phone.outbox().len(), 1);
        assert_eq!(phone.record(id).unwrap().get("review_state"), None);
    }

    #[test]
    fn a_pull_keeps_newer_queued_edits() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("Melon jam"))]), 1_000, [1; 10]).unwrap();
        let mut server_copy = a.record(id).unwrap().clone();
        a.push_request(Limits::DEFAULT);
        // Offline: a newer local edit, while another phone's older edit reaches the server.
        a.edit(id, fields(&[("name", json!("Qawın jamı"))]), 3_000, [2; 10]).unwrap();
        server_copy.set(
            &fields(&[("name", json!("older")), ("price", json!(1))]),
            Stamp::new(2_000, 0, DeviceId::new(1, [2; 10])),
        );
        assert_eq!(a.receive_pull(page(&[&server_copy], 5)), PullTaken::default());
        let record = a.record(id).unwrap();
        assert_eq!(record.get("name"), Some(&json!("Qawın jamı")));
        assert_eq!(record.get("price"), Some(&json!(1)));
        assert_eq!(record.history()[0].value, json!("older"));
        assert_eq!(a.cursor(), 5);
        // A late page does not move the cursor back.
        a.receive_pull(page(&[], 3));
        assert_eq!(a.cursor(), 5);
        // The clock has seen the server's stamps.
        let stamp = a.edit(id, fields(&[("story", json!("…"))]), 0, [3; 10]).unwrap();
        assert!(stamp > Stamp::new(3_000, 0, DeviceId::new(1, [2; 10])));
    }

    #[test]
    fn a_refused_edit_is_undone_but_later_edits_stay() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("Melon jam"))]), 1_000, [1; 10]).unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        a.edit(id, fields(&[("name", json!("refused"))]), 2_000, [2; 10]).unwrap();
        let second = a.push_request(Limits::DEFAULT).unwrap();
        a.edit(id, fields(&[("price", json!(7))]), 3_000, [3; 10]).unwrap();
        let rejection = Rejection::new(RejectCode::NotOwner, "no");
        a.receive_push(&PushResponse {
            epoch: None,
            results: vec![MutationResult { id: second.mutations[0].id, result: Outcome::Rejected(rejection.clone()) }],
        });
        let record = a.record(id).unwrap();
        assert_eq!(record.get("name"), Some(&json!("Melon jam")));
        assert_eq!(record.get("price"), Some(&json!(7)));
        assert_eq!(a.outbox().len(), 1);
        assert_eq!(a.outbox().refused()[0].reasons, std::slice::from_ref(&rejection));
        a.dismiss(second.mutations[0].id);
        assert!(a.outbox().refused().is_empty());

        // A refused creation takes the record away.
        let mut b = phone(2);
        let id = b.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let push = b.push_request(Limits::DEFAULT).unwrap();
        b.receive_push(&PushResponse {
            epoch: None,
            results: vec![MutationResult { id: push.mutations[0].id, result: Outcome::Rejected(rejection) }],
        });
        assert!(b.record(id).is_none());
        assert!(b.records.is_empty() && b.confirmed.is_empty() && b.outbox().is_empty());
    }

    #[test]
    fn an_edit_applied_in_the_same_answer_as_a_refused_one_stays() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("Melon jam"))]), 1_000, [1; 10]).unwrap();
        a.push_request(Limits::DEFAULT).unwrap();
        a.edit(id, fields(&[("price", json!(1))]), 2_000, [2; 10]).unwrap();
        let push = a.push_request(Limits::DEFAULT).unwrap();
        assert_eq!(push.mutations.len(), 2);
        a.receive_push(&PushResponse {
            epoch: None,
            results: vec![
                MutationResult { id: push.mutations[0].id, result: Outcome::Applied },
                MutationResult {
                    id: push.mutations[1].id,
                    result: Outcome::Rejected(Rejection::new(RejectCode::NotOwner, "no")),
                },
            ],
        });
        let record = a.record(id).unwrap();
        assert_eq!(record.get("name"), Some(&json!("Melon jam")));
        assert_eq!(record.get("price"), None);
        assert!(a.confirmed.is_empty());
    }

    #[test]
    fn a_refused_edit_keeps_what_was_pulled_meanwhile() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("Melon jam"))]), 1_000, [1; 10]).unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        let mut server_copy = a.record(id).unwrap().clone();
        a.edit(id, fields(&[("name", json!("refused"))]), 2_000, [2; 10]).unwrap();
        let push = a.push_request(Limits::DEFAULT).unwrap();
        // Meanwhile the other phone set the price, and this phone pulled it.
        server_copy.set(&fields(&[("price", json!(9))]), Stamp::new(2_500, 0, DeviceId::new(1, [2; 10])));
        a.receive_pull(page(&[&server_copy], 4));
        a.receive_push(&PushResponse {
            epoch: None,
            results: vec![MutationResult {
                id: push.mutations[0].id,
                result: Outcome::Rejected(Rejection::new(RejectCode::NotOwner, "no")),
            }],
        });
        assert_eq!(a.record(id), Some(&server_copy));
    }

    #[test]
    fn a_refused_field_is_kept_to_put_back_and_the_rest_stays() {
        // Her storefront made offline in one edit, its address taken.
        let mut a = phone(1);
        let id = RecordId::new(1, [7; 10]);
        let typed = fields(&[("name", json!("Aral honey")), ("story", json!("Bees")), ("slug", json!("aral-honey"))]);
        a.put(id, Kind::Storefront, typed, 1_000, [1; 10]).unwrap();
        let push = a.push_request(Limits::DEFAULT).unwrap();
        let taken = Rejection::new(RejectCode::Taken, "taken").of_field("slug");
        let m = push.mutations[0].id;
        a.receive_push(&PushResponse {
            epoch: None,
            results: vec![MutationResult { id: m, result: Outcome::FieldsRefused(vec![taken.clone()]) }],
        });
        let record = a.record(id).expect("the storefront stays");
        assert_eq!(
            (record.get("name"), record.get("story"), record.get("slug")),
            (Some(&json!("Aral honey")), Some(&json!("Bees")), None)
        );
        assert!(a.outbox().is_empty() && a.confirmed.is_empty());
        let refused = &a.outbox().refused()[0];
        assert_eq!(refused.reasons, std::slice::from_ref(&taken));
        assert_eq!(refused.mutation.action, Action::Set(fields(&[("slug", json!("aral-honey"))])));
        assert_eq!(refused.reason_for("slug"), Some(&taken));
        assert_eq!(refused.reason_for("name"), None);
        // Put back: in the record again as a new edit, and the refusal is gone.
        a.put_back(m, "slug", 2_000, [2; 10]).unwrap();
        assert_eq!(a.record(id).unwrap().get("slug"), Some(&json!("aral-honey")));
        assert_eq!(a.outbox().len(), 1);
        assert!(a.outbox().refused().is_empty());
        assert!(a.put_back(m, "slug", 3_000, [3; 10]).is_err());
    }

    #[test]
    fn a_store_from_protocol_2_reads_its_refusals() {
        let mut a = phone(1);
        a.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let push = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&PushResponse {
            epoch: None,
            results: vec![MutationResult {
                id: push.mutations[0].id,
                result: Outcome::Rejected(Rejection::new(RejectCode::NotOwner, "no")),
            }],
        });
        let mut stored = serde_json::to_value(&a).unwrap();
        let refused = &mut stored["outbox"]["refused"][0];
        let reason = refused["reasons"][0].clone();
        refused.as_object_mut().unwrap().remove("reasons");
        refused["rejection"] = reason;
        let old: Replica = serde_json::from_value(stored).unwrap();
        assert_eq!(old, a);
    }

    #[test]
    fn a_pull_seals_what_it_changed() {
        // B7: an unsent edit of a record a pull then changes must not be
        // re-stamped by a later edit folded into it.
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        let mut server_copy = a.record(id).unwrap().clone();
        a.edit(id, fields(&[("name", json!("Melon jam"))]), 2_000, [2; 10]).unwrap();
        // Her other phone's newer name arrives and is shown.
        let other = Stamp::new(2_500, 0, DeviceId::new(1, [2; 10]));
        server_copy.set(&fields(&[("name", json!("Qawın jamı"))]), other);
        a.receive_pull(page(&[&server_copy], 2));
        assert_eq!(a.record(id).unwrap().get("name"), Some(&json!("Qawın jamı")));
        // She edits the price: "Melon jam" must not come back with a newer stamp.
        a.edit(id, fields(&[("price", json!(9))]), 2_600, [3; 10]).unwrap();
        assert_eq!(a.outbox().len(), 2, "not folded into the sealed edit");
        let push = a.push_request(Limits::DEFAULT).unwrap();
        let old_name = push.mutations.iter().find(|m| matches!(&m.action, Action::Set(f) if f.contains_key("name")));
        assert!(old_name.unwrap().at < other);
        assert_eq!(a.record(id).unwrap().get("name"), Some(&json!("Qawın jamı")));
        // A pull that changes nothing (the echo of her own push) seals nothing.
        let mut b = phone(2);
        let id = b.create(Kind::Product, fields(&[("name", json!("y"))]), 1_000, [1; 10]).unwrap();
        let echo = b.record(id).unwrap().clone();
        b.push_request(Limits::DEFAULT).unwrap();
        b.edit(id, fields(&[("price", json!(1))]), 2_000, [2; 10]).unwrap();
        b.receive_pull(page(&[&echo], 1));
        b.edit(id, fields(&[("story", json!("s"))]), 3_000, [3; 10]).unwrap();
        assert_eq!(b.outbox().len(), 2, "price and story folded together");
    }

    #[test]
    fn another_persons_records_are_never_taken_in() {
        let mut a = phone(1);
        a.receive_pull(page(&[], 4));
        let theirs = Record::new(RecordId::new(1, [5; 10]), Kind::Product, "user:bahadir".parse().unwrap());
        let mine = Record::new(RecordId::new(1, [6; 10]), Kind::Product, amina());
        let taken = a.receive_pull(page(&[&mine, &theirs], 90));
        assert_eq!(taken.problems.len(), 1);
        assert_eq!(a.cursor(), 4, "the cursor stays");
        assert_eq!(a.records().count(), 0, "none of the page is taken in");
    }

    #[test]
    fn a_restored_server_gets_everything_again() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("x")), ("price", json!(1))]), 1_000, [1; 10]).unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        a.edit(id, fields(&[("price", json!(2))]), 2_000, [2; 10]).unwrap();
        let second = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&second));
        a.receive_pull(page(&[a.record(id).unwrap()], 7));
        assert_eq!((a.cursor(), a.epoch().map(Epoch::as_str)), (7, Some("first")));
        // The server is restored from a backup made before the first push.
        let restored =
            PullResponse { epoch: Epoch::new("second").unwrap(), after: 7, changes: vec![], cursor: 7, more: false };
        let taken = a.receive_pull(restored.clone());
        assert!(taken.pull_again && taken.problems.is_empty());
        assert_eq!((a.cursor(), a.epoch().map(Epoch::as_str)), (0, Some("second")));
        // Everything she holds goes again, with its own stamps, one mutation per stamp.
        let again = a.push_request(Limits::DEFAULT).unwrap();
        let mut server = Record::new(id, Kind::Product, amina());
        for m in &again.mutations {
            server.apply(m).unwrap();
        }
        assert_eq!(again.mutations.len(), 2);
        assert_eq!(&server, a.record(id).unwrap());
        // A late page of the old epoch is ignored; the new epoch's pages are not.
        assert_eq!(a.receive_pull(page(&[], 99)), PullTaken::default());
        assert_eq!(a.cursor(), 0);
        // A page of the new epoch asked for with the old cursor leaves the cursor.
        assert!(!a.receive_pull(PullResponse { cursor: 9, ..restored.clone() }).pull_again);
        assert_eq!(a.cursor(), 0);
        assert!(!a.receive_pull(PullResponse { after: 0, cursor: 3, ..restored }).pull_again);
        assert_eq!(a.cursor(), 3);
        // Sent again twice, the same ids: answered `duplicate` by a server that has them.
        let mut b = a.clone();
        b.receive_pull(PullResponse {
            epoch: Epoch::new("third").unwrap(),
            after: 3,
            changes: vec![],
            cursor: 3,
            more: false,
        });
        let ids = |r: &Replica| r.outbox().iter().map(|m| m.id).collect::<Vec<_>>();
        assert_eq!(ids(&b), ids(&a), "already queued: not queued twice");
    }

    /// Review finding H2: a server that refuses the copy sent again after a
    /// restore (one older than this app, or her holdings full) must not make
    /// the phone drop the record: it is the only copy left.
    #[test]
    fn a_record_the_restored_server_refuses_stays_on_the_phone() {
        let mut a = phone(1);
        let id = RecordId::new(1_000, [9; 10]);
        let mut order = Record::new(id, Kind::OrderRequest, amina());
        let desk = Stamp::new(1_000, 0, DeviceId::new(0, [7; 10]));
        order.set(&fields(&[("status", json!("new")), ("buyer_name", json!("Gulnara"))]), desk);
        a.receive_pull(page(&[&order], 1));
        a.edit(id, fields(&[("status", json!("confirmed"))]), 2_000, [2; 10]).unwrap();
        let push = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&push));
        let held = a.record(id).unwrap().clone();
        let restored =
            PullResponse { epoch: Epoch::new("second").unwrap(), after: 1, changes: vec![], cursor: 0, more: false };
        assert!(a.receive_pull(restored).pull_again);
        let again = a.push_request(Limits::DEFAULT).unwrap();
        assert_eq!(again.mutations.len(), 2, "the request as made, then her edit");
        // Another tab holds the store as it was before the answers.
        let other_tab = a.clone();
        let no = Rejection::new(RejectCode::NotOwner, "order_request records are made by the server");
        let refused = |m: &Mutation| PushResponse {
            epoch: Some(Epoch::new("second").unwrap()),
            results: vec![MutationResult { id: m.id, result: Outcome::Rejected(no.clone()) }],
        };
        // The first answered alone: the record stays whole while the rest waits,
        // also merged with the other tab's copy.
        a.receive_push(&refused(&again.mutations[0]));
        assert_eq!(a.record(id), Some(&held), "kept as she had it");
        for merged in both_ways(&a, &other_tab) {
            assert!(merged.is_only_here(id) && merged.record(id) == Some(&held));
        }
        a.receive_push(&refused(&again.mutations[1]));
        assert_eq!(a.record(id), Some(&held), "kept as she had it");
        assert!(a.is_only_here(id) && a.outbox().is_empty());
        assert!(a.outbox().refused().iter().all(|r| r.mutation.is_resend() && r.mutation.record == id));
        // Kept through a reload, and through a merge with another tab's copy.
        let back: Replica = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(back, a);
        let parts = Replica::from_parts(a.head(), a.records().cloned(), [], a.outbox().clone()).unwrap();
        assert_eq!(parts, a);
        for merged in both_ways(&a, &phone(1)).into_iter().chain(both_ways(&a, &other_tab)) {
            assert!(merged.is_only_here(id) && merged.record(id) == Some(&held));
        }
        // Her next edit of it, refused too, leaves it as well.
        a.edit(id, fields(&[("status", json!("sent"))]), 3_000, [3; 10]).unwrap();
        let push = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&PushResponse {
            epoch: Some(Epoch::new("second").unwrap()),
            results: vec![MutationResult { id: push.mutations[0].id, result: Outcome::Rejected(no) }],
        });
        assert!(a.is_only_here(id) && a.record(id).unwrap().get("status") == Some(&json!("sent")));
        // The server has it again (another phone gave it back): its copy
        // replaces the kept one.
        let mut server_copy = held;
        server_copy.set(&fields(&[("note", json!("call first"))]), Stamp::new(2_500, 0, DeviceId::new(1, [5; 10])));
        let page = PullResponse { epoch: Epoch::new("second").unwrap(), ..page(&[&server_copy], 4) };
        a.receive_pull(page);
        assert!(!a.is_only_here(id));
        assert_eq!(a.record(id), Some(&server_copy));
    }

    #[test]
    fn a_kept_record_the_server_takes_an_edit_of_goes_again_whole() {
        // Her product, refused back after a restore (her holdings were full).
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("Jam")), ("story", json!("Figs"))]), 1_000, [1; 10]);
        let id = id.unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        a.receive_pull(page(&[a.record(id).unwrap()], 1));
        let second = Epoch::new("second").unwrap();
        a.receive_pull(PullResponse { epoch: second.clone(), after: 0, changes: vec![], cursor: 0, more: false });
        let again = a.push_request(Limits::DEFAULT).unwrap();
        let full = Rejection::new(RejectCode::OwnerFull, "at most 10000 records");
        let refuse_all = |request: &PushRequest| PushResponse {
            epoch: Some(second.clone()),
            results: request
                .mutations
                .iter()
                .map(|m| MutationResult { id: m.id, result: Outcome::Rejected(full.clone()) })
                .collect(),
        };
        a.receive_push(&refuse_all(&again));
        assert!(a.is_only_here(id));
        // She frees room and edits the price: the server makes it of that edit.
        a.edit(id, fields(&[("price", json!(9))]), 3_000, [3; 10]).unwrap();
        let edit = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&PushResponse { epoch: Some(second.clone()), ..applied(&edit) });
        let record = a.record(id).unwrap();
        assert_eq!((record.get("name"), record.get("price")), (Some(&json!("Jam")), Some(&json!(9))));
        assert!(!a.is_only_here(id));
        // The rest goes again, as she has it.
        let rest = a.push_request(Limits::DEFAULT).unwrap();
        assert!(rest.mutations.iter().all(|m| m.is_resend() && m.record == id), "{rest:?}");
        let mut server = Record::new(id, Kind::Product, amina());
        for m in edit.mutations.iter().chain(&rest.mutations) {
            server.apply(m).unwrap();
        }
        assert_eq!(&server, a.record(id).unwrap());
        a.receive_push(&PushResponse { epoch: Some(second), ..applied(&rest) });
        assert!(a.outbox().is_empty() && a.record(id) == Some(&server));
    }

    #[test]
    fn after_a_restore_the_phone_shows_the_restored_servers_decisions() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("Jam"))]), 1_000, [1; 10]).unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        // A coordinator approved it after the backup was made.
        let mut decided = a.record(id).unwrap().clone();
        let desk = Stamp::new(5_000, 0, DeviceId::new(0, [7; 10]));
        decided.set(&fields(&[("review_state", json!("approved"))]), desk);
        a.receive_pull(page(&[&decided], 2));
        let old_tab = a.clone();
        let restored =
            PullResponse { epoch: Epoch::new("second").unwrap(), after: 2, changes: vec![], cursor: 0, more: false };
        assert!(a.receive_pull(restored).pull_again);
        assert_eq!(a.record(id).unwrap().get("review_state"), None, "gone with the restored server's data");
        assert_eq!(a.record(id).unwrap().get("name"), Some(&json!("Jam")));
        // The restored server's own decision comes with the pull.
        let mut restored_copy = a.record(id).unwrap().clone();
        restored_copy.set(&fields(&[("review_state", json!("submitted"))]), Stamp::new(4_000, 0, desk.device()));
        let page = PullResponse { epoch: Epoch::new("second").unwrap(), ..page(&[&restored_copy], 1) };
        a.receive_pull(page);
        assert_eq!(a.record(id).unwrap().get("review_state"), Some(&json!("submitted")));
        // A tab's copy from before the restore does not bring the old one back.
        for merged in both_ways(&a, &old_tab) {
            assert_eq!(merged.record(id).unwrap().get("review_state"), Some(&json!("submitted")));
        }
    }

    #[test]
    fn a_tab_from_before_a_restore_does_not_bring_back_a_refused_address() {
        // Her storefront's address, confirmed by the server before it was
        // restored from a backup; the other tab still holds that copy.
        let mut a = phone(1);
        let id = RecordId::new(1, [7; 10]);
        a.put(id, Kind::Storefront, fields(&[("name", json!("Aral")), ("slug", json!("aral"))]), 1_000, [1; 10])
            .unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        a.receive_pull(page(&[a.record(id).unwrap()], 1));
        let old_tab = a.clone();
        // This tab sees the new epoch and sends the storefront again ...
        a.receive_pull(PullResponse {
            epoch: Epoch::new("second").unwrap(),
            after: 0,
            changes: vec![],
            cursor: 0,
            more: false,
        });
        // ... then takes in the other tab's copy, which wrote last.
        let mut merged = old_tab;
        merged.merge(&a).unwrap();
        for copy in [&mut a, &mut merged] {
            // The restored server gave the address to someone else meanwhile.
            let again = copy.push_request(Limits::DEFAULT).unwrap();
            let taken = Rejection::new(RejectCode::Taken, "taken").of_field("slug");
            copy.receive_push(&PushResponse {
                epoch: Some(Epoch::new("second").unwrap()),
                results: again
                    .mutations
                    .iter()
                    .map(|m| MutationResult { id: m.id, result: Outcome::FieldsRefused(vec![taken.clone()]) })
                    .collect(),
            });
            let record = copy.record(id).expect("the storefront stays");
            assert_eq!((record.get("name"), record.get("slug")), (Some(&json!("Aral")), None));
            assert_eq!(copy.outbox().refused()[0].reason_for("slug"), Some(&taken));
        }
    }

    #[test]
    fn a_push_answered_by_a_restored_server_starts_again() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        a.receive_pull(page(&[a.record(id).unwrap()], 7));
        a.edit(id, fields(&[("price", json!(2))]), 2_000, [2; 10]).unwrap();
        // The answer comes from the server restored meanwhile, before any pull.
        let second = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&PushResponse { epoch: Some(Epoch::new("second").unwrap()), ..applied(&second) });
        assert_eq!((a.cursor(), a.epoch().map(Epoch::as_str)), (0, Some("second")));
        // The answer was given before the restored server had her copy: it is
        // not taken, and nothing of the server's copy is known yet.
        assert!(a.confirmed.is_empty() && a.outbox().refused().is_empty());
        // Everything goes again, oldest first, each with its stamp: her
        // queued edit as part of the copy (a late answer to it is not taken).
        let again = a.push_request(Limits::DEFAULT).unwrap();
        let sent: Vec<(&Action, bool)> = again.mutations.iter().map(|m| (&m.action, m.is_resend())).collect();
        assert_eq!(
            sent,
            [
                (&Action::Set(fields(&[("name", json!("x"))])), true),
                (&Action::Set(fields(&[("price", json!(2))])), true)
            ]
        );
        let refused = Rejection::new(RejectCode::NotOwner, "no");
        a.receive_push(&PushResponse {
            epoch: Some(Epoch::new("second").unwrap()),
            results: vec![MutationResult { id: second.mutations[0].id, result: Outcome::Rejected(refused) }],
        });
        assert_eq!(a.record(id).unwrap().get("price"), Some(&json!(2)));
        assert!(a.outbox().refused().is_empty() && a.outbox().len() == 2);
    }

    #[test]
    fn a_replica_is_its_parts() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let first = a.push_request(Limits::DEFAULT).unwrap();
        a.receive_push(&applied(&first));
        a.edit(id, fields(&[("price", json!(2))]), 2_000, [2; 10]).unwrap();
        assert!(a.server_copy(id).is_some());
        let parts = |r: &Replica| {
            (r.head(), r.records().cloned().collect::<Vec<_>>(), r.server_copies().cloned().collect::<Vec<_>>())
        };
        let (head, records, copies) = parts(&a);
        let back = Replica::from_parts(head.clone(), records.clone(), copies, a.outbox().clone()).unwrap();
        assert_eq!(back, a);
        // Another person's record, or one twice, is refused.
        let other = Record::new(RecordId::new(9, [9; 10]), Kind::Product, "user:bahadir".parse().unwrap());
        let foreign = records.iter().cloned().chain([other.clone()]);
        assert_eq!(Replica::from_parts(head.clone(), foreign, [], Outbox::new()), Err(PartsError::Foreign(other.id())));
        let twice = records.iter().cloned().chain(records.iter().cloned());
        assert_eq!(Replica::from_parts(head, twice, [], Outbox::new()), Err(PartsError::Twice(id)));
    }

    #[test]
    fn an_opened_store_does_not_reissue_stamps() {
        // Stamps issued after the stored copy was written are lost with the
        // browser; the copy must not issue them again.
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let stored = a.clone();
        let lost = a.edit(id, fields(&[("name", json!("lost"))]), 1_500, [2; 10]).unwrap();
        let mut back = stored.clone();
        back.opened(1_200);
        let next = back.edit(id, fields(&[("name", json!("next"))]), 1_200, [3; 10]).unwrap();
        assert!(next > lost, "{next:?} after {lost:?}");
        // A wall clock well past the stored stamp is left alone.
        let mut later = stored;
        later.opened(900_000);
        assert_eq!(later.edit(id, fields(&[("name", json!("z"))]), 900_000, [4; 10]).unwrap().wall_ms(), 900_000);
    }

    #[test]
    fn one_mutation_the_server_cannot_read_never_blocks_the_queue() {
        use crate::protocol::BatchSize;
        // A server that answers 400 to any push holding the one mutation it cannot read.
        let mut a = phone(1);
        let ids: Vec<RecordId> = (0..37u8)
            .map(|n| a.create(Kind::Product, fields(&[("name", json!(n))]), 1_000 + u64::from(n), [n + 1; 10]).unwrap())
            .collect();
        let poison = a.outbox().iter().nth(20).unwrap().id;
        let mut size = BatchSize::default();
        let mut requests = 0;
        while let Some(request) = a.push_request(size.limits()) {
            requests += 1;
            assert!(requests < 60, "the queue never drains");
            if request.mutations.iter().any(|m| m.id == poison) {
                if size.unreadable(request.mutations.len()) {
                    a.refuse_unreadable(poison, "400: cannot read");
                }
                continue;
            }
            a.receive_push(&applied(&request));
            size.answered();
        }
        assert!(a.outbox().is_empty());
        assert_eq!(a.outbox().refused().len(), 1);
        assert_eq!(a.outbox().refused()[0].mutation.id, poison);
        assert_eq!(a.records().count(), 36, "the other 36 went through");
        assert!(a.record(ids[20]).is_none());
        assert!(requests <= 12, "{requests} requests");
    }

    #[test]
    fn an_unreadable_mutation_leaves_the_queue() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let push = a.push_request(Limits::DEFAULT).unwrap();
        a.refuse_unreadable(push.mutations[0].id, "400: unknown field");
        assert!(a.outbox().is_empty() && a.record(id).is_none());
        assert_eq!(a.outbox().refused()[0].reasons[0].code, RejectCode::Unreadable);
    }

    #[test]
    fn merge_problems_are_reported_and_skipped() {
        let mut a = phone(1);
        let id = a.create(Kind::Product, fields(&[("name", json!("x"))]), 1_000, [1; 10]).unwrap();
        let theirs = Record::new(id, Kind::AdPost, amina());
        let problems = a.receive_pull(page(&[&theirs], 9)).problems;
        assert_eq!(problems.len(), 1);
        assert_eq!(a.record(id).unwrap().kind(), Kind::Product);
        assert_eq!(a.cursor(), 9);
    }

    #[test]
    fn stored_form_round_trips_and_bad_input_is_refused() {
        let mut a = phone(1);
        let id = a.create(Kind::Storefront, fields(&[("name", json!("Aral crafts"))]), 1_000, [1; 10]).unwrap();
        a.push_request(Limits::DEFAULT);
        a.edit(id, fields(&[("district", json!("Chimbay"))]), 2_000, [2; 10]).unwrap();
        a.receive_pull(page(&[&Record::new(id, Kind::Storefront, amina())], 3));
        let json = serde_json::to_string(&a).unwrap();
        let back: Replica = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);

        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let broken = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut v = value.clone();
            change(&mut v);
            serde_json::from_value::<Replica>(v).unwrap_err().to_string()
        };
        let err = broken(&|v| {
            let twice = v["records"][0].clone();
            v["records"].as_array_mut().unwrap().push(twice);
        });
        assert!(err.contains("appears twice"), "{err}");
        assert!(broken(&|v| v["cursor"] = json!(-1)).contains("invalid value"));
        assert!(broken(&|v| v["clock"] = json!("tomorrow")).contains("bad stamp"));
        assert!(broken(&|v| v["owner"] = json!("a b")).contains("bad owner"));
        assert!(broken(&|v| v["records"] = json!({})).contains("expected a sequence"));
        assert!(broken(&|v| v["outbox"] = json!(null)).contains("invalid type"));
    }

    #[test]
    fn a_stale_copy_written_over_a_newer_one_is_merged_back() {
        let mut first = phone(1);
        let id = first.create(Kind::Product, fields(&[("name", json!("Jam"))]), 10, [1; 10]).unwrap();
        let request = first.push_request(Limits::DEFAULT).unwrap();
        first.receive_push(&applied(&request));
        // A second tab loads the store, then the first tab edits on.
        let mut second = first.clone();
        second.seal();
        first.edit(id, fields(&[("price", json!(25_000))]), 20, [2; 10]).unwrap();
        // The second tab pulls and writes its copy over the first tab's.
        let mut server_copy = first.record(id).unwrap().clone();
        server_copy.apply(&request.mutations[0]).unwrap();
        second.receive_pull(page(&[&server_copy], 7));
        let [mut merged, other_way] = both_ways(&second, &first);
        for copy in [&merged, &other_way] {
            assert_eq!(copy.record(id).unwrap().get("price"), Some(&json!(25_000)));
            assert_eq!(copy.outbox().len(), 1, "the edit still waits");
            assert_eq!(copy.cursor(), 7);
        }
        assert_eq!(merged.records().collect::<Vec<_>>(), other_way.records().collect::<Vec<_>>());
        // Merging again changes nothing.
        let before = merged.clone();
        merged.merge(&before).unwrap();
        assert_eq!(merged, before);
    }

    #[test]
    fn only_copies_of_the_same_store_merge() {
        let mut one = phone(1);
        assert_eq!(one.merge(&phone(2)), Err(ReplicaMergeError::NotTheSameStore));
        let someone_else = Replica::new(one.device(), "user:bahadir".parse().unwrap());
        assert_eq!(one.merge(&someone_else), Err(ReplicaMergeError::NotTheSameStore));
    }

    #[test]
    fn put_creates_a_record_under_a_known_id_once() {
        let id = RecordId::new(0, [7; 10]);
        let (mut one, mut two) = (phone(1), phone(2));
        one.put(id, Kind::Storefront, fields(&[("name", json!("Aral"))]), 10, [1; 10]).unwrap();
        two.put(id, Kind::Storefront, fields(&[("story", json!("Since 1990"))]), 11, [2; 10]).unwrap();
        let from_two = two.record(id).unwrap().clone();
        let mut joined = one.record(id).unwrap().clone();
        joined.join(&from_two).unwrap();
        assert_eq!(joined.get("name"), Some(&json!("Aral")));
        assert_eq!(joined.get("story"), Some(&json!("Since 1990")));
        let wrong = one.put(id, Kind::Product, fields(&[("name", json!("x"))]), 12, [3; 10]).unwrap_err();
        assert_eq!(wrong.code, RejectCode::WrongKind);
    }

    #[test]
    fn a_refusal_after_a_merge_keeps_what_the_other_copy_pulled() {
        let mut first = phone(1);
        let id = first.create(Kind::Product, fields(&[("name", json!("Jam"))]), 10, [1; 10]).unwrap();
        // A second tab loads the store with the creation still queued.
        let mut second = first.clone();
        second.seal();
        // The first tab sends it, and pulls a coordinator's decision.
        let request = first.push_request(Limits::DEFAULT).unwrap();
        first.receive_push(&applied(&request));
        let mut decided = first.record(id).unwrap().clone();
        let coordinator = Stamp::new(50, 0, DeviceId::new(1, [9; 10]));
        decided.set(&fields(&[("review_state", json!("approved"))]), coordinator);
        first.receive_pull(page(&[&decided], 3));
        // The tabs merge: the second tab's copy still queues the creation,
        // which the first saw answered: it is not queued again, and the
        // pulled decision stays.
        for merged in both_ways(&first, &second) {
            assert!(merged.outbox().is_empty());
            assert_eq!(merged.record(id).unwrap().get("review_state"), Some(&json!("approved")));
        }
        // Were it queued again (a copy older than the settled ids kept) and
        // then refused, the rebuild keeps the decision too.
        let mut merged = second.clone();
        merged.merge(&first).unwrap();
        merged.outbox.enqueue(request.mutations[0].clone());
        merged.confirmed.insert(id, decided.clone());
        let again = merged.push_request(Limits::DEFAULT).unwrap();
        merged.receive_push(&PushResponse {
            epoch: None,
            results: vec![MutationResult {
                id: again.mutations[0].id,
                result: Outcome::Rejected(Rejection::new(RejectCode::NotOwner, "no")),
            }],
        });
        assert_eq!(
            merged.record(id).unwrap().get("review_state"),
            Some(&json!("approved")),
            "the pulled decision survives the rebuild"
        );
    }

    #[test]
    fn a_refusal_seen_in_one_tab_is_not_undone_by_the_other() {
        let mut first = phone(1);
        let id = first.create(Kind::Product, fields(&[("name", json!("Jam"))]), 10, [1; 10]).unwrap();
        let request = first.push_request(Limits::DEFAULT).unwrap();
        first.receive_push(&applied(&request));
        first.edit(id, fields(&[("price", json!(-5))]), 20, [2; 10]).unwrap();
        let mut second = first.clone();
        second.seal();
        // The first tab's push of the price is refused; the second never saw it.
        let request = first.push_request(Limits::DEFAULT).unwrap();
        first.receive_push(&PushResponse {
            epoch: None,
            results: vec![MutationResult {
                id: request.mutations[0].id,
                result: Outcome::Rejected(Rejection::new(RejectCode::InvalidValue, "price")),
            }],
        });
        assert_eq!(first.record(id).unwrap().get("price"), None);
        for merged in both_ways(&first, &second) {
            assert!(merged.outbox().is_empty(), "the refused edit is not queued again");
            assert_eq!(merged.record(id).unwrap().get("price"), None, "nor its value shown");
            assert_eq!(merged.record(id).unwrap().get("name"), Some(&json!("Jam")));
            assert_eq!(merged.outbox().refused().len(), 1);
        }
        // Dismissed in one tab, it stays dismissed after a merge with the other.
        let mut dismissed = first.clone();
        dismissed.dismiss(request.mutations[0].id);
        let mut merged = dismissed.clone();
        merged.merge(&first).unwrap();
        assert!(merged.outbox().refused().is_empty());
    }
}
