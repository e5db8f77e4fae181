//! Starting Sawda: `sawda` (serve) and `sawda admin create`, and the daily
//! housekeeping that runs beside the server.

use std::future::Future;

use crate::config::{self, Config};
use crate::infra::{data_directory, database, migrations};
use crate::state::AppState;
use crate::{accounts, http, photos, sync};

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    DataDirectory(#[from] data_directory::DataDirectoryError),
    #[error("{0}")]
    Database(#[from] database::DatabaseError),
    #[error("{0}")]
    Migration(#[from] migrations::MigrationError),
    #[error("cannot listen on {addr}: {source}{hint}")]
    Listen { addr: std::net::SocketAddr, source: std::io::Error, hint: &'static str },
    #[error("the server stopped with an error: {0}")]
    Server(std::io::Error),
    #[error("{0}")]
    Admin(#[from] accounts::admin_command::AdminError),
    #[error("{0}")]
    Sync(#[from] crate::sync::store::SyncStoreError),
}

/// `sawda admin create`: opens the configured database, brings the schema up to
/// date, creates the admin, and returns.
pub async fn create_admin(config: Config, phone: &str, name: &str) -> Result<String, ServeError> {
    let target = config.database_target()?;
    if matches!(target, config::DatabaseTarget::Embedded(_)) {
        data_directory::ensure_writable(&config.data)?;
    }
    let password = accounts::admin_command::read_password()?;
    let db = database::connect(&target, &config.db_ns, &config.db_name).await?;
    let created = match migrations::migrate(&db, migrations::MIGRATIONS).await {
        Ok(_) => accounts::admin_command::create_admin(&db, phone, name, password).await.map_err(ServeError::from),
        Err(error) => Err(error.into()),
    };
    database::close(db, &target).await;
    created
}

/// `sawda sync new-epoch`: gives a database restored from a backup a new sync
/// epoch (docs/sync.md, "Restoring a backup"); returns it.
pub async fn new_sync_epoch(config: Config) -> Result<String, ServeError> {
    let target = config.database_target()?;
    if matches!(target, config::DatabaseTarget::Embedded(_)) {
        data_directory::ensure_writable(&config.data)?;
    }
    let db = database::connect(&target, &config.db_ns, &config.db_name).await?;
    let epoch = match migrations::migrate(&db, migrations::MIGRATIONS).await {
        Ok(_) => crate::sync::store::new_epoch(&db).await.map_err(ServeError::from),
        Err(error) => Err(error.into()),
    };
    database::close(db, &target).await;
    Ok(epoch?.to_string())
}

/// Opens the database, brings its schema up to date, and serves until `shutdown` resolves;
/// requests in flight are finished, then the database is closed.
pub async fn serve(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
    let target = config.database_target()?;
    config.check_reach()?;
    data_directory::ensure_writable(&config.data)?;

    // Bind first: a taken port should fail in a second, not after opening the database.
    let listener = tokio::net::TcpListener::bind(config.addr).await.map_err(|source| {
        let hint = match source.kind() {
            std::io::ErrorKind::AddrInUse => " (is another Sawda already running? choose another port with SAWDA_ADDR)",
            std::io::ErrorKind::PermissionDenied => {
                " (ports below 1024 need privileges; choose another with SAWDA_ADDR)"
            }
            _ => "",
        };
        ServeError::Listen { addr: config.addr, source, hint }
    })?;
    let addr = listener.local_addr().map_err(ServeError::Server)?;

    let db = database::connect(&target, &config.db_ns, &config.db_name).await?;
    let applied = match migrations::migrate(&db, migrations::MIGRATIONS).await {
        Ok(applied) => applied,
        Err(error) => {
            // A failed start closes the store too: what the migrations finished stays.
            database::close(db, &target).await;
            return Err(error.into());
        }
    };
    tracing::info!(
        database = %target.address(),
        schema_version = migrations::latest_version(migrations::MIGRATIONS),
        newly_applied = applied.len(),
        "database ready"
    );

    let state = AppState::new(db, http::leptos_options(&config, addr))
        .with_site(http::site::Site::from_config(&config, addr))
        .with_photos(photos::Photos::on_disk(&config.data.join("photos")));
    // Every task holding a database handle is tracked, so all of them are gone before the close.
    let mut background = tokio::task::JoinSet::new();
    background.spawn(daily_housekeeping(state.clone(), !applied.is_empty()));
    background.spawn(prune_rate_limits(state.clone()));
    background.spawn(write_view_counts(state.clone()));
    let router = http::router(state.clone(), &config.site);
    tracing::info!("Sawda is listening on http://{addr}");
    println!("Sawda is running at http://{addr}/ (Ctrl-C stops it)");

    let served = http::listen::serve(
        listener,
        router,
        std::time::Duration::from_secs(config.header_timeout),
        http::listen::Caps {
            total: config.max_connections as usize,
            per_address: (!config.trust_proxy).then_some(http::listen::PER_ADDRESS),
        },
        shutdown,
    )
    .await;
    // Chunked work is safe to stop between chunks; a chunk in flight commits whole or not at all.
    background.abort_all();
    while background.join_next().await.is_some() {}
    if let Err(error) = state.views.flush(&state.db).await {
        tracing::warn!(%error, "could not write the last view counts");
    }
    let AppState { db, .. } = state;
    if database::close(db, &target).await {
        tracing::info!("stopped");
    }
    served.map_err(ServeError::Server)
}

/// Every minute: rate-limit keys whose window passed (a flood of made-up
/// phone numbers leaves one key each).
async fn prune_rate_limits(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        state.rate_limits.prune();
        state.order_limits.prune();
        state.push_limits.prune();
    }
}

/// Page views gathered in memory go to the database every half minute.
async fn write_view_counts(state: AppState) {
    let mut every = tokio::time::interval(crate::approved::views::FLUSH_EVERY);
    loop {
        every.tick().await;
        if let Err(error) = state.views.flush(&state.db).await {
            tracing::warn!(%error, "could not write view counts; kept for the next time");
        }
    }
}

/// What one photo clean-up did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PhotoCleanUp {
    pub abandoned_uploads: usize,
    pub adopted: usize,
    pub marked_unused: usize,
    pub used_again: usize,
    pub removed: usize,
}

/// Uploads nobody finished give back their place and their pieces go; kept
/// photos no synced record points at are marked, and removed once marked
/// for longer than `photos::ledger::UNUSED_KEPT_FOR_DAYS`.
pub async fn clean_up_photos(state: &AppState) -> Result<PhotoCleanUp, Box<dyn std::error::Error + Send + Sync>> {
    let mut done = PhotoCleanUp::default();
    for (who, hash) in photos::ledger::forget_abandoned(&state.db).await? {
        state.photos.forget_upload(&who, &hash).await?;
        done.abandoned_uploads += 1;
    }
    done.adopted = photos::ledger::adopt(&state.db, &state.photos.kept().await?).await?;
    let in_use = sync::store::photos_in_use(&state.db).await.map_err(|e| e.to_string())?;
    let sweep = photos::ledger::sweep(&state.db, &in_use).await?;
    (done.marked_unused, done.used_again) = (sweep.marked, sweep.unmarked);
    for hash in sweep.expired {
        // Files first: a photo the ledger counts is never missing from the store.
        state.photos.remove(&hash).await?;
        photos::ledger::removed(&state.db, &hash).await?;
        done.removed += 1;
    }
    Ok(done)
}

/// How long after start-up the daily job first runs: not at once, so a start
/// right after migrations (or a crash loop) is not also the job's busiest moment.
const FIRST_DAILY_RUN_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Daily, from `FIRST_DAILY_RUN_AFTER` after the start (a day after it when
/// this start applied migrations): applied mutation ids older than the sync
/// store keeps them, the pieces of photo uploads nobody continued, photos
/// nothing points at any more, buyers' details of orders finished 180 days
/// ago, and expired sessions, reset codes and invitations.
async fn daily_housekeeping(state: AppState, migrated: bool) {
    let day = std::time::Duration::from_secs(24 * 60 * 60);
    let first = tokio::time::Instant::now() + if migrated { day } else { FIRST_DAILY_RUN_AFTER };
    let mut daily = tokio::time::interval_at(first, day);
    loop {
        daily.tick().await;
        match sync::store::forget_applied(&state.db, sync::store::APPLIED_KEPT_DAYS).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "forgot old applied mutation ids"),
            // Several servers may run it at once; a conflict is tried again tomorrow.
            Err(error) => tracing::warn!(%error, "could not forget old applied mutation ids"),
        }
        match state.photos.forget_abandoned(photos::ABANDONED_AFTER).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "forgot abandoned photo uploads"),
            Err(error) => tracing::warn!(%error, "could not forget abandoned photo uploads"),
        }
        match clean_up_photos(&state).await {
            Ok(done) => tracing::info!(?done, "cleaned up photos"),
            Err(error) => tracing::warn!(%error, "could not clean up photos"),
        }
        let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
        match crate::orders::expire_unanswered(&state.db, now_ms).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "let go of order requests never answered"),
            Err(error) => tracing::warn!(%error, "could not let go of order requests never answered"),
        }
        match crate::orders::forget_finished(&state.db, now_ms).await {
            Ok(0) => {}
            Ok(forgotten) => tracing::info!(forgotten, "forgot the buyers of order requests that arrived long ago"),
            Err(error) => tracing::warn!(%error, "could not forget the buyers of order requests that arrived long ago"),
        }
        if let Err(error) = crate::orders::forget_senders(&state.db).await {
            tracing::warn!(%error, "could not forget who sent old order requests");
        }
        match crate::accounts::purge_expired(&state.db).await {
            Ok(purged) => tracing::info!(?purged, "purged expired sessions, reset codes and invitations"),
            Err(error) => tracing::warn!(%error, "could not purge expired sessions, reset codes and invitations"),
        }
    }
}
