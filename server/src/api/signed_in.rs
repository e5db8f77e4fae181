//! Who is asking: the session cookie, resolved once per request, renewed on use.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::AppState;
use crate::accounts::{Account, sessions};

#[derive(Clone)]
struct CurrentSession(Option<Arc<sessions::Session>>);

pub async fn resolve_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let secure = state.site.secure_cookies(request.headers());
    // Every `Cookie:` line: HTTP/2 may send one per cookie.
    let cookies: Vec<&str> = request.headers().get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).collect();
    let token = cookies.iter().find_map(|line| sessions::token_from_cookies(line, secure)).map(str::to_string);
    let session = match token {
        Some(token) => match sessions::find(&state.db, &token).await {
            Ok(found) => found.map(|session| (session, token)),
            Err(error) => return ApiError::from(error).into_response(),
        },
        None => None,
    };
    let renewed = session.as_ref().filter(|(s, _)| s.renewed).map(|(s, token)| (token.clone(), s.account.id.clone()));
    request.extensions_mut().insert(CurrentSession(session.map(|(s, _)| Arc::new(s))));
    let mut response = next.run(request).await;
    // A renewed session gets a fresh cookie lifetime too, unless the handler set its own.
    if let Some((token, account)) = renewed
        && !response.headers().contains_key(header::SET_COOKIE)
    {
        for cookie in sessions::cookies(Some((&token, &account)), secure) {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
    response
}

/// The signed-in person; answers 401 `not_signed_in` when there is none.
pub struct SignedIn {
    pub account: Account,
    pub session_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<CurrentSession>() {
            Some(CurrentSession(Some(session))) => {
                Ok(SignedIn { account: session.account.clone(), session_id: session.id.clone() })
            }
            _ => Err(ApiError::NOT_SIGNED_IN),
        }
    }
}

/// The session, if any: for endpoints open to everyone (sign-out).
pub struct MaybeSignedIn(pub Option<SignedIn>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeSignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeSignedIn(SignedIn::from_request_parts(parts, state).await.ok()))
    }
}
