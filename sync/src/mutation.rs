//! A mutation: one edit made on a device, as it is queued and sent.
//!
//! On the wire it is small, because phones push them over 2G:
//!
//! ```json
//! {"id":"01J8Z3K4M5N6P7Q8R9S0T1V2W3","rec":"01J8Z3K4M0AAAAAAAAAAAAAAAA","kind":"product",
//!  "owner":"user:amina","at":"0190f3a1b2c3-0000-01J8Z3K4M5DEVICE0000000000",
//!  "set":{"name":"Melon jam","price":25000}}
//! ```
//!
//! or `"del":true` instead of `"set"` to delete the record. What a client may
//! send is checked by [`Mutation::validate`] (the mutation alone) and
//! [`Mutation::check_write`] (against the stored record); both answer with a
//! [`Rejection`] whose code the app translates for the user.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::hlc::Stamp;
use crate::ids::{DeviceId, MutationId, Owner, RecordId};
use crate::record::{Fields, Kind, Record};
use crate::size::json_len;

/// Longest field name.
pub const MAX_FIELD_NAME_LEN: usize = 40;
/// Most fields one mutation may set.
pub const MAX_FIELDS_PER_MUTATION: usize = 128;
/// Largest value of one field, as JSON. Photos travel separately; this is text.
pub const MAX_VALUE_BYTES: usize = 16 * 1024;
/// Largest mutation, as JSON: well under a push batch ([`crate::protocol::Limits`]).
pub const MAX_MUTATION_BYTES: usize = 64 * 1024;

/// What a mutation does to its record.
#[derive(Clone, PartialEq, Debug)]
pub enum Action {
    /// Sets these fields (a `null` value clears a field).
    Set(Fields),
    /// Deletes the record (see [`crate::merge`] for when a deletion wins).
    Delete,
}

/// One edit.
#[derive(Clone, PartialEq, Debug)]
pub struct Mutation {
    /// Unique; the server applies each id once.
    pub id: MutationId,
    pub record: RecordId,
    /// The record's kind; it never changes.
    pub kind: Kind,
    /// The record's owner; it never changes, and only the owner edits.
    pub owner: Owner,
    /// When, by the editing device's clock.
    pub at: Stamp,
    pub action: Action,
}

/// The wire form, borrowed for writing; `At` is the stamp, whole or as in a push.
#[derive(Serialize)]
struct MutationOut<'a, At> {
    id: MutationId,
    rec: RecordId,
    kind: Kind,
    owner: &'a Owner,
    at: At,
    #[serde(skip_serializing_if = "Option::is_none")]
    set: Option<&'a Fields>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    del: bool,
}

/// The wire form, for reading; the stamp is read once it is known whether a
/// push names its device.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MutationIn {
    id: MutationId,
    rec: RecordId,
    kind: Kind,
    owner: Owner,
    at: String,
    #[serde(default)]
    set: Option<Fields>,
    #[serde(default)]
    del: bool,
}

impl MutationIn {
    /// The mutation, its stamp read as in a push from `pusher` (if any).
    pub(crate) fn read(self, pusher: Option<DeviceId>) -> Result<Mutation, String> {
        let at = Stamp::parse_in(&self.at, pusher).map_err(|e| format!("mutation {}: bad stamp: {e}", self.id))?;
        let action = match (self.set, self.del) {
            (Some(fields), false) => Action::Set(fields),
            (None, true) => Action::Delete,
            (Some(_), true) => {
                return Err(format!("mutation {}: either \"set\" fields or \"del\": true, not both", self.id));
            }
            (None, false) => {
                return Err(format!("mutation {}: needs \"set\" (the fields to set) or \"del\": true", self.id));
            }
        };
        Ok(Mutation { id: self.id, record: self.rec, kind: self.kind, owner: self.owner, at, action })
    }
}

impl Mutation {
    fn wire<At: Serialize>(&self, at: At) -> MutationOut<'_, At> {
        let (set, del) = match &self.action {
            Action::Set(fields) => (Some(fields), false),
            Action::Delete => (None, true),
        };
        MutationOut { id: self.id, rec: self.record, kind: self.kind, owner: &self.owner, at, set, del }
    }

    /// The mutation as written in a push from `pusher`: its stamp without the
    /// device when the pusher made it.
    pub(crate) fn in_push(&self, pusher: DeviceId) -> impl Serialize + '_ {
        self.wire(self.at.in_push(pusher))
    }
}

impl Serialize for Mutation {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.wire(self.at).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Mutation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        MutationIn::deserialize(deserializer)?.read(None).map_err(serde::de::Error::custom)
    }
}

