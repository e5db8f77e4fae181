//! The device store's rows in the browser's IndexedDB, through `web-sys`
//! (no wrapper crate: the few calls needed cost less than one). Writes run
//! under a Web Lock per person, so that a tab checks the stored revision and
//! writes in one step however many tabs are open, with strict durability:
//! the transaction completes only once the browser has the rows on disk.
//! Runs only in the browser.

use js_sys::{Array, Function, Object, Promise, Reflect};

use crate::device::locks;
use leptos::prelude::window;
use sawda_sync::{Owner, Replica};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbKeyRange, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::device::store::{RowChange, Rows, StoreProblem, Stored, Table, Write, person_key, person_range, read_rows};
use crate::device::sync::state::StorageUse;

const DATABASE: &str = "sawda";
const VERSION: u32 = 1;

/// Why a write did not happen.
pub enum WriteProblem {
    /// Another tab wrote since this tab's copy: take its copy in, write again.
    Behind,
    Store(StoreProblem),
}

fn problem_of(error: &JsValue) -> StoreProblem {
    let name = error.dyn_ref::<web_sys::DomException>().map(|e| e.name()).unwrap_or_default();
    if name == "QuotaExceededError" { StoreProblem::Full } else { StoreProblem::Unavailable }
}

/// Waits for a request's `success` (its result) or `error`.
async fn done(request: &IdbRequest) -> Result<JsValue, StoreProblem> {
    let promise = Promise::new(&mut |resolve, reject| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map_err(|_| request.error().ok().flatten().map_or(StoreProblem::Unavailable, |e| problem_of(&e.into())))?;
    request.result().map_err(|e| problem_of(&e))
}

/// Waits for a transaction to complete (or fail, or be aborted).
async fn committed(transaction: &IdbTransaction) -> Result<(), StoreProblem> {
    let promise = Promise::new(&mut |resolve, reject| {
        transaction.set_oncomplete(Some(&resolve));
        transaction.set_onerror(Some(&reject));
        transaction.set_onabort(Some(&reject));
    });
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| transaction.error().map_or(StoreProblem::Unavailable, |e| problem_of(&e.into())))
}

/// Opens the database, making its object stores the first time.
pub async fn open() -> Result<IdbDatabase, StoreProblem> {
    let factory = window().indexed_db().ok().flatten().ok_or(StoreProblem::Unavailable)?;
    let request: IdbOpenDbRequest = factory.open_with_u32(DATABASE, VERSION).map_err(|e| problem_of(&e))?;
    let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |event: web_sys::Event| {
        let Some(request) = event.target().and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok()) else { return };
        let Ok(db) = request.result().and_then(|db| db.dyn_into::<IdbDatabase>()) else {
            return;
        };
        for table in Table::ALL.into_iter().chain([Table::Device]) {
            if !db.object_store_names().contains(table.name()) {
                let _ = db.create_object_store(table.name());
            }
        }
    });
    request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let db = done(&request).await;
    request.set_onupgradeneeded(None);
    drop(upgrade);
    let db: IdbDatabase = db?.dyn_into().map_err(|_| StoreProblem::Unavailable)?;
    // A newer release's tab wants to upgrade: let it (this page then reloads to match).
    let close = Closure::<dyn FnMut()>::new({
        let db = db.clone();
        move || db.close()
    });
    db.set_onversionchange(Some(close.as_ref().unchecked_ref()));
    close.forget();
    Ok(db)
}

fn names(tables: &[Table]) -> Array {
    tables.iter().map(|t| JsValue::from_str(t.name())).collect()
}

/// A person's rows, read in one transaction (one consistent copy).
pub async fn read(db: &IdbDatabase, owner: &Owner) -> Result<Rows, StoreProblem> {
    let transaction = db
        .transaction_with_str_sequence_and_mode(&names(&Table::ALL), IdbTransactionMode::Readonly)
        .map_err(|e| problem_of(&e))?;
    let table = |t: Table| transaction.object_store(t.name()).map_err(|e| problem_of(&e));
    let (from, to) = person_range(owner);
    let range = IdbKeyRange::bound_with_lower_open_and_upper_open(&from.into(), &to.into(), false, true)
        .map_err(|e| problem_of(&e))?;
    let key = JsValue::from_str(&person_key(owner));
    // All four asked for at once; the transaction answers them in order.
    let head = table(Table::Heads)?.get(&key).map_err(|e| problem_of(&e))?;
    let records = table(Table::Records)?.get_all_with_key(&range).map_err(|e| problem_of(&e))?;
    let copies = table(Table::ServerCopies)?.get_all_with_key(&range).map_err(|e| problem_of(&e))?;
    let outbox = table(Table::Outboxes)?.get(&key).map_err(|e| problem_of(&e))?;
    let texts = |value: JsValue| -> Vec<String> {
        value.dyn_into::<Array>().map(|a| a.iter().filter_map(|v| v.as_string()).collect()).unwrap_or_default()
    };
    Ok(Rows {
        head: done(&head).await?.as_string(),
        records: texts(done(&records).await?),
        server_copies: texts(done(&copies).await?),
        outbox: done(&outbox).await?.as_string(),
    })
}

