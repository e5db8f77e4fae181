//! The merge rules: how edits made apart come together.
//!
//! - **Field by field, last writer wins.** Each field takes the value with the
//!   newest [`Stamp`]; edits to different fields never touch each other. Two
//!   values with the very same stamp (only possible from a device whose store
//!   was copied) are ordered by their JSON, so even then every device agrees.
//! - **The loser goes to history.** A value beaten by another device's value
//!   is kept in [`Record::history`] with the stamp that beat it. A device's own
//!   older value of a field is not: that device saw it when it wrote the newer
//!   one, so nothing was lost. So per field the record keeps the latest value
//!   of each device: the newest is current, the others (at most
//!   [`HISTORY_PER_FIELD`], newest first) are history.
//! - **Deletion wins only when it is newer.** A deletion sets a tombstone
//!   stamp; the record is deleted while no field the owner can edit was set
//!   after it (an exact tie, only possible from a copied store, goes to the
//!   deletion). An edit newer than the tombstone brings the record back *with
//!   all its fields*: the tombstone hides a record, it does not erase it, so a
//!   deletion can be undone and is never the end of an edit made offline.
//!   Server-decided fields (a coordinator's approval) never bring a record back.
//!
//! The state of a record is a function of the set of edits it has taken in,
//! so merging is commutative, associative and idempotent: applying the same
//! mutation twice is applying it once, and any order gives the same record.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::hlc::Stamp;
use crate::ids::{Owner, RecordId};
use crate::mutation::{Action, Mutation};
use crate::record::{FieldValue, Fields, HISTORY_PER_FIELD, Kind, Lost, Record};

/// Two copies that are not the same record and cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MergeError {
    pub record: RecordId,
    pub problem: &'static str,
}

impl fmt::Display for MergeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot merge into record {}: {}", self.record, self.problem)
    }
}

impl std::error::Error for MergeError {}

