//! What every request handler may reach: the database, the site's files and
//! settings, the photo store and the rate limits (sign-ins, order requests).

use std::sync::Arc;

use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::accounts::rate_limit::RateLimits;
use crate::http::site::Site;
use crate::photos::Photos;

/// What every request handler may reach. Cloned for every request, so the
/// database handle is shared behind an `Arc`: cloning a `Surreal` handle opens
/// a session of its own (surrealdb#7526; over ws it signs in again).
#[derive(Clone)]
pub struct AppState {
    pub db: Arc<Surreal<Any>>,
    /// Sessions for transactions, reused (`infra::database::begin`).
    pub sessions: crate::infra::database::Pool,
    /// Whether the database answers now (`infra::database::watch`).
    pub database: Arc<crate::infra::database::Reachability>,
    pub leptos_options: leptos::config::LeptosOptions,
    pub rate_limits: Arc<RateLimits>,
    pub site: Arc<Site>,
    pub photos: Arc<Photos>,
    pub order_limits: Arc<crate::orders::OrderLimits>,
    /// The order form's signing key, read from the database once.
    pub order_forms: Arc<crate::orders::form_token::FormKeys>,
    pub views: Arc<crate::approved::views::ViewCounter>,
    /// Results per ad, gathered in memory (`ads::results`).
    pub ad_results: Arc<crate::ads::results::AdResults>,
    /// Buyers' pages kept rendered (`http::page_cache`).
    pub pages: Arc<crate::http::page_cache::PageCache>,
    /// Pushes per account (`sync::push_limits`).
    pub push_limits: Arc<crate::sync::push_limits::PushLimits>,
    /// Turns for writing pushes (`sync::push_limits::pushes_at_once`).
    pub push_turns: Arc<tokio::sync::Semaphore>,
    /// How long a market query may take before the buyer is asked for a shorter search.
    pub market_timeout: std::time::Duration,
    /// Turns for market searches that reach the database (`public::market`).
    pub market_searches: Arc<tokio::sync::Semaphore>,
    /// The sitemap's pages, built at most every few minutes (`public::sitemap`).
    pub sitemap: Arc<crate::http::page_cache::Rebuilt>,
    /// How long the export feed waits for changes to settle (`export::feed::SETTLE`).
    pub export_settle: std::time::Duration,
    /// Requests per partner token (`api::export`).
    pub export_limit: crate::infra::rate_limit::RateLimit,
}

impl AppState {
    /// `photos`: where photos are kept (the data directory's; a test's own).
    pub fn new(db: Surreal<Any>, leptos_options: leptos::config::LeptosOptions, photos: Photos) -> Self {
        let db = Arc::new(db);
        let sessions = crate::infra::database::pool_sessions(&db);
        AppState {
            db,
            sessions,
            database: Default::default(),
            leptos_options,
            rate_limits: Default::default(),
            site: Default::default(),
            photos: Arc::new(photos),
            order_limits: Default::default(),
            order_forms: Default::default(),
            views: Default::default(),
            ad_results: Default::default(),
            pages: Default::default(),
            push_limits: Default::default(),
            push_turns: Arc::new(tokio::sync::Semaphore::new(crate::sync::push_limits::pushes_at_once())),
            market_timeout: crate::approved::market::TIMEOUT,
            market_searches: Arc::new(tokio::sync::Semaphore::new(crate::approved::market::SEARCHES_AT_ONCE)),
            sitemap: Default::default(),
            export_settle: crate::export::feed::SETTLE,
            export_limit: crate::infra::rate_limit::RateLimit::new(
                "export",
                crate::export::feed::REQUESTS_PER_MINUTE as u64,
                std::time::Duration::from_secs(60),
            ),
        }
    }

    pub fn with_site(self, site: Site) -> Self {
        AppState { site: Arc::new(site), ..self }
    }
}

impl axum::extract::FromRef<AppState> for leptos::config::LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl AppState {
    /// Something of `owner`'s that buyers see changed: her pages are dropped
    /// here at once, and on every other server of a cluster within seconds.
    pub async fn public_changed(&self, owner: &str) {
        self.pages.forget(owner);
        if let Err(error) = crate::http::public_changes::announce(&self.db, owner).await {
            // The other servers' caches still let her pages go within their minute.
            tracing::warn!(%error, "could not tell the other servers of a public change");
        }
    }
}

impl axum::extract::FromRef<AppState> for Arc<Site> {
    fn from_ref(state: &AppState) -> Self {
        state.site.clone()
    }
}

impl axum::extract::FromRef<AppState> for Arc<Surreal<Any>> {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}
