//! The page's background sync, in the browser: edits go into the device
//! store at once, and the queue is pushed and changes pulled when the page
//! opens, when the browser comes online, shortly after an edit, when the page
//! comes back into view, every half minute while it is in view, and after a
//! failure on a growing, jittered timer (`schedule`). The rules and the
//! messages are `sawda_sync`'s; this module only moves them.
//!
//! One engine per page, for the person signed in now, kept here rather than
//! in signals because IndexedDB handles and timers are not `Send`. Opening
//! another person's store replaces the engine; answers still on their way to
//! the old one are dropped (each sync carries the engine's generation).
//! Edits change the replica at once and are written to IndexedDB one write
//! at a time (`save`); "saved" waits for the write. Other tabs hear of each
//! write on a `BroadcastChannel` and take it in; one tab at a time syncs
//! (a Web Lock).

use std::cell::RefCell;
use std::time::Duration;

use leptos::prelude::*;
use sawda_sync::protocol::{BatchSize, MAX_PULL_LIMIT};
use sawda_sync::{DeviceId, Fields, Kind, MutationId, Owner, PullResponse, PushResponse, Record, RecordId, Replica};
use serde_json::Value;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

use super::machine::{Ended, Machine};
use super::schedule::{AFTER_EDIT_MS, PULL_EVERY_MS};
use super::state::{PhotoState, Refusal, SyncState, lost_of};
use super::status::SyncStatus;
use crate::device::http::send;
use crate::device::indexed_db::{self, WriteProblem};
use crate::device::locks;
use crate::device::old_store;
use crate::device::store::{DeviceStore, HEADROOM_BYTES, HEADROOM_KEY, Room, StoreProblem, headroom};
use crate::device::uploads::{self, UploadFailure};
use crate::i18n::Language;
use crate::rules::photos::photos_of;
use crate::wire::AccountView;

