//! The Sawda server: the web app, the API and the public pages over one SurrealDB.
//! `docs/architecture.md` is the map; in short:
//!
//! - [`serve`]: start-up, shutdown and the daily housekeeping; [`state`]: what handlers reach;
//! - [`config`]: flags and environment; [`infra`]: database, migrations, data directory, logging, signals;
//! - [`http`]: the router, security headers, releases, language choice, health;
//! - [`api`]: the JSON API under `/api/v1/`;
//! - the stores behind it: [`accounts`], [`photos`], the server's half of sync, [`sync`], the OVOP
//!   [`review`] and buyers' order requests, [`orders`]; what a push does beside her records, [`after_push`];
//! - [`public`]: buyers' pages, plain HTML: storefronts, products, the market, order forms;
//! - [`programme`]: the programme's figures, counted as things happen, and their page.

pub mod accounts;
pub mod ads;
pub mod after_push;
pub mod api;
pub mod approved;
pub mod backup;
pub mod config;
pub mod export;
pub mod housekeeping;
pub mod http;
pub mod infra;
pub mod orders;
pub mod photos;
pub mod programme;
pub mod public;
pub mod review;
pub mod router;
pub mod serve;
pub mod state;
pub mod sync;

pub use router::router;
pub use serve::{ServeError, backup_or_restore, create_admin, new_sync_epoch, serve};
pub use state::AppState;
