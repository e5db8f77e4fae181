//! The server's rules, kept apart from any storage: the push core that the
//! real server (over SurrealDB) and [`ServerState`] (in memory, for the
//! simulation and the tests) both run.
//!
//! A push is three steps, the middle one pure:
//!
//! 1. [`admit_push`](crate::protocol::admit_push): the version, the account,
//!    the batch size, before any work;
//! 2. load what [`Wants::of`] names in one snapshot (this owner's applied
//!    marks for the ids, the records, the holders of the unique values asked
//!    for, the owner's last sequence number) and [`plan_push`] it;
//! 3. write the [`Plan`]: the changed records with their new sequence
//!    numbers (dropping their old change-log entries), the applied marks and
//!    the owner's new last sequence number, all in one transaction.
//!
//! Sequence numbers count per owner (each owner's *scope*): pushes of
//! different people never touch the same row. A pull lists the owner's
//! change log after the cursor; each record appears once, at its latest change.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Bound;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hlc::{Clock, Stamp};
use crate::ids::{DeviceId, MutationId, Owner, RecordId};
use crate::limits::{
    Holdings, MAX_BYTES_PER_OWNER, MAX_PULL_BYTES, MAX_RECORD_BYTES, MAX_RECORDS_PER_OWNER, record_bytes,
};
use crate::mutation::{Action, MAX_AHEAD_MS, Mutation, RejectCode, Rejection};
use crate::protocol::{
    Epoch, MAX_PULL_LIMIT, MutationResult, Outcome, PullRequest, PullResponse, PushRequest, PushResponse, Snapshot,
    SyncError, admit_pull, admit_push,
};
use crate::record::{ByRecord, Fields, Kind, Record, by_record};

/// The rules of each kind of record, which the app defines (its field
/// tables); the push core asks them about every field it is sent.
pub trait Rules: Send + Sync {
    /// Refuses a field a kind does not have, or a value it does not allow
    /// when `owner` writes it (a product goes on her own storefront only).
    fn check_field(&self, owner: &Owner, kind: Kind, name: &str, value: &Value) -> Result<(), Rejection>;
    /// The field of a kind whose value no two live records may share (a
    /// storefront's web address).
    fn unique_field(&self, kind: Kind) -> Option<&'static str>;
    /// The one id a record of this kind may have for this owner (a person's
    /// storefront), so nobody can make another person's record first.
    fn fixed_id(&self, kind: Kind, owner: &Owner) -> Option<RecordId>;
    /// Whether this pusher's phones may write records of this kind: not
    /// before the kind has its rules (an ad post), whose fields would
    /// otherwise be anything at all, nor kinds of another role.
    fn writable(&self, kind: Kind) -> bool;
    /// A field only the server sets, as her phone gives it back in its copy
    /// of a record the server made ([`Kind::made_by_server`]), after a
    /// restore: refused unless the server itself could have set that value
    /// (what a buyer's form accepts). `making` says the record is made from
    /// these `fields` (the restored server lacks it): then they must hold all
    /// a new record of the kind has. The default takes nothing back.
    fn check_given_back(&self, owner: &Owner, kind: Kind, fields: &Fields, making: bool) -> Result<(), Rejection> {
        let _ = (owner, fields, making);
        Err(Rejection::new(RejectCode::ServerField, format!("{kind} records are made by the server")))
    }
}

/// Who may pull a record: for now its owner only.
pub fn may_see(who: &Owner, record: &Record) -> bool {
    record.owner() == who
}

/// The value a record holds in its kind's unique field, while it is not deleted.
pub fn unique_value<'a>(rules: &dyn Rules, record: &'a Record) -> Option<&'a str> {
    let field = rules.unique_field(record.kind())?;
    if record.is_deleted() {
        return None;
    }
    record.get(field).and_then(Value::as_str)
}

/// What the server remembers of an applied mutation, keyed by its owner and
/// id: its content hash, and the fields it refused (so a retry is answered
/// exactly as the first time).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliedMark {
    pub hash: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<Rejection>,
}

/// What [`plan_push`] needs loaded for a push.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Wants {
    /// Mutation ids to look up among the owner's applied marks.
    pub ids: BTreeSet<MutationId>,
    /// Records the push touches (of any owner: a stranger's is refused).
    pub records: BTreeSet<RecordId>,
    /// Unique values asked for, to look up their holders.
    pub unique_values: BTreeSet<String>,
}

impl Wants {
    pub fn of(rules: &dyn Rules, request: &PushRequest) -> Wants {
        let mut wants = Wants::default();
        for m in &request.mutations {
            wants.ids.insert(m.id);
            wants.records.insert(m.record);
            if let Some(value) = asked_unique(rules, m) {
                wants.unique_values.insert(value.to_owned());
            }
        }
        wants
    }
}

impl Wants {
    /// The unique values whose holders a push must know once its records are
    /// loaded: those asked for, and those the loaded records hold in their
    /// fields (a deleted storefront brought back claims its address again).
    pub fn unique_values_with(&self, rules: &dyn Rules, records: &BTreeMap<RecordId, Snapshot>) -> BTreeSet<String> {
        let mut values = self.unique_values.clone();
        for snapshot in records.values() {
            let record = &snapshot.record;
            if let Some(value) = rules.unique_field(record.kind()).and_then(|f| record.get(f)).and_then(Value::as_str) {
                values.insert(value.to_owned());
            }
        }
        values
    }
}

fn asked_unique<'a>(rules: &dyn Rules, mutation: &'a Mutation) -> Option<&'a str> {
    let field = rules.unique_field(mutation.kind)?;
    match &mutation.action {
        Action::Set(fields) => fields.get(field).and_then(Value::as_str),
        Action::Delete => None,
    }
}

/// What a push reads, in one snapshot.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Loaded {
    /// The pushing owner's marks for the ids asked for.
    pub applied: BTreeMap<MutationId, AppliedMark>,
    /// The records asked for that exist, with their sequence numbers.
    pub records: BTreeMap<RecordId, Snapshot>,
    /// Each unique value asked for that a live record holds → that record.
    pub holders: BTreeMap<String, RecordId>,
    /// The pushing owner's last sequence number (0: none yet).
    pub last_seq: u64,
    /// What the pushing owner holds before the push.
    pub holdings: Holdings,
    /// When this server was last restored from a backup (its epoch began
    /// then), in its clock's milliseconds; `None` if it never was. Only
    /// then, and only for what was made before, does it take back a copy of
    /// a record it made (see [`plan_push`]).
    pub restored_at: Option<u64>,
}