struct Engine {
    store: DeviceStore,
    db: web_sys::IdbDatabase,
    /// Tells this person's other tabs of each write.
    channel: Option<web_sys::BroadcastChannel>,
    /// Which engine of this page (see [`GENERATION`]).
    generation: u64,
    /// A write to IndexedDB is under way; another follows if needed.
    writing: bool,
    state: SyncState,
    language: Language,
    /// When to sync, wait and stop.
    machine: Machine,
    timer: Option<TimeoutHandle>,
    /// Mutations per push: halved while the server cannot read a batch.
    batch: BatchSize,
    /// The server refused her photos with an answer that asking again will
    /// not change: they are not sent again until the page reloads, and the
    /// status says so instead of "retrying" for ever.
    photos_refused: bool,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// Counts engines opened on this page: work begun for an older one is dropped.
    static GENERATION: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
    static CLEANED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LISTENING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn with_engine<R>(f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
    ENGINE.with(|engine| engine.borrow_mut().as_mut().map(f))
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn random_bytes() -> [u8; 10] {
    let mut bytes = [0u8; 10];
    let filled = window().crypto().and_then(|crypto| crypto.get_random_values_with_u8_array(&mut bytes).map(|_| ()));
    if filled.is_err() {
        // Every browser that runs this wasm has crypto; this keeps ids unique regardless.
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes
}

fn online() -> bool {
    window().navigator().on_line()
}

/// Opens the store of `account` on this device and starts syncing it,
/// replacing the engine of anyone else.
pub fn open(state: SyncState, language: Language, account: &AccountView) {
    let Ok(owner) = account.id.parse::<Owner>() else {
        state.status.set(SyncStatus::Store(StoreProblem::Unreadable));
        return;
    };
    // Her engine already runs (she came back to the studio): it reports to this page now.
    let hers = with_engine(|e| {
        // A store another tab removed (signing out) is opened again, from the device.
        let removed = e.machine.stopped() == Some(SyncStatus::Store(StoreProblem::Removed));
        let hers = *e.store.replica().owner() == owner && !removed;
        if hers {
            (e.state, e.language) = (state, language);
            // Signed in again: her queue and cursor go on from where they stopped.
            e.machine.signed_in_again();
        }
        hers
    });
    if hers == Some(true) {
        state.loaded.set(true);
        publish(None);
        request_sync();
        return;
    }
    close();
    let generation = GENERATION.with(|g| g.get());
    // The state outlives views (and accounts): nothing of the last store shows.
    state.loaded.set(false);
    state.refused.set(Vec::new());
    state.photos.set(Vec::new());
    state.status.set(SyncStatus::Opening);
    leptos::task::spawn_local(async move {
        let opened = open_store(&owner).await;
        if GENERATION.with(|g| g.get()) != generation {
            return;
        }
        let (db, store) = match opened {
            Ok(opened) => opened,
            Err(problem) => {
                state.status.set(SyncStatus::Store(problem));
                return;
            }
        };
        let channel = web_sys::BroadcastChannel::new(&channel_name(&owner)).ok();
        if let Some(channel) = &channel {
            let heard = Closure::<dyn FnMut()>::new(move || take_in_other_tab(generation));
            channel.set_onmessage(Some(heard.as_ref().unchecked_ref()));
            heard.forget();
        }
        ENGINE.with(|engine| {
            *engine.borrow_mut() = Some(Engine {
                store,
                db,
                channel,
                generation,
                writing: false,
                state,
                language,
                machine: Machine::default(),
                timer: None,
                batch: BatchSize::default(),
                photos_refused: false,
            });
        });
        // Her records are on the page's fields before anything else is awaited
        // (the status stays "opening" until the engine has started syncing).
        state.revision.update(|n| *n += 1);
        state.loaded.set(true);
        // Photos kept here since an earlier visit count as not sent until
        // the server says it has them: "All saved" waits for them. Those it
        // was seen to have are not "only on this phone" after a reload with
        // no signal; the next sync asks about them all the same.
        let named: Vec<String> =
            with_engine(|e| e.store.replica().records().flat_map(photos_of).collect()).unwrap_or_default();
        for hash in named {
            if state.photo_state(&hash).is_none()
                && crate::device::photos::is_kept(&hash).await
                && !crate::device::photos::was_sent(&hash).await
            {
                state.set_photo_state(&hash, PhotoState::OnPhone);
            }
        }
        if GENERATION.with(|g| g.get()) != generation {
            return;
        }
        // Opening moved the clock and sealed the queue: stored at once.
        save();
        listen_once();
        publish(None);
        request_sync();
    });
}

/// Stops the engine (signing out, or another person's opening): work still
/// under way for it is dropped when it ends.
pub fn close() {
    GENERATION.with(|g| g.set(g.get() + 1));
    let closed = ENGINE.with(|engine| engine.borrow_mut().take());
    if let Some(engine) = closed {
        if let Some(timer) = engine.timer {
            timer.clear();
        }
        if let Some(channel) = engine.channel {
            channel.close();
        }
    }
}

/// Someone signed in on this page: another person's engine stops.
pub fn signed_in(account: &AccountView) {
    let theirs = with_engine(|e| e.store.replica().owner().as_str() != account.id).unwrap_or(false);
    if theirs {
        close();
    }
}

/// The store of `owner` from IndexedDB, moving in a store of the previous
/// release from local storage first (deleted only once moved and verified).
async fn open_store(owner: &Owner) -> Result<(web_sys::IdbDatabase, DeviceStore), StoreProblem> {
    let db = indexed_db::open().await?;
    indexed_db::ask_to_persist();
    old_store::move_in(&db, owner).await?;
    let stored = indexed_db::load(&db, owner).await?;
    let mut store = DeviceStore::open(owner.clone(), stored, now_ms(), || DeviceId::new(now_ms(), random_bytes()));
    if !keep_room(&db).await {
        store.failed(StoreProblem::Full);
    }
    Ok((db, store))
}

/// Makes sure the room kept for sync is on the device; whether it is.
async fn keep_room(db: &web_sys::IdbDatabase) -> bool {
    match indexed_db::device(db, HEADROOM_KEY).await {
        Ok(Some(_)) => true,
        Ok(None) => indexed_db::keep_device(db, HEADROOM_KEY, Some(&headroom())).await.is_ok(),
        Err(_) => false,
    }
}

fn channel_name(owner: &Owner) -> String {
    format!("sawda.store.{owner}")
}

/// Writes what changed to IndexedDB, one write at a time. A write made from
/// a copy another tab has since replaced is not written: that tab's copy is
/// taken in and the merge written. A failed write (storage full) undoes the
/// changes since the last one in memory too, and says so.
fn save() {
    let Some((generation, db, owner)) = with_engine(|e| {
        if e.writing {
            return None;
        }
        e.writing = true;
        Some((e.generation, e.db.clone(), e.store.replica().owner().clone()))
    })
    .flatten() else {
        return;
    };
    leptos::task::spawn_local(async move {
        let current = || GENERATION.with(|g| g.get()) == generation;
        while current() {
            let Some(write) = with_engine(|e| e.store.write()).flatten() else { break };
            match indexed_db::commit(&db, &owner, &write).await {
                _ if !current() => return,
                Ok(()) => {
                    with_engine(|e| {
                        e.store.written(write);
                        if let Some(channel) = &e.channel {
                            let _ = channel.post_message(&JsValue::TRUE);
                        }
                    });
                }
                Err(WriteProblem::Behind) => {
                    if !take_in_from(&db, &owner, generation).await {
                        break;
                    }
                }
                Err(WriteProblem::Store(problem)) => {
                    let give_up = with_engine(|e| {
                        e.writing = false;
                        e.store.failed(problem)
                    });
                    if give_up == Some(true) {
                        // Sync's next writes take the room it kept; new edits wait.
                        let _ = indexed_db::keep_device(&db, HEADROOM_KEY, None).await;
                        request_sync();
                    }
                    // What she typed stays in the field, to type again once there is room.
                    show(Some(SyncStatus::Store(problem)));
                    measure_storage();
                    return;
                }
            }
        }
        with_engine(|e| e.writing = false);
        show(None);
        measure_storage();
    });
}

/// Once a page, after a sync: photos no stored row names any more leave the
/// phone (see `photos::clean`); stores of the previous release not moved in
/// yet (another person's) count too.
fn clean_photos_once(db: web_sys::IdbDatabase) {
    if CLEANED.with(|cleaned| cleaned.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        let Ok(mut named) = indexed_db::photos_named(&db).await else { return };
        old_store::photos_named(&mut named);
        if let Ok(removed) = crate::device::photos::clean(&named).await
            && removed > 0
        {
            measure_storage();
        }
    });
}

/// Measures the site's storage for the studio's notice; once the room kept
/// for sync was given up, tries to keep it again when there seems to be room.
fn measure_storage() {
    let Some((state, room, db, generation)) = with_engine(|e| (e.state, e.store.room(), e.db.clone(), e.generation))
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        let measured = indexed_db::storage_use().await;
        if state.storage.get_untracked() != measured {
            state.storage.set(measured);
        }
        let seems_free = measured.is_none_or(|m| m.quota - m.used > 2.0 * HEADROOM_BYTES as f64);
        if room == Room::GivenUp && seems_free && keep_room(&db).await {
            with_current(generation, |e| e.store.room_kept());
            show(None);
        }
    });
}

