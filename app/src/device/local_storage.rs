//! Local storage, which keeps the small things (the language, the remembered
//! account, a store of the previous release). Storage can be off (private
//! modes, blocked sites) or full: every call then quietly does nothing, and
//! the callers have another way (the cookie, IndexedDB, the server). Runs
//! only in the browser.

use web_sys::Storage;

fn storage() -> Option<Storage> {
    leptos::prelude::window().local_storage().ok().flatten()
}

pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

/// Whether `value` was written (false when storage is off or full).
pub fn set(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

/// Whether `key` is gone (true when it was never there).
pub fn remove(key: &str) -> bool {
    storage().is_some_and(|s| s.remove_item(key).is_ok())
}

/// Every key, for the stores of the previous release.
pub fn keys() -> Vec<String> {
    let Some(storage) = storage() else { return Vec::new() };
    (0..storage.length().unwrap_or(0)).filter_map(|i| storage.key(i).ok().flatten()).collect()
}
