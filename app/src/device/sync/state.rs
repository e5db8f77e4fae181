//! What the page's sync shows, shared by every journey on the page: the
//! [`SyncState`] signals, refused edits, photo states, the phone's storage,
//! and what she typed that lost to another phone.
//! No browser types: the lower files of `device/` (the IndexedDB rows, the
//! uploads) and the engine above them all take these from here.

use leptos::prelude::*;
use sawda_sync::{Kind, Record, RejectCode};
use serde_json::Value;

use super::status::SyncStatus;

/// An edit, or one field of it, the server (or the device's own check)
/// refused, with what she typed so she can put it back.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub mutation: String,
    pub kind: Option<Kind>,
    /// The refused field; `None` when the whole edit was refused.
    pub field: Option<String>,
    pub code: RejectCode,
    /// The value she gave the field.
    pub typed: Option<Value>,
    /// A copy sent back to a restored server: refused, it is kept on the
    /// phone rather than undone (`Replica::only_here`).
    pub kept: bool,
}

impl Refusal {
    /// One key per refused field, for lists.
    pub fn key(&self) -> String {
        format!("{}/{}", self.mutation, self.field.as_deref().unwrap_or(""))
    }
}

/// Where a photo stands on its way to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoState {
    OnPhone,
    Uploading(u8),
    Uploaded,
    /// The server refused it (not a photo, damaged…): it will not be sent again.
    Refused,
    /// The server keeps as many of her photos as one person may: sent again
    /// on a later sync, once she has removed some.
    NoRoomOnServer,
}

/// How much of the site's storage on this phone is used, and by what
/// (`navigator.storage.estimate()`), in bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StorageUse {
    pub used: f64,
    pub quota: f64,
    /// Photos and the app's own files (Cache Storage).
    pub photos: f64,
    /// Her records and queue (IndexedDB).
    pub records: f64,
}

impl StorageUse {
    /// From this share of the quota on, the studio says so.
    pub const NOTICE_AT: f64 = 0.8;

    pub fn percent(self) -> u32 {
        if self.quota > 0.0 { ((self.used / self.quota) * 100.0).round().clamp(0.0, 100.0) as u32 } else { 0 }
    }

    pub fn nearly_full(self) -> bool {
        self.quota > 0.0 && self.used >= self.quota * Self::NOTICE_AT
    }
}