/// Another tab wrote: its copy is read and taken in.
fn take_in_other_tab(generation: u64) {
    let Some((db, owner)) = with_engine(|e| (e.db.clone(), e.store.replica().owner().clone())) else { return };
    leptos::task::spawn_local(async move {
        take_in_from(&db, &owner, generation).await;
    });
}

/// Reads the stored copy and merges it in; whether that went well.
async fn take_in_from(db: &web_sys::IdbDatabase, owner: &Owner, generation: u64) -> bool {
    let loaded = indexed_db::load(db, owner).await;
    if GENERATION.with(|g| g.get()) != generation {
        return false;
    }
    let taken = match loaded {
        Ok(Some((theirs, revision))) => with_engine(|e| e.store.take_in(theirs, revision)),
        // Another tab signed out: the store left the device.
        Ok(None) => Some(Err(StoreProblem::Removed)),
        Err(problem) => Some(Err(problem)),
    };
    match taken {
        Some(Ok(_)) => {
            publish(None);
            save();
            true
        }
        Some(Err(problem)) => {
            if problem == StoreProblem::Removed {
                with_engine(|e| e.machine.removed());
            }
            publish(Some(SyncStatus::Store(problem)));
            false
        }
        None => false,
    }
}

/// Signals follow the store. Set outside the engine's borrow, so that
/// anything they wake may read the store. Fields are re-read only after a
/// change that went into the store: after a refused one, what she typed
/// stays in the field for her to try again.
fn publish(status: Option<SyncStatus>) {
    show(status);
    if let Some(state) = with_engine(|e| e.state) {
        state.revision.update(|n| *n += 1);
    }
}