/// A record to write: its new sequence number, and the one it had (whose
/// change-log entry goes).
#[derive(Clone, PartialEq, Debug)]
pub struct Change {
    pub record: Record,
    pub seq: u64,
    pub replaced: Option<u64>,
}

/// What a push writes, and its answer.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Plan {
    pub response: PushResponse,
    pub changes: Vec<Change>,
    /// New applied marks of the pushing owner.
    pub applied: Vec<(MutationId, AppliedMark)>,
    /// The owner's last sequence number after the push.
    pub last_seq: u64,
    /// What the owner holds after the push.
    pub holdings: Holdings,
}

impl Plan {
    /// Nothing to write (every mutation a duplicate or refused whole).
    pub fn writes_nothing(&self) -> bool {
        self.changes.is_empty() && self.applied.is_empty()
    }
}

/// Decides a push admitted for `who` over what was loaded for it, at the
/// server's `now_ms`. Per mutation:
///
/// - an id `who` used before: the same content is answered as the first time
///   (`duplicate`, or the same refused fields); other content is `id_reused`;
/// - refused whole: not `who`'s record, the wrong kind, a fixed id that is
///   not the owner's, a stamp too far ahead, too large;
/// - otherwise each field is checked alone (name, server field, size, the
///   kind's rules, a unique value another record holds): the good fields are
///   applied, the bad ones refused by name (`fields_refused`).
///
/// A record of a kind the server makes (an order request) is never made by a
/// push, with one exception: after a restore, the owner's phone gives back
/// its copy of one the restored server lacks ([`Mutation::gives_back`]: a
/// re-send, its id made from its content), stamped before the restore. Then
/// the server's own fields in it are taken, each checked by
/// [`Rules::check_given_back`] (an order request's buyer fields by the
/// buyer's form's rules); a copy that lacks what a new record needs is
/// refused whole. The same re-send may bring back the server's later fields
/// of a record it has (the buyer forgotten). No other push, and no other
/// person, makes one.
pub fn plan_push(
    rules: &dyn Rules,
    who: &Owner,
    request: &PushRequest,
    mut loaded: Loaded,
    epoch: &Epoch,
    now_ms: u64,
) -> Plan {
    let mut plan = Plan { last_seq: loaded.last_seq, holdings: loaded.holdings, ..Plan::default() };
    let mut changed: BTreeMap<RecordId, Option<u64>> = BTreeMap::new();
    let mut results = Vec::with_capacity(request.mutations.len());
    for mutation in &request.mutations {
        let result = match loaded.applied.get(&mutation.id) {
            Some(mark) if mark.hash == mutation.content_hash() => match mark.refused.is_empty() {
                true => Outcome::Duplicate,
                false => Outcome::FieldsRefused(mark.refused.clone()),
            },
            Some(_) => Outcome::Rejected(Rejection::new(
                RejectCode::IdReused,
                format!("mutation id {} was used before for another edit", mutation.id),
            )),
            None => match plan_one(rules, who, mutation, &mut loaded, now_ms) {
                Err(rejection) => Outcome::Rejected(rejection),
                Ok((record, refused)) => {
                    if let Some(record) = record {
                        let id = record.id();
                        let old = loaded.records.get(&id).map(|s| s.seq);
                        changed.entry(id).or_insert(old);
                        loaded.records.insert(id, Snapshot { seq: 0, record });
                    }
                    let mark = AppliedMark { hash: mutation.content_hash(), refused: refused.clone() };
                    loaded.applied.insert(mutation.id, mark.clone());
                    plan.applied.push((mutation.id, mark));
                    if refused.is_empty() { Outcome::Applied } else { Outcome::FieldsRefused(refused) }
                }
            },
        };
        results.push(MutationResult { id: mutation.id, result });
    }
    for (id, replaced) in changed {
        plan.last_seq += 1;
        let record = loaded.records.remove(&id).expect("a changed record").record;
        plan.changes.push(Change { record, seq: plan.last_seq, replaced });
    }
    plan.holdings = loaded.holdings;
    plan.response = PushResponse { epoch: Some(epoch.clone()), results };
    plan
}

