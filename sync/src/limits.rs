//! What one person may store through sync, so that no one can freeze the
//! server or fill its disk: bounds per record and per owner, checked by the
//! push core ([`crate::server::plan_push`]) on every mutation, and a bound in
//! bytes on every pull page. Each mutation and each push have their own
//! bounds (`mutation`, `protocol`); a field keeps at most
//! [`crate::record::HISTORY_PER_FIELD`] lost values.
//!
//! The record and owner bounds are far above what an honest person stores
//! (a product is a few KB; a storefront with a hundred products well under
//! 1 MB) and far below what would slow a load or a merge (see the
//! `worst_record` benchmark).
//!
//! Her room holds her own work only. Buyers' order requests, which anyone
//! on the internet can send, are counted apart: they never fill her room,
//! and their own bound is on the ones waiting for her answer
//! ([`MAX_OPEN_REQUESTS`]), which she frees by answering, cancelling or
//! deleting, and which the server lets go after two weeks.

use serde_json::Value;

use crate::record::{Kind, Record};

/// A stored record, as JSON with its history: a push that would make it
/// larger is refused (`record_too_large`).
pub const MAX_RECORD_BYTES: usize = 128 * 1024;

/// Records one owner may hold (deleted ones count: their tombstones stay).
pub const MAX_RECORDS_PER_OWNER: u64 = 10_000;

/// Bytes of records one owner may hold.
pub const MAX_BYTES_PER_OWNER: u64 = 32 * 1024 * 1024;

/// A pull page holds records up to this many bytes (and always at least
/// one), so that taking a page in fits a phone's room kept for sync.
pub const MAX_PULL_BYTES: usize = 384 * 1024;

/// The bytes a record takes as stored and sent: its compact JSON.
pub fn record_bytes(record: &Record) -> usize {
    crate::size::json_len(record)
}

/// Buyers' order requests waiting for her answer at once: one more is
/// turned away (the buyer and she are told). Far above what a maker answers
/// in the two weeks a request waits, far below what slows her phone.
pub const MAX_OPEN_REQUESTS: u64 = 300;

/// The field of an order request that says how far it got, and its value
/// while it waits for her (`app::rules::records::order_request::Status`).
const REQUEST_STATUS: &str = "status";
const WAITING: &str = "new";

/// Whether records of `kind` count in her room for her own work: not the
/// ones the server makes from what strangers send (order requests).
pub fn in_her_room(kind: Kind) -> bool {
    !kind.made_by_server()
}

/// Whether `record` is a buyer's order request waiting for her answer.
pub fn is_open_request(record: &Record) -> bool {
    record.kind() == Kind::OrderRequest
        && !record.is_deleted()
        && record.get(REQUEST_STATUS).and_then(Value::as_str) == Some(WAITING)
}

/// What an owner holds, as the push core counts it: her own records and
/// their bytes (her room), and apart from them the buyers' requests waiting
/// for her answer.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Holdings {
    pub records: u64,
    pub bytes: u64,
    pub open_requests: u64,
}

impl Holdings {
    /// What one record adds.
    pub fn of(record: &Record) -> Holdings {
        let mine = in_her_room(record.kind());
        Holdings {
            records: u64::from(mine),
            bytes: if mine { record_bytes(record) as u64 } else { 0 },
            open_requests: u64::from(is_open_request(record)),
        }
    }

    /// After `old` (`None`: a new record) becomes `new`, whatever the bounds.
    pub fn changed(self, old: Option<&Record>, new: &Record) -> Holdings {
        let (before, after) = (old.map(Holdings::of).unwrap_or_default(), Holdings::of(new));
        Holdings {
            records: (self.records + after.records).saturating_sub(before.records),
            bytes: (self.bytes + after.bytes).saturating_sub(before.bytes),
            open_requests: (self.open_requests + after.open_requests).saturating_sub(before.open_requests),
        }
    }

    /// After her push makes `old` (`None`: new) into `new`; `None` when that
    /// grows her room past its bounds (a shrinking record always passes).
    /// Buyers' requests are never refused for room: answering, cancelling,
    /// deleting or noting one always goes through.
    pub fn after(self, old: Option<&Record>, new: &Record) -> Option<Holdings> {
        let after = self.changed(old, new);
        if !in_her_room(new.kind()) {
            return Some(after);
        }
        let grows = old.is_none_or(|old| record_bytes(new) > record_bytes(old));
        let fits = after.records <= MAX_RECORDS_PER_OWNER && after.bytes <= MAX_BYTES_PER_OWNER;
        (fits || !grows).then_some(after)
    }