/// Like [`publish`], without re-reading the fields.
fn show(status: Option<SyncStatus>) {
    let Some((state, waiting, refused, stopped, unsaved, full, photos_refused)) = with_engine(|e| {
        let replica = e.store.replica();
        let refused: Vec<Refusal> = replica.outbox().refused().iter().flat_map(refusals_of).collect();
        let stopped = e.machine.stopped();
        (e.state, replica.outbox().len(), refused, stopped, e.store.unsaved(), !e.store.takes_edits(), e.photos_refused)
    }) else {
        return;
    };
    // While new edits wait for room, the studio says so whatever sync does.
    let full = full.then_some(SyncStatus::Store(StoreProblem::Full));
    let status = stopped
        .or(full)
        .or(status)
        .unwrap_or_else(|| if online() { SyncStatus::settled(waiting) } else { SyncStatus::Offline(waiting) });
    // "All saved" waits for the photos kept here that the server may lack.
    let status = match status {
        SyncStatus::AllSaved => match photos_to_send(state) {
            0 => SyncStatus::AllSaved,
            n if photos_refused => SyncStatus::PhotosRefused(n),
            n => SyncStatus::Sending(n),
        },
        status => status,
    };
    // "Saved on this phone" (and "all saved") wait for the write to complete.
    let status = match status {
        SyncStatus::AllSaved | SyncStatus::Waiting(_) | SyncStatus::Offline(_) if unsaved => SyncStatus::Saving,
        status => status,
    };
    state.status.set(status);
    if state.refused.get_untracked() != refused {
        state.refused.set(refused);
    }
}

/// Photos her records point at that are kept here and not yet known to be on the server.
fn photos_to_send(state: SyncState) -> usize {
    let named: std::collections::BTreeSet<String> =
        with_engine(|e| e.store.replica().records().flat_map(photos_of).collect()).unwrap_or_default();
    named
        .iter()
        .filter(|hash| {
            matches!(
                state.photo_state(hash),
                Some(PhotoState::OnPhone | PhotoState::Uploading(_) | PhotoState::NoRoomOnServer)
            )
        })
        .count()
}

/// What the page shows of one refused mutation: one line per refused field,
/// or one for the whole.
fn refusals_of(refused: &sawda_sync::outbox::Refused) -> Vec<Refusal> {
    let m = &refused.mutation;
    refused
        .reasons
        .iter()
        .map(|reason| Refusal {
            mutation: m.id.to_string(),
            kind: Some(m.kind),
            field: reason.field.clone(),
            code: reason.code,
            typed: match (&m.action, &reason.field) {
                (sawda_sync::Action::Set(fields), Some(field)) => fields.get(field).cloned(),
                _ => None,
            },
            kept: m.is_resend(),
        })
        .collect()
}

fn waiting() -> usize {
    with_engine(|e| e.store.replica().outbox().len()).unwrap_or(0)
}

/// A field of a record as stored here.
pub fn field(record: RecordId, field: &str) -> Option<Value> {
    with_engine(|e| e.store.replica().record(record)?.get(field).cloned()).flatten()
}

pub fn only_here(record: RecordId) -> bool {
    with_engine(|e| e.store.replica().is_only_here(record)).unwrap_or(false)
}

pub fn lost_here(record: RecordId, field: &str) -> Option<Value> {
    with_engine(|e| {
        let replica = e.store.replica();
        lost_of(replica.record(record)?, field, replica.device()).cloned()
    })
    .flatten()
}

/// `view` of each record of `kind` on this device that is not deleted.
pub fn records<T>(kind: Kind, view: impl FnMut(&Record) -> T) -> Vec<T> {
    with_engine(|e| e.store.replica().records().filter(|r| r.kind() == kind && !r.is_deleted()).map(view).collect())
        .unwrap_or_default()
}

