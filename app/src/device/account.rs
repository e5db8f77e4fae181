//! Who is signed in on this device, remembered in local storage so that the
//! studio opens offline, when the server cannot be asked. The session itself
//! stays in its HttpOnly cookie; this is only the name and the account id.
//! Runs only in the browser.

use sawda_sync::Owner;
use wasm_bindgen::{JsCast, JsValue};

use crate::device::http::{body, send};
use crate::device::indexed_db;
use crate::device::local_storage;
use crate::device::old_store;
use crate::device::photos::kept_bytes;
use crate::device::store::{ACCOUNT_KEY, StoreProblem, photos_named_in};
use crate::i18n::Lang;
use crate::rules::people::Role;
use crate::rules::photos::photos_of;
use crate::wire::{AccountView, MissingPhotos, PhotoHashes, SIGNED_IN_COOKIE};

const KEY: &str = "sawda.account";

pub fn remember(account: &AccountView) {
    crate::device::sync::signed_in(account);
    let Ok(text) = serde_json::to_string(account) else { return };
    // Storage may be full or off: the studio then asks the server instead.
    local_storage::set(KEY, &text);
    // Local storage reaches the disk seconds late: IndexedDB keeps it durably.
    leptos::task::spawn_local(async move {
        if let Ok(db) = indexed_db::open().await {
            let _ = indexed_db::keep_device(&db, ACCOUNT_KEY, Some(&text)).await;
        }
    });
}

/// The account remembered on this phone, from local storage at once.
pub fn recall() -> Option<AccountView> {
    account_of(&js_sys::JSON::parse(&local_storage::get(KEY)?).ok()?).and_then(if_signed_in_here)
}

/// `account`, unless the session on this phone is someone else's: she signed
/// in with a form posted before the script arrived, which this code never saw.
fn if_signed_in_here(account: AccountView) -> Option<AccountView> {
    match signed_in_here() {
        Some(id) if id != account.id => None,
        _ => Some(account),
    }
}

/// Whom the server's session on this phone is for, if it said (`SIGNED_IN_COOKIE`).
fn signed_in_here() -> Option<String> {
    let cookies = leptos::prelude::document().dyn_into::<web_sys::HtmlDocument>().ok()?.cookie().ok()?;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name.trim() == SIGNED_IN_COOKIE && !value.trim().is_empty()).then(|| value.trim().to_owned())
    })
}

/// An account as `remember` wrote it, read by the browser's own JSON parser:
/// a parser in Rust here would sit in the download every first visit pays for.
fn account_of(json: &JsValue) -> Option<AccountView> {
    let field = |name: &str| js_sys::Reflect::get(json, &JsValue::from_str(name)).ok();
    let text = |name: &str| field(name)?.as_string();
    let districts = match field("districts") {
        Some(list) if list.is_array() => {
            list.unchecked_into::<js_sys::Array>().iter().map(|d| d.as_string()).collect::<Option<_>>()?
        }
        Some(missing) if missing.is_undefined() => Vec::new(),
        _ => return None,
    };
    Some(AccountView {
        id: text("id")?,
        phone: text("phone")?,
        name: text("name")?,
        role: Role::from_id(&text("role")?)?,
        district: text("district"),
        districts,
    })
}

/// The account remembered on this phone, from IndexedDB (where it survives
/// a browser killed before local storage reached the disk).
pub async fn recall_kept() -> Option<AccountView> {
    let db = indexed_db::open().await.ok()?;
    let text = indexed_db::device(&db, ACCOUNT_KEY).await.ok().flatten()?;
    serde_json::from_str(&text).ok().and_then(if_signed_in_here)
}

/// Edits of `account` on this device that the server has not confirmed
/// (in IndexedDB, and in a store of the previous release not moved yet).
pub async fn waiting_changes(account: &AccountView) -> usize {
    let Ok(owner) = account.id.parse::<Owner>() else { return 0 };
    let old = old_store::stored(&owner).map_or(0, |r| r.outbox().len());
    let stored = match indexed_db::open().await {
        Ok(db) => indexed_db::load(&db, &owner).await.ok().flatten().map_or(0, |(r, _)| r.outbox().len()),
        Err(_) => 0,
    };
    old + stored
}

/// Photos her records on this device point at, kept on this phone, that the
/// server does not have yet (all of them, when the server cannot be asked).
pub async fn waiting_photos(account: &AccountView) -> usize {
    let Ok(owner) = account.id.parse::<Owner>() else { return 0 };
    let mut replicas: Vec<sawda_sync::Replica> = old_store::stored(&owner).into_iter().collect();
    if let Ok(db) = indexed_db::open().await
        && let Ok(Some((replica, _))) = indexed_db::load(&db, &owner).await
    {
        replicas.push(replica);
    }
    let mut named: Vec<String> = replicas.iter().flat_map(|r| r.records().flat_map(photos_of)).collect();
    named.sort();
    named.dedup();
    let mut kept = Vec::new();
    for hash in named {
        if kept_bytes(&hash).await.is_some() {
            kept.push(hash);
        }
    }
    if kept.is_empty() {
        return 0;
    }
    let asked = body(&PhotoHashes { hashes: kept.clone() });
    match send(Lang::DEFAULT, "POST", "/api/v1/photos/missing", asked).await {
        Ok((200, text)) => serde_json::from_str::<MissingPhotos>(&text).map_or(kept.len(), |m| m.missing.len()),
        _ => kept.len(),
    }
}

/// Signing out of a shared phone: the account and its store leave the device.
pub async fn forget(account: &AccountView) -> Result<(), StoreProblem> {
    // Its engine must not write the store back.
    crate::device::sync::close();
    // Pages the service worker kept while she was signed in, whatever else fails.
    let _ = crate::device::service_worker::forget_pages().await;
    if let Ok(owner) = account.id.parse::<Owner>() {
        let db = indexed_db::open().await?;
        // Her photos, to go too unless another person's store names them.
        let mut hers = std::collections::BTreeSet::new();
        if let Ok(Some((replica, _))) = indexed_db::load(&db, &owner).await
            && let Ok(text) = serde_json::to_string(&replica)
        {
            photos_named_in(&text, &mut hers);
        }
        old_store::photos_named_by(&owner, &mut hers);
        indexed_db::remove(&db, &owner).await?;
        indexed_db::keep_device(&db, ACCOUNT_KEY, None).await?;
        old_store::forget(&owner);
        let mut others = indexed_db::photos_named(&db).await.unwrap_or_default();
        // Hers was removed above: these are other people's.
        old_store::photos_named(&mut others);
        hers.retain(|hash| !others.contains(hash));
        let _ = crate::device::photos::remove(&hers).await;
    }
    local_storage::remove(KEY);
    Ok(())
}
