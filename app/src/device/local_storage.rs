//! The browser's local storage as a [`Slot`] of the device store, through
//! `gloo-storage`. Runs only in the browser.

use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen::JsCast;

use crate::device::store::{Slot, StoreProblem};

/// Whether this browser lets the site use local storage at all (private
/// modes and blocked sites throw on first touch; gloo would panic then).
pub fn available() -> bool {
    leptos::prelude::window().local_storage().ok().flatten().is_some()
}

pub struct LocalStorageSlot {
    key: String,
}

impl LocalStorageSlot {
    pub fn new(key: String) -> Result<Self, StoreProblem> {
        if available() { Ok(LocalStorageSlot { key }) } else { Err(StoreProblem::Unavailable) }
    }
}

impl Slot for LocalStorageSlot {
    fn read(&self) -> Result<Option<String>, StoreProblem> {
        LocalStorage::raw().get_item(&self.key).map_err(|_| StoreProblem::Unavailable)
    }

    fn write(&mut self, text: &str) -> Result<(), StoreProblem> {
        LocalStorage::raw().set_item(&self.key, text).map_err(|error| {
            let name = error.dyn_ref::<web_sys::DomException>().map(|e| e.name()).unwrap_or_default();
            // Firefox once named it NS_ERROR_DOM_QUOTA_REACHED.
            if name == "QuotaExceededError" || name == "NS_ERROR_DOM_QUOTA_REACHED" {
                StoreProblem::Full
            } else {
                StoreProblem::Unavailable
            }
        })
    }

    fn remove(&mut self) {
        LocalStorage::delete(&self.key);
    }
}