    /// After a buyer's new `request` is taken; `None` when as many wait for
    /// her answer as may.
    pub fn take_request(self, request: &Record) -> Option<Holdings> {
        let after = self.changed(None, request);
        (after.open_requests <= MAX_OPEN_REQUESTS || after.open_requests <= self.open_requests).then_some(after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hlc::Stamp;
    use crate::ids::{DeviceId, Owner, RecordId};
    use serde_json::json;

    fn owner() -> Owner {
        "user:amina".parse().unwrap()
    }

    fn at(n: u64) -> Stamp {
        Stamp::new(n, 0, DeviceId::new(1, [1; 10]))
    }

    fn record(kind: Kind, n: u8, fields: Value) -> Record {
        let mut record = Record::new(RecordId::new(1, [n; 10]), kind, owner());
        record.set(&serde_json::from_value(fields).unwrap(), at(1));
        record
    }

    fn request(status: &str) -> Record {
        record(Kind::OrderRequest, 9, json!({"status": status, "buyer_name": "Gulnara", "message": "x".repeat(500)}))
    }

    #[test]
    fn an_owner_at_her_bounds_may_shrink_but_not_grow() {
        let small = record(Kind::Product, 1, json!({"name": "p"}));
        let mut larger = small.clone();
        larger.set(&serde_json::from_value(json!({"name": "pear jam"})).unwrap(), at(2));
        let mut smaller = larger.clone();
        smaller.set(&serde_json::from_value(json!({"name": "p"})).unwrap(), at(3));
        let full = Holdings { records: MAX_RECORDS_PER_OWNER, bytes: 1_000, open_requests: 0 };
        assert_eq!(full.after(None, &small), None, "no new record");
        let grown = full.after(Some(&small), &larger).expect("an existing record may grow while the bytes fit");
        assert_eq!(grown.bytes, 1_000 + (record_bytes(&larger) - record_bytes(&small)) as u64);
        assert_eq!(grown.records, MAX_RECORDS_PER_OWNER);
        let heavy = Holdings { records: 3, bytes: MAX_BYTES_PER_OWNER, open_requests: 0 };
        assert_eq!(heavy.after(Some(&small), &larger), None);
        let shrunk = heavy.after(Some(&larger), &smaller).expect("shrinking always passes");
        assert!(shrunk.bytes < MAX_BYTES_PER_OWNER);
        let first = Holdings::default().after(None, &small).unwrap();
        assert_eq!(first, Holdings { records: 1, bytes: record_bytes(&small) as u64, open_requests: 0 });
    }

    #[test]
    fn buyers_requests_are_counted_apart_from_her_room() {
        for kind in Kind::ALL {
            assert_eq!(in_her_room(kind), kind != Kind::OrderRequest, "{kind}");
        }
        let waiting = request("new");
        assert!(is_open_request(&waiting));
        // Her room full in both ways: a buyer's request still comes, outside it.
        let full = Holdings { records: MAX_RECORDS_PER_OWNER, bytes: MAX_BYTES_PER_OWNER, open_requests: 0 };
        let taken = full.take_request(&waiting).unwrap();
        assert_eq!(taken, Holdings { open_requests: 1, ..full });
        // A product of hers counts in her room, never among the requests.
        let product = record(Kind::Product, 1, json!({"status": "new"}));
        assert!(!is_open_request(&product));
        assert_eq!(Holdings::of(&product).open_requests, 0);
        assert_eq!(Holdings::of(&product).records, 1);
    }

    #[test]
    fn open_requests_have_their_own_bound() {
        let waiting = request("new");
        let at_bound = Holdings { records: 2, bytes: 10, open_requests: MAX_OPEN_REQUESTS };
        assert_eq!(at_bound.take_request(&waiting), None, "turned away");
        let below = Holdings { open_requests: MAX_OPEN_REQUESTS - 1, ..at_bound };
        assert_eq!(below.take_request(&waiting), Some(at_bound));
        // Made already answered (a restored copy): it never waits, so it always fits.
        assert_eq!(at_bound.take_request(&request("done")), Some(at_bound));
    }

    #[test]
    fn answering_cancelling_or_deleting_a_request_frees_its_place_and_is_never_refused() {
        let waiting = request("new");
        let full =
            Holdings { records: MAX_RECORDS_PER_OWNER, bytes: MAX_BYTES_PER_OWNER, open_requests: MAX_OPEN_REQUESTS };
        for status in ["confirmed", "sent", "done", "cancelled"] {
            let mut answered = waiting.clone();
            answered.set(&serde_json::from_value(json!({"status": status, "note": "n".repeat(900)})).unwrap(), at(5));
            assert!(record_bytes(&answered) > record_bytes(&waiting), "the record grows");
            let after = full.after(Some(&waiting), &answered).expect("never refused for room");
            assert_eq!(after, Holdings { open_requests: MAX_OPEN_REQUESTS - 1, ..full }, "{status}");
            assert!(!is_open_request(&answered));
        }
        let mut deleted = waiting.clone();
        deleted.delete(at(5));
        assert!(!is_open_request(&deleted));
        assert_eq!(
            full.after(Some(&waiting), &deleted),
            Some(Holdings { open_requests: MAX_OPEN_REQUESTS - 1, ..full })
        );
        // Opened again by her: counted again, and not refused either.
        let mut reopened = deleted.clone();
        reopened.set(&serde_json::from_value(json!({"status": "new"})).unwrap(), at(6));
        assert!(is_open_request(&reopened));
        assert_eq!(
            full.after(Some(&deleted), &reopened),
            Some(Holdings { open_requests: MAX_OPEN_REQUESTS + 1, ..full })
        );
        // The server forgetting the buyer of a deleted request changes no count.
        let mut forgotten = deleted.clone();
        forgotten.set(&serde_json::from_value(json!({"buyer_name": null, "message": null})).unwrap(), at(7));
        assert_eq!(full.changed(Some(&deleted), &forgotten), full);
    }

    #[test]
    fn counts_never_go_below_nothing() {
        let waiting = request("new");
        let mut answered = waiting.clone();
        answered.set(&serde_json::from_value(json!({"status": "done"})).unwrap(), at(5));
        assert_eq!(Holdings::default().changed(Some(&waiting), &answered), Holdings::default());
        let product = record(Kind::Product, 1, json!({"name": "a long name for a product"}));
        let mut shorter = product.clone();
        shorter.set(&serde_json::from_value(json!({"name": "p"})).unwrap(), at(5));
        assert_eq!(Holdings::default().changed(Some(&product), &shorter).bytes, 0);
    }
}
