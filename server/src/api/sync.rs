//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`: the sync protocol
//! (`docs/sync.md`) for the signed-in person. Protocol errors answer in the
//! protocol's own shape (`{"error": …}`), everything else as an `ApiError`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sawda_sync::protocol::check_version;
use sawda_sync::{Owner, PullRequest, PullResponse, PushRequest, PushResponse, SyncError};

use super::error::ApiError;
use super::signed_in::SignedIn;
use crate::AppState;
use crate::infra::database::StoreError;
use crate::sync::store;

/// A push may carry up to 256 KiB (the protocol's own limit; the API default is 16 KiB).
pub const MAX_PUSH_BODY: usize = 256 * 1024;

/// Why a sync request got no answer of its kind.
pub enum SyncFailure {
    Protocol(SyncError),
    Api(ApiError),
}

impl From<ApiError> for SyncFailure {
    fn from(error: ApiError) -> Self {
        SyncFailure::Api(error)
    }
}

impl From<StoreError> for SyncFailure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Protocol(error) => SyncFailure::Protocol(error),
            StoreError::Database(error) => SyncFailure::Api(error.into()),
            StoreError::Corrupt(message) => {
                tracing::error!(%message, "a stored synced record does not read back");
                SyncFailure::Api(ApiError::INTERNAL)
            }
        }
    }
}

/// A store error outside the sync endpoints (no protocol answer to give).
pub fn store_error(error: StoreError) -> ApiError {
    match SyncFailure::from(error) {
        SyncFailure::Api(error) => error,
        SyncFailure::Protocol(_) => ApiError::BAD_REQUEST,
    }
}

impl IntoResponse for SyncFailure {
    fn into_response(self) -> Response {
        match self {
            SyncFailure::Protocol(error) => {
                let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                (status, Json(error)).into_response()
            }
            SyncFailure::Api(error) => error.into_response(),
        }
    }
}

fn owner(signed_in: &SignedIn) -> Result<Owner, ApiError> {
    signed_in.account.id.parse().map_err(|_| {
        tracing::error!(id = %signed_in.account.id, "an account id is not a valid sync owner");
        ApiError::INTERNAL
    })
}

pub async fn push(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Json<PushResponse>, SyncFailure> {
    let who = owner(&signed_in)?;
    let role = signed_in.account.role().ok_or(ApiError::FORBIDDEN)?;
    let request = PushRequest::from_json(&body).map_err(SyncFailure::Protocol)?;
    // Over her allowance: the phone keeps her edits queued and tries again later.
    state
        .push_limits
        .admit(&state.db, &who, request.mutations.len())
        .await
        .map_err(ApiError::from)?
        .map_err(ApiError::rate_limited)?;
    // Pushes take turns, one per core: a village coming online at once is
    // served at the database's pace instead of slowing every push down (see
    // `sync::push_limits::PUSHES_AT_ONCE`); past the wait, her phone tries again.
    // Pushes take turns, one per core: a village coming online at once is
    // served at the database's pace instead of every push slowing the others
    // (`sync::push_limits::pushes_at_once`). The wait is bounded by the
    // connections Sawda accepts and her phone's own timeout, which retries.
    let _turn = state.push_turns.acquire().await.map_err(|_| ApiError::BUSY)?;
    let answer = store::push(&state.db, &who, role, &request, crate::after_push::AfterPush).await?;
    // Her public pages may show what she just changed (a price, a deletion, an ad).
    if request
        .mutations
        .iter()
        .any(|m| app::rules::review::is_reviewed_kind(m.kind) || m.kind == sawda_sync::Kind::AdPost)
    {
        state.public_changed(who.as_str()).await;
    }
    Ok(Json(answer))
}

pub async fn pull(
    State(state): State<AppState>,
    signed_in: SignedIn,
    uri: axum::http::Uri,
) -> Result<Json<PullResponse>, SyncFailure> {
    #[derive(serde::Deserialize)]
    struct VersionOnly {
        version: u32,
    }
    let who = owner(&signed_in)?;
    let bad =
        |rejection: QueryRejection| SyncFailure::Protocol(SyncError::BadRequest { message: rejection.body_text() });
    // The version first: an older app is told to reload even when the rest
    // of its query (no account before protocol 3) would not parse.
    let Query(VersionOnly { version }) = Query::try_from_uri(&uri).map_err(bad)?;
    check_version(version).map_err(SyncFailure::Protocol)?;
    let Query(request) = Query::<PullRequest>::try_from_uri(&uri).map_err(bad)?;
    Ok(Json(store::pull(&state.db, &who, &request).await?))
}
