//! Merging is commutative, associative and idempotent, and gives what the
//! rules in `merge.rs` say, checked against a plain model of those rules.

mod common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use sawda_sync::record::{HISTORY_PER_FIELD, Lost};
use sawda_sync::{Action, DeviceId, Kind, Mutation, MutationId, Owner, Record, RecordId, Stamp};
use serde_json::{Value, json};

const FIELDS: [&str; 4] = ["name", "price", "story", "review_state"];

fn owner() -> Owner {
    "user:amina".parse().unwrap()
}

fn record_id() -> RecordId {
    RecordId::new(1_700_000_000_000, [7; 10])
}

fn device(n: u8) -> DeviceId {
    DeviceId::new(1_700_000_000_000, [n; 10])
}

/// Random mutations on one record, with stamps that often collide.
fn mutations(devices: u8, max: usize) -> impl Strategy<Value = Vec<Mutation>> {
    let stamp = (0u64..12, 0u16..3, 0..devices).prop_map(|(w, c, d)| Stamp::new(w, c, device(d)));
    let value = prop_oneof![(0i64..4).prop_map(|n| json!(n)), "[ab]{0,2}".prop_map(Value::from), Just(Value::Null)];
    let fields = proptest::collection::btree_map(proptest::sample::select(&FIELDS[..]), value, 1..3);
    let action = prop_oneof![
        4 => fields.prop_map(|f| Action::Set(f.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        1 => Just(Action::Delete),
    ];
    proptest::collection::vec((stamp, action, any::<[u8; 10]>()), 0..max).prop_map(|ms| {
        ms.into_iter()
            .map(|(at, action, random)| Mutation {
                id: MutationId::new(at.wall_ms(), random),
                record: record_id(),
                kind: Kind::Product,
                owner: owner(),
                at,
                action,
            })
            .collect()
    })
}

fn apply_all<'a>(mutations: impl IntoIterator<Item = &'a Mutation>) -> Record {
    let mut record = Record::new(record_id(), Kind::Product, owner());
    for m in mutations {
        record.apply(m).unwrap();
    }
    record
}

fn joined(a: &Record, b: &Record) -> Record {
    let mut out = a.clone();
    out.join(b).unwrap();
    out
}

/// The rules, written plainly: per field, the newest value of each device;
/// the newest of those is current, the next ones (at most HISTORY_PER_FIELD)
/// are history, each lost to the one before it.
/// Current values with their stamps, history, tombstone.
type Expected = (BTreeMap<String, (Value, Stamp)>, Vec<Lost>, Option<Stamp>);

fn model(mutations: &[Mutation]) -> Expected {
    // The tie-break for equal stamps: null < numbers < strings, then by text.
    let key = |v: &Value| {
        let rank = match v {
            Value::Null => 0,
            Value::Number(_) => 2,
            _ => 3,
        };
        format!("{rank}{v}")
    };
    let mut newest: BTreeMap<(String, DeviceId), (Stamp, String, Value)> = BTreeMap::new();
    let mut deleted = None;
    for m in mutations {
        match &m.action {
            Action::Delete => deleted = deleted.max(Some(m.at)),
            Action::Set(fields) => {
                for (name, value) in fields {
                    let candidate = (m.at, key(value), value.clone());
                    let slot = newest.entry((name.clone(), m.at.device())).or_insert(candidate.clone());
                    if (candidate.0, &candidate.1) > (slot.0, &slot.1) {
                        *slot = candidate;
                    }
                }
            }
        }
    }
    let mut per_field: BTreeMap<String, Vec<(Stamp, String, Value)>> = BTreeMap::new();
    for ((name, _), write) in newest {
        per_field.entry(name).or_default().push(write);
    }
    let mut current = BTreeMap::new();
    let mut history = Vec::new();
    for (name, mut writes) in per_field {
        writes.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        writes.truncate(1 + HISTORY_PER_FIELD);
        for pair in writes.windows(2) {
            history.push(Lost { field: name.clone(), value: pair[1].2.clone(), at: pair[1].0, lost_to: pair[0].0 });
        }
        current.insert(name, (writes[0].2.clone(), writes[0].0));
    }
    (current, history, deleted)
}

proptest! {
    #![proptest_config(common::config(2_000))]

    #[test]
    fn any_order_gives_the_same_record(
        (ms, shuffled) in mutations(4, 12).prop_flat_map(|ms| (Just(ms.clone()), Just(ms).prop_shuffle()))
    ) {
        prop_assert_eq!(apply_all(&ms), apply_all(&shuffled));
    }

    #[test]
    fn applying_twice_is_applying_once(
        (ms, again) in mutations(4, 12).prop_flat_map(|ms| (Just(ms.clone()), Just(ms).prop_shuffle()))
    ) {
        prop_assert_eq!(apply_all(ms.iter().chain(&again)), apply_all(&ms));
    }

    #[test]
    fn join_is_commutative_associative_and_idempotent(
        a in mutations(3, 8), b in mutations(3, 8), c in mutations(3, 8)
    ) {
        let (ra, rb, rc) = (apply_all(&a), apply_all(&b), apply_all(&c));
        prop_assert_eq!(joined(&ra, &rb), joined(&rb, &ra));
        prop_assert_eq!(joined(&joined(&ra, &rb), &rc), joined(&ra, &joined(&rb, &rc)));
        prop_assert_eq!(&joined(&ra, &ra), &ra);
        // Joining copies is applying all their mutations.
        prop_assert_eq!(joined(&joined(&ra, &rb), &rc), apply_all(a.iter().chain(&b).chain(&c)));
    }

    #[test]
    fn the_record_is_what_the_rules_say(ms in mutations(4, 16)) {
        let record = apply_all(&ms);
        let (current, history, deleted) = model(&ms);
        let got: BTreeMap<String, (Value, Stamp)> =
            record.fields().iter().map(|(k, f)| (k.clone(), (f.value.clone(), f.at))).collect();
        prop_assert_eq!(&got, &current);
        prop_assert_eq!(record.history(), &history[..]);
        prop_assert_eq!(record.deleted_at(), deleted);
        // Deleted exactly when no owner-editable field is newer than the tombstone
        // (an exact tie, only possible from a copied store, goes to the deletion).
        let newest_edit = current.iter().filter(|(k, _)| k.as_str() != "review_state").map(|(_, v)| v.1).max();
        prop_assert_eq!(record.is_deleted(), deleted.is_some() && newest_edit <= deleted);
        // And it reads back as it was written.
        let json = serde_json::to_string(&record).unwrap();
        prop_assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), record);
    }

    #[test]
    fn history_stays_bounded_with_many_devices(
        (ms, shuffled) in mutations(40, 80).prop_flat_map(|ms| (Just(ms.clone()), Just(ms).prop_shuffle()))
    ) {
        let record = apply_all(&ms);
        for field in FIELDS {
            prop_assert!(record.history().iter().filter(|l| l.field == field).count() <= HISTORY_PER_FIELD);
        }
        let (current, history, _) = model(&ms);
        prop_assert_eq!(record.history(), &history[..]);
        prop_assert_eq!(record.fields().len(), current.len());
        prop_assert_eq!(apply_all(&shuffled), record);
    }
}
