//! The Sawda server: the web app, the API and the public pages over one SurrealDB.

pub mod accounts;
pub mod api;
pub mod config;
pub mod data_directory;
pub mod database;
pub mod health;
pub mod language_choice;
pub mod logging;
pub mod migrations;
pub mod photos;
pub mod release;
pub mod security_headers;
pub mod shutdown;
pub mod site;
pub mod sync_store;
pub mod web;

use std::future::Future;

use config::Config;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

/// What every request handler may reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Surreal<Any>,
    pub leptos_options: leptos::config::LeptosOptions,
    pub rate_limits: std::sync::Arc<accounts::rate_limit::RateLimits>,
    pub site: std::sync::Arc<site::Site>,
    pub photos: std::sync::Arc<photos::Photos>,
}

impl AppState {
    /// Photos go to a fresh temporary directory until `with_photos` says where.
    pub fn new(db: Surreal<Any>, leptos_options: leptos::config::LeptosOptions) -> Self {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let scratch = std::env::temp_dir().join(format!("sawda-photos-{}-{n}", std::process::id()));
        AppState {
            db,
            leptos_options,
            rate_limits: Default::default(),
            site: Default::default(),
            photos: std::sync::Arc::new(photos::Photos::on_disk(&scratch)),
        }
    }

    pub fn with_photos(self, photos: photos::Photos) -> Self {
        AppState { photos: std::sync::Arc::new(photos), ..self }
    }

    pub fn with_site(self, site: site::Site) -> Self {
        AppState { site: std::sync::Arc::new(site), ..self }
    }
}

impl axum::extract::FromRef<AppState> for leptos::config::LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Config(#[from] config::ConfigError),
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
    migrations::migrate(&db, migrations::MIGRATIONS).await?;
    let created = accounts::admin_command::create_admin(&db, phone, name, password).await;
    database::close(db).await;
    Ok(created?)
}

/// Opens the database, brings its schema up to date, and serves until `shutdown` resolves;
/// requests in flight are finished, then the database is closed.
pub async fn serve(config: Config, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
    let target = config.database_target()?;
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
    let applied = migrations::migrate(&db, migrations::MIGRATIONS).await?;
    tracing::info!(
        database = %target.address(),
        schema_version = migrations::latest_version(migrations::MIGRATIONS),
        newly_applied = applied.len(),
        "database ready"
    );

    let state = AppState::new(db, web::leptos_options(&config, addr))
        .with_site(site::Site::from_config(&config))
        .with_photos(photos::Photos::on_disk(&config.data.join("photos")));
    let housekeeping = tokio::spawn(daily_housekeeping(state.clone()));
    let router = web::router(state.clone(), &config.site);
    tracing::info!("Sawda is listening on http://{addr}");
    println!("Sawda is running at http://{addr}/ (Ctrl-C stops it)");

    let served = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await;
    housekeeping.abort();
    database::close(state.db).await;
    tracing::info!("stopped");
    served.map_err(ServeError::Server)
}

/// Daily, from the start: applied mutation ids older than the sync store
/// keeps them, and the pieces of photo uploads nobody continued.
async fn daily_housekeeping(state: AppState) {
    let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
    loop {
        daily.tick().await;
        match sync_store::forget_applied(&state.db, sync_store::APPLIED_KEPT_DAYS).await {
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
    }
}