/// Megabytes with one decimal, as the notice shows them.
pub fn megabytes(bytes: f64) -> String {
    // In tenths, as integers: float formatting would add its tables to the
    // wasm everyone downloads first.
    let tenths = (bytes.max(0.0) / 100_000.0).round() as u64;
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// What the page's sync engine publishes, shared by every journey on the page.
#[derive(Clone, Copy)]
pub struct SyncState {
    pub status: RwSignal<SyncStatus>,
    /// Her stored records are in memory: until then forms show nothing to
    /// edit, so nothing she types lands on a field about to be filled.
    pub loaded: RwSignal<bool>,
    /// Moves whenever the store on the device changes (an edit, a pull,
    /// another tab's write): views that read records track it.
    pub revision: RwSignal<u64>,
    pub refused: RwSignal<Vec<Refusal>>,
    /// Photos whose state this page has learnt (added here, or from an upload).
    pub photos: RwSignal<Vec<(String, PhotoState)>>,
    /// The phone's storage for the site, as last measured.
    pub storage: RwSignal<Option<StorageUse>>,
}

impl SyncState {
    /// The page's sync state, made and provided on first use.
    ///
    /// In the browser it is made once and belongs to no view: the engine
    /// outlives the studio that opened it (she goes on to her account while
    /// a sync is under way) and must not set signals a view took with it
    /// (that panics and stops the app). On the server, one per request.
    pub fn of_page() -> SyncState {
        use_context::<SyncState>().unwrap_or_else(|| {
            #[cfg(feature = "hydrate")]
            let state = {
                thread_local! {
                    static ON_THIS_PAGE: std::cell::OnceCell<SyncState> = const { std::cell::OnceCell::new() };
                }
                ON_THIS_PAGE.with(|kept| {
                    *kept.get_or_init(|| {
                        // `new_root` also makes itself the current owner: the view's is put back.
                        let view = Owner::current();
                        let owner = Owner::new_root(None);
                        let state = owner.with(SyncState::new);
                        if let Some(view) = view {
                            view.set();
                        }
                        // Kept for the page's life: dropping the owner would dispose the signals.
                        std::mem::forget(owner);
                        state
                    })
                })
            };
            #[cfg(not(feature = "hydrate"))]
            let state = SyncState::new();
            provide_context(state);
            state
        })
    }

    fn new() -> SyncState {
        SyncState {
            status: RwSignal::new(SyncStatus::Opening),
            loaded: RwSignal::new(false),
            revision: RwSignal::new(0),
            refused: RwSignal::new(Vec::new()),
            photos: RwSignal::new(Vec::new()),
            storage: RwSignal::new(None),
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
}

/// The value of `field` typed on this phone that lost to a newer one from
/// another phone, kept in the record's history (`docs/sync.md`), while it
/// differs from the current one. Typing the field again on this phone (or
/// keeping the current value) makes it this phone's newest: it leaves.
pub fn lost_of<'r>(record: &'r Record, field: &str, device: sawda_sync::DeviceId) -> Option<&'r Value> {
    let current = record.get(field);
    record
        .history()
        .iter()
        .find(|lost| lost.field == field && lost.at.device() == device && Some(&lost.value) != current)
        .map(|lost| &lost.value)
}

#[cfg(test)]
mod tests {
    use sawda_sync::{DeviceId, Fields, RecordId, Stamp};
    use serde_json::json;

    use super::*;

    #[test]
    fn a_value_typed_here_that_lost_to_another_phone_is_offered_until_typed_again() {
        let (here, other) = (DeviceId::new(1, [1; 10]), DeviceId::new(1, [2; 10]));
        let at = |ms: u64, device: DeviceId| format!("{ms:012x}-0000-{device}").parse::<Stamp>().unwrap();
        let name = |v: &str| Fields::from([("name".to_owned(), json!(v))]);
        let owner: sawda_sync::Owner = "user:amina".parse().unwrap();
        let mut record = Record::new(RecordId::new(1, [3; 10]), Kind::Product, owner);
        record.set(&name("Dopı jam"), at(10, here));
        record.set(&name("Melon jam"), at(20, other));
        assert_eq!(lost_of(&record, "name", here), Some(&json!("Dopı jam")));
        assert_eq!(lost_of(&record, "name", other), None, "the other phone's value won");
        assert_eq!(lost_of(&record, "price_som", here), None);
        // "Keep the current one": the current value typed again here.
        let mut kept = record.clone();
        kept.set(&name("Melon jam"), at(30, here));
        assert_eq!(lost_of(&kept, "name", here), None);
        assert_eq!(lost_of(&kept, "name", other), None, "the same value is no conflict");
        // "Use this": her lost value typed again here; now the other phone is told.
        record.set(&name("Dopı jam"), at(30, here));
        assert_eq!(lost_of(&record, "name", here), None);
        assert_eq!(lost_of(&record, "name", other), Some(&json!("Melon jam")));
    }

    #[test]
    fn the_notice_comes_at_eighty_percent() {
        let at = |used: f64| StorageUse { used, quota: 1_000.0, photos: used / 2.0, records: used / 2.0 };
        assert!(!at(799.0).nearly_full());
        assert!(at(800.0).nearly_full());
        assert_eq!(at(805.0).percent(), 81);
        assert!(!StorageUse { used: 5.0, quota: 0.0, photos: 0.0, records: 0.0 }.nearly_full());
        assert_eq!(megabytes(12_345_678.0), "12.3");
    }
}
