//! `/api/v1/review`: the coordinators' desk (coordinators of the item's
//! district, and admins). Entrepreneurs read their reviews through sync.

use app::rules::people::Role;
use app::rules::review::Review;
use app::wire::{DecisionRequest, ReviewItemView, ReviewQueue, WithdrawRequest};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use sawda_sync::{Owner, RecordId};

use super::error::{ApiError, DecidedBy, JsonBody};
use super::signed_in::SignedIn;
use crate::AppState;
use crate::accounts::Account;
use crate::review::desk::{self, DeskError, QueueFilter};

fn reviewer(signed_in: &SignedIn) -> Result<&Account, ApiError> {
    match signed_in.account.role() {
        Some(Role::Coordinator | Role::Admin) => Ok(&signed_in.account),
        _ => Err(ApiError::FORBIDDEN),
    }
}

fn item_key(owner: &str, record: &str) -> Result<(Owner, RecordId), ApiError> {
    Ok((owner.parse().map_err(|_| ApiError::NOT_FOUND)?, record.parse().map_err(|_| ApiError::NOT_FOUND)?))
}

impl From<DeskError> for ApiError {
    fn from(error: DeskError) -> Self {
        match error {
            DeskError::NotFound => ApiError::NOT_FOUND,
            DeskError::BadCursor => ApiError::BAD_REQUEST,
            DeskError::AlreadyDecided { .. } => ApiError::ALREADY_DECIDED,
            DeskError::NotUnderReview => ApiError::NOT_UNDER_REVIEW,
            DeskError::BadFeedback(_) => ApiError::BAD_FEEDBACK,
            DeskError::AddressTaken(_) => ApiError::ADDRESS_TAKEN,
            DeskError::Busy(_) => ApiError::BUSY,
            DeskError::Refused(_) => ApiError::DECISION_REFUSED,
            DeskError::Store(error) => crate::api::sync::store_error(error),
        }
    }
}

/// An `ApiError`, with who decided first for `already_decided`.
fn desk_failure(error: DeskError) -> Response {
    let decided = match &error {
        DeskError::AlreadyDecided { by, at } => Some(DecidedBy { name: by.clone(), at: at.clone() }),
        _ => None,
    };
    let mut response = ApiError::from(error).into_response();
    if let Some(decided) = decided {
        response.extensions_mut().insert(decided);
    }
    response
}

pub async fn queue(
    State(state): State<AppState>,
    signed_in: SignedIn,
    filter: Result<Query<QueueFilter>, QueryRejection>,
) -> Result<Json<ReviewQueue>, ApiError> {
    let who = reviewer(&signed_in)?;
    let Query(filter) = filter.map_err(|_| ApiError::BAD_REQUEST)?;
    Ok(Json(desk::queue(&state.db, who, &filter).await?))
}

pub async fn item(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((owner, record)): Path<(String, String)>,
) -> Result<Json<ReviewItemView>, ApiError> {
    let who = reviewer(&signed_in)?;
    let (owner, record) = item_key(&owner, &record)?;
    Ok(Json(desk::item(&state.db, who, &owner, record).await?))
}

pub async fn decide(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((owner, record)): Path<(String, String)>,
    JsonBody(request): JsonBody<DecisionRequest>,
) -> Result<Json<Review>, Response> {
    let who = reviewer(&signed_in).map_err(IntoResponse::into_response)?;
    let (owner, record) = item_key(&owner, &record).map_err(IntoResponse::into_response)?;
    let decided = desk::decide(&state.db, who, &owner, record, request).await.map_err(desk_failure)?;
    state.public_changed(owner.as_str()).await;
    Ok(Json(decided))
}

pub async fn withdraw(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path((owner, record)): Path<(String, String)>,
    JsonBody(request): JsonBody<WithdrawRequest>,
) -> Result<Json<Review>, Response> {
    let who = reviewer(&signed_in).map_err(IntoResponse::into_response)?;
    let (owner, record) = item_key(&owner, &record).map_err(IntoResponse::into_response)?;
    let withdrawn = desk::withdraw(&state.db, who, &owner, record, request.reason).await.map_err(desk_failure)?;
    state.public_changed(owner.as_str()).await;
    Ok(Json(withdrawn))
}
