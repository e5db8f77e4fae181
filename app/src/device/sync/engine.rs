//! The page's background sync, in the browser: edits go into the device
//! store at once, and the queue is pushed and changes pulled when the page
//! opens, when the browser comes online, shortly after an edit, when the page
//! comes back into view, every half minute while it is in view, and after a
//! failure on a growing, jittered timer (`schedule`). The rules and the
//! messages are `sawda_sync`'s; this module only moves them.
//!
//! The store is this tab's: one engine per page, kept here rather than in
//! signals because local storage and timers are not `Send`.

use std::cell::RefCell;
use std::time::Duration;

use leptos::prelude::*;
use sawda_sync::protocol::{BatchSize, MAX_PULL_LIMIT};
use sawda_sync::{DeviceId, Fields, Kind, MutationId, Owner, PullResponse, PushResponse, Record, RecordId, Replica};
use serde_json::Value;

use super::schedule::{AFTER_EDIT_MS, PULL_EVERY_MS, retry_delay_ms};
use super::{PhotoState, Refusal, SyncState, SyncStatus};
use crate::device::http::{AccountView, send};
use crate::device::local_storage::LocalStorageSlot;
use crate::device::store::{DeviceStore, StoreProblem, key_for};
use crate::device::uploads::{self, UploadFailure};
use crate::i18n::Language;
use crate::rules::photos::photos_of;

struct Engine {
    store: DeviceStore<LocalStorageSlot>,
    key: String,
    state: SyncState,
    language: Language,
    running: bool,
    /// Something changed during a sync: run once more when it ends.
    again: bool,
    failures: u32,
    timer: Option<TimeoutHandle>,
    /// Syncing stopped until the page is reloaded or the person signs in.
    stopped: Option<SyncStatus>,
    /// Mutations per push: halved while the server cannot read a batch.
    batch: BatchSize,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
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

/// Opens the store of `account` on this device and starts syncing it.
pub fn open(state: SyncState, language: Language, account: &AccountView) {
    let Ok(owner) = account.id.parse::<Owner>() else {
        state.status.set(SyncStatus::Store(StoreProblem::Unreadable));
        return;
    };
    let key = key_for(&owner);
    let opened = LocalStorageSlot::new(key.clone())
        .and_then(|slot| DeviceStore::open(slot, owner.clone(), || DeviceId::new(now_ms(), random_bytes())));
    let store = match opened {
        Ok(store) => store,
        Err(problem) => {
            state.status.set(SyncStatus::Store(problem));
            return;
        }
    };
    ENGINE.with(|engine| {
        *engine.borrow_mut() = Some(Engine {
            store,
            key,
            state,
            language,
            running: false,
            again: false,
            failures: 0,
            timer: None,
            stopped: None,
            batch: BatchSize::default(),
        })
    });
    // The copy on disk may be older than stamps this browser already issued.
    let _ = with_engine(|e| e.store.update(|replica| replica.opened(now_ms())));
    listen_once();
    publish(None);
    request_sync();
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
    let Some((state, waiting, refused, stopped)) = with_engine(|e| {
        let replica = e.store.replica();
        let refused: Vec<Refusal> = replica.outbox().refused().iter().flat_map(refusals_of).collect();
        (e.state, replica.outbox().len(), refused, e.stopped)
    }) else {
        return;
    };
    let status = stopped
        .or(status)
        .unwrap_or_else(|| if online() { SyncStatus::settled(waiting) } else { SyncStatus::Offline(waiting) });
    state.status.set(status);
    if state.refused.get_untracked() != refused {
        state.refused.set(refused);
    }
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

/// `view` of each record of `kind` on this device that is not deleted.
pub fn records<T>(kind: Kind, view: impl FnMut(&Record) -> T) -> Vec<T> {
    with_engine(|e| e.store.replica().records().filter(|r| r.kind() == kind && !r.is_deleted()).map(view).collect())
        .unwrap_or_default()
}

/// Saves fields of a record on the device (creating it if needed), then syncs shortly.
pub fn put(kind: Kind, record: RecordId, fields: Fields) {
    let saved = with_engine(|e| e.store.update(|replica| replica.put(record, kind, fields, now_ms(), random_bytes())));
    settle_edit(saved.map(|saved| saved.map(|edited| edited.map(|_| ()))));
}

/// Starts a record on the device; its id, or none when it could not be saved.
pub fn create(kind: Kind, fields: Fields) -> Option<RecordId> {
    let saved = with_engine(|e| e.store.update(|replica| replica.create(kind, fields, now_ms(), random_bytes())));
    let id = saved.as_ref().and_then(|s| s.as_ref().ok()).and_then(|s| s.as_ref().ok()).copied();
    settle_edit(saved.map(|saved| saved.map(|edited| edited.map(|_| ()))));
    id
}

pub fn delete(record: RecordId) {
    let saved = with_engine(|e| e.store.update(|replica| replica.delete(record, now_ms(), random_bytes())));
    settle_edit(saved.map(|saved| saved.map(|edited| edited.map(|_| ()))));
}

/// After an edit: shown and synced soon, or why it was not saved.
fn settle_edit(saved: Option<Result<Result<(), sawda_sync::Rejection>, StoreProblem>>) {
    match saved {
        None => {}
        Some(Ok(Ok(()))) => {
            publish(None);
            sync_after(AFTER_EDIT_MS);
        }
        // The device's own check, the same as the server's (a value too long).
        Some(Ok(Err(rejection))) => {
            if let Some(state) = with_engine(|e| e.state) {
                state.refused.update(|refused| {
                    refused.push(Refusal {
                        mutation: format!("local-{}", now_ms()),
                        kind: None,
                        field: rejection.field.clone(),
                        code: rejection.code,
                        typed: None,
                    })
                });
            }
        }
        Some(Err(problem)) => show(Some(SyncStatus::Store(problem))),
    }
}

pub fn dismiss(mutation: &str) {
    let Ok(id) = mutation.parse::<MutationId>() else { return };
    let _ = with_engine(|e| e.store.update(|replica| replica.dismiss(id)));
}

pub fn put_back(mutation: &str, field: &str) {
    let Ok(id) = mutation.parse::<MutationId>() else { return };
    let saved = with_engine(|e| e.store.update(|replica| replica.put_back(id, field, now_ms(), random_bytes())));
    settle_edit(saved.map(|saved| saved.map(|edited| edited.map(|_| ()))));
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
        if e.stopped.is_some() {
            return false;
        }
        if let Some(timer) = e.timer.take() {
            timer.clear();
        }
        if e.running {
            e.again = true;
            return false;
        }
        e.running = true;
        e.again = false;
        true
    });
    if start == Some(true) {
        leptos::task::spawn_local(run());
    }
}

