//! Photo uploads (`docs/api.md`): which photos the server lacks, how far an
//! upload got, and one piece at a time; and `GET /photos/{hash}/{size}.jpg`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::{ApiError, JsonBody};
use super::signed_in::SignedIn;
use crate::AppState;
use crate::photos::MAX_PIECE_BYTES;
use crate::photos::store::Size;
use app::rules::photos::is_photo_hash;
use app::wire::{MissingPhotos, PhotoHashes, UploadPiece};

/// The body of one piece, with a little room.
pub const MAX_PIECE_BODY: usize = MAX_PIECE_BYTES + 1024;
const MAX_HASHES: usize = 100;

fn checked(hash: &str) -> Result<(), ApiError> {
    if is_photo_hash(hash) { Ok(()) } else { Err(ApiError::BAD_REQUEST) }
}

/// `POST /api/v1/photos/missing`: `{"hashes": [...]}` → `{"missing": [...]}`.
pub async fn missing(
    State(state): State<AppState>,
    _: SignedIn,
    JsonBody(body): JsonBody<PhotoHashes>,
) -> Result<Response, ApiError> {
    if body.hashes.len() > MAX_HASHES {
        return Err(ApiError::TOO_LARGE);
    }
    body.hashes.iter().try_for_each(|hash| checked(hash))?;
    let missing = state.photos.missing(&body.hashes).await?;
    Ok(Json(MissingPhotos { missing }).into_response())
}

/// `GET /api/v1/photos/{hash}/upload`: how many bytes have arrived.
pub async fn progress(
    State(state): State<AppState>,
    _: SignedIn,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    checked(&hash)?;
    Ok(Json(state.photos.progress(&hash).await?).into_response())
}

/// `PUT /api/v1/photos/{hash}/upload?offset=…&total=…` with the bytes.
pub async fn upload(
    State(state): State<AppState>,
    _: SignedIn,
    Path(hash): Path<String>,
    Query(piece): Query<UploadPiece>,
    body: Bytes,
) -> Result<Response, ApiError> {
    checked(&hash)?;
    let progress = state.photos.receive(&hash, piece.offset, piece.total, &body).await?;
    Ok(Json(progress).into_response())
}

/// `GET /photos/{hash}/{large|thumb}.jpg`: public, and never changes.
pub async fn serve(State(state): State<AppState>, Path((hash, file)): Path<(String, String)>) -> Response {
    let (Some(size), true) = (Size::from_file_name(&file), is_photo_hash(&hash)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.photos.get(&hash, size).await {
        Ok(Some(bytes)) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
            response
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
