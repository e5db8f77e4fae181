//! `surreal`: SurrealDB's own server, built from crates.io for Sawda's cluster
//! runs (`make cluster`): `surreal start --bind 127.0.0.1:PORT --user root
//! --pass … surrealkv://DIR`.
// The server's query types nest deeply.
#![recursion_limit = "256"]

fn main() -> std::process::ExitCode {
    surrealdb_server::init(surrealdb_server::core::CommunityComposer())
}