/// A total order on JSON values that ignores object key order, for the tie-break.
fn cmp_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::Array(_) => 4,
            Value::Object(_) => 5,
        }
    }
    match (a, b) {
        (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
        (Value::Number(a), Value::Number(b)) => a.to_string().cmp(&b.to_string()),
        (Value::String(a), Value::String(b)) => a.cmp(b),
        (Value::Array(a), Value::Array(b)) => {
            a.iter().zip(b).map(|(a, b)| cmp_values(a, b)).find(|o| o.is_ne()).unwrap_or_else(|| a.len().cmp(&b.len()))
        }
        (Value::Object(a), Value::Object(b)) => {
            fn sorted(m: &serde_json::Map<String, Value>) -> Vec<(&String, &Value)> {
                let mut entries: Vec<_> = m.iter().collect();
                entries.sort_by(|x, y| x.0.cmp(y.0));
                entries
            }
            let (a, b) = (sorted(a), sorted(b));
            a.iter()
                .zip(&b)
                .map(|((ka, va), (kb, vb))| ka.cmp(kb).then_with(|| cmp_values(va, vb)))
                .find(|o| o.is_ne())
                .unwrap_or_else(|| a.len().cmp(&b.len()))
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

fn newest_first(a: &FieldValue, b: &FieldValue) -> Ordering {
    b.at.cmp(&a.at).then_with(|| cmp_values(&b.value, &a.value))
}

/// The canonical state of one field, from any collection of its values.
fn settle(field: &str, mut values: Vec<FieldValue>) -> Option<(FieldValue, Vec<Lost>)> {
    values.sort_by(newest_first);
    let mut kept: Vec<FieldValue> = Vec::new();
    for value in values {
        // Sorted newest first: a device already kept has a newer value.
        if kept.iter().all(|k| k.at.device() != value.at.device()) {
            kept.push(value);
            if kept.len() > HISTORY_PER_FIELD {
                break;
            }
        }
    }
    let mut kept = kept.into_iter();
    let current = kept.next()?;
    let mut lost_to = current.at;
    let history = kept
        .map(|v| {
            let lost = Lost { field: field.to_owned(), value: v.value, at: v.at, lost_to };
            lost_to = lost.at;
            lost
        })
        .collect();
    Some((current, history))
}

impl Record {
    /// The current value and the history of a field, as field values.
    fn values_of(&self, field: &str) -> Vec<FieldValue> {
        let lost =
            self.history.iter().filter(|l| l.field == field).map(|l| FieldValue { value: l.value.clone(), at: l.at });
        self.fields.get(field).cloned().into_iter().chain(lost).collect()
    }

    /// Puts one field in canonical form after `extra` values joined it.
    fn settle_field(&mut self, field: &str, extra: impl IntoIterator<Item = FieldValue>) {
        let mut values = self.values_of(field);
        values.extend(extra);
        self.history.retain(|l| l.field != field);
        match settle(field, values) {
            Some((current, lost)) => {
                self.fields.insert(field.to_owned(), current);
                self.history.extend(lost);
            }
            None => {
                self.fields.remove(field);
            }
        }
    }

    fn sort_history(&mut self) {
        self.history.sort_by(|a, b| a.field.cmp(&b.field).then_with(|| b.at.cmp(&a.at)));
    }

    /// Every field in canonical form (used to check records read from
    /// outside): one pass over the values, grouped by field, so a load
    /// costs the same for many fields as for few.
    pub(crate) fn settle_all(&mut self) {
        let mut by_field: BTreeMap<String, Vec<FieldValue>> = BTreeMap::new();
        for (name, value) in std::mem::take(&mut self.fields) {
            by_field.entry(name).or_default().push(value);
        }
        for lost in std::mem::take(&mut self.history) {
            by_field.entry(lost.field).or_default().push(FieldValue { value: lost.value, at: lost.at });
        }
        for (name, values) in by_field {
            if let Some((current, lost)) = settle(&name, values) {
                self.history.extend(lost);
                self.fields.insert(name, current);
            }
        }
        self.sort_history();
    }

    /// Sets fields as of `at`, by the rules above. No checks: clients go
    /// through [`Record::apply`] after validation, the server calls this for
    /// the fields it decides.
    pub fn set(&mut self, fields: &Fields, at: Stamp) {
        for (name, value) in fields {
            self.settle_field(name, [FieldValue { value: value.clone(), at }]);
        }
        self.sort_history();
    }

    /// Deletes the record as of `at` (the newest tombstone is kept).
    pub fn delete(&mut self, at: Stamp) {
        self.deleted = self.deleted.max(Some(at));
    }

    /// The record a mutation makes when its record does not exist yet.
    pub fn from_mutation(mutation: &Mutation) -> Self {
        let mut record = Record::new(mutation.record, mutation.kind, mutation.owner.clone());
        record.take(mutation);
        record
    }

    /// Applies a mutation. Refused when it names another record, kind or owner.
    pub fn apply(&mut self, mutation: &Mutation) -> Result<(), MergeError> {
        self.same_record(mutation.record, mutation.kind, &mutation.owner)?;
        self.take(mutation);
        Ok(())
    }

    fn take(&mut self, mutation: &Mutation) {
        match &mutation.action {
            Action::Set(fields) => self.set(fields, mutation.at),
            Action::Delete => self.delete(mutation.at),
        }
    }

    /// Merges another copy of the same record into this one (a server copy
    /// into a device copy, say). Refused when it is another record.
    pub fn join(&mut self, other: &Record) -> Result<(), MergeError> {
        self.same_record(other.id, other.kind, &other.owner)?;
        self.deleted = self.deleted.max(other.deleted);
        for name in other.fields.keys() {
            self.settle_field(name, other.values_of(name));
        }
        self.sort_history();
        Ok(())
    }

    fn same_record(&self, id: RecordId, kind: Kind, owner: &Owner) -> Result<(), MergeError> {
        let problem = if id != self.id {
            "it is another record"
        } else if kind != self.kind {
            "the kinds differ"
        } else if *owner != self.owner {
            "the owners differ"
        } else {
            return Ok(());
        };
        Err(MergeError { record: self.id, problem })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{DeviceId, MutationId};
    use serde_json::json;

    fn device(n: u8) -> DeviceId {
        DeviceId::new(1, [n; 10])
    }

    fn stamp(wall: u64, n: u8) -> Stamp {
        Stamp::new(wall, 0, device(n))
    }

    fn owner() -> Owner {
        "user:amina".parse().unwrap()
    }

    fn rid() -> RecordId {
        RecordId::new(1, [1; 10])
    }

    fn set(at: Stamp, fields: &[(&str, Value)]) -> Mutation {
        Mutation {
            id: MutationId::new(at.wall_ms(), [0; 10]),
            record: rid(),
            kind: Kind::Product,
            owner: owner(),
            at,
            action: Action::Set(fields.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()),
        }
    }

    fn delete(at: Stamp) -> Mutation {
        Mutation { action: Action::Delete, ..set(at, &[]) }
    }

    fn apply_all(mutations: &[&Mutation]) -> Record {
        let mut record = Record::new(rid(), Kind::Product, owner());
        for m in mutations {
            record.apply(m).unwrap();
        }
        record
    }

    #[test]
    fn concurrent_edits_to_different_fields_both_survive() {
        let a = set(stamp(10, 1), &[("name", json!("Melon jam"))]);
        let b = set(stamp(11, 2), &[("price", json!(25_000))]);
        let record = apply_all(&[&a, &b]);
        assert_eq!(record.get("name"), Some(&json!("Melon jam")));
        assert_eq!(record.get("price"), Some(&json!(25_000)));
        assert!(record.history().is_empty());
        assert_eq!(record, apply_all(&[&b, &a]));
    }

    #[test]
    fn the_loser_goes_to_history_whatever_the_order() {
        let a = set(stamp(10, 1), &[("name", json!("Melon jam"))]);
        let b = set(stamp(12, 2), &[("name", json!("Qawın jamı"))]);
        let record = apply_all(&[&a, &b]);
        assert_eq!(record.get("name"), Some(&json!("Qawın jamı")));
        assert_eq!(
            record.history(),
            [Lost { field: "name".into(), value: json!("Melon jam"), at: stamp(10, 1), lost_to: stamp(12, 2) }]
        );
        assert_eq!(record, apply_all(&[&b, &a]));
        assert_eq!(record, apply_all(&[&b, &a, &b, &a]));
    }

    #[test]
    fn a_devices_own_older_value_is_not_history() {
        let first = set(stamp(10, 1), &[("name", json!("Melon j"))]);
        let second = set(stamp(11, 1), &[("name", json!("Melon jam"))]);
        let other = set(stamp(12, 2), &[("name", json!("Qawın jamı"))]);
        let record = apply_all(&[&first, &other, &second]);
        assert_eq!(record.get("name"), Some(&json!("Qawın jamı")));
        assert_eq!(record.history().len(), 1);
        assert_eq!(record.history()[0].value, json!("Melon jam"));
        assert_eq!(record, apply_all(&[&second, &first, &other]));
    }

    #[test]
    fn equal_stamps_are_broken_by_value() {
        let a = set(stamp(10, 1), &[("name", json!("a"))]);
        let b = set(stamp(10, 1), &[("name", json!("b"))]);
        assert_eq!(apply_all(&[&a, &b]), apply_all(&[&b, &a]));
        assert_eq!(apply_all(&[&a, &b]).get("name"), Some(&json!("b")));
    }

    #[test]
    fn values_compare_ignoring_key_order() {
        let a: Value = serde_json::from_str(r#"{"x":1,"y":[true,null]}"#).unwrap();
        let mut b = serde_json::Map::new();
        b.insert("y".into(), json!([true, null]));
        b.insert("x".into(), json!(1));
        assert_eq!(cmp_values(&a, &Value::Object(b)), Ordering::Equal);
        assert_eq!(cmp_values(&json!(null), &json!(false)), Ordering::Less);
        assert_eq!(cmp_values(&json!([1]), &json!([1, 2])), Ordering::Less);
        assert_eq!(cmp_values(&json!({"a": 2}), &json!({"a": 1, "b": 0})), Ordering::Greater);
    }

    #[test]
    fn history_is_bounded_per_field() {
        let edits: Vec<Mutation> = (0..30).map(|n| set(stamp(100 + u64::from(n), n), &[("name", json!(n))])).collect();
        let record = apply_all(&edits.iter().collect::<Vec<_>>());
        assert_eq!(record.get("name"), Some(&json!(29)));
        assert_eq!(record.history().len(), HISTORY_PER_FIELD);
        assert_eq!(record.history()[0].value, json!(28));
        assert_eq!(record.history()[HISTORY_PER_FIELD - 1].value, json!(9));
        let reversed = apply_all(&edits.iter().rev().collect::<Vec<_>>());
        assert_eq!(record, reversed);
    }

    #[test]
    fn deletion_wins_only_when_newer() {
        let edit = set(stamp(10, 1), &[("name", json!("Melon jam"))]);
        let del = delete(stamp(20, 2));
        let late_edit = set(stamp(30, 1), &[("price", json!(1))]);
        assert!(apply_all(&[&edit, &del]).is_deleted());
        assert!(apply_all(&[&del, &edit]).is_deleted());
        let back = apply_all(&[&del, &late_edit, &edit]);
        assert!(!back.is_deleted());
        assert_eq!(back.get("name"), Some(&json!("Melon jam")));
        assert_eq!(back, apply_all(&[&edit, &late_edit, &del]));
    }

    #[test]
    fn join_refuses_another_record() {
        let mut record = apply_all(&[]);
        let mut other = record.clone();
        other.owner = "user:bahadir".parse().unwrap();
        assert_eq!(record.join(&other).unwrap_err().problem, "the owners differ");
        other = Record::new(RecordId::new(2, [2; 10]), Kind::Product, owner());
        assert_eq!(record.join(&other).unwrap_err().problem, "it is another record");
        other = Record::new(rid(), Kind::AdPost, owner());
        let err = record.join(&other).unwrap_err();
        assert_eq!(err.problem, "the kinds differ");
        assert!(err.to_string().starts_with(&format!("cannot merge into record {}", rid())), "{err}");
        let mut m = set(stamp(1, 1), &[("name", json!(1))]);
        m.owner = "user:bahadir".parse().unwrap();
        assert!(record.apply(&m).is_err());
        assert_eq!(record, apply_all(&[]), "a refused merge changes nothing");
    }
}
