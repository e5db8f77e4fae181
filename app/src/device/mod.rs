//! The phone's half of offline-first: the person's store on this device, the
//! background sync that moves it to and from the server, photos kept on the
//! phone and their uploads, the HTTP client, the remembered account, the
//! language choice and the service worker.
//!
//! Journeys use it through [`sync`] (records, edits, the sync state) and
//! [`http`]; neither needs a `cfg` of its own: on the server they answer as an
//! empty device. The parts that touch the browser are gated here, once.

pub mod http;
// Its browser half is gated inside, beside what the native tests read.
pub mod old_store;
pub mod store;
pub mod sync;

#[cfg(feature = "hydrate")]
pub mod account;
#[cfg(feature = "hydrate")]
mod indexed_db;
#[cfg(feature = "hydrate")]
pub mod language;
#[cfg(feature = "hydrate")]
mod local_storage;
#[cfg(feature = "hydrate")]
mod locks;
#[cfg(feature = "hydrate")]
pub mod photos;
#[cfg(feature = "hydrate")]
pub mod service_worker;
#[cfg(feature = "hydrate")]
mod uploads;
