//! The app's pages as the router serves them. A page drawn without the app
//! (`app::PAGES_WITHOUT_THE_APP`: the home page and the account forms) is
//! drawn for whoever is signed in, since no script will say it later: her
//! menu is her role's (pages vary by cookie: `http::security_headers`). The
//! others are drawn for anyone (phones keep them).

use axum::extract::{Request, State};
use axum::response::Response;

use super::signed_in;
use crate::AppState;
use crate::http::app_pages::draw;

pub async fn page(State(state): State<AppState>, request: Request) -> Response {
    let options = state.leptos_options.clone();
    if !app::PAGES_WITHOUT_THE_APP.contains(&request.uri().path()) {
        return draw(options, request, || {}).await;
    }
    let session = signed_in::session_of(&state, request.headers()).await.unwrap_or_else(|error| {
        // The page still works for someone not signed in; the menu is the default one.
        tracing::warn!(%error, "a page's session could not be read");
        None
    });
    let renewal = signed_in::Renewal::of(&state, request.headers(), session.as_ref());
    let role = session.and_then(|(session, _)| session.account.role());
    let mut response = draw(options, request, move || {
        if let Some(role) = role {
            leptos::prelude::provide_context(role);
        }
    })
    .await;
    if let Some(renewal) = renewal {
        renewal.send(&mut response);
    }
    response
}