enum Failure {
    NoAnswer,
    Server,
    /// 400 or 413 to a push: the server cannot read the batch.
    Unreadable(String),
    /// 401, or 403 `wrong_account` (another person is signed in on this
    /// browser): stop, keeping the queue and the cursor.
    SignedOut,
    NeedsReload,
    Store(StoreProblem),
}

async fn run() {
    loop {
        let outcome = sync_once().await;
        let mut status = None;
        let mut retry_in = None;
        let again = with_engine(|e| {
            match outcome {
                Ok(()) => e.failures = 0,
                Err(Failure::NoAnswer) | Err(Failure::Server) | Err(Failure::Unreadable(_)) => {
                    e.failures += 1;
                    retry_in = Some(retry_delay_ms(e.failures, js_sys::Math::random()));
                    let waiting = e.store.replica().outbox().len();
                    status = Some(if online() { SyncStatus::Retrying(waiting) } else { SyncStatus::Offline(waiting) });
                }
                Err(Failure::SignedOut) => e.stopped = Some(SyncStatus::SignedOut(e.store.replica().outbox().len())),
                Err(Failure::NeedsReload) => {
                    e.stopped = Some(SyncStatus::NeedsReload(e.store.replica().outbox().len()))
                }
                Err(Failure::Store(StoreProblem::Removed)) => {
                    e.stopped = Some(SyncStatus::Store(StoreProblem::Removed))
                }
                Err(Failure::Store(problem)) => status = Some(SyncStatus::Store(problem)),
            }
            let again = e.again && retry_in.is_none() && e.stopped.is_none();
            e.again = false;
            e.running = again;
            again
        });
        match status {
            Some(_) => show(status),
            None => publish(None),
        }
        if let Some(ms) = retry_in {
            sync_after(ms);
        }
        if again != Some(true) {
            break;
        }
    }
}

