//! Photo uploads (`docs/api.md`): which photos the server lacks, how far an
//! upload got, and one piece at a time; and `GET /photos/{hash}/{size}.jpg`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::error::{ApiError, JsonBody};
use super::signed_in::SignedIn;
use crate::AppState;
use crate::photos::checks::PhotoProblem;
use crate::photos::store::Size;
use crate::photos::{MAX_PIECE_BYTES, UploadError};
use app::rules::photos::is_photo_hash;

/// The body of one piece, with a little room.
pub const MAX_PIECE_BODY: usize = MAX_PIECE_BYTES + 1024;
const MAX_HASHES: usize = 100;

fn io_error(error: std::io::Error) -> ApiError {
    tracing::error!(%error, "photo storage");
    ApiError::INTERNAL
}

fn checked(hash: &str) -> Result<(), ApiError> {
    if is_photo_hash(hash) { Ok(()) } else { Err(ApiError::BAD_REQUEST) }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Hashes {
    hashes: Vec<String>,
}

/// `POST /api/v1/photos/missing`: `{"hashes": [...]}` → `{"missing": [...]}`.
pub async fn missing(
    State(state): State<AppState>,
    _: SignedIn,
    JsonBody(body): JsonBody<Hashes>,
) -> Result<Response, ApiError> {
    if body.hashes.len() > MAX_HASHES {
        return Err(ApiError::TOO_LARGE);
    }
    body.hashes.iter().try_for_each(|hash| checked(hash))?;
    let missing = state.photos.missing(&body.hashes).await.map_err(io_error)?;
    Ok(Json(json!({ "missing": missing })).into_response())
}

/// `GET /api/v1/photos/{hash}/upload`: how many bytes have arrived.
pub async fn progress(
    State(state): State<AppState>,
    _: SignedIn,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    checked(&hash)?;
    Ok(Json(state.photos.progress(&hash).await.map_err(io_error)?).into_response())
}

#[derive(Deserialize)]
pub struct Piece {
    offset: u64,
    total: u64,
}

/// `PUT /api/v1/photos/{hash}/upload?offset=…&total=…` with the bytes.
pub async fn upload(
    State(state): State<AppState>,
    _: SignedIn,
    Path(hash): Path<String>,
    Query(piece): Query<Piece>,
    body: Bytes,
) -> Result<Response, ApiError> {
    checked(&hash)?;
    match state.photos.receive(&hash, piece.offset, piece.total, &body).await {
        Ok(progress) => Ok(Json(progress).into_response()),
        // The piece does not start where the upload is: the phone resumes from `received`.
        Err(UploadError::Offset { received }) => Err(ApiError::upload_offset(received)),
        Err(UploadError::TooLarge) => Err(ApiError::PHOTO_TOO_LARGE),
        Err(UploadError::BadLength) => Err(ApiError::BAD_REQUEST),
        Err(UploadError::Mismatch) => Err(ApiError::PHOTO_MISMATCH),
        Err(UploadError::Photo(PhotoProblem::NotAnImage)) => Err(ApiError::PHOTO_NOT_IMAGE),
        Err(UploadError::Photo(PhotoProblem::Damaged)) => Err(ApiError::PHOTO_DAMAGED),
        Err(UploadError::Photo(PhotoProblem::TooManyPixels)) => Err(ApiError::PHOTO_TOO_MANY_PIXELS),
        Err(UploadError::Io(error)) => Err(io_error(error)),
    }
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
        Err(error) => io_error(error).into_response(),
    }
}
