//! What the server stands on: the database connection, the schema
//! migrations, the data directory, logging, the stop signals and rate limits.

pub mod data_directory;
pub mod database;
pub mod lease;
pub mod logging;
pub mod migrations;
pub mod rate_limit;
pub mod shutdown;