/// One new mutation: refused whole, or the record it makes (`None`: nothing
/// changed) and the fields it refused.
fn plan_one(
    rules: &dyn Rules,
    who: &Owner,
    mutation: &Mutation,
    loaded: &mut Loaded,
    now_ms: u64,
) -> Result<(Option<Record>, Vec<Rejection>), Rejection> {
    mutation.check_whole()?;
    if !rules.writable(mutation.kind) {
        return Err(Rejection::new(
            RejectCode::KindNotAllowed,
            format!("{} records cannot be written by this account", mutation.kind),
        ));
    }
    let existing = loaded.records.get(&mutation.record).map(|s| &s.record);
    mutation.check_write(who, existing)?;
    // Stamps of the history before the restore: the server's clock may have
    // run up to MAX_AHEAD_MS ahead of its wall clock after seeing a fast phone's.
    let given_back = mutation.gives_back()
        && loaded.restored_at.is_some_and(|at| mutation.at.wall_ms() < at.saturating_add(MAX_AHEAD_MS));
    if existing.is_none() && mutation.kind.made_by_server() {
        let made_by_server =
            || Rejection::new(RejectCode::NotOwner, format!("{} records are made by the server", mutation.kind));
        let (Action::Set(fields), true) = (&mutation.action, given_back) else { return Err(made_by_server()) };
        // What the buyer's form would not take is refused whole: no request is made of it.
        rules.check_given_back(who, mutation.kind, fields, true).map_err(|r| Rejection { field: None, ..r })?;
    }
    if rules.fixed_id(mutation.kind, who).is_some_and(|id| id != mutation.record) {
        return Err(Rejection::new(RejectCode::NotOwner, format!("a {}'s id is its owner's", mutation.kind)));
    }
    if mutation.at.wall_ms() > now_ms.saturating_add(MAX_AHEAD_MS) {
        return Err(Rejection::new(
            RejectCode::ClockAhead,
            format!("the edit is stamped {} ms ahead of the server's clock", mutation.at.wall_ms() - now_ms),
        ));
    }
    let (accepted, refused) = match &mutation.action {
        Action::Delete => (mutation.clone(), Vec::new()),
        Action::Set(fields) => {
            let unique = rules.unique_field(mutation.kind);
            let mut good = Fields::new();
            let mut refused = Vec::new();
            for (name, value) in fields {
                if given_back && mutation.kind.is_restorable_field(name) {
                    // What the server holds already, as it set it, changes nothing.
                    let holds = |r: &Record| {
                        let current = r.fields().get(name).map(|f| (&f.value, f.at));
                        let lost = r.history().iter().filter(|l| l.field == *name).map(|l| (&l.value, l.at));
                        current.into_iter().chain(lost).any(|held| held == (value, mutation.at))
                    };
                    let one = Fields::from([(name.clone(), value.clone())]);
                    let checked = mutation.check_size(name, value).and_then(|()| match existing.is_some_and(holds) {
                        true => Ok(()),
                        false => rules.check_given_back(who, mutation.kind, &one, false).map_err(|r| r.of_field(name)),
                    });
                    match checked {
                        Ok(()) => {
                            good.insert(name.clone(), value.clone());
                        }
                        Err(rejection) => refused.push(rejection),
                    }
                    continue;
                }
                let checked = mutation
                    .check_field(name, value)
                    .and_then(|()| rules.check_field(who, mutation.kind, name, value).map_err(|r| r.of_field(name)))
                    .and_then(|()| match (unique == Some(name.as_str()), value.as_str()) {
                        (true, Some(asked)) => match loaded.holders.get(asked) {
                            Some(holder) if *holder != mutation.record => Err(Rejection::new(
                                RejectCode::Taken,
                                format!("{name}: {asked:?} belongs to another {}", mutation.kind),
                            )
                            .of_field(name)),
                            _ => Ok(()),
                        },
                        _ => Ok(()),
                    });
                match checked {
                    Ok(()) => {
                        good.insert(name.clone(), value.clone());
                    }
                    Err(rejection) => refused.push(rejection),
                }
            }
            if good.is_empty() {
                return Ok((None, refused));
            }
            (mutation.with_fields(good), refused)
        }
    };
    let existing = loaded.records.get(&mutation.record).map(|s| &s.record);
    // Checked above, field by field and against the stored record.
    let record = match existing {
        None => Record::from_mutation(&accepted),
        Some(record) => {
            let mut record = record.clone();
            // check_write saw the same kind and owner: this cannot fail.
            record.apply(&accepted).map_err(|e| Rejection::new(RejectCode::WrongKind, e.to_string()))?;
            record
        }
    };
    if existing == Some(&record) {
        return Ok((None, refused));
    }
    if let Some(value) = unique_value(rules, &record)
        && loaded.holders.get(value).is_some_and(|holder| *holder != record.id())
    {
        // Brought back from deletion with an address another record took meanwhile.
        return Err(Rejection::new(
            RejectCode::Taken,
            format!("{value:?} belongs to another {} now: give this one a new address in the same edit", record.kind()),
        ));
    }
    // Bounds: a record or an owner may shrink past them, never grow.
    let (old, new) = (existing.map(record_bytes), record_bytes(&record));
    if new > MAX_RECORD_BYTES && old.is_none_or(|old| new > old) {
        return Err(Rejection::new(
            RejectCode::RecordTooLarge,
            format!("the {} would take {new} bytes, above {MAX_RECORD_BYTES}", record.kind()),
        ));
    }
    loaded.holdings = loaded.holdings.after(existing, &record).ok_or_else(|| {
        Rejection::new(
            RejectCode::OwnerFull,
            format!("at most {MAX_RECORDS_PER_OWNER} records and {MAX_BYTES_PER_OWNER} bytes per person"),
        )
    })?;
    // The record's unique value now: later mutations of this push see it
    // held, and a value it gave up is free again.
    loaded.holders.retain(|_, holder| *holder != record.id());
    if let Some(value) = unique_value(rules, &record) {
        loaded.holders.insert(value.to_owned(), record.id());
    }
    Ok((Some(record), refused))
}

/// Sets fields only the server decides (a coordinator's approval, a counter)
/// on a record, stamped by the server's `clock`: newer than everything in the
/// record, whatever the device clocks said.
pub fn set_server_fields(clock: &mut Clock, record: &mut Record, fields: &Fields, now_ms: u64) -> Stamp {
    if let Some(newest) = record.stamps().max() {
        clock.observe(&newest);
    }
    let at = clock.tick(now_ms);
    record.set(fields, at);
    at
}

/// A record the server makes itself (a buyer's order request), with its
/// first fields stamped by the server's clock.
pub fn server_record(
    clock: &mut Clock,
    id: RecordId,
    kind: Kind,
    owner: Owner,
    fields: &Fields,
    now_ms: u64,
) -> Record {
    let mut record = Record::new(id, kind, owner);
    record.set(fields, clock.tick(now_ms));
    record
}

/// A pull page from a change log read in sequence order: `log` yields
/// `(seq, record)` for the owner's changes after the cursor, at most
/// `limit + 1` of them (one more tells whether more wait).
pub fn pull_page(
    who: &Owner,
    request: &PullRequest,
    epoch: &Epoch,
    log: impl IntoIterator<Item = Snapshot>,
) -> PullResponse {
    let limit = pull_limit(request);
    let mut changes = Vec::new();
    let mut cursor = request.cursor;
    let mut more = false;
    let mut bytes = 0;
    for snapshot in log {
        // The log is the owner's: the protocol's rule has the last word.
        if snapshot.seq <= cursor || !may_see(who, &snapshot.record) {
            continue;
        }
        let size = record_bytes(&snapshot.record);
        if changes.len() == limit || (!changes.is_empty() && bytes + size > MAX_PULL_BYTES) {
            more = true;
            break;
        }
        bytes += size;
        cursor = snapshot.seq;
        changes.push(snapshot);
    }
    PullResponse { epoch: epoch.clone(), after: request.cursor, changes, cursor, more }
}

