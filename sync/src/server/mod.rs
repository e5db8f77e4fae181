//! The server's rules, kept apart from any storage: the push core that the
//! real server (over SurrealDB) and [`memory::ServerState`] (in memory, for
//! the simulation and the tests) both run.
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
//!
//! By role: this file holds what both halves share (the [`Rules`] a kind's
//! fields follow, who may see a record, the fields only the server sets);
//! `push.rs` the push core the server ships; `pull.rs` a pull page; and
//! `memory.rs` the in-memory server, which only the tests and the simulation
//! use (the shipped store is checked against it).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hlc::{Clock, Stamp};
use crate::ids::{Owner, RecordId};
use crate::mutation::{RejectCode, Rejection};
use crate::record::{Fields, Kind, Record};

pub mod memory;
mod pull;
mod push;
#[cfg(test)]
mod tests;

pub use pull::{pull_limit, pull_page};
pub use push::{Change, Loaded, Plan, Wants, plan_push};

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