/// Changes the store; a failed write ends the sync.
fn update<R>(change: impl FnOnce(&mut Replica) -> R) -> Result<R, Failure> {
    with_engine(|e| e.store.update(change)).ok_or(Failure::Store(StoreProblem::Removed))?.map_err(Failure::Store)
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
        400 | 413 => Err(Failure::Unreadable(text)),
        // The protocol's "please reload" (`SyncError::VersionMismatch`).
        409 => Err(Failure::NeedsReload),
        _ => Err(Failure::Server),
    }
}

/// Pushes everything queued, then pulls until the server has nothing more.
async fn sync_once() -> Result<(), Failure> {
    // Bounded, in case a broken server never confirms anything.
    for _ in 0..100 {
        let limits = with_engine(|e| e.batch.limits()).ok_or(Failure::Store(StoreProblem::Removed))?;
        let Some(request) = update(|replica| replica.push_request(limits))? else {
            break;
        };
        show(Some(SyncStatus::Sending(waiting())));
        let body = serde_json::to_string(&request).map_err(|_| Failure::Server)?;
        let text = match exchange("POST", "/api/v1/sync/push", Some(body)).await {
            Ok(text) => text,
            // One mutation the server cannot read must not hold up the rest.
            Err(Failure::Unreadable(message)) => {
                let alone = with_engine(|e| e.batch.unreadable(request.mutations.len())).unwrap_or(false);
                if alone {
                    update(|replica| replica.refuse_unreadable(request.mutations[0].id, &message))?;
                    publish(None);
                }
                continue;
            }
            Err(failure) => return Err(failure),
        };
        let response: PushResponse = serde_json::from_str(&text).map_err(|_| Failure::Server)?;
        update(|replica| replica.receive_push(&response))?;
        with_engine(|e| e.batch.answered());
        publish(None);
    }
    for _ in 0..1_000 {
        let request = with_engine(|e| e.store.replica().pull_request(MAX_PULL_LIMIT))
            .ok_or(Failure::Store(StoreProblem::Removed))?;
        let path = format!(
            "/api/v1/sync/pull?version={}&account={}&cursor={}&limit={}",
            request.version, request.account, request.cursor, request.limit
        );
        let text = exchange("GET", &path, None).await?;
        let response: PullResponse = serde_json::from_str(&text).map_err(|_| Failure::Server)?;
        let more = response.more;
        let taken = update(|replica| replica.receive_pull(response))?;
        for problem in &taken.problems {
            leptos::logging::warn!("sync: {problem}");
        }
        publish(None);
        if taken.pull_again {
            // A restored server: what this phone holds is queued again; send it.
            with_engine(|e| e.again = true);
        }
        if !more && !taken.pull_again {
            break;
        }
    }
    let (hashes, state) = with_engine(|e| {
        let hashes: Vec<String> = e.store.replica().records().flat_map(photos_of).collect();
        (hashes, e.state)
    })
    .ok_or(Failure::Store(StoreProblem::Removed))?;
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
            .filter(|h| matches!(state.photo_state(h), Some(PhotoState::OnPhone | PhotoState::Uploading(_))))
            .count();
        if sending > 0 {
            show(Some(SyncStatus::Sending(sending)));
        }
    };
    uploads::upload(language(), unique.clone(), show_photo).await.map_err(|failure| match failure {
        UploadFailure::NoAnswer => Failure::NoAnswer,
        UploadFailure::SignedOut => Failure::SignedOut,
        UploadFailure::Server => Failure::Server,
    })?;
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
    std::mem::forget(window_event_listener(leptos::ev::storage, |event| {
        let ours = with_engine(|e| event.key().as_deref() == Some(e.key.as_str())).unwrap_or(false);
        if !ours {
            return;
        }
        let new_value = event.new_value();
        match with_engine(|e| e.store.take_in(new_value.as_deref())) {
            Some(Err(StoreProblem::Removed)) => {
                with_engine(|e| e.stopped = Some(SyncStatus::Store(StoreProblem::Removed)));
                publish(None);
            }
            Some(Err(problem)) => show(Some(SyncStatus::Store(problem))),
            Some(Ok(_)) => publish(None),
            None => {}
        }
    }));
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
