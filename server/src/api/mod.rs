//! The JSON API under `/api/v1/`, documented in `docs/api.md`, and the
//! sign-in, sign-up and reset forms the app's pages post without their
//! script (`account_forms.rs`), under the same rules.

pub mod account_forms;
pub mod ads;
pub mod auth;
pub mod dashboard;
pub mod error;
pub mod export;
pub mod invitations;
pub mod pages;
pub mod people;
pub mod photos;
pub mod review;
pub mod same_site;
pub mod signed_in;
pub mod studio;
pub mod sync;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, delete, get, post, put};

use crate::AppState;

/// Forms and lists are small; a body beyond this is refused before it is parsed.
const MAX_API_BODY: usize = 16 * 1024;

/// Every endpoint, once: the router is built from this list, and the authorisation
/// test walks the same list, so an endpoint cannot be added without being tested.
pub fn endpoints() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    vec![
        (Method::POST, "/auth/sign-up", post(auth::sign_up)),
        (Method::POST, "/auth/sign-in", post(auth::sign_in)),
        (Method::POST, "/auth/sign-out", post(auth::sign_out)),
        (Method::POST, "/auth/reset", post(auth::reset_password)),
        (Method::GET, "/me", get(auth::me)),
        (Method::POST, "/invitations", post(invitations::create)),
        (Method::GET, "/invitations", get(invitations::list)),
        (Method::POST, "/invitations/{code}/revoke", post(invitations::revoke)),
        (Method::GET, "/workshops/{id}/sheet", get(invitations::sheet)),
        (Method::POST, "/coordinators", post(people::create_coordinator)),
        (Method::GET, "/coordinators", get(people::list_coordinators)),
        (Method::PUT, "/coordinators/{id}/districts", put(people::set_coordinator_districts)),
        (Method::DELETE, "/coordinators/{id}", delete(people::remove_coordinator)),
        (Method::GET, "/entrepreneurs", get(people::list_entrepreneurs)),
        (Method::POST, "/accounts/{id}/reset-code", post(people::issue_reset_code)),
        (Method::POST, "/accounts/{id}/end-sessions", post(people::end_sessions)),
        (Method::POST, "/sync/push", post(sync::push).layer(DefaultBodyLimit::max(sync::MAX_PUSH_BODY))),
        (Method::GET, "/sync/pull", get(sync::pull)),
        (Method::GET, "/review/queue", get(review::queue)),
        (Method::GET, "/review/items/{owner}/{record}", get(review::item)),
        (Method::POST, "/review/items/{owner}/{record}/decision", post(review::decide)),
        (Method::POST, "/review/items/{owner}/{record}/withdraw", post(review::withdraw)),
        (Method::POST, "/ads/{id}/take-down", post(ads::take_down)),
        (Method::GET, "/studio/views", get(studio::views)),
        (Method::GET, "/export/products.json", get(export::products_json)),
        (Method::GET, "/export/products.csv", get(export::products_csv)),
        (Method::POST, "/export/tokens", post(export::create_token)),
        (Method::GET, "/export/tokens", get(export::list_tokens)),
        (Method::POST, "/export/tokens/{id}/revoke", post(export::revoke_token)),
        (Method::POST, "/photos/missing", post(photos::missing)),
        (Method::GET, "/photos/{hash}/upload", get(photos::progress)),
        (
            Method::PUT,
            "/photos/{hash}/upload",
            put(photos::upload).layer(DefaultBodyLimit::max(photos::MAX_PIECE_BODY)),
        ),
    ]
}

pub fn router(state: AppState) -> Router<AppState> {
    endpoints()
        .into_iter()
        .fold(Router::new(), |router, (_, path, route)| router.route(path, route))
        .fallback(|| async { error::ApiError::NOT_FOUND })
        // Answers hold personal data (phones, records): never kept in a disk
        // cache, where the next person on a shared phone could find them.
        .layer(tower_http::set_header::SetResponseHeaderLayer::if_not_present(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        ))
        .layer(DefaultBodyLimit::max(MAX_API_BODY))
        .layer(axum::middleware::from_fn_with_state(state.clone(), signed_in::resolve_session))
        .layer(axum::middleware::from_fn_with_state(state, error::database_answers))
        .layer(axum::middleware::from_fn(same_site::only_same_site_writes))
        .layer(axum::middleware::from_fn(error::localise))
}
