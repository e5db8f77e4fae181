//! `/api/v1/studio`: what the studio reads from the server besides sync:
//! the views of her public pages. Entrepreneurs only, their own.

use app::rules::people::Role;
use app::wire::PageViews;
use axum::Json;
use axum::extract::State;

use super::error::ApiError;
use super::signed_in::SignedIn;
use crate::AppState;

pub async fn views(State(state): State<AppState>, signed_in: SignedIn) -> Result<Json<PageViews>, ApiError> {
    if signed_in.account.role() != Some(Role::Entrepreneur) {
        return Err(ApiError::FORBIDDEN);
    }
    // Sync owners and approved rows name her by her account id.
    Ok(Json(crate::approved::views::of_owner(&state.db, &signed_in.account.id).await?))
}
