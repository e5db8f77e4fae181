//! The export feed for partner systems such as the OVOP online market
//! (`docs/export.md`): every approved product in the order of its last
//! change, from a cursor on, as JSON or CSV.
//!
//! - `changes`: the feed's rows, written in the transaction of each change;
//! - `feed`: a page of the feed from a cursor, each item as it is now;
//! - `csv`: the same page for spreadsheet programs.
//!
//! Partners' tokens are credentials like sessions: `accounts::partner_tokens`.

pub mod changes;
pub mod csv;
pub mod feed;
