//! The photos a record points at: the values of the fields its kind's table
//! gives a photo shape (`Shape::Photo`, `Shape::Photos`), each a photo's hash
//! (`records::field::is_photo_hash`). Photos travel and are stored apart from
//! records, once each, under that name.

use sawda_sync::Record;
use serde_json::Value;

use crate::rules::records::field::is_photo_hash;
use crate::rules::records::fields_of;

/// The photos a record points at (none when it is deleted).
pub fn photos_of(record: &Record) -> Vec<String> {
    if record.is_deleted() {
        return Vec::new();
    }
    named_by(record)
}

/// The photos its fields name, deleted or not.
fn named_by(record: &Record) -> Vec<String> {
    let Some(specs) = fields_of(record.kind()) else { return Vec::new() };
    let text = |v: &Value| v.as_str().filter(|t| is_photo_hash(t)).map(str::to_owned);
    specs
        .iter()
        .filter(|spec| spec.shape.holds_photos())
        .flat_map(|spec| match record.get(spec.name) {
            Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
            Some(value) => text(value).into_iter().collect(),
            None => Vec::new(),
        })
        .collect()
}

/// How long the photos of a deleted record are kept on the server. A
/// tombstone hides a record and a later edit from a phone that did not see
/// the deletion brings it back with its photos; half a year covers a phone
/// offline that long, and the photos of a storefront she cleared out do not
/// fill her photo allowance for good.
pub const DELETED_PHOTOS_KEPT_DAYS: u64 = 180;

/// The photos the server keeps for a record: those it points at, also while
/// it is deleted, for [`DELETED_PHOTOS_KEPT_DAYS`] after the deletion's stamp.
pub fn photos_kept_by(record: &Record, now_ms: u64) -> Vec<String> {
    let Some(deleted) = record.deleted_at().filter(|_| record.is_deleted()) else { return photos_of(record) };
    let kept_until = deleted.wall_ms().saturating_add(DELETED_PHOTOS_KEPT_DAYS * 24 * 60 * 60 * 1000);
    if now_ms > kept_until {
        return Vec::new();
    }
    named_by(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn records_point_at_their_photos() {
        use sawda_sync::{Action, DeviceId, Fields, Kind, Mutation, MutationId, Owner, RecordId, Stamp};
        let owner: Owner = "amina01".parse().unwrap();
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        let make = |kind, fields: Fields| {
            let mutation = Mutation {
                id: MutationId::new(1, [1; 10]),
                record: RecordId::new(1, [2; 10]),
                kind,
                owner: owner.clone(),
                at: Stamp::new(1, 0, DeviceId::new(1, [3; 10])),
                action: Action::Set(fields),
            };
            Record::from_mutation(&mutation)
        };
        let product = make(Kind::Product, Fields::from([("photos".into(), json!([a, "junk", b]))]));
        assert_eq!(photos_of(&product), [a.clone(), b.clone()]);
        let storefront = make(Kind::Storefront, Fields::from([("cover_photo".into(), json!(a))]));
        assert_eq!(photos_of(&storefront), std::slice::from_ref(&a));
        // An ad's photo and its uploaded card; a field its kind does not have names none.
        let post = make(
            Kind::AdPost,
            Fields::from([("photos".into(), json!([a])), ("photo".into(), json!(a)), ("card_photo".into(), json!(b))]),
        );
        assert_eq!(photos_of(&post), [a.clone(), b.clone()]);
        let comment = make(Kind::ReviewComment, Fields::from([("photo".into(), json!(a))]));
        assert!(photos_of(&comment).is_empty());

        // Deleted: the phone no longer shows them; the server keeps them in
        // case a later edit brings the record back, for half a year.
        let mut deleted = product.clone();
        let day = 24 * 60 * 60 * 1000;
        deleted.delete(Stamp::new(10 * day, 0, DeviceId::new(1, [4; 10])));
        assert!(photos_of(&deleted).is_empty());
        assert_eq!(photos_kept_by(&deleted, 11 * day), [a.clone(), b.clone()]);
        assert_eq!(photos_kept_by(&deleted, (10 + DELETED_PHOTOS_KEPT_DAYS) * day), [a.clone(), b.clone()]);
        assert!(photos_kept_by(&deleted, (11 + DELETED_PHOTOS_KEPT_DAYS) * day).is_empty());
        assert_eq!(photos_kept_by(&product, u64::MAX), [a, b], "a live record's, always");
    }
}
