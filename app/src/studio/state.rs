//! The studio's view model, shared by its components: whether the studio is
//! open and for whom, what she typed that breaks a rule, which product is
//! open, and her products as lists show them. Records are read and edited
//! through the device's sync (`device::sync`), whose state it carries.

use leptos::prelude::*;
use sawda_sync::{Fields, Kind, Record, RecordId};
use serde_json::Value;

use crate::device::sync::{self, SyncState};
use crate::rules::problem::FieldProblem;
use crate::rules::records::{check_fields, product};
use crate::rules::review;

/// A random number for a submission's mark (only the browser submits).
fn js_random() -> u64 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Opening,
    /// Nobody is signed in on this device.
    NoAccount,
    Open,
}

/// The record a form edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    pub kind: Kind,
    pub record: RecordId,
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

/// The parts of the studio she moves between with her thumb.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Storefront,
    Products,
    Orders,
    Feedback,
}

#[derive(Clone, Copy)]
pub struct Studio {
    /// The part of the studio in view.
    pub section: RwSignal<Section>,
    pub phase: RwSignal<Phase>,
    pub sync: SyncState,
    /// Fields whose typed value breaks the rules: shown under the field, not saved.
    pub problems: RwSignal<Vec<(Target, &'static str, FieldProblem)>>,
    /// Her storefront (its id is derived from her account).
    pub storefront: RwSignal<Option<RecordId>>,
    /// The product open in the editor.
    pub editing: RwSignal<Option<RecordId>>,
    /// Public listings whose warning she has read: an edit takes them back to review.
    pub warned: RwSignal<Vec<RecordId>>,
}

impl Studio {
    pub fn new() -> Self {
        Studio {
            section: RwSignal::new(Section::Storefront),
            phase: RwSignal::new(Phase::Opening),
            sync: SyncState::of_page(),
            problems: RwSignal::new(Vec::new()),
            storefront: RwSignal::new(None),
            editing: RwSignal::new(None),
            warned: RwSignal::new(Vec::new()),
        }
    }

    pub fn storefront_target(self) -> Option<Target> {
        self.storefront.get().map(|record| Target { kind: Kind::Storefront, record })
    }

    /// A field as stored on this phone (`null` when unset).
    pub fn value(self, target: Target, field: &'static str) -> Value {
        self.sync.revision.track();
        sync::field(target.record, field).unwrap_or(Value::Null)
    }

    pub fn text(self, target: Target, field: &'static str) -> String {
        self.value(target, field).as_str().unwrap_or_default().to_owned()
    }

    /// What she typed into `field` on this phone that lost to another phone's
    /// newer edit, while it differs from what is there now.
    pub fn lost(self, target: Target, field: &'static str) -> Option<Value> {
        self.sync.revision.track();
        sync::lost_here(target.record, field)
    }

    /// Kept only on this phone: the server refused it back after a restore.
    pub fn only_here(self, record: RecordId) -> bool {
        self.sync.revision.track();
        sync::only_here(record)
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
            sync::put(target.kind, target.record, fields);
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

    /// A record's fields as she wrote them (no server fields), for previews.
    pub fn content(self, record: RecordId) -> crate::ui::FieldMap {
        self.sync.revision.track();
        [Kind::Storefront, Kind::Product]
            .into_iter()
            .flat_map(|kind| sync::records(kind, |r| (r.id() == record).then(|| review::content(r))))
            .flatten()
            .next()
            .unwrap_or_default()
    }

    /// The review of a storefront or product, as last pulled, and whether a
    /// submission made on this phone is still on its way.
    pub fn review(self, target: Target) -> (review::Review, bool) {
        self.sync.revision.track();
        sync::records(target.kind, |r| {
            (r.id() == target.record).then(|| {
                let review = review::Review::of(r);
                let on_its_way = review.submission_on_its_way(r);
                (review, on_its_way)
            })
        })
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_default()
    }

    /// What her kind's rules require that this record lacks (the server
    /// refuses a submission of it too).
    pub fn missing(self, target: Target) -> Vec<&'static str> {
        self.sync.revision.track();
        // A storefront she has not touched yet lacks everything its rules require.
        sync::records(target.kind, |r| (r.id() == target.record).then(|| review::missing(r)))
            .into_iter()
            .flatten()
            .next()
            .unwrap_or_else(|| review::required(target.kind))
    }