/// Why a mutation was refused. The app shows a translated message per code.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectCode {
    /// A field name that is not lower-case ASCII letters, digits and `_`, or too long.
    BadFieldName,
    /// A field only the server sets (review state, counters…).
    ServerField,
    /// One value above [`MAX_VALUE_BYTES`].
    ValueTooLarge,
    /// More than [`MAX_FIELDS_PER_MUTATION`] fields.
    TooManyFields,
    /// The whole mutation above [`MAX_MUTATION_BYTES`].
    TooLarge,
    /// A `set` with no fields.
    NoFields,
    /// Someone else's record.
    NotOwner,
    /// The record exists with another kind.
    WrongKind,
    /// An edit of a record this device does not have (only on the device).
    UnknownRecord,
    /// A value that breaks its kind's rules (a price that is not a whole
    /// number); the app's rules, checked by the app and the server alike.
    InvalidValue,
    /// A value that must be unique (a storefront's web address) belongs to
    /// another record.
    Taken,
    /// The id was applied before with other content: ids are made once.
    IdReused,
    /// Stamped more than [`MAX_AHEAD_MS`] ahead of the server's clock.
    ClockAhead,
    /// The server could not read the mutation at all (an app older or newer
    /// than the server); found by sending it alone.
    Unreadable,
    /// A kind phones may not write (yet): its rules come with its feature.
    KindNotAllowed,
    /// The record would grow above [`crate::limits::MAX_RECORD_BYTES`].
    RecordTooLarge,
    /// The owner holds [`crate::limits::MAX_RECORDS_PER_OWNER`] records, or
    /// [`crate::limits::MAX_BYTES_PER_OWNER`] bytes of them, already.
    OwnerFull,
}

/// How far ahead of the server's clock a stamp may be: a phone whose clock
/// is a day fast would otherwise win every conflict for a day.
pub const MAX_AHEAD_MS: u64 = 24 * 60 * 60 * 1000;

/// A refused mutation, or one refused field of it: a code for the app, a
/// message for people and logs.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rejection {
    /// The field refused; `None` when the whole mutation is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub code: RejectCode,
    pub message: String,
}

impl Rejection {
    pub fn new(code: RejectCode, message: impl Into<String>) -> Self {
        Rejection { field: None, code, message: message.into() }
    }

    /// The same refusal, about one field.
    pub fn of_field(self, field: &str) -> Self {
        Rejection { field: Some(field.to_owned()), ..self }
    }
}

impl RejectCode {
    /// The code on the wire (`"server_field"`).
    pub fn as_str(self) -> &'static str {
        match self {
            RejectCode::BadFieldName => "bad_field_name",
            RejectCode::ServerField => "server_field",
            RejectCode::ValueTooLarge => "value_too_large",
            RejectCode::TooManyFields => "too_many_fields",
            RejectCode::TooLarge => "too_large",
            RejectCode::NoFields => "no_fields",
            RejectCode::NotOwner => "not_owner",
            RejectCode::WrongKind => "wrong_kind",
            RejectCode::UnknownRecord => "unknown_record",
            RejectCode::InvalidValue => "invalid_value",
            RejectCode::Taken => "taken",
            RejectCode::IdReused => "id_reused",
            RejectCode::ClockAhead => "clock_ahead",
            RejectCode::Unreadable => "unreadable",
            RejectCode::KindNotAllowed => "kind_not_allowed",
            RejectCode::RecordTooLarge => "record_too_large",
            RejectCode::OwnerFull => "owner_full",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}: {}", self.code.as_str(), self.message),
            None => write!(f, "{}: {}", self.code.as_str(), self.message),
        }
    }
}

impl std::error::Error for Rejection {}

fn check_field_name(name: &str) -> Result<(), Rejection> {
    let mut chars = name.chars();
    let well_formed = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if well_formed && name.len() <= MAX_FIELD_NAME_LEN {
        Ok(())
    } else {
        Err(Rejection::new(
            RejectCode::BadFieldName,
            format!(
                "field name {name:?}: a field name is a lower-case ASCII letter, then letters, digits or _, \
                 at most {MAX_FIELD_NAME_LEN} in all"
            ),
        ))
    }
}

