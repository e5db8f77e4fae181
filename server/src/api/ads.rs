//! `/api/v1/ads`: the desk's take-down of an ad's public page (coordinators
//! of her district, and admins). She reads the reason in her studio after
//! her next pull; the page goes at once.

use app::rules::people::Role;
use app::wire::WithdrawRequest;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::error::{ApiError, JsonBody};
use super::signed_in::SignedIn;
use crate::AppState;
use crate::ads::{self, TakeDownError};

impl From<TakeDownError> for ApiError {
    fn from(error: TakeDownError) -> Self {
        match error {
            TakeDownError::NotFound => ApiError::NOT_FOUND,
            TakeDownError::NotYours => ApiError::FORBIDDEN,
            TakeDownError::BadReason => ApiError::BAD_REASON,
            TakeDownError::Store(error) => crate::api::sync::store_error(error),
        }
    }
}

/// `POST /api/v1/ads/{id}/take-down` with `{"reason": …}`.
pub async fn take_down(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<WithdrawRequest>,
) -> Result<Json<Value>, ApiError> {
    if !matches!(signed_in.account.role(), Some(Role::Coordinator | Role::Admin)) {
        return Err(ApiError::FORBIDDEN);
    }
    let owner = ads::take_down(&state.db, &signed_in.account, &id, &request.reason).await?;
    // Gone at once from this server's kept pages (others within `page_cache::KEPT_FOR`).
    state.public_changed(owner.as_str()).await;
    Ok(Json(json!({ "ad": id, "review_state": ads::TAKEN_DOWN })))
}
