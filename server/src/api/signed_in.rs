//! Who is asking: the session cookie, resolved once per request, renewed on use.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::AppState;
use crate::accounts::{Account, sessions};

#[derive(Clone)]
struct CurrentSession(Option<Arc<sessions::Session>>);

pub async fn resolve_session(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let session = match session_of(&state, request.headers()).await {
        Ok(session) => session,
        Err(error) => return ApiError::from(error).into_response(),
    };
    let renewal = Renewal::of(&state, request.headers(), session.as_ref());
    request.extensions_mut().insert(CurrentSession(session.map(|(s, _)| Arc::new(s))));
    let mut response = next.run(request).await;
    if let Some(renewal) = renewal {
        renewal.send(&mut response);
    }
    response
}

/// The session the request's cookie names, and its token.
pub async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(sessions::Session, String)>, surrealdb::Error> {
    sessions::of_request(&state.db, headers, state.site.secure_cookies(headers)).await
}

/// A session this request renewed: its cookies are sent again, with a fresh lifetime.
pub struct Renewal {
    token: String,
    account: String,
    secure: bool,
}

impl Renewal {
    pub fn of(state: &AppState, headers: &HeaderMap, session: Option<&(sessions::Session, String)>) -> Option<Self> {
        let (session, token) = session.filter(|(session, _)| session.renewed)?;
        let secure = state.site.secure_cookies(headers);
        Some(Renewal { token: token.clone(), account: session.account.id.clone(), secure })
    }

    /// Unless the handler set cookies of its own (a sign-in or sign-out).
    pub fn send(self, response: &mut Response) {
        if response.headers().contains_key(header::SET_COOKIE) {
            return;
        }
        for cookie in sessions::cookies(Some((&self.token, &self.account)), self.secure) {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
        }
    }
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