impl Mutation {
    /// The checks that need nothing but the mutation: the whole of it
    /// ([`Mutation::check_whole`]) and each field ([`Mutation::check_field`]).
    /// The device refuses an edit that fails any; the server refuses only the
    /// failing fields.
    ///
    /// A phone's copy of a record the server made, sent again after a restore
    /// ([`Mutation::gives_back`]), may carry the server's own fields too; only
    /// the server decides whether it takes them.
    pub fn validate(&self) -> Result<(), Rejection> {
        self.check_whole()?;
        if let Action::Set(fields) = &self.action {
            let gives_back = self.gives_back();
            for (name, value) in fields {
                if gives_back && self.kind.is_restorable_field(name) {
                    self.check_size(name, value)?;
                } else {
                    self.check_field(name, value)?;
                }
            }
        }
        Ok(())
    }

    /// The id this mutation has when a phone sends it again after a restore:
    /// made from its content (with the id left out), so the same content sent
    /// again is answered `duplicate` and other content gets another id. A
    /// mutation whose id is this is a re-send ([`Mutation::is_resend`]).
    pub fn resend_id(&self) -> MutationId {
        let probe = Mutation { id: MutationId::new(0, [0; 10]), ..self.clone() };
        let hash = probe.content_hash().to_be_bytes();
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&hash);
        random[8..].copy_from_slice(&self.at.counter().to_be_bytes());
        MutationId::new(self.at.wall_ms(), random)
    }

    /// Whether this is a phone sending again what it holds, after a restore.
    /// The id says so: every app since protocol 3 makes re-sent ids this way,
    /// and an edit's own id is random.
    pub fn is_resend(&self) -> bool {
        self.id == self.resend_id()
    }

    /// Whether this gives the server back its own copy of a record it made
    /// (a buyer's order request): a re-send of a kind made by the server.
    pub fn gives_back(&self) -> bool {
        self.kind.made_by_server() && self.is_resend()
    }

    /// The checks of the mutation as a whole: its size and field count.
    pub fn check_whole(&self) -> Result<(), Rejection> {
        let Action::Set(fields) = &self.action else {
            return Ok(());
        };
        if fields.is_empty() {
            return Err(Rejection::new(RejectCode::NoFields, "the edit sets no field"));
        }
        if fields.len() > MAX_FIELDS_PER_MUTATION {
            return Err(Rejection::new(
                RejectCode::TooManyFields,
                format!("the edit sets {} fields, at most {MAX_FIELDS_PER_MUTATION} are allowed", fields.len()),
            ));
        }
        let len = json_len(self);
        if len > MAX_MUTATION_BYTES {
            return Err(Rejection::new(
                RejectCode::TooLarge,
                format!("the edit is {len} bytes, at most {MAX_MUTATION_BYTES} are allowed"),
            ));
        }
        Ok(())
    }

    /// The checks of one field it sets that every kind shares: a well-formed
    /// name, not a server field, a value within [`MAX_VALUE_BYTES`]. The
    /// rejection names the field.
    pub fn check_field(&self, name: &str, value: &serde_json::Value) -> Result<(), Rejection> {
        check_field_name(name).map_err(|r| r.of_field(name))?;
        if self.kind.is_server_field(name) {
            return Err(Rejection::new(
                RejectCode::ServerField,
                format!("field {name:?} of a {} is set by the server only", self.kind),
            )
            .of_field(name));
        }
        self.check_size(name, value)
    }

    /// A well-formed name and a value within [`MAX_VALUE_BYTES`].
    pub fn check_size(&self, name: &str, value: &serde_json::Value) -> Result<(), Rejection> {
        check_field_name(name).map_err(|r| r.of_field(name))?;
        let len = json_len(value);
        if len > MAX_VALUE_BYTES {
            return Err(Rejection::new(
                RejectCode::ValueTooLarge,
                format!("field {name:?} is {len} bytes, at most {MAX_VALUE_BYTES} are allowed"),
            )
            .of_field(name));
        }
        Ok(())
    }

    /// A hash of the mutation's content (its wire form with the whole stamp),
    /// stored with its applied id: the same id with other content is refused.
    pub fn content_hash(&self) -> u64 {
        crate::ids::fnv1a(crate::ids::FNV_BASIS, &serde_json::to_vec(self).expect("JSON of a mutation"))
    }

    /// This mutation setting only `fields` (a part of its own).
    pub fn with_fields(&self, fields: Fields) -> Mutation {
        Mutation { action: Action::Set(fields), ..self.clone() }
    }

    /// The checks against the stored record (`None`: the mutation creates it),
    /// for a mutation sent by `who`.
    pub fn check_write(&self, who: &Owner, existing: Option<&Record>) -> Result<(), Rejection> {
        if self.owner != *who {
            return Err(Rejection::new(
                RejectCode::NotOwner,
                format!("the edit is for records of {}, but was sent by {who}", self.owner),
            ));
        }
        let Some(record) = existing else {
            return Ok(());
        };
        if record.owner() != who {
            return Err(Rejection::new(RejectCode::NotOwner, format!("record {} is not yours", record.id())));
        }
        if record.kind() != self.kind {
            return Err(Rejection::new(
                RejectCode::WrongKind,
                format!("record {} is a {}, not a {}", record.id(), record.kind(), self.kind),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn edit(fields: Value) -> Mutation {
        let device = DeviceId::new(1_700_000_000_000, [9; 10]);
        Mutation {
            id: MutationId::new(1_700_000_000_000, [1; 10]),
            record: RecordId::new(1_700_000_000_000, [2; 10]),
            kind: Kind::Product,
            owner: "user:amina".parse().unwrap(),
            at: Stamp::new(1_700_000_000_000, 0, device),
            action: Action::Set(serde_json::from_value(fields).unwrap()),
        }
    }

    fn code(m: &Mutation) -> Option<RejectCode> {
        m.validate().err().map(|r| r.code)
    }

    #[test]
    fn wire_form_is_short_and_round_trips() {
        let m = edit(json!({"name": "Melon jam", "price": 25000}));
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.starts_with(r#"{"id":""#), "{json}");
        assert!(json.contains(r#","rec":""#) && json.contains(r#","kind":"product","owner":"user:amina","at":""#));
        assert!(json.ends_with(r#","set":{"name":"Melon jam","price":25000}}"#), "{json}");
        assert_eq!(serde_json::from_str::<Mutation>(&json).unwrap(), m);

        let del = Mutation { action: Action::Delete, ..m };
        let json = serde_json::to_string(&del).unwrap();
        assert!(json.ends_with(r#","del":true}"#), "{json}");
        assert_eq!(serde_json::from_str::<Mutation>(&json).unwrap(), del);
    }

    #[test]
    fn bad_wire_forms_are_refused_with_a_reason() {
        let good = serde_json::to_value(edit(json!({"name": "x"}))).unwrap();
        let broken = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
            let mut json = good.clone();
            change(json.as_object_mut().unwrap());
            serde_json::from_value::<Mutation>(json).unwrap_err().to_string()
        };
        let err = broken(&|j| {
            j.insert("del".into(), json!(true));
        });
        assert!(err.contains("not both"), "{err}");
        let err = broken(&|j| {
            j.remove("set");
        });
        assert!(err.contains("needs \"set\""), "{err}");
        let err = broken(&|j| {
            j.insert("set".into(), json!(["name"]));
        });
        assert!(err.contains("expected a map"), "{err}");
        let err = broken(&|j| {
            j.insert("id".into(), json!("nope"));
        });
        assert!(err.contains("bad mutation id"), "{err}");
        let err = broken(&|j| {
            j.insert("rec".into(), json!(7));
        });
        assert!(err.contains("record id as a string"), "{err}");
        let err = broken(&|j| {
            j.insert("owner".into(), json!(""));
        });
        assert!(err.contains("bad owner"), "{err}");
        let err = broken(&|j| {
            j.insert("at".into(), json!("now"));
        });
        assert!(err.contains("bad stamp"), "{err}");
        let err = broken(&|j| {
            j.insert("at".into(), json!("0190f3a1b2c3-0004"));
        });
        assert!(err.contains("only understood inside a push"), "{err}");
        let err = broken(&|j| {
            j.insert("at".into(), json!(42));
        });
        assert!(err.contains("expected a string"), "{err}");
        let err = broken(&|j| {
            j.insert("kind".into(), json!("shop"));
        });
        assert!(err.contains("unknown variant `shop`"), "{err}");
        let err = broken(&|j| {
            j.insert("fields".into(), json!({}));
        });
        assert!(err.contains("unknown field `fields`"), "{err}");
        let err = broken(&|j| {
            j.remove("at");
        });
        assert!(err.contains("missing field `at`"), "{err}");
    }

    #[test]
    fn field_names_are_checked() {
        assert_eq!(code(&edit(json!({"name": 1, "price_uzs": 2, "photo2": 3}))), None);
        for bad in ["", "Name", "2nd", "_x", "näme", "with space", "a-b"] {
            assert_eq!(code(&edit(json!({ bad: 1 }))), Some(RejectCode::BadFieldName), "{bad:?}");
        }
        let long = "a".repeat(MAX_FIELD_NAME_LEN + 1);
        assert_eq!(code(&edit(json!({ long: 1 }))), Some(RejectCode::BadFieldName));
        let longest = "a".repeat(MAX_FIELD_NAME_LEN);
        assert_eq!(code(&edit(json!({ longest: 1 }))), None);
    }

    #[test]
    fn server_fields_are_refused() {
        let m = edit(json!({"name": "x", "review_state": "approved"}));
        let rejection = m.validate().unwrap_err();
        assert_eq!(rejection.code, RejectCode::ServerField);
        assert!(rejection.message.contains("review_state"), "{rejection}");
        assert_eq!(code(&edit(json!({"owner": "user:me"}))), Some(RejectCode::ServerField));
        let comment = Mutation { kind: Kind::ReviewComment, ..edit(json!({"review_state": "x"})) };
        assert_eq!(code(&comment), None);
    }

    #[test]
    fn sizes_are_bounded() {
        assert_eq!(code(&edit(json!({}))), Some(RejectCode::NoFields));
        let many: Fields = (0..=MAX_FIELDS_PER_MUTATION).map(|n| (format!("f{n}"), json!(n))).collect();
        assert_eq!(code(&edit(serde_json::to_value(many).unwrap())), Some(RejectCode::TooManyFields));
        // The quotes count: a string of MAX - 2 characters is exactly at the limit.
        assert_eq!(code(&edit(json!({"story": "a".repeat(MAX_VALUE_BYTES - 2)}))), None);
        assert_eq!(code(&edit(json!({"story": "a".repeat(MAX_VALUE_BYTES - 1)}))), Some(RejectCode::ValueTooLarge));
        let big: Fields = (0..5).map(|n| (format!("part{n}"), json!("a".repeat(15_000)))).collect();
        assert_eq!(code(&edit(serde_json::to_value(big).unwrap())), Some(RejectCode::TooLarge));
        let del = Mutation { action: Action::Delete, ..edit(json!({})) };
        assert_eq!(code(&del), None);
    }

    #[test]
    fn only_the_owner_writes() {
        let m = edit(json!({"name": "x"}));
        let amina: Owner = "user:amina".parse().unwrap();
        let bahadir: Owner = "user:bahadir".parse().unwrap();
        assert!(m.check_write(&amina, None).is_ok());
        assert_eq!(m.check_write(&bahadir, None).unwrap_err().code, RejectCode::NotOwner);

        let theirs = Record::new(m.record, Kind::Product, bahadir.clone());
        assert_eq!(m.check_write(&amina, Some(&theirs)).unwrap_err().code, RejectCode::NotOwner);
        let forged = Mutation { owner: bahadir.clone(), ..m.clone() };
        assert!(forged.check_write(&bahadir, Some(&theirs)).is_ok());

        let ad = Record::new(m.record, Kind::AdPost, amina.clone());
        assert_eq!(m.check_write(&amina, Some(&ad)).unwrap_err().code, RejectCode::WrongKind);
    }

    #[test]
    fn rejections_read_and_write_as_codes() {
        let r = Rejection::new(RejectCode::ServerField, "no");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"code":"server_field","message":"no"}"#);
        assert_eq!(r.to_string(), "server_field: no");
        let field = r.clone().of_field("review_state");
        let text = serde_json::to_string(&field).unwrap();
        assert_eq!(text, r#"{"field":"review_state","code":"server_field","message":"no"}"#);
        assert_eq!(field.to_string(), "review_state: server_field: no");
        assert_eq!(serde_json::from_str::<Rejection>(&text).unwrap(), field);
        let codes = [
            RejectCode::BadFieldName,
            RejectCode::ServerField,
            RejectCode::ValueTooLarge,
            RejectCode::TooManyFields,
            RejectCode::TooLarge,
            RejectCode::NoFields,
            RejectCode::NotOwner,
            RejectCode::WrongKind,
            RejectCode::UnknownRecord,
            RejectCode::InvalidValue,
            RejectCode::Taken,
            RejectCode::IdReused,
            RejectCode::ClockAhead,
            RejectCode::Unreadable,
            RejectCode::KindNotAllowed,
            RejectCode::RecordTooLarge,
            RejectCode::OwnerFull,
        ];
        for code in codes {
            assert_eq!(serde_json::to_string(&code).unwrap(), format!("\"{}\"", code.as_str()));
        }
        assert_eq!(serde_json::from_str::<Rejection>(&json).unwrap(), r);
        let err = serde_json::from_str::<Rejection>(r#"{"code":"nope","message":""}"#).unwrap_err();
        assert!(err.to_string().contains("unknown variant `nope`"), "{err}");
    }
}
