//! API errors: a status, a stable machine-readable `code`, and a message in the
//! language of the person who asked (filled in by `localise`, which sees the request).

use app::i18n::{Key, choose_language, text};
use app::wire::Problem;
use axum::Json;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::accounts::people::AccountError;
use crate::http::client::NotAnAddress;
use crate::photos::UploadError;
use crate::photos::checks::PhotoProblem;

#[derive(Debug, Clone, Copy)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub key: Key,
    pub retry_after_seconds: Option<u64>,
    /// For `upload_offset`: the bytes of the photo the server has, where the phone resumes.
    pub received: Option<u64>,
    /// A form's problems field by field, in the form's order (sign-up): `code` and `key`
    /// are the first one's, so that a program reading one problem reads the first.
    pub fields: [Option<(&'static str, Key)>; 5],
}

impl ApiError {
    const fn new(status: StatusCode, code: &'static str, key: Key) -> Self {
        ApiError { status, code, key, retry_after_seconds: None, received: None, fields: [None; 5] }
    }

    /// Every problem of a form at once, field by field (at most five, in the form's order).
    pub fn fields(problems: &[(&'static str, ApiError)]) -> Option<ApiError> {
        let (_, first) = *problems.first()?;
        let mut fields = [None; 5];
        for (slot, (field, error)) in fields.iter_mut().zip(problems) {
            *slot = Some((*field, error.key));
        }
        Some(ApiError { fields, ..first })
    }

    pub const BAD_REQUEST: ApiError = ApiError::new(StatusCode::BAD_REQUEST, "bad_request", Key::ErrorBadRequest);
    pub const TOO_LARGE: ApiError = ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", Key::ErrorTooLarge);
    pub const BAD_PHONE: ApiError = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_phone", Key::ErrorBadPhone);
    pub const WEAK_PASSWORD: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "weak_password", Key::ErrorWeakPassword);
    pub const BAD_NAME: ApiError = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_name", Key::ErrorBadName);
    pub const BAD_GENDER: ApiError = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_gender", Key::ErrorBadGender);
    pub const BAD_DISTRICT: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_district", Key::ErrorBadDistrict);
    pub const BAD_WORKSHOP: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_workshop", Key::ErrorBadWorkshop);
    pub const INVALID_CREDENTIALS: ApiError =
        ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", Key::ErrorInvalidCredentials);
    pub const INVITATION_INVALID: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invitation_invalid", Key::ErrorInvitationInvalid);
    pub const PHONE_TAKEN: ApiError = ApiError::new(StatusCode::CONFLICT, "phone_taken", Key::ErrorPhoneTaken);
    pub const RESET_CODE_INVALID: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "reset_code_invalid", Key::ErrorResetCodeInvalid);
    pub const NOT_SIGNED_IN: ApiError = ApiError::new(StatusCode::UNAUTHORIZED, "not_signed_in", Key::ErrorNotSignedIn);
    pub const FORBIDDEN: ApiError = ApiError::new(StatusCode::FORBIDDEN, "forbidden", Key::ErrorForbidden);
    pub const NOT_FOUND: ApiError = ApiError::new(StatusCode::NOT_FOUND, "not_found", Key::ErrorNotFound);
    pub const PHOTO_NOT_IMAGE: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "photo_not_image", Key::ErrorPhotoNotImage);
    pub const PHOTO_DAMAGED: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "photo_damaged", Key::ErrorPhotoDamaged);
    pub const PHOTO_TOO_MANY_PIXELS: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "photo_too_many_pixels", Key::ErrorPhotoTooManyPixels);
    pub const PHOTO_TOO_LARGE: ApiError =
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "photo_too_large", Key::ErrorPhotoTooLarge);
    pub const PHOTO_MISMATCH: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "photo_mismatch", Key::ErrorPhotoMismatch);
    /// She keeps as many photos as one person may (`photos::ledger`).
    pub const PHOTOS_FULL: ApiError =
        ApiError::new(StatusCode::INSUFFICIENT_STORAGE, "photos_full", Key::ErrorPhotosFull);
    /// As many of her uploads are under way as one person may have.
    pub const PHOTO_UPLOADS_WAITING: ApiError = ApiError {
        retry_after_seconds: Some(60),
        ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "photo_uploads_waiting", Key::ErrorPhotoUploadsWaiting)
    };
    pub const UPLOAD_OFFSET: ApiError = ApiError::new(StatusCode::CONFLICT, "upload_offset", Key::ErrorUploadOffset);
    /// Another coordinator decided this revision first (`DecidedBy` says who).
    pub const ALREADY_DECIDED: ApiError =
        ApiError::new(StatusCode::CONFLICT, "already_decided", Key::ErrorAlreadyDecided);
    /// Nothing submitted to decide on, or nothing public to withdraw.
    pub const NOT_UNDER_REVIEW: ApiError =
        ApiError::new(StatusCode::CONFLICT, "not_under_review", Key::ErrorNotUnderReview);
    pub const BAD_FEEDBACK: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_feedback", Key::ErrorBadFeedback);
    /// A take-down without a reason, or with one too long (`ads::MAX_REASON_CHARS`).
    pub const BAD_REASON: ApiError = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_reason", Key::ErrorBadReason);
    /// A storefront's address was approved for another person's storefront before.
    pub const ADDRESS_TAKEN: ApiError = ApiError::new(StatusCode::CONFLICT, "address_taken", Key::ErrorAddressTaken);
    /// The database refused a decision (a unique index, a schema rule): nothing changed.
    pub const DECISION_REFUSED: ApiError =
        ApiError::new(StatusCode::CONFLICT, "decision_refused", Key::ErrorDecisionRefused);
    /// A partner's export token that is wrong or revoked (`accounts::partner_tokens`).
    pub const BAD_TOKEN: ApiError = ApiError::new(StatusCode::UNAUTHORIZED, "bad_token", Key::ErrorBadToken);
    pub const BAD_TOKEN_NAME: ApiError =
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_token_name", Key::ErrorBadTokenName);
    /// An export cursor this server did not make (`export::feed::Cursor`).
    pub const BAD_CURSOR: ApiError = ApiError::new(StatusCode::BAD_REQUEST, "bad_cursor", Key::ErrorBadCursor);
    pub const INTERNAL: ApiError = ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", Key::ErrorInternal);

    pub fn upload_offset(received: u64) -> ApiError {
        ApiError { received: Some(received), ..ApiError::UPLOAD_OFFSET }
    }

    /// Too many requests wait for password hashing: answered at once.
    pub const BUSY: ApiError = ApiError {
        retry_after_seconds: Some(5),
        ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "busy", Key::ErrorBusy)
    };

    /// The database does not answer (restarting, unreachable): nothing was
    /// changed that the caller cannot send again.
    pub const TRY_AGAIN: ApiError = ApiError {
        retry_after_seconds: Some(5),
        ..ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "try_again", Key::ErrorTryAgain)
    };

    pub fn rate_limited(wait: std::time::Duration) -> ApiError {
        ApiError {
            retry_after_seconds: Some(wait.as_secs().max(1)),
            ..ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", Key::ErrorRateLimited)
        }
    }
}

