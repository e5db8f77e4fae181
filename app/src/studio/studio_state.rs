//! What the studio's components share: whether the studio is open and for
//! whom, the sync status, and a revision that moves whenever the store on
//! the device changes (an edit here, a pull, another tab's write). Reads and
//! edits of records go through here to the device store (in the browser).

use leptos::prelude::*;
use sawda_sync::{Fields, Kind, RecordId, RejectCode};
use serde_json::Value;

use crate::field_problem::FieldProblem;
use crate::record_rules::check_fields;
use crate::sync_status::SyncStatus;

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Opening,
    /// Nobody is signed in on this device.
    NoAccount,
    Open,
}

/// An edit the server (or the device's own check) refused.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub mutation: String,
    pub code: RejectCode,
}

/// The record a form edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub record: RecordId,
}

/// Where a photo stands, as the studio shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoState {
    OnPhone,
    Uploading(u8),
    Uploaded,
    /// The server refused it (not a photo, damaged…): it will not be sent again.
    Refused,
}

/// A product as its list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ProductLine {
    pub id: RecordId,
    pub name: String,
    pub price_som: Option<u64>,
    pub availability: String,
    pub position: f64,
}

#[derive(Clone, Copy)]
pub struct Studio {
    pub phase: RwSignal<Phase>,
    pub status: RwSignal<SyncStatus>,
    pub revision: RwSignal<u64>,
    pub refused: RwSignal<Vec<Refusal>>,
    /// Fields whose typed value breaks the rules: shown under the field, not saved.
    pub problems: RwSignal<Vec<(Target, &'static str, FieldProblem)>>,
    /// Her storefront (its id is derived from her account).
    pub storefront: RwSignal<Option<RecordId>>,
    /// The product open in the editor.
    pub editing: RwSignal<Option<RecordId>>,
    /// Photos whose state this page has learnt (added here, or from an upload).
    pub photos: RwSignal<Vec<(String, PhotoState)>>,
}

impl Studio {
    pub fn new() -> Self {
        Studio {
            phase: RwSignal::new(Phase::Opening),
            status: RwSignal::new(SyncStatus::Opening),
            revision: RwSignal::new(0),
            refused: RwSignal::new(Vec::new()),
            problems: RwSignal::new(Vec::new()),
            storefront: RwSignal::new(None),
            editing: RwSignal::new(None),
            photos: RwSignal::new(Vec::new()),
        }
    }

    pub fn photo_state(self, hash: &str) -> Option<PhotoState> {
        self.photos.with(|photos| photos.iter().find(|(h, _)| h == hash).map(|(_, s)| *s))
    }

    pub fn set_photo_state(self, hash: &str, state: PhotoState) {
        if self.photo_state(hash) == Some(state) {
            return;
        }
        self.photos.update(|photos| {
            photos.retain(|(h, _)| h != hash);
            photos.push((hash.to_owned(), state));
        });
    }

    pub fn storefront_target(self) -> Option<Target> {
        self.storefront.get().map(|record| Target { kind: Kind::Storefront, record })
    }

    /// A field as stored on this phone (`null` when unset).
    pub fn value(self, target: Target, field: &'static str) -> Value {
        self.revision.track();
        #[cfg(feature = "hydrate")]
        {
            crate::background_sync::field_value(target.record, field).unwrap_or(Value::Null)
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = (target, field);
            Value::Null
        }
    }

    pub fn text(self, target: Target, field: &'static str) -> String {
        self.value(target, field).as_str().unwrap_or_default().to_owned()
    }

    /// The texts of a field: a list's strings (photos, delivery options), or
    /// a single text as a list of one (a cover photo).
    pub fn texts(self, target: Target, field: &'static str) -> Vec<String> {
        match self.value(target, field) {
            Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            Value::String(one) => vec![one],
            _ => Vec::new(),
        }
    }

    /// Checks a field by the same rules as the server; saves it on this phone
    /// and queues it when it passes, else shows why under the field.
    pub fn set(self, target: Target, field: &'static str, value: Value) {
        let fields = Fields::from([(field.to_owned(), value)]);
        let checked = check_fields(target.kind, &fields).map_err(|(_, problem)| problem);
        self.problems.update(|problems| {
            problems.retain(|(t, f, _)| !(*t == target && *f == field));
            if let Err(problem) = checked {
                problems.push((target, field, problem));
            }
        });
        if checked.is_ok() {
            #[cfg(feature = "hydrate")]
            crate::background_sync::put(target.kind, target.record, fields);
        }
    }

    /// Shows a problem found before the value could be made (a price typed with letters).
    pub fn refuse(self, target: Target, field: &'static str, problem: FieldProblem) {
        self.problems.update(|problems| {
            problems.retain(|(t, f, _)| !(*t == target && *f == field));
            problems.push((target, field, problem));
        });
    }

    /// Why the value typed into `field` was not saved.
    pub fn problem(self, target: Target, field: &'static str) -> Option<FieldProblem> {
        self.problems.with(|problems| problems.iter().find(|(t, f, _)| *t == target && *f == field).map(|p| p.2))
    }

    /// Her products on this phone, in their order on the storefront.
    pub fn products(self) -> Vec<ProductLine> {
        self.revision.track();
        #[cfg(feature = "hydrate")]
        {
            self.storefront.get().map(crate::background_sync::products_of).unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            Vec::new()
        }
    }

    /// Starts a product (saved at once, like every edit) and opens it.
    pub fn add_product(self) {
        #[cfg(feature = "hydrate")]
        if let Some(storefront) = self.storefront.get_untracked() {
            let last = self.products().iter().map(|p| p.position).fold(0.0, f64::max);
            let fields = Fields::from([
                (crate::product::rules::STOREFRONT.to_owned(), Value::String(storefront.to_string())),
                (crate::product::rules::POSITION.to_owned(), serde_json::json!(last + 1.0)),
                (crate::product::rules::AVAILABILITY.to_owned(), Value::String("in_stock".into())),
            ]);
            if let Some(id) = crate::background_sync::create(Kind::Product, fields) {
                self.editing.set(Some(id));
            }
        }
    }

    /// Moves a product one place up (`-1`) or down (`1`) by swapping positions.
    pub fn move_product(self, id: RecordId, step: isize) {
        let products = self.products();
        let Some(at) = products.iter().position(|p| p.id == id) else { return };
        let Some(other) = at.checked_add_signed(step).and_then(|i| products.get(i)) else { return };
        let (mine, theirs) = (products[at].position, other.position);
        let (mine, theirs) = if mine == theirs { (theirs + step as f64, mine) } else { (theirs, mine) };
        let kind = Kind::Product;
        self.set(Target { kind, record: id }, crate::product::rules::POSITION, serde_json::json!(mine));
        self.set(Target { kind, record: other.id }, crate::product::rules::POSITION, serde_json::json!(theirs));
    }

    pub fn delete(self, record: RecordId) {
        #[cfg(feature = "hydrate")]
        crate::background_sync::delete(record);
        #[cfg(not(feature = "hydrate"))]
        let _ = record;
        if self.editing.get_untracked() == Some(record) {
            self.editing.set(None);
        }
    }

    /// The person has read a refusal.
    pub fn dismiss(self, mutation: String) {
        #[cfg(feature = "hydrate")]
        crate::background_sync::dismiss(&mutation);
        self.refused.update(|refused| refused.retain(|r| r.mutation != mutation));
    }
}

impl Default for Studio {
    fn default() -> Self {
        Studio::new()
    }
}