/// The revision of a person's store on the device (only its head is read).
async fn revision(db: &IdbDatabase, owner: &Owner) -> Result<Option<u64>, StoreProblem> {
    let transaction = db
        .transaction_with_str_and_mode(Table::Heads.name(), IdbTransactionMode::Readonly)
        .map_err(|e| problem_of(&e))?;
    let store = transaction.object_store(Table::Heads.name()).map_err(|e| problem_of(&e))?;
    let head = done(&store.get(&JsValue::from_str(&person_key(owner))).map_err(|e| problem_of(&e))?).await?;
    match head.as_string() {
        None => Ok(None),
        Some(text) => {
            serde_json::from_str::<Stored>(&text).map(|s| Some(s.revision)).map_err(|_| StoreProblem::Unreadable)
        }
    }
}

/// A person's store with its revision, `None` when she has none here.
pub async fn load(db: &IdbDatabase, owner: &Owner) -> Result<Option<(Replica, u64)>, StoreProblem> {
    read_rows(&read(db, owner).await?, owner)
}

/// The Web Lock name for writing `owner`'s store.
pub(super) fn write_lock(owner: &Owner) -> String {
    format!("sawda.store.{owner}")
}

/// Writes `write` if the device still holds the revision it was made from.
pub async fn commit(db: &IdbDatabase, owner: &Owner, write: &Write) -> Result<(), WriteProblem> {
    let lock = write_lock(owner);
    let (db, owner, write) = (db.clone(), owner.clone(), write.clone());
    let work = async move {
        if revision(&db, &owner).await.map_err(code)? != write.from {
            return Ok(JsValue::from_str("behind"));
        }
        put(&db, &write.changes).await.map_err(code)?;
        Ok(JsValue::TRUE)
    };
    match locks::hold(&lock, false, work).await.unwrap_or(Ok(JsValue::TRUE)) {
        Ok(answer) if answer.as_string().as_deref() == Some("behind") => Err(WriteProblem::Behind),
        Ok(_) => Ok(()),
        Err(error) => Err(WriteProblem::Store(uncode(&error))),
    }
}

/// Store problems through a JS promise and back.
pub(super) fn code(problem: StoreProblem) -> JsValue {
    JsValue::from_str(match problem {
        StoreProblem::Full => "full",
        StoreProblem::Unreadable => "unreadable",
        StoreProblem::Removed => "removed",
        StoreProblem::Unavailable => "unavailable",
    })
}

pub(super) fn uncode(value: &JsValue) -> StoreProblem {
    match value.as_string().as_deref() {
        Some("full") => StoreProblem::Full,
        Some("unreadable") => StoreProblem::Unreadable,
        Some("removed") => StoreProblem::Removed,
        _ => problem_of(value),
    }
}

/// Writes rows in one transaction with strict durability.
pub(super) async fn put(db: &IdbDatabase, changes: &[RowChange]) -> Result<(), StoreProblem> {
    let mut tables: Vec<Table> = changes
        .iter()
        .map(|c| match c {
            RowChange::Put { table, .. } | RowChange::Delete { table, .. } => *table,
        })
        .collect();
    tables.sort_by_key(|t| t.name());
    tables.dedup();
    if tables.is_empty() {
        return Ok(());
    }
    let transaction = strict_transaction(db, &tables)?;
    for change in changes {
        let result = match change {
            RowChange::Put { table, key, value } => transaction
                .object_store(table.name())
                .and_then(|s| s.put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))),
            RowChange::Delete { table, key } => {
                transaction.object_store(table.name()).and_then(|s| s.delete(&JsValue::from_str(key)))
            }
        };
        if let Err(error) = result {
            let _ = transaction.abort();
            return Err(problem_of(&error));
        }
    }
    committed(&transaction).await
}

