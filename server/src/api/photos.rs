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
use crate::photos::ledger::{self, Refused};
use crate::photos::store::Size;
use crate::photos::{MAX_PIECE_BYTES, MAX_UPLOAD_BYTES, UploadError};
use app::rules::records::field::is_photo_hash;
use app::wire::{MissingPhotos, PhotoHashes, UploadPiece};
use sawda_sync::Owner;

/// How a photo buyers cannot see (a draft's, a withdrawn item's) may be kept.
pub const NOT_PUBLIC_CACHE: &str = "public, max-age=600";

/// The body of one piece, with a little room.
pub const MAX_PIECE_BODY: usize = MAX_PIECE_BYTES + 1024;

fn checked(hash: &str) -> Result<(), ApiError> {
    if is_photo_hash(hash) { Ok(()) } else { Err(ApiError::BAD_REQUEST) }
}

/// `POST /api/v1/photos/missing`: `{"hashes": [...]}` → `{"missing": [...]}`.
pub async fn missing(
    State(state): State<AppState>,
    _: SignedIn,
    JsonBody(body): JsonBody<PhotoHashes>,
) -> Result<Response, ApiError> {
    if body.hashes.len() > PhotoHashes::MAX {
        return Err(ApiError::TOO_LARGE);
    }
    body.hashes.iter().try_for_each(|hash| checked(hash))?;
    let missing = state.photos.missing(&body.hashes).await?;
    Ok(Json(MissingPhotos { missing }).into_response())
}

fn owner_of(signed_in: &SignedIn) -> Result<Owner, ApiError> {
    signed_in.account.id.parse().map_err(|_| ApiError::INTERNAL)
}

/// `GET /api/v1/photos/{hash}/upload`: how many bytes of hers have arrived.
pub async fn progress(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(hash): Path<String>,
) -> Result<Response, ApiError> {
    checked(&hash)?;
    Ok(Json(state.photos.progress(&owner_of(&signed_in)?, &hash).await?).into_response())
}

/// `PUT /api/v1/photos/{hash}/upload?offset=…&total=…` with the bytes. Her
/// first piece takes a place among her uploads (`photos::ledger`), counted
/// before any byte is written; the last one gives it back.
pub async fn upload(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(hash): Path<String>,
    Query(piece): Query<UploadPiece>,
    body: Bytes,
) -> Result<Response, ApiError> {
    checked(&hash)?;
    let who = owner_of(&signed_in)?;
    if piece.offset == 0 && piece.total <= MAX_UPLOAD_BYTES && !state.photos.has(&hash).await? {
        match ledger::start(&state.db, &who, &hash).await? {
            Ok(()) => {}
            Err(Refused::UploadsWaiting) => return Err(ApiError::PHOTO_UPLOADS_WAITING),
            Err(Refused::Full) => return Err(ApiError::PHOTOS_FULL),
        }
    }
    match state.photos.receive(&who, &hash, piece.offset, piece.total, &body).await {
        Ok(received) => {
            if received.progress.done {
                ledger::ended(&state.db, &who, &hash, received.kept_bytes).await?;
            }
            Ok(Json(received.progress).into_response())
        }
        Err(error) => {
            // A refused upload is over: its pieces are gone, and so is its place.
            if matches!(error, UploadError::Mismatch | UploadError::Photo(_) | UploadError::BadLength) {
                ledger::ended(&state.db, &who, &hash, None).await?;
            }
            Err(error.into())
        }
    }
}

/// `GET /photos/{hash}/{large|thumb|preview}.jpg`. A photo buyers see (in
/// an approved revision) never changes and is kept for a year; any other
/// (her drafts, read by her other phones and the desk; a withdrawn item's) is
/// kept briefly, so a withdrawal reaches caches soon. Link previews exist only
/// for photos buyers see: nobody can have one made of a draft.
pub async fn serve(State(state): State<AppState>, Path((hash, file)): Path<(String, String)>) -> Response {
    let (Some(size), true) = (Size::from_file_name(&file), is_photo_hash(&hash)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let public = match crate::approved::is_public_photo(&state.db, &hash).await {
        Ok(public) => public,
        Err(error) => return ApiError::from(error).into_response(),
    };
    if size == Size::Preview && !public {
        return StatusCode::NOT_FOUND.into_response();
    }
    match state.photos.get(&hash, size).await {
        Ok(Some(bytes)) => {
            let mut response = bytes.into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
            let cache = if public { "public, max-age=31536000, immutable" } else { NOT_PUBLIC_CACHE };
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
            response
        }
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(error) => ApiError::from(error).into_response(),
    }
}
