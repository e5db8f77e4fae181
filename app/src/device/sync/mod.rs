//! The background sync, as the journeys see it: a [`SyncState`] to show
//! (status, refused edits, photo states, and a revision that moves whenever
//! the store changes), and generic access to the records on this device
//! (`field`, `records`, `put`, `create`, `delete`). It knows records and kinds,
//! never a journey's view: the studio, and later the order inbox or the ad
//! studio, each build their own view model from these.
//!
//! In the browser these go to the one engine of the page (`engine`); on the
//! server they answer as an empty device, so callers need no `cfg`.

pub mod machine;
pub mod schedule;
pub mod state;
pub mod status;

#[cfg(feature = "hydrate")]
mod engine;

use leptos::prelude::*;
use sawda_sync::{Fields, Kind, Record, RecordId};
use serde_json::Value;

pub use state::{PhotoState, Refusal, StorageUse, SyncState, megabytes};
pub use status::SyncStatus;

#[cfg(feature = "hydrate")]
pub use engine::{close, open, request_sync, signed_in};

/// [`state::lost_of`] for a record on this device.
pub fn lost_here(record: RecordId, field: &str) -> Option<Value> {
    #[cfg(feature = "hydrate")]
    {
        engine::lost_here(record, field)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (record, field);
        None
    }
}

/// The server refused this record back after a restore: it is kept only on
/// this device (`Replica::only_here`).
pub fn only_here(record: RecordId) -> bool {
    #[cfg(feature = "hydrate")]
    {
        engine::only_here(record)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = record;
        false
    }
}

/// A field of a record as stored on this device.
pub fn field(record: RecordId, field: &str) -> Option<Value> {
    #[cfg(feature = "hydrate")]
    {
        engine::field(record, field)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (record, field);
        None
    }
}

/// `view` of each record of `kind` on this device that is not deleted (a
/// view, so that lists do not copy whole records with their history).
pub fn records<T>(kind: Kind, view: impl FnMut(&Record) -> T) -> Vec<T> {
    #[cfg(feature = "hydrate")]
    {
        engine::records(kind, view)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, view);
        Vec::new()
    }
}

/// Saves fields of a record on the device (creating it if needed), then syncs shortly.
pub fn put(kind: Kind, record: RecordId, fields: Fields) {
    #[cfg(feature = "hydrate")]
    engine::put(kind, record, fields);
    #[cfg(not(feature = "hydrate"))]
    let _ = (kind, record, fields);
}

/// Starts a record on the device; its id, or none when it could not be saved.
pub fn create(kind: Kind, fields: Fields) -> Option<RecordId> {
    #[cfg(feature = "hydrate")]
    {
        engine::create(kind, fields)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (kind, fields);
        None
    }
}

pub fn delete(record: RecordId) {
    #[cfg(feature = "hydrate")]
    engine::delete(record);
    #[cfg(not(feature = "hydrate"))]
    let _ = record;
}

/// The person has read a refusal: it leaves the queue's list and the page.
pub fn dismiss(state: SyncState, mutation: String) {
    #[cfg(feature = "hydrate")]
    engine::dismiss(&mutation);
    state.refused.update(|refused| refused.retain(|r| r.mutation != mutation));
}

/// Puts what she typed in a refused field back into its record (and so the
/// form), to change it there; that refusal leaves the list.
pub fn put_back(state: SyncState, mutation: String, field: String) {
    #[cfg(feature = "hydrate")]
    engine::put_back(&mutation, &field);
    state.refused.update(|refused| refused.retain(|r| !(r.mutation == mutation && r.field.as_ref() == Some(&field))));
}