/// A read-write transaction asking for strict durability (Chromium's default
/// is relaxed: "complete" before the rows reach the disk).
fn strict_transaction(db: &IdbDatabase, tables: &[Table]) -> Result<IdbTransaction, StoreProblem> {
    let options = Object::new();
    let _ = Reflect::set(&options, &"durability".into(), &"strict".into());
    let transaction: Function = Reflect::get(db, &"transaction".into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(StoreProblem::Unavailable)?;
    transaction
        .call3(db, &names(tables), &"readwrite".into(), &options)
        .and_then(|t| t.dyn_into::<IdbTransaction>())
        .map_err(|e| problem_of(&e))
}

/// Removes every row of `owner` (signing out of a shared phone), holding
/// her store's write lock: another tab's write checks the revision and
/// writes under the same lock, so it lands wholly before the removal, or
/// finds the head gone and learns the store was removed; never half of it.
pub async fn remove(db: &IdbDatabase, owner: &Owner) -> Result<(), StoreProblem> {
    let lock = write_lock(owner);
    let (db, owner) = (db.clone(), owner.clone());
    let work = async move {
        remove_rows(&db, &owner).await.map_err(code)?;
        Ok(JsValue::TRUE)
    };
    match locks::hold(&lock, false, work).await {
        Some(Ok(_)) | None => Ok(()),
        Some(Err(error)) => Err(uncode(&error)),
    }
}

async fn remove_rows(db: &IdbDatabase, owner: &Owner) -> Result<(), StoreProblem> {
    let transaction = strict_transaction(db, &Table::ALL)?;
    let (from, to) = person_range(owner);
    let range = IdbKeyRange::bound_with_lower_open_and_upper_open(&from.into(), &to.into(), false, true)
        .map_err(|e| problem_of(&e))?;
    let key = JsValue::from_str(&person_key(owner));
    for table in Table::ALL {
        let store = transaction.object_store(table.name()).map_err(|e| problem_of(&e))?;
        let removed = match table {
            Table::Heads | Table::Outboxes | Table::Device => store.delete(&key),
            Table::Records | Table::ServerCopies => store.delete(&range),
        };
        removed.map_err(|e| problem_of(&e))?;
    }
    committed(&transaction).await
}

/// Asks the browser to keep the site's storage when the phone runs short of
/// space (`navigator.storage.persist()`), instead of clearing it with the
/// cache. Chromium grants it without asking to a site used often or
/// installed; refused, the store works the same.
pub fn ask_to_persist() {
    let storage = Reflect::get(&window().navigator(), &"storage".into()).unwrap_or(JsValue::UNDEFINED);
    if let Some(persist) = Reflect::get(&storage, &"persist".into()).ok().and_then(|f| f.dyn_into::<Function>().ok()) {
        let _ = persist.call0(&storage);
    }
}

/// How much of the site's storage is used, and by what, where the browser
/// says (`navigator.storage.estimate()`; Chromium gives the parts).
pub async fn storage_use() -> Option<StorageUse> {
    let storage = Reflect::get(&window().navigator(), &"storage".into()).ok()?;
    let estimate = Reflect::get(&storage, &"estimate".into()).ok()?.dyn_into::<Function>().ok()?;
    let promise: Promise = estimate.call0(&storage).ok()?.dyn_into().ok()?;
    let found = JsFuture::from(promise).await.ok()?;
    let number = |object: &JsValue, name: &str| Reflect::get(object, &name.into()).ok().and_then(|v| v.as_f64());
    let details = Reflect::get(&found, &"usageDetails".into()).unwrap_or(JsValue::UNDEFINED);
    Some(StorageUse {
        used: number(&found, "usage")?,
        quota: number(&found, "quota")?,
        photos: number(&details, "caches").unwrap_or(0.0),
        records: number(&details, "indexedDB").unwrap_or(0.0),
    })
}

/// The photos named in any stored row of anyone's store on this phone.
pub async fn photos_named(db: &IdbDatabase) -> Result<std::collections::BTreeSet<String>, StoreProblem> {
    let tables = [Table::Records, Table::ServerCopies, Table::Outboxes];
    let transaction = db
        .transaction_with_str_sequence_and_mode(&names(&tables), IdbTransactionMode::Readonly)
        .map_err(|e| problem_of(&e))?;
    let mut named = std::collections::BTreeSet::new();
    for table in tables {
        let store = transaction.object_store(table.name()).map_err(|e| problem_of(&e))?;
        let rows = done(&store.get_all().map_err(|e| problem_of(&e))?).await?;
        for row in rows.dyn_into::<Array>().map(|a| a.iter().collect::<Vec<_>>()).unwrap_or_default() {
            if let Some(text) = row.as_string() {
                crate::device::store::photos_named_in(&text, &mut named);
            }
        }
    }
    Ok(named)
}

/// Keeps `text` (the remembered account) under `key` of the device table, durably.
pub async fn keep_device(db: &IdbDatabase, key: &str, text: Option<&str>) -> Result<(), StoreProblem> {
    let change = match text {
        Some(value) => RowChange::Put { table: Table::Device, key: key.to_owned(), value: value.to_owned() },
        None => RowChange::Delete { table: Table::Device, key: key.to_owned() },
    };
    put(db, &[change]).await
}

/// What the device table keeps under `key`.
pub async fn device(db: &IdbDatabase, key: &str) -> Result<Option<String>, StoreProblem> {
    let transaction = db
        .transaction_with_str_and_mode(Table::Device.name(), IdbTransactionMode::Readonly)
        .map_err(|e| problem_of(&e))?;
    let store = transaction.object_store(Table::Device.name()).map_err(|e| problem_of(&e))?;
    Ok(done(&store.get(&JsValue::from_str(key)).map_err(|e| problem_of(&e))?).await?.as_string())
}