    /// Asks for a review of what she has now: saved on the phone at once,
    /// sent with the next sync, stamped by the server when it arrives.
    /// Nothing is asked while a required field is missing.
    pub fn submit(self, target: Target) {
        if !self.missing(target).is_empty() {
            return;
        }
        let nonce = format!("{:x}", js_random());
        sync::put(target.kind, target.record, Fields::from([(review::SUBMITTED.to_owned(), Value::String(nonce))]));
    }

    /// The storefront and products whose feedback asks something of her.
    pub fn feedback_waiting(self) -> usize {
        let mut targets: Vec<Target> = self.storefront_target().into_iter().collect();
        targets.extend(self.products().iter().map(|p| Target { kind: Kind::Product, record: p.id }));
        targets.into_iter().filter(|t| self.review(*t).0.needs_her()).count()
    }

    /// Buyers' requests she has not confirmed or cancelled yet.
    pub fn new_orders(self) -> usize {
        use crate::rules::records::order_request::{STATUS, Status};
        self.sync.revision.track();
        // Only the status is read: no line is built or sorted for a count.
        let new = Some(Status::New.id());
        sync::records(Kind::OrderRequest, |r| r.get(STATUS).and_then(Value::as_str) == new)
            .into_iter()
            .filter(|n| *n)
            .count()
    }

    /// Her products on this phone, in their order on the storefront.
    pub fn products(self) -> Vec<ProductLine> {
        self.sync.revision.track();
        self.storefront.get().map(products_of).unwrap_or_default()
    }

    /// Starts a product (saved at once, like every edit) and opens it.
    pub fn add_product(self) {
        if let Some(storefront) = self.storefront.get_untracked() {
            let last = self.products().iter().map(|p| p.position).fold(0.0, f64::max);
            let fields = Fields::from([
                (product::STOREFRONT.to_owned(), Value::String(storefront.to_string())),
                (product::POSITION.to_owned(), serde_json::json!(last + 1.0)),
                (product::AVAILABILITY.to_owned(), Value::String("in_stock".into())),
            ]);
            if let Some(id) = sync::create(Kind::Product, fields) {
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
        self.set(Target { kind, record: id }, product::POSITION, serde_json::json!(mine));
        self.set(Target { kind, record: other.id }, product::POSITION, serde_json::json!(theirs));
    }

    pub fn delete(self, record: RecordId) {
        sync::delete(record);
        if self.editing.get_untracked() == Some(record) {
            self.editing.set(None);
        }
    }

    /// The person has read a refusal.
    pub fn dismiss(self, mutation: String) {
        sync::dismiss(self.sync, mutation);
    }

    /// What she typed in a refused field goes back into the form.
    pub fn put_back(self, mutation: String, field: String) {
        sync::put_back(self.sync, mutation, field);
    }
}

/// Her products of `storefront` on this phone, in storefront order.
fn products_of(storefront: RecordId) -> Vec<ProductLine> {
    let storefront = storefront.to_string();
    let text = |r: &Record, field| r.get(field).and_then(Value::as_str).unwrap_or_default().to_owned();
    let mut products: Vec<ProductLine> = sync::records(Kind::Product, |r| {
        (r.get(product::STOREFRONT).and_then(Value::as_str) == Some(storefront.as_str())).then(|| ProductLine {
            id: r.id(),
            name: text(r, product::NAME),
            price_som: r.get(product::PRICE_SOM).and_then(Value::as_u64),
            availability: text(r, product::AVAILABILITY),
            position: r.get(product::POSITION).and_then(Value::as_f64).unwrap_or(0.0),
        })
    })
    .into_iter()
    .flatten()
    .collect();
    products.sort_by(|a, b| a.position.total_cmp(&b.position).then(a.id.cmp(&b.id)));
    products
}

impl Default for Studio {
    fn default() -> Self {
        Studio::new()
    }
}