/// `change` made by her, when the device has room to save it and she is
/// signed in: otherwise nothing changes and the studio says why (what she
/// typed stays in the field).
fn edit<R>(change: impl FnOnce(&mut Replica) -> R) -> Option<R> {
    // Signed out, the studio is read-only: nothing is changed under another session.
    let edited = with_engine(|e| {
        let stopped = matches!(e.machine.stopped(), Some(SyncStatus::SignedOut(_) | SyncStatus::Store(_)));
        (e.store.takes_edits() && !stopped).then(|| e.store.update(change))
    });
    if matches!(edited, Some(None)) {
        show(None);
    }
    edited.flatten()
}

/// Saves fields of a record on the device (creating it if needed), then syncs shortly.
pub fn put(kind: Kind, record: RecordId, fields: Fields) {
    let edited = edit(|replica| replica.put(record, kind, fields, now_ms(), random_bytes()));
    settle_edit(edited.map(|edited| edited.map(|_| ())));
}

/// Starts a record on the device; its id, or none when it could not be made.
pub fn create(kind: Kind, fields: Fields) -> Option<RecordId> {
    let edited = edit(|replica| replica.create(kind, fields, now_ms(), random_bytes()));
    let id = edited.as_ref().and_then(|edited| edited.as_ref().ok()).copied();
    settle_edit(edited.map(|edited| edited.map(|_| ())));
    id
}

pub fn delete(record: RecordId) {
    let edited = edit(|replica| replica.delete(record, now_ms(), random_bytes()));
    settle_edit(edited.map(|edited| edited.map(|_| ())));
}

/// After an edit: written to the device, shown, and synced soon; or why the
/// device's own check (the same as the server's: a value too long) refused it.
fn settle_edit(edited: Option<Result<(), sawda_sync::Rejection>>) {
    match edited {
        None => {}
        Some(Ok(())) => {
            save();
            publish(None);
            sync_after(AFTER_EDIT_MS);
        }
        Some(Err(rejection)) => {
            if let Some(state) = with_engine(|e| e.state) {
                state.refused.update(|refused| {
                    refused.push(Refusal {
                        mutation: format!("local-{}", now_ms()),
                        kind: None,
                        field: rejection.field.clone(),
                        code: rejection.code,
                        typed: None,
                        kept: false,
                    });
                });
            }
        }
    }
}

pub fn dismiss(mutation: &str) {
    let Ok(id) = mutation.parse::<MutationId>() else { return };
    if edit(|replica| replica.dismiss(id)).is_none() {
        return;
    }
    save();
    publish(None);
}

pub fn put_back(mutation: &str, field: &str) {
    let Ok(id) = mutation.parse::<MutationId>() else { return };
    let edited = edit(|replica| replica.put_back(id, field, now_ms(), random_bytes()));
    settle_edit(edited.map(|edited| edited.map(|_| ())));
}

/// Syncs in `ms`, unless a sync is asked for sooner.
fn sync_after(ms: u32) {
    let handle = set_timeout_with_handle(request_sync, Duration::from_millis(u64::from(ms))).ok();
    let old = with_engine(|e| std::mem::replace(&mut e.timer, handle)).flatten();
    if let Some(old) = old {
        old.clear();
    }
}

/// Starts a sync now, or once more after the one running.
pub fn request_sync() {
    let start = with_engine(|e| {
        if e.machine.stopped().is_none()
            && let Some(timer) = e.timer.take()
        {
            timer.clear();
        }
        e.machine.request()
    });
    if start == Some(true)
        && let Some(generation) = with_engine(|e| e.generation)
    {
        leptos::task::spawn_local(run(generation));
    }
}

enum Failure {
    NoAnswer,
    Server,
    /// Sawda's own 400 or 413 to a push: the server cannot read the batch.
    Unreadable(String),
    /// 401, or 403 `wrong_account` (another person is signed in on this
    /// browser): stop, keeping the queue and the cursor.
    SignedOut,
    NeedsReload,
    /// Another person's engine took this one's place.
    Replaced,
}