impl From<crate::accounts::passwords::Busy> for ApiError {
    fn from(_: crate::accounts::passwords::Busy) -> Self {
        ApiError::BUSY
    }
}

/// Database trouble is logged in full and shown to people as a calm, general message.
impl From<surrealdb::Error> for ApiError {
    fn from(error: surrealdb::Error) -> Self {
        tracing::error!(%error, "database error in an API request");
        if error.is_connection() { ApiError::TRY_AGAIN } else { ApiError::INTERNAL }
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::PhoneTaken => ApiError::PHONE_TAKEN,
            AccountError::InvitationInvalid => ApiError::INVITATION_INVALID,
            AccountError::Database(error) => error.into(),
        }
    }
}

impl From<UploadError> for ApiError {
    fn from(error: UploadError) -> Self {
        match error {
            // The piece does not start where the upload is: the phone resumes from `received`.
            UploadError::Offset { received } => ApiError::upload_offset(received),
            UploadError::TooLarge => ApiError::PHOTO_TOO_LARGE,
            UploadError::BadLength => ApiError::BAD_REQUEST,
            UploadError::Mismatch => ApiError::PHOTO_MISMATCH,
            UploadError::Photo(PhotoProblem::NotAnImage) => ApiError::PHOTO_NOT_IMAGE,
            UploadError::Photo(PhotoProblem::Damaged) => ApiError::PHOTO_DAMAGED,
            UploadError::Photo(PhotoProblem::TooManyPixels) => ApiError::PHOTO_TOO_MANY_PIXELS,
            UploadError::Io(error) => error.into(),
        }
    }
}

/// Trouble with the photo files is logged in full; people read the general message.
impl From<std::io::Error> for ApiError {
    fn from(error: std::io::Error) -> Self {
        tracing::error!(%error, "photo storage");
        ApiError::INTERNAL
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.status.into_response();
        if let Some(seconds) = self.retry_after_seconds {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// A forwarded client entry that is not an address (`http::client`): a bad request.
impl IntoResponse for NotAnAddress {
    fn into_response(self) -> Response {
        ApiError::BAD_REQUEST.into_response()
    }
}

/// While the database does not answer, every API request is told at once to
/// try again, rather than wait behind a database server that is restarting.
pub async fn database_answers(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if state.database.is_up() { next.run(request).await } else { ApiError::TRY_AGAIN.into_response() }
}

/// Who decided a review first, sent with `already_decided`.
#[derive(Clone, Debug)]
pub struct DecidedBy {
    pub name: String,
    pub at: String,
}

/// Writes the body of every `ApiError` in the caller's language.
pub async fn localise(request: Request, next: Next) -> Response {
    let lang = {
        let header = |name| request.headers().get(name).and_then(|v| v.to_str().ok());
        choose_language(header(header::COOKIE), header(header::ACCEPT_LANGUAGE))
    };
    let response = next.run(request).await;
    let Some(error) = response.extensions().get::<ApiError>().copied() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let decided = parts.extensions.get::<DecidedBy>().cloned();
    let body = Json(Problem {
        code: error.code.to_owned(),
        message: text(lang, error.key).to_owned(),
        received: error.received,
        decided_by: decided.as_ref().map(|d| d.name.clone()),
        decided_at: decided.map(|d| d.at),
        fields: error
            .fields
            .iter()
            .flatten()
            .map(|(field, key)| ((*field).to_owned(), text(lang, *key).to_owned()))
            .collect(),
    });
    (parts, body).into_response()
}

/// A JSON request body whose problems answer as API errors.
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(JsonBody(value)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(ApiError::TOO_LARGE),
            Err(_) => Err(ApiError::BAD_REQUEST),
        }
    }
}
