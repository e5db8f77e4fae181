//! What the server stands on: the database connection, the schema
//! migrations, the data directory, logging and the stop signals.

pub mod data_directory;
pub mod database;
pub mod logging;
pub mod migrations;
pub mod shutdown;