async fn run(generation: u64) {
    loop {
        let outcome = sync_one_tab(generation).await;
        let mut status = None;
        let mut retry_in = None;
        let again = with_current(generation, |e| {
            let waiting = e.store.replica().outbox().len();
            let ended = match outcome {
                Ok(()) => Ended::Done,
                Err(Failure::NoAnswer | Failure::Server | Failure::Unreadable(_)) => {
                    status = Some(if online() { SyncStatus::Retrying(waiting) } else { SyncStatus::Offline(waiting) });
                    Ended::Failed
                }
                Err(Failure::SignedOut) => Ended::SignedOut,
                Err(Failure::NeedsReload) => Ended::NeedsReload,
                Err(Failure::Replaced) => return false,
            };
            let next = e.machine.ended(ended, waiting, js_sys::Math::random());
            retry_in = next.retry_in;
            next.again
        });
        let Some(again) = again else {
            // Another person's engine now: nothing of this one is shown.
            return;
        };
        match status {
            Some(_) => show(status),
            None => publish(None),
        }
        if let Some(ms) = retry_in {
            sync_after(ms);
        }
        if !again {
            break;
        }
    }
}

/// One sync, by one tab at a time: while another tab of this person syncs
/// (it holds the Web Lock), this one does not; what that tab writes reaches
/// this one on the channel.
async fn sync_one_tab(generation: u64) -> Result<(), Failure> {
    let Some(owner) = with_current(generation, |e| e.store.replica().owner().clone()) else {
        return Err(Failure::Replaced);
    };
    let outcome = std::rc::Rc::new(RefCell::new(None));
    let work = {
        let outcome = outcome.clone();
        async move {
            *outcome.borrow_mut() = Some(sync_once(generation).await);
            Ok(JsValue::TRUE)
        }
    };
    let held = locks::hold(&format!("sawda.sync.{owner}"), true, work).await;
    match (held, outcome.borrow_mut().take()) {
        (_, Some(outcome)) => outcome,
        // Another tab syncs now.
        (None, None) => Ok(()),
        (Some(_), None) => Err(Failure::Server),
    }
}

/// Changes the store of engine `generation` and writes it; an engine since
/// replaced (another person signed in) ends the sync, its answer dropped.
fn update<R>(generation: u64, change: impl FnOnce(&mut Replica) -> R) -> Result<R, Failure> {
    let result = with_current(generation, |e| e.store.update(change)).ok_or(Failure::Replaced)?;
    save();
    Ok(result)
}

/// `f` on the engine, if it is still engine `generation`.
fn with_current<R>(generation: u64, f: impl FnOnce(&mut Engine) -> R) -> Option<R> {
    with_engine(|e| (e.generation == generation).then(|| f(e))).flatten()
}

fn language() -> crate::i18n::Lang {
    with_engine(|e| e.language.get_untracked()).unwrap_or(crate::i18n::Lang::DEFAULT)
}

async fn exchange(method: &str, path: &str, body: Option<String>) -> Result<String, Failure> {
    let (status, text) = send(language(), method, path, body).await.map_err(|_| Failure::NoAnswer)?;
    match status {
        200 => Ok(text),
        401 => Err(Failure::SignedOut),
        // Another person signed in on this browser (`SyncError::WrongAccount`).
        403 if text.contains("wrong_account") => Err(Failure::SignedOut),
        400 | 413 if super::machine::push_unreadable(status, &text) => Err(Failure::Unreadable(text)),
        // The protocol's "please reload" (`SyncError::VersionMismatch`).
        409 => Err(Failure::NeedsReload),
        _ => Err(Failure::Server),
    }
}

