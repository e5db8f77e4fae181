//! The programme's figures' page and CSV (`programme::page`), given the site.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;

use crate::AppState;
use crate::programme::page::{self, Asked, Site};

fn site(state: &AppState, headers: &HeaderMap) -> Site {
    Site {
        db: state.db.clone(),
        stylesheet: format!("/{}/sawda.css", state.leptos_options.site_pkg_dir),
        secure_cookies: state.site.secure_cookies(headers),
    }
}

/// `GET /review/dashboard`
pub async fn dashboard(State(state): State<AppState>, headers: HeaderMap, Query(asked): Query<Asked>) -> Response {
    page::dashboard(site(&state, &headers), headers, asked).await
}

/// `GET /review/dashboard.csv`
pub async fn dashboard_csv(State(state): State<AppState>, headers: HeaderMap, Query(asked): Query<Asked>) -> Response {
    page::dashboard_csv(site(&state, &headers), headers, asked).await
}
