//! Sawda's sync protocol and merge rules, in plain Rust.
//!
//! An entrepreneur edits on a phone that is offline for hours; every edit is
//! applied on the phone at once, queued, and pushed when a signal comes. This
//! crate holds everything both sides must agree on, with no browser or server
//! dependency, so it is tested natively and shared by the app (compiled to
//! WebAssembly) and the server:
//!
//! - [`ids`]: ULIDs made on the device; [`hlc`]: the clock that orders edits;
//! - [`record`]: a synced thing; [`mutation`]: one edit and what a client may send;
//! - [`merge`]: how edits made apart come together;
//! - [`protocol`]: the push and pull messages and their limits; [`limits`]: what one person may store;
//! - [`outbox`] and [`replica`]: the device side; [`server`]: the server's rules (its push core
//!   and pull, and [`server::memory`], the in-memory server only tests use).
//!
//! The library never reads a clock or a random source: callers pass the time
//! in milliseconds and random bytes in. `docs/sync.md` describes the protocol.

pub mod hlc;
pub mod ids;
pub mod limits;
pub mod merge;
pub mod mutation;
pub mod outbox;
pub mod protocol;
pub mod record;
pub mod replica;
pub mod server;
mod size;

pub use hlc::{Clock, Stamp};
pub use ids::{DeviceId, MutationId, Owner, RecordId};
pub use merge::MergeError;
pub use mutation::{Action, Mutation, RejectCode, Rejection};
pub use outbox::Outbox;
pub use protocol::{
    Limits, Outcome, PROTOCOL_VERSION, PullRequest, PullResponse, PushRequest, PushResponse, SyncError,
};
pub use record::{Fields, Kind, Record};
pub use replica::{Head, PartsError, Replica, ReplicaMergeError};

/// The one proptest config, kept with the integration tests' support.
#[cfg(test)]
#[path = "../tests/common/mod.rs"]
pub(crate) mod tests;
