//! What the studio's components share: whether the studio is open and for
//! whom, the sync status, and a revision that moves whenever the store on
//! the device changes (an edit here, a pull, another tab's write).

use leptos::prelude::*;
use sawda_sync::RejectCode;

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

#[derive(Clone, Copy)]
pub struct Studio {
    pub phase: RwSignal<Phase>,
    pub status: RwSignal<SyncStatus>,
    pub revision: RwSignal<u64>,
    pub refused: RwSignal<Vec<Refusal>>,
}

impl Studio {
    pub fn new() -> Self {
        Studio {
            phase: RwSignal::new(Phase::Opening),
            status: RwSignal::new(SyncStatus::Opening),
            revision: RwSignal::new(0),
            refused: RwSignal::new(Vec::new()),
        }
    }

    /// A text field of the storefront as stored on this phone.
    pub fn storefront_text(self, field: &'static str) -> String {
        self.revision.track();
        #[cfg(feature = "hydrate")]
        {
            crate::background_sync::storefront_text(field).unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = field;
            String::new()
        }
    }

    /// Saves a text field of the storefront on this phone and queues it.
    pub fn set_storefront_text(self, field: &'static str, value: String) {
        #[cfg(feature = "hydrate")]
        crate::background_sync::set_storefront_field(field, value);
        #[cfg(not(feature = "hydrate"))]
        let _ = (field, value);
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
