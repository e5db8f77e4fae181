//! Admins manage coordinators; coordinators manage the entrepreneurs of their districts.

use app::rules::people::{District, Role, check_name, check_password, normalise_phone};
use app::wire::{AccountView, Districts, NewCoordinator, ResetCode};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::error::{ApiError, JsonBody};
use super::signed_in::SignedIn;
use crate::AppState;
use crate::accounts::people::{self, NewAccount};
use crate::accounts::{Account, passwords, reset_codes, sessions};

fn admin(signed_in: &SignedIn) -> Result<&Account, ApiError> {
    signed_in.account.is_admin().then_some(&signed_in.account).ok_or(ApiError::FORBIDDEN)
}

fn check_districts(ids: Vec<String>) -> Result<Vec<String>, ApiError> {
    if ids.is_empty() || ids.iter().any(|id| District::from_id(id).is_none()) {
        return Err(ApiError::BAD_DISTRICT);
    }
    let mut ids = ids;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

async fn coordinator(state: &AppState, id: &str) -> Result<Account, ApiError> {
    let account = people::find_by_id(&state.db, id).await?.ok_or(ApiError::NOT_FOUND)?;
    if account.role() == Some(Role::Coordinator) { Ok(account) } else { Err(ApiError::NOT_FOUND) }
}

pub async fn create_coordinator(
    State(state): State<AppState>,
    signed_in: SignedIn,
    JsonBody(form): JsonBody<NewCoordinator>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    admin(&signed_in)?;
    let phone = normalise_phone(&form.phone).ok_or(ApiError::BAD_PHONE)?;
    let name = check_name(&form.name).ok_or(ApiError::BAD_NAME)?;
    if !check_password(&form.password) {
        return Err(ApiError::WEAK_PASSWORD);
    }
    let districts = check_districts(form.districts)?;
    let password_hash = passwords::hash(form.password).await;
    let new = NewAccount { phone, name, role: Role::Coordinator, password_hash, districts };
    let account = people::create(&state.db, new).await?;
    Ok((StatusCode::CREATED, Json(account.view())))
}

pub async fn list_coordinators(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    admin(&signed_in)?;
    Ok(Json(people::list(&state.db, Role::Coordinator, None).await?.iter().map(Account::view).collect()))
}

pub async fn set_coordinator_districts(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
    JsonBody(form): JsonBody<Districts>,
) -> Result<StatusCode, ApiError> {
    admin(&signed_in)?;
    let districts = check_districts(form.districts)?;
    coordinator(&state, &id).await?;
    people::set_districts(&state.db, &id, districts).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove_coordinator(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&signed_in)?;
    coordinator(&state, &id).await?;
    people::remove(&state.db, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_entrepreneurs(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<AccountView>>, ApiError> {
    let account = &signed_in.account;
    let districts = match account.role() {
        Some(Role::Admin) => None,
        Some(Role::Coordinator) => Some(account.districts.clone()),
        _ => return Err(ApiError::FORBIDDEN),
    };
    Ok(Json(people::list(&state.db, Role::Entrepreneur, districts).await?.iter().map(Account::view).collect()))
}

/// The person behind an id, if the one asking may manage them (else 404, not to reveal them).
async fn managed(state: &AppState, signed_in: &SignedIn, id: &str) -> Result<Account, ApiError> {
    if signed_in.account.role() == Some(Role::Entrepreneur) {
        return Err(ApiError::FORBIDDEN);
    }
    let target = people::find_by_id(&state.db, id).await?;
    target.filter(|target| signed_in.account.manages(target)).ok_or(ApiError::NOT_FOUND)
}

pub async fn issue_reset_code(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<ResetCode>), ApiError> {
    let target = managed(&state, &signed_in, &id).await?;
    let code = reset_codes::issue(&state.db, &target.id, &signed_in.account.id).await?;
    Ok((StatusCode::CREATED, Json(ResetCode { code, valid_hours: reset_codes::VALID_HOURS })))
}

pub async fn end_sessions(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let target = managed(&state, &signed_in, &id).await?;
    sessions::end_all(&state.db, &target.id).await?;
    Ok(StatusCode::NO_CONTENT)
}
