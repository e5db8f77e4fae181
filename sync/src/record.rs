//! A record: one synced thing (a storefront, a product, an ad post…).
//!
//! A record is a bag of fields. Every field keeps the value that won (the one
//! with the newest [`Stamp`]) and the stamp that set it; values that lost are
//! kept in the record's history so the owner can bring them back. A deleted
//! record keeps its fields behind a tombstone: see [`crate::merge`] for the
//! rules, and [`HISTORY_PER_FIELD`] for how much history is kept.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::hlc::Stamp;
use crate::ids::{Owner, RecordId};

/// At most this many lost values are kept per field (the newest ones; and
/// only the latest value of each device, see [`crate::merge`]). Older ones are
/// dropped for good, so a record cannot grow without end.
pub const HISTORY_PER_FIELD: usize = 20;

/// Field name → value, as edited.
pub type Fields = BTreeMap<String, Value>;

/// What a record is.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Storefront,
    Product,
    AdPost,
    OrderRequest,
    ReviewComment,
}

/// Fields no kind may take from a client: they name the record itself.
const RESERVED_FIELDS: &[&str] = &["id", "kind", "owner"];

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Storefront, Kind::Product, Kind::AdPost, Kind::OrderRequest, Kind::ReviewComment];

    /// Fields that only the server sets (review outcome, counters), besides
    /// `id`, `kind` and `owner`. A client that sends one is refused.
    pub fn server_fields(self) -> &'static [&'static str] {
        match self {
            // How many buyers' requests were turned away while too many waited for her answer.
            Kind::Storefront => &[
                "review",
                "review_state",
                "reviewed_by",
                "approved_at",
                "view_count",
                "order_count",
                "orders_turned_away",
            ],
            Kind::Product => &["review", "review_state", "reviewed_by", "approved_at", "view_count", "order_count"],
            // Results of its public page (`/a/{id}`): opens, listing visits and order requests through it.
            Kind::AdPost => &[
                "review",
                "review_state",
                "reviewed_by",
                "approved_at",
                "view_count",
                "share_count",
                "product_visits",
                "order_requests",
            ],
            // Everything the buyer wrote: her phones only move the order on.
            Kind::OrderRequest => &[
                "received_at",
                "product",
                "product_name",
                "product_address",
                "buyer_name",
                "buyer_contact",
                "quantity",
                "delivery",
                "message",
                "lang",
            ],
            Kind::ReviewComment => &[],
        }
    }

    pub fn is_server_field(self, field: &str) -> bool {
        RESERVED_FIELDS.contains(&field) || self.server_fields().contains(&field)
    }

    /// Whether records of this kind come into being only on the server (a
    /// buyer's order request): phones move them on, never make one, except
    /// to give a restored server back its own copy (see `docs/sync.md`,
    /// "After a restore").
    pub fn made_by_server(self) -> bool {
        self == Kind::OrderRequest
    }

    /// Whether a field is one the server sets that a phone sends back in its
    /// copy of a record the server made, after a restore.
    pub fn is_restorable_field(self, field: &str) -> bool {
        self.made_by_server() && !RESERVED_FIELDS.contains(&field) && self.server_fields().contains(&field)
    }

    /// The name on the wire (`"ad_post"`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Storefront => "storefront",
            Kind::Product => "product",
            Kind::AdPost => "ad_post",
            Kind::OrderRequest => "order_request",
            Kind::ReviewComment => "review_comment",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field's winning value and the stamp that set it.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldValue {
    #[serde(rename = "v")]
    pub value: Value,
    pub at: Stamp,
}

/// A value that lost: set at `at`, beaten by the next newer value, set at `lost_to`.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lost {
    pub field: String,
    #[serde(rename = "v")]
    pub value: Value,
    pub at: Stamp,
    pub lost_to: Stamp,
}

/// One synced thing. Change it only through [`crate::merge`]'s functions,
/// which keep it in the one canonical form every device agrees on.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(try_from = "RecordData")]
pub struct Record {
    pub(crate) id: RecordId,
    pub(crate) kind: Kind,
    pub(crate) owner: Owner,
    pub(crate) fields: BTreeMap<String, FieldValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) deleted: Option<Stamp>,
    /// Sorted by field, then newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) history: Vec<Lost>,
}

