//! The server's rules, kept apart from any storage.
//!
//! [`ServerState`] is the whole server in memory: records, the ids of applied
//! mutations, and a change log with a strictly increasing sequence. The real
//! server keeps the same things in SurrealDB and calls the same functions on
//! what it loads, inside one transaction per push:
//!
//! 1. [`check_version`](crate::protocol::check_version) and the batch limits;
//! 2. per mutation: already applied (by id)? → `duplicate`; else
//!    [`apply_mutation`] to the stored record (or none) → store the record with
//!    the next sequence number and remember the id → `applied`; or `rejected`;
//! 3. a pull lists records changed after the cursor that [`may_see`] allows.
//!
//! A sequence number is never reused (a server restored from a backup must
//! continue above the highest number any device may hold).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Bound;

use serde::{Deserialize, Serialize};

use crate::hlc::{Clock, Stamp};
use crate::ids::{DeviceId, MutationId, Owner, RecordId};
use crate::mutation::{Mutation, RejectCode, Rejection};
use crate::protocol::{
    Limits, MAX_PULL_LIMIT, MutationResult, Outcome, PullRequest, PullResponse, PushRequest, PushResponse, Snapshot,
    SyncError, check_version,
};
use crate::record::{ByRecord, Fields, Record, by_record};

/// Who may pull a record: for now its owner only.
pub fn may_see(who: &Owner, record: &Record) -> bool {
    record.owner() == who
}

/// Checks a mutation sent by `who` against the stored record (`None`: not
/// there yet) and returns the record with it applied.
pub fn apply_mutation(existing: Option<&Record>, who: &Owner, mutation: &Mutation) -> Result<Record, Rejection> {
    mutation.validate()?;
    mutation.check_write(who, existing)?;
    match existing {
        None => Ok(Record::from_mutation(mutation)),
        Some(record) => {
            let mut record = record.clone();
            // check_write saw the same kind and owner: this cannot fail.
            record.apply(mutation).map_err(|e| Rejection::new(RejectCode::WrongKind, e.to_string()))?;
            Ok(record)
        }
    }
}

impl ByRecord for Snapshot {
    fn record_id(&self) -> RecordId {
        self.record.id()
    }
}

/// The server, in memory. Serialize it to keep it across a restart.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(try_from = "ServerData")]
pub struct ServerState {
    /// The server's own clock, for the fields it decides.
    clock: Clock,
    /// Each record with the sequence number of its last change.
    #[serde(with = "by_record")]
    records: BTreeMap<RecordId, Snapshot>,
    applied: BTreeSet<MutationId>,
    last_seq: u64,
    /// Sequence number → record: the change log, one entry per record (its
    /// latest change). Rebuilt from `records` when read back.
    #[serde(skip)]
    log: BTreeMap<u64, RecordId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerData {
    clock: Clock,
    #[serde(with = "by_record")]
    records: BTreeMap<RecordId, Snapshot>,
    applied: BTreeSet<MutationId>,
    last_seq: u64,
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
            if snapshot.seq == 0 || snapshot.seq > data.last_seq {
                return Err(BadServerState(format!(
                    "record {id} has sequence number {}, outside 1..={}",
                    snapshot.seq, data.last_seq
                )));
            }
            if let Some(other) = log.insert(snapshot.seq, *id) {
                return Err(BadServerState(format!("records {other} and {id} share sequence number {}", snapshot.seq)));
            }
        }
        Ok(ServerState {
            clock: data.clock,
            records: data.records,
            applied: data.applied,
            last_seq: data.last_seq,
            log,
        })
    }
}

impl ServerState {
    /// An empty server; `device` stamps the fields it decides.
    pub fn new(device: DeviceId) -> Self {
        ServerState {
            clock: Clock::new(device),
            records: BTreeMap::new(),
            applied: BTreeSet::new(),
            last_seq: 0,
            log: BTreeMap::new(),
        }
    }

