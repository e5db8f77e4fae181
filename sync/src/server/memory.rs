//! [`ServerState`]: the server in memory, running the same push core and pull
//! as the real one. Only the tests use it: the simulation's server, and the
//! model `server/tests/it/store_properties.rs` checks the shipped SurrealDB
//! store against. Nothing the server runs goes through it.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use super::{
    AppliedMark, Change, Loaded, Plan, Rules, Wants, plan_push, pull_limit, pull_page, server_record,
    set_server_fields, unique_value,
};
use crate::hlc::{Clock, Stamp};
use crate::ids::{DeviceId, MutationId, Owner, RecordId};
use crate::limits::Holdings;
use crate::protocol::{
    Epoch, PullRequest, PullResponse, PushRequest, PushResponse, Snapshot, SyncError, admit_pull, admit_push,
};
use crate::record::{ByRecord, Fields, Kind, Record, by_record};

impl ByRecord for Snapshot {
    fn record_id(&self) -> RecordId {
        self.record.id()
    }
}

/// The server, in memory. Serialize it to keep it across a restart.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(try_from = "ServerData")]
pub struct ServerState {
    epoch: Epoch,
    /// The server's own clock, for the fields it decides.
    clock: Clock,
    /// Each record with the sequence number of its last change (in its owner's scope).
    #[serde(with = "by_record")]
    records: BTreeMap<RecordId, Snapshot>,
    /// Per owner: applied mutation ids and what was remembered of each.
    applied: BTreeMap<Owner, BTreeMap<MutationId, AppliedMark>>,
    /// Per owner: the last sequence number handed out.
    scopes: BTreeMap<Owner, u64>,
    /// When it was last restored from a backup, if ever (see [`Loaded::restored_at`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    restored_at: Option<u64>,
    /// (owner, sequence number) → record: the change log, one entry per
    /// record (its latest change). Rebuilt from `records` when read back.
    #[serde(skip)]
    log: BTreeMap<(Owner, u64), RecordId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerData {
    epoch: Epoch,
    clock: Clock,
    #[serde(with = "by_record")]
    records: BTreeMap<RecordId, Snapshot>,
    applied: BTreeMap<Owner, BTreeMap<MutationId, AppliedMark>>,
    scopes: BTreeMap<Owner, u64>,
    #[serde(default)]
    restored_at: Option<u64>,
}

/// A stored server state that does not hold together.
#[derive(Debug)]
pub struct BadServerState(String);

impl fmt::Display for BadServerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<ServerData> for ServerState {
    type Error = BadServerState;

    fn try_from(data: ServerData) -> Result<Self, BadServerState> {
        let mut log = BTreeMap::new();
        for (id, snapshot) in &data.records {
            let owner = snapshot.record.owner();
            let last = data.scopes.get(owner).copied().unwrap_or(0);
            if snapshot.seq == 0 || snapshot.seq > last {
                return Err(BadServerState(format!(
                    "record {id} has sequence number {}, outside 1..={last} of {owner}",
                    snapshot.seq
                )));
            }
            if let Some(other) = log.insert((owner.clone(), snapshot.seq), *id) {
                return Err(BadServerState(format!("records {other} and {id} share sequence number {}", snapshot.seq)));
            }
        }
        Ok(ServerState {
            epoch: data.epoch,
            clock: data.clock,
            records: data.records,
            applied: data.applied,
            scopes: data.scopes,
            restored_at: data.restored_at,
            log,
        })
    }
}

impl ServerState {
    /// An empty server; `device` stamps the fields it decides.
    pub fn new(device: DeviceId, epoch: Epoch) -> Self {
        ServerState {
            epoch,
            clock: Clock::new(device),
            records: BTreeMap::new(),
            applied: BTreeMap::new(),
            scopes: BTreeMap::new(),
            restored_at: None,
            log: BTreeMap::new(),
        }
    }

    pub fn record(&self, id: RecordId) -> Option<&Record> {
        self.records.get(&id).map(|s| &s.record)
    }

    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values().map(|s| &s.record)
    }

    /// What `owner` holds: her records and their bytes, and the buyers'
    /// requests waiting for her.
    pub fn holdings(&self, owner: &Owner) -> Holdings {
        self.records().filter(|r| r.owner() == owner).fold(Holdings::default(), |h, r| h.changed(None, r))
    }

