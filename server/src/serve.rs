//! Starting Sawda: `sawda` (serve), `sawda admin create` and `sawda sync
//! new-epoch`. The jobs that run beside the server are in `housekeeping`.

use std::sync::Arc;

use std::future::Future;

use crate::config::{self, Config};
use crate::infra::{data_directory, database, migrations};
use crate::state::AppState;
use crate::{accounts, housekeeping, http, photos};

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
    Store(#[from] crate::infra::database::StoreError),
    #[error("{0}")]
    Backup(crate::backup::BackupError),
    #[error("cannot open the photo store: {0}")]
    Photos(std::io::Error),
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

/// `sawda backup <dir>` and `sawda restore <dir>` (`backup`), with the server
/// stopped: the embedded store is one process's files. Returns what was done, to print.
pub async fn backup_or_restore(config: Config, dir: &std::path::Path, restoring: bool) -> Result<String, ServeError> {
    let target = config.database_target()?;
    // A SurrealDB server is exported and imported by the server itself (the SDK cannot over ws).
    let server = match &target {
        config::DatabaseTarget::Remote { url, credentials } => Some(crate::backup::Server {
            url: url.replacen("ws", "http", 1),
            ns: config.db_ns.clone(),
            db: config.db_name.clone(),
            credentials: credentials.clone(),
        }),
        _ => {
            data_directory::ensure_writable(&config.data)?;
            None
        }
    };
    let photos = photos::Photos::open(&config.photo_target()?).map_err(ServeError::Photos)?;
    let db = database::connect(&target, &config.db_ns, &config.db_name).await?;
    let photos = photos.store();
    let done = if restoring {
        crate::backup::restore(&db, server.as_ref(), photos, dir).await.map(|(manifest, epoch)| {
            format!(
                "restored {} (made {} by Sawda {}, {} photos); sync epoch is now {epoch}: phones will pull again from the start",
                dir.display(),
                manifest.made_at,
                manifest.sawda,
                manifest.photos
            )
        })
    } else {
        migrations::migrate(&db, migrations::MIGRATIONS).await?;
        crate::backup::backup(&db, server.as_ref(), photos, dir).await.map(|manifest| {
            format!("backed up to {} (schema {}, {} photos)", dir.display(), manifest.schema, manifest.photos)
        })
    };
    database::close(db, &target).await;
    done.map_err(ServeError::Backup)
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
    let photos = photos::Photos::open(&config.photo_target()?).map_err(ServeError::Photos)?;
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

    // A database server may come up after Sawda (both started at boot): wait for it.
    let mut shutdown = Box::pin(shutdown);
    let db = tokio::select! {
        db = database::connect_when_up(&target, &config.db_ns, &config.db_name) => db?,
        () = &mut shutdown => return Ok(()),
    };
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

    let mut state = AppState::new(db, http::leptos_options(&config, addr), photos)
        .with_site(http::site::Site::from_config(&config, addr));
    state.export_settle = std::time::Duration::from_secs(config.export_settle_seconds);
    // Every task holding a database handle is tracked, so all of them are gone before the close.
    let mut background = tokio::task::JoinSet::new();
    housekeeping::start(&mut background, &state, !applied.is_empty());
    background.spawn(http::public_changes::follow(state.db.clone(), state.pages.clone()));
    let sign_in = database::SignIn { target: target.clone(), ns: config.db_ns.clone(), db: config.db_name.clone() };
    background.spawn(database::watch(state.db.clone(), state.database.clone(), sign_in, state.sessions.clone()));
    let router = crate::router(state.clone(), &config.site);
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
    if let Err(error) = state.ad_results.flush(&state.db).await {
        tracing::warn!(%error, "could not write the last ads' results");
    }
    let AppState { db, sessions, .. } = state;
    // The pooled sessions are handles too: gone before the close.
    drop(sessions);
    // The last `Arc` of the shared handle, once every task is gone; if one is
    // still held, `close` says so after waiting.
    let db = Arc::try_unwrap(db).unwrap_or_else(|shared| (*shared).clone());
    if database::close(db, &target).await {
        tracing::info!("stopped");
    }
    served.map_err(ServeError::Server)
}