    pub fn record(&self, id: RecordId) -> Option<&Record> {
        self.records.get(&id).map(|s| &s.record)
    }

    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.values().map(|s| &s.record)
    }

    /// The sequence number of the latest change.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Applies a push from `who` (the signed-in user who sent it). Each
    /// mutation is applied once whatever the retries; a rejected one does not
    /// stop the others.
    pub fn apply_push(&mut self, who: &Owner, request: &PushRequest) -> Result<PushResponse, SyncError> {
        check_version(request.version)?;
        if request.mutations.len() > Limits::DEFAULT.max_mutations {
            return Err(SyncError::batch_too_large());
        }
        let results =
            request.mutations.iter().map(|m| MutationResult { id: m.id, result: self.apply_one(who, m) }).collect();
        Ok(PushResponse { results })
    }

    fn apply_one(&mut self, who: &Owner, mutation: &Mutation) -> Outcome {
        if self.applied.contains(&mutation.id) {
            return Outcome::Duplicate;
        }
        match apply_mutation(self.record(mutation.record), who, mutation) {
            Ok(record) => {
                self.clock.observe(&mutation.at);
                self.applied.insert(mutation.id);
                self.store(record);
                Outcome::Applied
            }
            Err(rejection) => Outcome::Rejected(rejection),
        }
    }

    /// Stores a record as the newest change, unless nothing changed.
    fn store(&mut self, record: Record) {
        let id = record.id();
        if self.record(id) == Some(&record) {
            return;
        }
        if let Some(old) = self.records.get(&id) {
            self.log.remove(&old.seq);
        }
        self.last_seq += 1;
        self.log.insert(self.last_seq, id);
        self.records.insert(id, Snapshot { seq: self.last_seq, record });
    }

    /// Sets fields only the server decides (a coordinator's approval, a
    /// counter) on an existing record; returns their stamp. The stamp is newer
    /// than everything in the record, whatever the device clocks said.
    pub fn set_server_fields(&mut self, record: RecordId, fields: &Fields, now_ms: u64) -> Option<Stamp> {
        let mut record = self.record(record)?.clone();
        if let Some(newest) = record.stamps().max() {
            self.clock.observe(&newest);
        }
        let at = self.clock.tick(now_ms);
        record.set(fields, at);
        self.store(record);
        Some(at)
    }

    /// The records `who` may see that changed after the request's cursor,
    /// oldest change first.
    pub fn pull(&self, who: &Owner, request: &PullRequest) -> Result<PullResponse, SyncError> {
        check_version(request.version)?;
        let limit = request.limit.clamp(1, MAX_PULL_LIMIT) as usize;
        let mut changes = Vec::new();
        let mut cursor = request.cursor;
        for (&seq, id) in self.log.range((Bound::Excluded(request.cursor), Bound::Unbounded)) {
            if changes.len() == limit {
                break;
            }
            cursor = seq;
            let snapshot = &self.records[id];
            if may_see(who, &snapshot.record) {
                changes.push(snapshot.clone());
            }
        }
        let more = self.log.range((Bound::Excluded(cursor), Bound::Unbounded)).next().is_some();
        Ok(PullResponse { changes, cursor, more })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mutation::Action;
    use crate::protocol::PROTOCOL_VERSION;
    use crate::record::Kind;
    use serde_json::json;

    fn amina() -> Owner {
        "user:amina".parse().unwrap()
    }

    fn bahadir() -> Owner {
        "user:bahadir".parse().unwrap()
    }

    fn server() -> ServerState {
        ServerState::new(DeviceId::new(1, [0xee; 10]))
    }

    fn edit(n: u64, record: u8, owner: Owner, fields: serde_json::Value) -> Mutation {
        Mutation {
            id: MutationId::new(n, [record; 10]),
            record: RecordId::new(1, [record; 10]),
            kind: Kind::Product,
            owner,
            at: Stamp::new(1_000 + n, 0, DeviceId::new(1, [1; 10])),
            action: Action::Set(serde_json::from_value(fields).unwrap()),
        }
    }

    fn push(mutations: Vec<Mutation>) -> PushRequest {
        PushRequest { version: PROTOCOL_VERSION, device: DeviceId::new(1, [1; 10]), mutations }
    }

    fn pull(cursor: u64, limit: u32) -> PullRequest {
        PullRequest { version: PROTOCOL_VERSION, cursor, limit }
    }

    fn outcomes(response: &PushResponse) -> Vec<&Outcome> {
        response.results.iter().map(|r| &r.result).collect()
    }

    #[test]
    fn a_retried_push_applies_once() {
        let mut server = server();
        let request =
            push(vec![edit(1, 1, amina(), json!({"name": "Melon jam"})), edit(2, 2, amina(), json!({"name": "Tea"}))]);
        let first = server.apply_push(&amina(), &request).unwrap();
        assert_eq!(outcomes(&first), [&Outcome::Applied, &Outcome::Applied]);
        let seq = server.last_seq();
        let again = server.apply_push(&amina(), &request).unwrap();
        assert_eq!(outcomes(&again), [&Outcome::Duplicate, &Outcome::Duplicate]);
        assert_eq!(server.last_seq(), seq, "nothing changed, nothing logged");
    }

    #[test]
    fn a_rejected_mutation_does_not_stop_the_rest() {
        let mut server = server();
        server.apply_push(&bahadir(), &push(vec![edit(1, 9, bahadir(), json!({"name": "His"}))])).unwrap();
        let request = push(vec![
            edit(2, 1, amina(), json!({"review_state": "approved"})),
            edit(3, 9, amina(), json!({"name": "Mine now"})),
            edit(4, 2, bahadir(), json!({"name": "forged owner"})),
            edit(5, 1, amina(), json!({"name": "Melon jam"})),
        ]);
        let response = server.apply_push(&amina(), &request).unwrap();
        let codes: Vec<Option<RejectCode>> = outcomes(&response)
            .iter()
            .map(|o| match o {
                Outcome::Rejected(r) => Some(r.code),
                _ => None,
            })
            .collect();
        assert_eq!(
            codes,
            [Some(RejectCode::ServerField), Some(RejectCode::NotOwner), Some(RejectCode::NotOwner), None]
        );
        assert_eq!(server.record(RecordId::new(1, [9; 10])).unwrap().get("name"), Some(&json!("His")));
        assert!(server.record(RecordId::new(1, [2; 10])).is_none());
        // Rejected ids are not remembered: the same answer on a retry.
        let again = server.apply_push(&amina(), &request).unwrap();
        assert!(matches!(again.results[0].result, Outcome::Rejected(_)));
        assert_eq!(again.results[3].result, Outcome::Duplicate);
    }

    #[test]
    fn versions_and_batch_sizes_are_checked() {
        let mut server = server();
        let mut request = push(vec![]);
        request.version = PROTOCOL_VERSION + 1;
        assert!(matches!(server.apply_push(&amina(), &request), Err(SyncError::VersionMismatch { .. })));
        let old_pull = PullRequest { version: 0, ..pull(0, 10) };
        assert!(matches!(server.pull(&amina(), &old_pull), Err(SyncError::VersionMismatch { .. })));
        let too_many =
            (0..=Limits::DEFAULT.max_mutations as u64).map(|n| edit(n, 1, amina(), json!({"n": n}))).collect();
        assert!(matches!(server.apply_push(&amina(), &push(too_many)), Err(SyncError::BatchTooLarge { .. })));
        assert_eq!(server.last_seq(), 0);
    }

    #[test]
    fn pull_pages_through_what_the_user_may_see() {
        let mut server = server();
        for n in 1..=5u8 {
            let who = if n % 2 == 0 { bahadir() } else { amina() };
            server.apply_push(&who, &push(vec![edit(u64::from(n), n, who.clone(), json!({"n": n}))])).unwrap();
        }
        // Amina has records 1, 3, 5 at sequence 1, 3, 5.
        let first = server.pull(&amina(), &pull(0, 2)).unwrap();
        assert_eq!(first.changes.iter().map(|s| s.seq).collect::<Vec<_>>(), [1, 3]);
        assert_eq!((first.cursor, first.more), (3, true));
        let second = server.pull(&amina(), &pull(first.cursor, 2)).unwrap();
        assert_eq!(second.changes.iter().map(|s| s.seq).collect::<Vec<_>>(), [5]);
        assert_eq!((second.cursor, second.more), (5, false));
        let empty = server.pull(&amina(), &pull(5, 2)).unwrap();
        assert_eq!((empty.changes.len(), empty.cursor, empty.more), (0, 5, false));
        // A record changed again moves to the end of the log, once.
        server.apply_push(&amina(), &push(vec![edit(9, 1, amina(), json!({"n": 10}))])).unwrap();
        let page = server.pull(&amina(), &pull(0, 0)).unwrap();
        assert_eq!(page.changes.iter().map(|s| s.seq).collect::<Vec<_>>(), [3], "a limit of 0 means 1");
        let all = server.pull(&amina(), &pull(0, 100)).unwrap();
        assert_eq!(all.changes.iter().map(|s| s.seq).collect::<Vec<_>>(), [3, 5, 6]);
        assert!(server.pull(&bahadir(), &pull(0, 100)).unwrap().changes.iter().all(|s| s.record.owner() == &bahadir()));
        assert_eq!(server.pull(&amina(), &pull(u64::MAX, 1)).unwrap().cursor, u64::MAX);
    }

    #[test]
    fn server_fields_are_newer_than_the_record() {
        let mut server = server();
        // A phone whose clock is far ahead.
        let mut m = edit(1, 1, amina(), json!({"name": "Melon jam"}));
        m.at = Stamp::new(9_999_999, 0, DeviceId::new(1, [1; 10]));
        server.apply_push(&amina(), &push(vec![m.clone()])).unwrap();
        let at =
            server.set_server_fields(m.record, &[("review_state".to_string(), json!("approved"))].into(), 5).unwrap();
        assert!(at > m.at);
        assert_eq!(server.record(m.record).unwrap().get("review_state"), Some(&json!("approved")));
        assert!(server.set_server_fields(RecordId::new(1, [7; 10]), &Fields::new(), 5).is_none());
    }

    #[test]
    fn survives_a_restart_and_refuses_bad_stored_state() {
        let mut server = server();
        server
            .apply_push(
                &amina(),
                &push(vec![edit(1, 1, amina(), json!({"name": "Melon jam"})), edit(2, 2, amina(), json!({"a": 1}))]),
            )
            .unwrap();
        let json = serde_json::to_string(&server).unwrap();
        let back: ServerState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, server);
        assert_eq!(back.pull(&amina(), &pull(0, 10)).unwrap(), server.pull(&amina(), &pull(0, 10)).unwrap());

        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let broken = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut v = value.clone();
            change(&mut v);
            serde_json::from_value::<ServerState>(v).unwrap_err().to_string()
        };
        assert!(broken(&|v| v["last_seq"] = json!(1)).contains("outside 1..=1"));
        assert!(broken(&|v| v["records"][1]["seq"] = json!(1)).contains("share sequence number 1"));
        assert!(broken(&|v| v["applied"] = json!(["x"])).contains("bad mutation id"));
        assert!(broken(&|v| v["log"] = json!({})).contains("unknown field `log`"));
        assert!(broken(&|v| v["records"][0]["record"]["kind"] = json!(1)).contains("invalid type"));
    }
}