    /// The sequence number of `owner`'s latest change.
    pub fn last_seq(&self, owner: &Owner) -> u64 {
        self.scopes.get(owner).copied().unwrap_or(0)
    }

    /// This state restored from a backup at `now_ms`: the same data under a new epoch.
    pub fn restored(mut self, epoch: Epoch, now_ms: u64) -> Self {
        self.epoch = epoch;
        self.restored_at = Some(now_ms);
        self
    }

    /// Applies a push from `who` (the signed-in user who sent it) at the
    /// server's `now_ms`, through the same [`plan_push`] as the real server.
    pub fn apply_push(
        &mut self,
        rules: &dyn Rules,
        who: &Owner,
        request: &PushRequest,
        now_ms: u64,
    ) -> Result<PushResponse, SyncError> {
        admit_push(who, request)?;
        let wants = Wants::of(rules, request);
        let mine = self.applied.get(who);
        let loaded = Loaded {
            applied: wants.ids.iter().filter_map(|id| Some((*id, mine?.get(id)?.clone()))).collect(),
            records: wants.records.iter().filter_map(|id| Some((*id, self.records.get(id)?.clone()))).collect(),
            holders: BTreeMap::new(),
            last_seq: self.last_seq(who),
            holdings: self.holdings(who),
            restored_at: self.restored_at,
        };
        let mut loaded = loaded;
        let values = wants.unique_values_with(rules, &loaded.records);
        loaded.holders = self
            .records
            .values()
            .filter_map(|s| Some((unique_value(rules, &s.record)?.to_owned(), s.record.id())))
            .filter(|(value, _)| values.contains(value))
            .collect();
        let plan = plan_push(rules, who, request, loaded, &self.epoch, now_ms);
        for m in &request.mutations {
            if plan.applied.iter().any(|(id, _)| *id == m.id) {
                self.clock.observe(&m.at);
            }
        }
        self.write(who, &plan);
        Ok(plan.response)
    }

    fn write(&mut self, who: &Owner, plan: &Plan) {
        for change in &plan.changes {
            let owner = change.record.owner().clone();
            if let Some(old) = change.replaced {
                self.log.remove(&(owner.clone(), old));
            }
            self.log.insert((owner, change.seq), change.record.id());
            self.records.insert(change.record.id(), Snapshot { seq: change.seq, record: change.record.clone() });
        }
        self.applied.entry(who.clone()).or_default().extend(plan.applied.iter().cloned());
        self.scopes.insert(who.clone(), plan.last_seq);
    }

    /// Sets fields only the server decides on an existing record; returns their stamp.
    pub fn set_server_fields(&mut self, record: RecordId, fields: &Fields, now_ms: u64) -> Option<Stamp> {
        let snapshot = self.records.get(&record)?;
        let owner = snapshot.record.owner().clone();
        let mut changed = snapshot.record.clone();
        let at = set_server_fields(&mut self.clock, &mut changed, fields, now_ms);
        let seq = self.last_seq(&owner) + 1;
        let plan = Plan {
            changes: vec![Change { record: changed, seq, replaced: Some(snapshot.seq) }],
            last_seq: seq,
            ..Plan::default()
        };
        self.write(&owner, &plan);
        Some(at)
    }

    /// Makes a record on the server (`server_record`) as a new change in its
    /// owner's scope. `None` when the id is taken.
    pub fn create(&mut self, id: RecordId, kind: Kind, owner: &Owner, fields: &Fields, now_ms: u64) -> Option<Stamp> {
        if self.records.contains_key(&id) {
            return None;
        }
        let record = server_record(&mut self.clock, id, kind, owner.clone(), fields, now_ms);
        let at = record.stamps().max().expect("a field");
        let seq = self.last_seq(owner) + 1;
        let plan = Plan { changes: vec![Change { record, seq, replaced: None }], last_seq: seq, ..Plan::default() };
        self.write(owner, &plan);
        Some(at)
    }

    /// The records `who` may see that changed after the request's cursor,
    /// oldest change first.
    pub fn pull(&self, who: &Owner, request: &PullRequest) -> Result<PullResponse, SyncError> {
        admit_pull(who, request)?;
        let from = (who.clone(), request.cursor);
        let to = (who.clone(), u64::MAX);
        let log = self
            .log
            .range((Bound::Excluded(from), Bound::Included(to)))
            .take(pull_limit(request) + 1)
            .map(|(_, id)| self.records[id].clone());
        Ok(pull_page(who, request, &self.epoch, log))
    }
}
