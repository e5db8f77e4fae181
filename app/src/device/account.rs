//! Who is signed in on this device, remembered in local storage so that the
//! studio opens offline, when the server cannot be asked. The session itself
//! stays in its HttpOnly cookie; this is only the name and the account id.
//! Runs only in the browser.

use gloo_storage::{LocalStorage, Storage};
use sawda_sync::Owner;

use crate::device::http::AccountView;
use crate::device::local_storage::{LocalStorageSlot, available};
use crate::device::store::Slot;
use crate::device::store::{key_for, waiting_in};

const KEY: &str = "sawda.account";

pub fn remember(account: &AccountView) {
    // Storage may be full or off: the studio then asks the server instead.
    if available() {
        let _ = LocalStorage::set(KEY, account);
    }
}

pub fn recall() -> Option<AccountView> {
    available().then(|| LocalStorage::get(KEY).ok()).flatten()
}

/// Edits of `account` on this device that the server has not confirmed.
pub fn waiting_changes(account: &AccountView) -> usize {
    let Ok(owner) = account.id.parse::<Owner>() else { return 0 };
    if !available() {
        return 0;
    }
    LocalStorage::raw().get_item(&key_for(&owner)).ok().flatten().and_then(|text| waiting_in(&text)).unwrap_or(0)
}

/// Signing out of a shared phone: the account and its store leave the device.
pub fn forget(account: &AccountView) {
    if !available() {
        return;
    }
    if let Ok(owner) = account.id.parse::<Owner>()
        && let Ok(mut store) = LocalStorageSlot::new(key_for(&owner))
    {
        store.remove();
    }
    LocalStorage::delete(KEY);
}