/// Pushes everything queued, then pulls until the server has nothing more.
async fn sync_once(generation: u64) -> Result<(), Failure> {
    // Bounded, in case a broken server never confirms anything.
    for _ in 0..100 {
        let limits = with_current(generation, |e| e.batch.limits()).ok_or(Failure::Replaced)?;
        let Some(request) = update(generation, |replica| replica.push_request(limits))? else {
            break;
        };
        show(Some(SyncStatus::Sending(waiting())));
        let body = serde_json::to_string(&request).map_err(|_| Failure::Server)?;
        let text = match exchange("POST", "/api/v1/sync/push", Some(body)).await {
            Ok(text) => text,
            // One mutation the server cannot read must not hold up the rest.
            Err(Failure::Unreadable(message)) => {
                let alone = with_current(generation, |e| e.batch.unreadable(request.mutations.len())).unwrap_or(false);
                if alone {
                    update(generation, |replica| replica.refuse_unreadable(request.mutations[0].id, &message))?;
                    publish(None);
                }
                continue;
            }
            Err(failure) => return Err(failure),
        };
        let response: PushResponse = serde_json::from_str(&text).map_err(|_| Failure::Server)?;
        update(generation, |replica| replica.receive_push(&response))?;
        with_current(generation, |e| e.batch.answered());
        publish(None);
    }
    for _ in 0..1_000 {
        let request =
            with_current(generation, |e| e.store.replica().pull_request(MAX_PULL_LIMIT)).ok_or(Failure::Replaced)?;
        let path = format!(
            "/api/v1/sync/pull?version={}&account={}&cursor={}&limit={}",
            request.version, request.account, request.cursor, request.limit
        );
        let text = exchange("GET", &path, None).await?;
        let response: PullResponse = serde_json::from_str(&text).map_err(|_| Failure::Server)?;
        let more = response.more;
        let taken = update(generation, |replica| replica.receive_pull(response))?;
        for problem in &taken.problems {
            leptos::logging::warn!("sync: {problem}");
        }
        publish(None);
        if taken.pull_again {
            // A restored server: what this phone holds is queued again; send it.
            with_current(generation, |e| e.machine.request());
        }
        if !more && !taken.pull_again {
            break;
        }
    }
    let (hashes, state, refused) = with_current(generation, |e| {
        let hashes: Vec<String> = e.store.replica().records().flat_map(photos_of).collect();
        (hashes, e.state, e.photos_refused)
    })
    .ok_or(Failure::Replaced)?;
    if refused {
        return Ok(());
    }
    let mut unique = hashes;
    unique.sort();
    unique.dedup();
    // Photos this page already saw uploaded are not asked about again every half minute.
    unique.retain(|hash| state.photo_state(hash) != Some(PhotoState::Uploaded));
    // Photos still to send count as changes being sent: "All saved" waits for them.
    let show_photo = |hash: &str, photo: PhotoState| {
        state.set_photo_state(hash, photo);
        let sending = unique
            .iter()
            .filter(|h| {
                matches!(
                    state.photo_state(h),
                    Some(PhotoState::OnPhone | PhotoState::Uploading(_) | PhotoState::NoRoomOnServer)
                )
            })
            .count();
        if sending > 0 {
            show(Some(SyncStatus::Sending(sending)));
        }
    };
    match uploads::upload(language(), unique.clone(), show_photo).await {
        Ok(()) => {}
        Err(UploadFailure::NoAnswer) => return Err(Failure::NoAnswer),
        Err(UploadFailure::SignedOut) => return Err(Failure::SignedOut),
        // Her photo's line says what to do; sync tries again later, as after any refusal of the server.
        Err(UploadFailure::Server | UploadFailure::NoRoom) => return Err(Failure::Server),
        Err(UploadFailure::Refused(status)) => {
            leptos::logging::warn!("sync: the server answered {status} to her photos; not sent again on this page");
            with_current(generation, |e| e.photos_refused = true);
            show(None);
        }
    }
    if let Some(db) = with_current(generation, |e| e.db.clone()) {
        clean_photos_once(db);
    }
    Ok(())
}

/// The browser's signals, listened to once per page.
fn listen_once() {
    if LISTENING.with(|listening| listening.replace(true)) {
        return;
    }
    // Handles are kept for the page's life: the engine lives as long.
    std::mem::forget(window_event_listener(leptos::ev::online, |_| request_sync()));
    std::mem::forget(window_event_listener(leptos::ev::offline, |_| show(None)));
    std::mem::forget(window_event_listener_untyped("visibilitychange", |_| {
        if !document().hidden() {
            request_sync();
        }
    }));
    let _ = set_interval_with_handle(
        || {
            if !document().hidden() {
                request_sync();
            }
        },
        Duration::from_millis(u64::from(PULL_EVERY_MS)),
    );
}
