//! The sign-in, sign-up and reset pages' forms as the browser posts them by
//! itself, when the page's script has not arrived yet (on 2G, up to a minute
//! after the form shows) or is off: `POST /sign-in`, `/sign-up` and
//! `/reset-password`. The rules, limits and cookies are the API's
//! (`api::auth`, shared, not copied). A success goes where the script's goes
//! (303); a failure draws the same page again, with the reason in her
//! language and what she typed, all but the password.

use app::account::{Posted, RESET_DONE, safe_next};
use app::i18n::{choose_language, text};
use app::wire::{Reset, SignIn, SignUp};
use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;

use super::auth::{self, Entered};
use super::error::ApiError;
use super::same_site::form_from_another_site;
use crate::AppState;
use crate::http::app_pages;
use crate::http::client::Client;

/// The forms hold a few short fields; a body beyond this is refused unread.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

pub async fn sign_in(
    State(state): State<AppState>,
    client: Client,
    parts: Parts,
    form: Result<Form<SignIn>, FormRejection>,
) -> Response {
    let form = match posted(&state, &parts, form) {
        Ok(form) => form,
        Err(error) => return again(&state, parts, error, Posted::default()).await,
    };
    let kept = Posted { phone: form.phone.clone(), ..Posted::default() };
    match auth::sign_in_with(&state, &client, &parts.headers, form).await {
        Ok(entered) => home(&entered, next(&parts)),
        Err(error) => again(&state, parts, error, kept).await,
    }
}

pub async fn sign_up(
    State(state): State<AppState>,
    client: Client,
    parts: Parts,
    form: Result<Form<SignUp>, FormRejection>,
) -> Response {
    let form = match posted(&state, &parts, form) {
        Ok(form) => form,
        Err(error) => return again(&state, parts, error, Posted::default()).await,
    };
    let kept = Posted {
        problem: None,
        phone: form.phone.clone(),
        name: form.name.clone(),
        code: form.code.clone(),
        gender: form.gender.clone().unwrap_or_default(),
        ..Posted::default()
    };
    match auth::sign_up_with(&state, &client, &parts.headers, form).await {
        Ok(entered) => home(&entered, None),
        Err(error) => again(&state, parts, error, kept).await,
    }
}

pub async fn reset(
    State(state): State<AppState>,
    client: Client,
    parts: Parts,
    form: Result<Form<Reset>, FormRejection>,
) -> Response {
    let form = match posted(&state, &parts, form) {
        Ok(form) => form,
        Err(error) => return again(&state, parts, error, Posted::default()).await,
    };
    let kept = Posted { phone: form.phone.clone(), code: form.code.clone(), ..Posted::default() };
    match auth::reset_with(&state, &client, form).await {
        Ok(()) => see_other(RESET_DONE),
        Err(error) => again(&state, parts, error, kept).await,
    }
}

/// The form as posted, unless another site's page posted it or it is no form.
fn posted<T>(state: &AppState, parts: &Parts, form: Result<Form<T>, FormRejection>) -> Result<T, ApiError> {
    if form_from_another_site(&parts.headers, &parts.uri, &state.site.origin(&parts.headers)) {
        return Err(ApiError::FORBIDDEN);
    }
    match form {
        Ok(Form(form)) => Ok(form),
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TOO_LARGE),
        Err(_) => Err(ApiError::BAD_REQUEST),
    }
}

/// The page of this site that sent her to sign in (`/sign-in?next=/review`), if any.
fn next(parts: &Parts) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Next {
        next: String,
    }
    let axum::extract::Query(Next { next }) = axum::extract::Query::try_from_uri(&parts.uri).ok()?;
    safe_next(&next).map(str::to_owned)
}

/// Signed in: her cookies, and on to where the script's sign-in leads: back
/// to the page that sent her, else her start page.
fn home(entered: &Entered, next: Option<String>) -> Response {
    let mut response = match next {
        Some(next) => see_other(&next),
        None => see_other(entered.account.view().role.home()),
    };
    entered.set_cookies(&mut response);
    response
}

/// A 303, so that going back or reloading does not post the form again.
fn see_other(to: &str) -> Response {
    // `to` is a path of this site (`safe_next` allows printable ASCII only).
    let location = HeaderValue::from_str(to).unwrap_or(HeaderValue::from_static("/"));
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The page she posted from, drawn again by the app with `error` in the
/// page's language and `kept` in its fields; never kept by any cache.
async fn again(state: &AppState, parts: Parts, error: ApiError, mut kept: Posted) -> Response {
    let lang = {
        let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
        choose_language(header(header::COOKIE), header(header::ACCEPT_LANGUAGE))
    };
    kept.problem = Some(text(lang, error.key).to_owned());
    kept.fields =
        error.fields.iter().flatten().map(|(field, key)| ((*field).to_owned(), text(lang, *key).to_owned())).collect();
    let options = state.leptos_options.clone();
    let render = move |request| app_pages::draw(options, request, move || provide_context(kept.clone()));
    let request = Request::from_parts(parts, Body::empty());
    // Until its first chunk, leptos_axum renders outside the arena sandbox that
    // its pages' signals live in (the page's title is read after a yield, on
    // whichever thread resumes it; leptos_meta's `inject_meta_context`): one
    // thread of its own keeps that thread's arena the page's. The rest of the
    // page streams from inside the sandbox.
    let handle = tokio::runtime::Handle::current();
    let Ok(mut response) = tokio::task::spawn_blocking(move || handle.block_on(render(request))).await else {
        tracing::error!("an account form's page could not be drawn again");
        return ApiError::INTERNAL.into_response();
    };
    *response.status_mut() = error.status;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(seconds) = error.retry_after_seconds {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}
