//! The server's half of sync: pushes applied and pulls answered over SurrealDB,
//! by the rules of `sawda_sync` (the protocol and the merge) and of
//! `app::rules::records` (the fields of each kind). The HTTP endpoints are in
//! `api::sync`.

pub mod push_limits;
pub mod store;