/// Records per pull page: the request's limit within 1..=[`MAX_PULL_LIMIT`].
pub fn pull_limit(request: &PullRequest) -> usize {
    request.limit.clamp(1, MAX_PULL_LIMIT) as usize
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Limits, PROTOCOL_VERSION};
    use serde_json::json;

    /// Rules shaped like the app's: a storefront's `slug` is unique and its id
    /// is its owner's; `price` is a whole number; `secret` is no field at all.
    struct TestRules;

    impl Rules for TestRules {
        fn check_field(&self, _: &Owner, _: Kind, name: &str, value: &Value) -> Result<(), Rejection> {
            match name {
                "price" if !value.is_u64() => Err(Rejection::new(RejectCode::InvalidValue, "a whole number")),
                "secret" => Err(Rejection::new(RejectCode::InvalidValue, "no such field")),
                _ => Ok(()),
            }
        }
        fn unique_field(&self, kind: Kind) -> Option<&'static str> {
            (kind == Kind::Storefront).then_some("slug")
        }
        fn fixed_id(&self, kind: Kind, owner: &Owner) -> Option<RecordId> {
            (kind == Kind::Storefront).then(|| storefront_of(owner))
        }
        fn writable(&self, kind: Kind) -> bool {
            kind != Kind::ReviewComment
        }
        /// A buyer's name is two letters or more, and a new request has one.
        fn check_given_back(&self, _: &Owner, _: Kind, fields: &Fields, making: bool) -> Result<(), Rejection> {
            let bad = |why: &str| Err(Rejection::new(RejectCode::InvalidValue, why.to_owned()));
            match fields.get("buyer_name") {
                Some(name) if name.as_str().is_none_or(|n| n.chars().count() < 2) => bad("buyer_name: too short"),
                None if making => bad("buyer_name: a request has one"),
                _ => Ok(()),
            }
        }
    }

    fn storefront_of(owner: &Owner) -> RecordId {
        RecordId::new(1, [owner.as_str().len() as u8; 10])
    }

    const NOW: u64 = 1_000_000;

    fn amina() -> Owner {
        "user:amina".parse().unwrap()
    }

    fn bahadir() -> Owner {
        "user:bahadir".parse().unwrap()
    }

    fn server() -> ServerState {
        ServerState::new(DeviceId::new(1, [0xee; 10]), Epoch::new("first").unwrap())
    }

    fn edit(n: u64, record: u8, owner: Owner, fields: Value) -> Mutation {
        Mutation {
            id: MutationId::new(n, [record; 10]),
            record: RecordId::new(1, [record; 10]),
            kind: Kind::Product,
            owner,
            at: Stamp::new(1_000 + n, 0, DeviceId::new(1, [1; 10])),
            action: Action::Set(serde_json::from_value(fields).unwrap()),
        }
    }

    fn storefront(n: u64, owner: Owner, fields: Value) -> Mutation {
        let record = storefront_of(&owner);
        Mutation { record, kind: Kind::Storefront, ..edit(n, 0, owner, fields) }
    }

    fn push_as(account: Owner, mutations: Vec<Mutation>) -> PushRequest {
        PushRequest { version: PROTOCOL_VERSION, account, device: DeviceId::new(1, [1; 10]), mutations }
    }

    fn push(mutations: Vec<Mutation>) -> PushRequest {
        let account = mutations.first().map_or_else(amina, |m| m.owner.clone());
        push_as(account, mutations)
    }

    fn pull(who: Owner, cursor: u64, limit: u32) -> PullRequest {
        PullRequest { version: PROTOCOL_VERSION, account: who, cursor, limit }
    }

    fn apply(server: &mut ServerState, who: &Owner, request: &PushRequest) -> Vec<Outcome> {
        let response = server.apply_push(&TestRules, who, request, NOW).unwrap();
        response.results.into_iter().map(|r| r.result).collect()
    }

    fn code(outcome: &Outcome) -> Option<RejectCode> {
        match outcome {
            Outcome::Rejected(r) => Some(r.code),
            _ => None,
        }
    }

    #[test]
    fn kinds_without_rules_are_refused() {
        let mut server = server();
        let comment = Mutation { kind: Kind::ReviewComment, ..edit(1, 1, amina(), json!({"text": "spam"})) };
        let outcome = apply(&mut server, &amina(), &push(vec![comment.clone()]));
        assert_eq!(code(&outcome[0]), Some(RejectCode::KindNotAllowed));
        assert_eq!(server.record(comment.record), None);
    }

    #[test]
    fn phones_move_on_records_the_server_made_and_never_make_one() {
        let mut server = server();
        // Her phone saw the request before it edits it: its stamps are newer.
        let order = |n, fields| Mutation {
            kind: Kind::OrderRequest,
            at: Stamp::new(NOW + n, 0, DeviceId::new(1, [1; 10])),
            ..edit(n, 9, amina(), fields)
        };
        let forged = apply(&mut server, &amina(), &push(vec![order(1, json!({"status": "new"}))]));
        assert_eq!(code(&forged[0]), Some(RejectCode::NotOwner));
        assert_eq!(server.record(RecordId::new(1, [9; 10])), None);

        let buyer = serde_json::from_value(json!({"status": "new", "buyer_name": "Gulnara"})).unwrap();
        let id = RecordId::new(1, [9; 10]);
        assert!(server.create(id, Kind::OrderRequest, &amina(), &buyer, NOW).is_some());
        assert!(server.create(id, Kind::OrderRequest, &amina(), &buyer, NOW).is_none(), "an id once");
        let pulled = server.pull(&amina(), &pull(amina(), 0, 10)).unwrap();
        assert_eq!(pulled.changes.len(), 1, "it reaches her phones");
        assert!(server.pull(&bahadir(), &pull(bahadir(), 0, 10)).unwrap().changes.is_empty());

        let moved = apply(&mut server, &amina(), &push(vec![order(2, json!({"status": "confirmed"}))]));
        assert_eq!(moved, [Outcome::Applied]);
        let renamed = apply(&mut server, &amina(), &push(vec![order(3, json!({"buyer_name": "someone"}))]));
        assert!(
            matches!(&renamed[0], Outcome::FieldsRefused(r) if r[0].code == RejectCode::ServerField),
            "what the buyer wrote is the server's: {renamed:?}"
        );
        let record = server.record(id).unwrap();
        assert_eq!(record.get("buyer_name"), Some(&json!("Gulnara")));
        assert_eq!(record.get("status"), Some(&json!("confirmed")));
    }

    /// Review finding H2: a buyer's request the server acknowledged, confirmed
    /// on her phone, then the server restored from a backup made before it.
    #[test]
    fn a_buyers_request_comes_back_after_a_restore() {
        use crate::replica::Replica;
        let mut server = server();
        let backup = server.clone();
        let buyer = serde_json::from_value(json!({
            "status": "new", "received_at": "2026-12-04T10:00:00Z", "buyer_name": "Gulnara",
            "buyer_contact": "+998901234567", "quantity": 1
        }))
        .unwrap();
        let id = RecordId::new(NOW, [9; 10]);
        server.create(id, Kind::OrderRequest, &amina(), &buyer, NOW).unwrap();
        let mut phone = Replica::new(DeviceId::new(1, [1; 10]), amina());
        phone.receive_pull(server.pull(&amina(), &pull(amina(), 0, 100)).unwrap());
        let confirmed = serde_json::from_value(json!({"status": "confirmed"})).unwrap();
        phone.edit(id, confirmed, NOW + 10, [2; 10]).unwrap();
        let push = phone.push_request(Limits::DEFAULT).unwrap();
        phone.receive_push(&server.apply_push(&TestRules, &amina(), &push, NOW + 20).unwrap());
        // Restored from the backup, under a new epoch; the phone syncs.
        let restored_at = NOW + 1_000;
        server = backup.restored(Epoch::new("second").unwrap(), restored_at);
        for _ in 0..3 {
            phone.receive_pull(server.pull(&amina(), &phone.pull_request(100)).unwrap());
            while let Some(push) = phone.push_request(Limits::DEFAULT) {
                phone.receive_push(&server.apply_push(&TestRules, &amina(), &push, restored_at + 10).unwrap());
            }
        }
        let on_phone = phone.record(id).expect("the request stays on her phone");
        let on_server = server.record(id).expect("the request is on the server again");
        assert_eq!(on_server, on_phone);
        assert_eq!(on_server.get("buyer_name"), Some(&json!("Gulnara")));
        assert_eq!(on_server.get("buyer_contact"), Some(&json!("+998901234567")));
        assert_eq!(on_server.get("status"), Some(&json!("confirmed")));
        assert!(phone.outbox().is_empty() && phone.outbox().refused().is_empty());
    }

    #[test]
    fn only_her_phones_copy_sent_again_after_a_restore_makes_a_request() {
        let restored_at = NOW + 1_000;
        let mut fresh = server();
        let mut restored = server().restored(Epoch::new("second").unwrap(), restored_at);
        let copy = |n: u64, owner: Owner, name: &str, at: u64| {
            let fields = json!({"status": "new", "received_at": "2026-12-04T10:00:00Z", "buyer_name": name});
            let mut m = Mutation {
                kind: Kind::OrderRequest,
                at: Stamp::new(at, 0, DeviceId::new(0, [0xee; 10])),
                ..edit(n, 9, owner, fields)
            };
            m.id = m.resend_id();
            m
        };
        let id = RecordId::new(1, [9; 10]);
        // An edit's own id (random) is not a re-send: refused.
        let normal = Mutation { id: MutationId::new(5, [5; 10]), ..copy(1, amina(), "Gulnara", NOW) };
        assert!(!normal.is_resend());
        // Never restored: nothing to give back.
        let in_the_first_history = copy(1, amina(), "Gulnara", NOW);
        // Stamped after the restore (beyond the clock's bound): not a copy of the old history.
        let made_after = copy(2, amina(), "Gulnara", restored_at + MAX_AHEAD_MS);
        // Another person's request, sent by Bahadir.
        let strangers = copy(3, amina(), "Gulnara", NOW);
        // What the buyer's form would not take.
        let bad = copy(4, amina(), "G", NOW);
        for (server, who, m, code_wanted) in [
            (&mut restored.clone(), amina(), normal, RejectCode::NotOwner),
            (&mut fresh, amina(), in_the_first_history, RejectCode::NotOwner),
            (&mut restored.clone(), amina(), made_after, RejectCode::NotOwner),
            (&mut restored.clone(), bahadir(), strangers, RejectCode::NotOwner),
            (&mut restored.clone(), amina(), bad, RejectCode::InvalidValue),
        ] {
            let outcome = apply(server, &who, &push_as(who.clone(), vec![m.clone()]));
            assert_eq!(code(&outcome[0]), Some(code_wanted), "{m:?}");
            assert_eq!(server.record(id), None);
        }
        // Her phone's copy, made before the restore: the request again.
        let given_back = copy(5, amina(), "Gulnara", NOW);
        assert_eq!(apply(&mut restored, &amina(), &push(vec![given_back])), [Outcome::Applied]);
        assert_eq!(restored.record(id).unwrap().get("buyer_name"), Some(&json!("Gulnara")));
        // Once there, a normal edit still cannot change what the buyer wrote.
        let renamed = Mutation { id: MutationId::new(6, [6; 10]), ..copy(6, amina(), "Someone", NOW + 5) };
        let outcome = apply(&mut restored, &amina(), &push(vec![renamed]));
        assert!(
            matches!(&outcome[0], Outcome::FieldsRefused(r) if r[0].code == RejectCode::ServerField),
            "{outcome:?}"
        );
        assert_eq!(restored.record(id).unwrap().get("buyer_name"), Some(&json!("Gulnara")));
    }

    #[test]
    fn a_record_grows_to_its_bound_and_no_further() {
        let mut server = server();
        let big = |n: u64| {
            let text = "x".repeat(15 * 1024);
            edit(n, 1, amina(), json!({ format!("a{n}"): text, format!("b{n}"): text, format!("c{n}"): text }))
        };
        // 45 KiB a push: the third would pass 128 KiB.
        for n in 1..=2 {
            assert_eq!(apply(&mut server, &amina(), &push(vec![big(n)])), [Outcome::Applied]);
        }
        let before = server.record(RecordId::new(1, [1; 10])).unwrap().clone();
        let outcome = apply(&mut server, &amina(), &push(vec![big(3), edit(4, 2, amina(), json!({"name": "Tea"}))]));
        assert_eq!(code(&outcome[0]), Some(RejectCode::RecordTooLarge));
        assert_eq!(outcome[1], Outcome::Applied, "the rest of the push goes on");
        assert_eq!(server.record(before.id()), Some(&before), "the record is kept as it was");
        assert!(record_bytes(&before) <= MAX_RECORD_BYTES);
        // A small edit still fits.
        assert_eq!(
            apply(&mut server, &amina(), &push(vec![edit(5, 1, amina(), json!({"name": "Jam"}))])),
            [Outcome::Applied]
        );
    }

    #[test]
    fn an_owner_at_her_bounds_can_edit_but_not_add() {
        let mut server = server();
        let product = |n: u64| Mutation {
            id: MutationId::new(n, [7; 10]),
            record: RecordId::new(n, [7; 10]),
            ..edit(n, 7, amina(), json!({"name": "p"}))
        };
        for start in (0..MAX_RECORDS_PER_OWNER).step_by(500) {
            let batch = (start..start + 500).map(|n| product(n + 1)).collect();
            assert!(apply(&mut server, &amina(), &push(batch)).iter().all(|o| *o == Outcome::Applied));
        }
        assert_eq!(server.holdings(&amina()).records, MAX_RECORDS_PER_OWNER);
        let one_more = product(MAX_RECORDS_PER_OWNER + 1);
        assert_eq!(code(&apply(&mut server, &amina(), &push(vec![one_more]))[0]), Some(RejectCode::OwnerFull));
        // Her records can still change, and another person is not held back.
        let edit_one = Mutation { id: MutationId::new(99_999, [8; 10]), ..product(1) };
        let edit_one =
            Mutation { action: Action::Set(serde_json::from_value(json!({"name": "pear"})).unwrap()), ..edit_one };
        assert_eq!(apply(&mut server, &amina(), &push(vec![edit_one])), [Outcome::Applied]);
        assert_eq!(
            apply(&mut server, &bahadir(), &push(vec![edit(1, 3, bahadir(), json!({"name": "Tea"}))])),
            [Outcome::Applied]
        );
        // Buyers' requests stay outside her room: one still comes, and she
        // cancels it with a note, which grows it, and is not refused.
        let room = server.holdings(&amina());
        let request = RecordId::new(NOW, [9; 10]);
        let buyer = serde_json::from_value(json!({"status": "new", "buyer_name": "Gulnara", "quantity": 1})).unwrap();
        server.create(request, Kind::OrderRequest, &amina(), &buyer, NOW).unwrap();
        assert_eq!(server.holdings(&amina()), Holdings { open_requests: 1, ..room });
        let cancel = Mutation {
            id: MutationId::new(100_000, [9; 10]),
            record: request,
            kind: Kind::OrderRequest,
            at: Stamp::new(NOW + 10, 0, DeviceId::new(1, [1; 10])),
            ..edit(100_000, 9, amina(), json!({"status": "cancelled", "note": "n".repeat(900)}))
        };
        assert_eq!(apply(&mut server, &amina(), &push(vec![cancel])), [Outcome::Applied]);
        assert_eq!(server.holdings(&amina()), room, "her room as it was, and nothing waits");
    }

    #[test]
    fn a_pull_page_is_bounded_by_bytes_too() {
        let mut server = server();
        let text = "y".repeat(15 * 1024);
        // Four records of about 120 KiB each: three a page.
        for record in 1..=4u8 {
            for n in 0..2u64 {
                let fields = json!({ format!("a{n}"): text, format!("b{n}"): text, format!("c{n}"): text, format!("d{n}"): text });
                let m = Mutation {
                    id: MutationId::new(10 * u64::from(record) + n, [record; 10]),
                    ..edit(n, record, amina(), fields)
                };
                assert_eq!(apply(&mut server, &amina(), &push(vec![m])), [Outcome::Applied]);
            }
        }
        let (mut cursor, mut seen, mut pages) = (0, 0, 0);
        loop {
            let page = server.pull(&amina(), &pull(amina(), cursor, 1_000)).unwrap();
            let bytes: usize = page.changes.iter().map(|s| record_bytes(&s.record)).sum();
            assert!(page.changes.len() == 1 || bytes <= MAX_PULL_BYTES, "{bytes} bytes in a page");
            seen += page.changes.len();
            pages += 1;
            cursor = page.cursor;
            if !page.more {
                break;
            }
        }
        assert_eq!((seen, pages), (4, 2));
    }

    #[test]
    fn a_retried_push_applies_once() {
        let mut server = server();
        let request =
            push(vec![edit(1, 1, amina(), json!({"name": "Melon jam"})), edit(2, 2, amina(), json!({"name": "Tea"}))]);
        assert_eq!(apply(&mut server, &amina(), &request), [Outcome::Applied, Outcome::Applied]);
        let seq = server.last_seq(&amina());
        assert_eq!(apply(&mut server, &amina(), &request), [Outcome::Duplicate, Outcome::Duplicate]);
        assert_eq!(server.last_seq(&amina()), seq, "nothing changed, nothing logged");
    }

    #[test]
    fn ids_belong_to_their_owner() {
        // Bahadir learns the id of Amina's queued edit and uses it first.
        let mut server = server();
        let hers = edit(1, 1, amina(), json!({"name": "Melon jam"}));
        let squat = Mutation { record: RecordId::new(1, [9; 10]), owner: bahadir(), ..hers.clone() };
        assert_eq!(apply(&mut server, &bahadir(), &push(vec![squat])), [Outcome::Applied]);
        // Her edit is applied all the same, not answered `duplicate`.
        assert_eq!(apply(&mut server, &amina(), &push(vec![hers.clone()])), [Outcome::Applied]);
        assert_eq!(server.record(hers.record).unwrap().get("name"), Some(&json!("Melon jam")));
        // The same id with other content from the same owner is refused.
        let other = edit(1, 1, amina(), json!({"name": "Something else"}));
        let outcome = apply(&mut server, &amina(), &push(vec![other]));
        assert_eq!(code(&outcome[0]), Some(RejectCode::IdReused));
        assert_eq!(server.record(hers.record).unwrap().get("name"), Some(&json!("Melon jam")));
    }

    #[test]
    fn a_bad_field_is_refused_and_the_others_applied() {
        let mut server = server();
        let m = edit(1, 1, amina(), json!({"name": "Melon jam", "price": 2.5, "story": "From Nukus", "secret": 1}));
        let outcome = apply(&mut server, &amina(), &push(vec![m.clone()]));
        let Outcome::FieldsRefused(refused) = &outcome[0] else { panic!("{outcome:?}") };
        let fields: Vec<_> = refused.iter().map(|r| (r.field.as_deref().unwrap(), r.code)).collect();
        assert_eq!(fields, [("price", RejectCode::InvalidValue), ("secret", RejectCode::InvalidValue)]);
        let record = server.record(m.record).unwrap();
        assert_eq!(record.get("name"), Some(&json!("Melon jam")));
        assert_eq!(record.get("story"), Some(&json!("From Nukus")));
        assert_eq!(record.get("price"), None);
        // A retry gets the same answer and changes nothing.
        let seq = server.last_seq(&amina());
        assert_eq!(apply(&mut server, &amina(), &push(vec![m.clone()])), outcome);
        assert_eq!(server.last_seq(&amina()), seq);
        // Every field refused: nothing is made, and the answer says why.
        let bad = edit(2, 2, amina(), json!({"price": "cheap", "review_state": "approved", "Bad": 1}));
        let outcome = apply(&mut server, &amina(), &push(vec![bad.clone()]));
        let Outcome::FieldsRefused(refused) = &outcome[0] else { panic!("{outcome:?}") };
        let codes: Vec<_> = refused.iter().map(|r| r.code).collect();
        assert_eq!(codes, [RejectCode::BadFieldName, RejectCode::InvalidValue, RejectCode::ServerField]);
        assert!(server.record(bad.record).is_none());
    }

    #[test]
    fn a_taken_address_takes_only_itself() {
        let mut server = server();
        let first = storefront(1, bahadir(), json!({"slug": "aral-honey"}));
        assert_eq!(apply(&mut server, &bahadir(), &push(vec![first])), [Outcome::Applied]);
        // Made offline in one edit: name, story and the taken address.
        let hers = storefront(2, amina(), json!({"name": "Aral honey", "story": "Bees", "slug": "aral-honey"}));
        let outcome = apply(&mut server, &amina(), &push(vec![hers.clone()]));
        let Outcome::FieldsRefused(refused) = &outcome[0] else { panic!("{outcome:?}") };
        assert_eq!((refused[0].field.as_deref(), refused[0].code), (Some("slug"), RejectCode::Taken));
        let record = server.record(hers.record).unwrap();
        assert_eq!((record.get("name"), record.get("slug")), (Some(&json!("Aral honey")), None));
        // Within one push, the first claim holds; a record may keep its own.
        let mut server = self::server();
        let claims = push_as(
            amina(),
            vec![
                storefront(3, amina(), json!({"slug": "tea"})),
                storefront(4, amina(), json!({"slug": "tea", "name": "Tea"})),
            ],
        );
        assert_eq!(apply(&mut server, &amina(), &claims), [Outcome::Applied, Outcome::Applied]);
        let outcome = apply(&mut server, &bahadir(), &push(vec![storefront(5, bahadir(), json!({"slug": "tea"}))]));
        assert!(matches!(&outcome[0], Outcome::FieldsRefused(r) if r[0].code == RejectCode::Taken), "{outcome:?}");
        // Deleted, her storefront frees its address.
        let mut gone = storefront(6, amina(), json!({}));
        gone.action = Action::Delete;
        assert_eq!(apply(&mut server, &amina(), &push(vec![gone])), [Outcome::Applied]);
        let outcome = apply(&mut server, &bahadir(), &push(vec![storefront(7, bahadir(), json!({"slug": "tea"}))]));
        assert_eq!(outcome, [Outcome::Applied]);
        // Brought back by a newer edit, hers would claim "tea" again: refused
        // with the reason, unless the same edit gives it a new address.
        let back = storefront(8, amina(), json!({"name": "Tea again"}));
        assert_eq!(code(&apply(&mut server, &amina(), &push(vec![back]))[0]), Some(RejectCode::Taken));
        assert!(server.record(storefront_of(&amina())).unwrap().is_deleted());
        let moved = storefront(9, amina(), json!({"name": "Tea again", "slug": "green-tea"}));
        assert_eq!(apply(&mut server, &amina(), &push(vec![moved])), [Outcome::Applied]);
        assert!(!server.record(storefront_of(&amina())).unwrap().is_deleted());
    }

    #[test]
    fn whole_refusals() {
        let mut server = server();
        apply(&mut server, &bahadir(), &push(vec![edit(1, 9, bahadir(), json!({"name": "His"}))]));
        let mut ahead = edit(5, 3, amina(), json!({"name": "From the future"}));
        ahead.at = Stamp::new(NOW + MAX_AHEAD_MS + 1, 0, ahead.at.device());
        let mut just = edit(6, 4, amina(), json!({"name": "Fast clock"}));
        just.at = Stamp::new(NOW + MAX_AHEAD_MS, 0, just.at.device());
        let squat = Mutation { record: RecordId::new(1, [8; 10]), ..storefront(7, amina(), json!({"name": "x"})) };
        let request = push_as(
            amina(),
            vec![
                edit(2, 9, amina(), json!({"name": "Mine now"})),
                edit(3, 2, bahadir(), json!({"name": "forged owner"})),
                edit(4, 1, amina(), json!({})),
                ahead,
                just,
                squat,
            ],
        );
        let codes: Vec<_> = apply(&mut server, &amina(), &request).iter().map(code).collect();
        use RejectCode::*;
        assert_eq!(codes, [Some(NotOwner), Some(NotOwner), Some(NoFields), Some(ClockAhead), None, Some(NotOwner)]);
        assert_eq!(server.record(RecordId::new(1, [9; 10])).unwrap().get("name"), Some(&json!("His")));
        // Refused whole, an id is not remembered: the same answer on a retry.
        assert_eq!(code(&apply(&mut server, &amina(), &request)[0]), Some(NotOwner));
    }

    #[test]
    fn requests_for_another_account_are_refused_before_any_work() {
        let mut server = server();
        let request = push_as(bahadir(), vec![edit(1, 1, amina(), json!({"name": "x"}))]);
        let err = server.apply_push(&TestRules, &amina(), &request, NOW).unwrap_err();
        assert!(matches!(err, SyncError::WrongAccount { .. }));
        assert_eq!(err.http_status(), 403);
        assert_eq!(server.last_seq(&amina()), 0);
        assert!(matches!(server.pull(&amina(), &pull(bahadir(), 0, 10)), Err(SyncError::WrongAccount { .. })));
    }

    #[test]
    fn versions_and_batch_sizes_are_checked() {
        let mut server = server();
        let mut request = push(vec![]);
        request.version = PROTOCOL_VERSION + 1;
        let err = server.apply_push(&TestRules, &amina(), &request, NOW);
        assert!(matches!(err, Err(SyncError::VersionMismatch { .. })));
        let old_pull = PullRequest { version: 2, ..pull(amina(), 0, 10) };
        assert!(matches!(server.pull(&amina(), &old_pull), Err(SyncError::VersionMismatch { .. })));
        let too_many =
            (0..=Limits::DEFAULT.max_mutations as u64).map(|n| edit(n, 1, amina(), json!({"n": n}))).collect();
        let err = server.apply_push(&TestRules, &amina(), &push(too_many), NOW);
        assert!(matches!(err, Err(SyncError::BatchTooLarge { .. })));
        assert_eq!(server.last_seq(&amina()), 0);
    }

    #[test]
    fn each_owner_counts_apart_and_pulls_page_through_their_own() {
        let mut server = server();
        for n in 1..=5u8 {
            let who = if n % 2 == 0 { bahadir() } else { amina() };
            apply(&mut server, &who, &push(vec![edit(u64::from(n), n, who.clone(), json!({"n": n}))]));
        }
        assert_eq!((server.last_seq(&amina()), server.last_seq(&bahadir())), (3, 2));
        let seqs = |page: &PullResponse| page.changes.iter().map(|s| s.seq).collect::<Vec<_>>();
        let first = server.pull(&amina(), &pull(amina(), 0, 2)).unwrap();
        assert_eq!((seqs(&first), first.cursor, first.more), (vec![1, 2], 2, true));
        assert_eq!(first.epoch.as_str(), "first");
        let second = server.pull(&amina(), &pull(amina(), first.cursor, 2)).unwrap();
        assert_eq!((seqs(&second), second.cursor, second.more), (vec![3], 3, false));
        let empty = server.pull(&amina(), &pull(amina(), 3, 2)).unwrap();
        assert_eq!((empty.changes.len(), empty.cursor, empty.more), (0, 3, false));
        // A record changed again moves to the end of the log, once.
        apply(&mut server, &amina(), &push(vec![edit(9, 1, amina(), json!({"n": 10}))]));
        let page = server.pull(&amina(), &pull(amina(), 0, 0)).unwrap();
        assert_eq!(seqs(&page), [2], "a limit of 0 means 1");
        let all = server.pull(&amina(), &pull(amina(), 0, 100)).unwrap();
        assert_eq!(seqs(&all), [2, 3, 4]);
        let his = server.pull(&bahadir(), &pull(bahadir(), 0, 100)).unwrap();
        assert!(his.changes.iter().all(|s| s.record.owner() == &bahadir()) && his.changes.len() == 2);
        assert_eq!(server.pull(&amina(), &pull(amina(), u64::MAX, 1)).unwrap().cursor, u64::MAX);
    }

    #[test]
    fn server_fields_are_newer_than_the_record() {
        let mut server = server();
        // A phone whose clock is far ahead (within the bound).
        let mut m = edit(1, 1, amina(), json!({"name": "Melon jam"}));
        m.at = Stamp::new(NOW + 1_000, 0, DeviceId::new(1, [1; 10]));
        apply(&mut server, &amina(), &push(vec![m.clone()]));
        let fields = [("review_state".to_string(), json!("approved"))].into();
        let at = server.set_server_fields(m.record, &fields, 5).unwrap();
        assert!(at > m.at);
        assert_eq!(server.record(m.record).unwrap().get("review_state"), Some(&json!("approved")));
        assert_eq!(server.last_seq(&amina()), 2, "in her scope");
        assert!(server.set_server_fields(RecordId::new(1, [7; 10]), &Fields::new(), 5).is_none());
    }

    #[test]
    fn survives_a_restart_and_refuses_bad_stored_state() {
        let mut server = server();
        let request = push(vec![
            edit(1, 1, amina(), json!({"name": "Melon jam", "price": "x"})),
            edit(2, 2, amina(), json!({"a": 1})),
        ]);
        apply(&mut server, &amina(), &request);
        let json = serde_json::to_string(&server).unwrap();
        let back: ServerState = serde_json::from_str(&json).unwrap();
        assert_eq!(back, server);
        let all = pull(amina(), 0, 10);
        assert_eq!(back.pull(&amina(), &all).unwrap(), server.pull(&amina(), &all).unwrap());

        let value: Value = serde_json::from_str(&json).unwrap();
        let broken = |change: &dyn Fn(&mut Value)| {
            let mut v = value.clone();
            change(&mut v);
            serde_json::from_value::<ServerState>(v).unwrap_err().to_string()
        };
        assert!(broken(&|v| v["scopes"]["user:amina"] = json!(1)).contains("outside 1..=1 of user:amina"));
        assert!(broken(&|v| v["records"][1]["seq"] = json!(1)).contains("share sequence number 1"));
        assert!(broken(&|v| v["applied"]["user:amina"] = json!({"x": {"hash": 1}})).contains("bad mutation id"));
        assert!(broken(&|v| v["log"] = json!({})).contains("unknown field `log`"));
        assert!(broken(&|v| v["epoch"] = json!("a b")).contains("bad epoch"));
        assert!(broken(&|v| v["records"][0]["record"]["kind"] = json!(1)).contains("invalid type"));
    }
}
