//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`: the sync protocol
//! (`docs/sync.md`) for the signed-in person.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sawda_sync::{Owner, PullRequest, PushRequest, SyncError};

use super::error::ApiError;
use super::signed_in::SignedIn;
use crate::AppState;
use crate::sync_store::{self, SyncStoreError};

/// A push may carry up to 256 KiB (the protocol's own limit; the API default is 16 KiB).
pub const MAX_PUSH_BODY: usize = 256 * 1024;

fn owner(signed_in: &SignedIn) -> Result<Owner, ApiError> {
    signed_in.account.id.parse().map_err(|_| {
        tracing::error!(id = %signed_in.account.id, "an account id is not a valid sync owner");
        ApiError::INTERNAL
    })
}

fn protocol_error(error: SyncError) -> Response {
    let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(error)).into_response()
}

fn answer<T: serde::Serialize>(outcome: Result<T, SyncStoreError>) -> Response {
    match outcome {
        Ok(body) => Json(body).into_response(),
        Err(SyncStoreError::Protocol(error)) => protocol_error(error),
        Err(SyncStoreError::Database(error)) => ApiError::from(error).into_response(),
        Err(SyncStoreError::Corrupt(message)) => {
            tracing::error!(%message, "a stored synced record does not read back");
            ApiError::INTERNAL.into_response()
        }
    }
}

pub async fn push(State(state): State<AppState>, signed_in: SignedIn, body: Bytes) -> Result<Response, ApiError> {
    let who = owner(&signed_in)?;
    let request = match PushRequest::from_json(&body) {
        Ok(request) => request,
        Err(error) => return Ok(protocol_error(error)),
    };
    Ok(answer(sync_store::push(&state.db, &who, &request).await))
}

pub async fn pull(
    State(state): State<AppState>,
    signed_in: SignedIn,
    query: Result<Query<PullRequest>, QueryRejection>,
) -> Result<Response, ApiError> {
    let who = owner(&signed_in)?;
    let Query(request) = match query {
        Ok(query) => query,
        Err(rejection) => return Ok(protocol_error(SyncError::BadRequest { message: rejection.body_text() })),
    };
    Ok(answer(sync_store::pull(&state.db, &who, &request).await))
}