/// The same shape as [`Record`], before it is checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordData {
    id: RecordId,
    kind: Kind,
    owner: Owner,
    fields: BTreeMap<String, FieldValue>,
    #[serde(default)]
    deleted: Option<Stamp>,
    #[serde(default)]
    history: Vec<Lost>,
}

/// A stored or received record that no merge could have produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotCanonical(String);

impl fmt::Display for NotCanonical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<RecordData> for Record {
    type Error = NotCanonical;

    fn try_from(data: RecordData) -> Result<Self, NotCanonical> {
        let record = Record {
            id: data.id,
            kind: data.kind,
            owner: data.owner,
            fields: data.fields,
            deleted: data.deleted,
            history: data.history,
        };
        if let Some(lost) = record.history.iter().find(|l| !record.fields.contains_key(&l.field)) {
            return Err(NotCanonical(format!(
                "record {}: history has a value of field {:?}, which has no current value",
                record.id, lost.field
            )));
        }
        let mut canonical = record.clone();
        canonical.settle_all();
        if canonical != record {
            return Err(NotCanonical(format!(
                "record {}: its history is not in canonical form (each field keeps the latest value of each device, \
                 older than the current one, newest first, at most {HISTORY_PER_FIELD}, each lost to the next newer)",
                record.id
            )));
        }
        Ok(record)
    }
}

impl Record {
    /// A record with no fields yet.
    pub fn new(id: RecordId, kind: Kind, owner: Owner) -> Self {
        Record { id, kind, owner, fields: BTreeMap::new(), deleted: None, history: Vec::new() }
    }

    pub fn id(&self) -> RecordId {
        self.id
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn owner(&self) -> &Owner {
        &self.owner
    }

    /// The current value of a field (also while the record is deleted).
    pub fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field).map(|f| &f.value)
    }

    /// Every field with its winning value and stamp.
    pub fn fields(&self) -> &BTreeMap<String, FieldValue> {
        &self.fields
    }

    /// The stamp of the newest deletion, if the record was ever deleted.
    pub fn deleted_at(&self) -> Option<Stamp> {
        self.deleted
    }

    /// Deleted, and no field the owner can edit was set after the deletion.
    pub fn is_deleted(&self) -> bool {
        self.deleted.is_some_and(|deleted| {
            !self.fields.iter().any(|(name, field)| field.at > deleted && !self.kind.is_server_field(name))
        })
    }

    /// Values that lost, sorted by field and then newest first.
    pub fn history(&self) -> &[Lost] {
        &self.history
    }

    /// The record without the fields only the server sets (and their
    /// history): what a phone holds of it once the server that decided them
    /// was restored from a backup, until it pulls the restored server's own.
    pub fn without_server_fields(&self) -> Record {
        let kind = self.kind;
        let mut record = self.clone();
        record.fields.retain(|name, _| !kind.is_server_field(name));
        record.history.retain(|lost| !kind.is_server_field(&lost.field));
        record
    }

    /// Every stamp in the record, so a device's clock can observe them.
    pub fn stamps(&self) -> impl Iterator<Item = Stamp> + '_ {
        let fields = self.fields.values().map(|f| f.at);
        let history = self.history.iter().map(|l| l.at);
        fields.chain(history).chain(self.deleted)
    }
}

/// Something stored under its record's id.
pub(crate) trait ByRecord {
    fn record_id(&self) -> RecordId;
}

impl ByRecord for Record {
    fn record_id(&self) -> RecordId {
        self.id
    }
}

/// Serde for a map of things by record id, written as a list: the id is
/// already inside each one, and a list cannot disagree with its keys.
pub(crate) mod by_record {
    use std::collections::BTreeMap;

    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::ByRecord;
    use crate::ids::RecordId;

