//! The server's integration tests, one binary (SurrealDB is linked once):
//! each module drives the real router or the real `sawda` binary over a real
//! SurrealDB, in memory or on disk.

mod accounts;
mod ads;
mod backup;
mod edges;
mod export;
mod hosts;
mod http;
mod limits;
mod market;
mod migrations;
mod orders;
mod pages;
mod photos;
mod process;
mod programme;
mod public;
mod review;
mod servers;
mod store_properties;
mod support;
mod sync;
mod unique;
