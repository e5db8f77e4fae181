//! The push core the server ships: what a push needs loaded ([`Wants`],
//! [`Loaded`]), and [`plan_push`], which decides it without touching storage
//! and answers with the [`Plan`] to write.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{AppliedMark, Rules, unique_value};
use crate::ids::{MutationId, Owner, RecordId};
use crate::limits::{Holdings, MAX_BYTES_PER_OWNER, MAX_RECORD_BYTES, MAX_RECORDS_PER_OWNER, record_bytes};
use crate::mutation::{Action, MAX_AHEAD_MS, Mutation, RejectCode, Rejection};
use crate::protocol::{Epoch, MutationResult, Outcome, PushRequest, PushResponse, Snapshot};
use crate::record::{Fields, Record};

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
