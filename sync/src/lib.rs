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
//! - [`outbox`] and [`replica`]: the device side; [`server`]: the server's rules.
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
pub use server::ServerState;

/// Bytes of a value's compact JSON, without building the string.
pub(crate) fn json_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    // Only the writer could fail, and it does not; map keys here are strings.
    serde_json::to_writer(&mut count, value).expect("JSON of a sync type");
    count.0
}

#[cfg(test)]
pub(crate) mod tests {
    /// `cases` unless `PROPTEST_CASES` says otherwise.
    pub fn config(cases: u32) -> proptest::test_runner::Config {
        let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
        proptest::test_runner::Config { cases, ..Default::default() }
    }
}