    pub fn serialize<S: Serializer, T: Serialize>(
        map: &BTreeMap<RecordId, T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(map.values())
    }

    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<BTreeMap<RecordId, T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + ByRecord,
    {
        let mut map = BTreeMap::new();
        for item in Vec::<T>::deserialize(deserializer)? {
            let id = item.record_id();
            if map.insert(id, item).is_some() {
                return Err(D::Error::custom(format_args!("record {id} appears twice")));
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::DeviceId;
    use serde_json::json;

    fn stamp(wall: u64, device: u8) -> Stamp {
        Stamp::new(wall, 0, DeviceId::new(1, [device; 10]))
    }

    fn product() -> Record {
        let mut record = Record::new(RecordId::new(1, [1; 10]), Kind::Product, "user:amina".parse().unwrap());
        record.set(&Fields::from([("name".into(), json!("Melon jam"))]), stamp(10, 1));
        record.set(&Fields::from([("name".into(), json!("Qawın jamı"))]), stamp(20, 2));
        record
    }

    #[test]
    fn kinds_have_readable_names() {
        let names: Vec<String> = Kind::ALL.iter().map(|k| serde_json::to_string(k).unwrap()).collect();
        assert_eq!(names, ["\"storefront\"", "\"product\"", "\"ad_post\"", "\"order_request\"", "\"review_comment\""]);
        for kind in Kind::ALL {
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{kind}\""));
        }
        let err = serde_json::from_str::<Kind>("\"shop\"").unwrap_err().to_string();
        assert!(err.contains("unknown variant `shop`"), "{err}");
    }

    #[test]
    fn server_fields_include_the_reserved_names() {
        for kind in Kind::ALL {
            for name in ["id", "kind", "owner"] {
                assert!(kind.is_server_field(name));
            }
            assert!(!kind.is_server_field("name"));
        }
        assert!(Kind::Product.is_server_field("review_state"));
        assert!(!Kind::ReviewComment.is_server_field("review_state"));
    }

    #[test]
    fn round_trips_through_json() {
        let record = product();
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["fields"]["name"]["v"], json!("Qawın jamı"));
        assert_eq!(json["history"][0]["v"], json!("Melon jam"));
        assert!(json.get("deleted").is_none());
        let back: Record = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
    }

    #[test]
    fn bad_records_are_refused_with_a_reason() {
        let good = serde_json::to_value(product()).unwrap();
        let broken = |change: &dyn Fn(&mut Value)| {
            let mut json = good.clone();
            change(&mut json);
            serde_json::from_value::<Record>(json).unwrap_err().to_string()
        };
        let err = broken(&|j| j["history"][0]["field"] = json!("price"));
        assert!(err.contains("field \"price\", which has no current value"), "{err}");
        // A lost value newer than the winner: no merge makes that.
        let err = broken(&|j| j["history"][0]["at"] = j["fields"]["name"]["at"].clone());
        assert!(err.contains("not in canonical form"), "{err}");
        let err = broken(&|j| j["history"][0]["lost_to"] = json!(stamp(99, 3)));
        assert!(err.contains("not in canonical form"), "{err}");
        let err = broken(&|j| j["kind"] = json!("shop"));
        assert!(err.contains("unknown variant"), "{err}");
        let err = broken(&|j| j["fields"]["name"]["at"] = json!("yesterday"));
        assert!(err.contains("bad stamp"), "{err}");
        let err = broken(&|j| j["fields"]["name"]["colour"] = json!("red"));
        assert!(err.contains("unknown field `colour`"), "{err}");
        let err = broken(&|j| j["deleted"] = json!(true));
        assert!(err.contains("stamp as a string"), "{err}");
        let err = broken(&|j| {
            j.as_object_mut().unwrap().remove("owner");
        });
        assert!(err.contains("missing field `owner`"), "{err}");
    }

    #[test]
    fn deletion_hides_unless_an_owner_edit_is_newer() {
        let mut record = product();
        assert!(!record.is_deleted());
        record.delete(stamp(30, 1));
        assert!(record.is_deleted());
        // A coordinator's decision does not bring a deleted record back.
        record.set(&Fields::from([("review_state".into(), json!("approved"))]), stamp(40, 9));
        assert!(record.is_deleted());
        // The owner's newer edit does, with all its fields.
        record.set(&Fields::from([("price".into(), json!(25_000))]), stamp(50, 2));
        assert!(!record.is_deleted());
        assert_eq!(record.get("name"), Some(&json!("Qawın jamı")));
    }
}
