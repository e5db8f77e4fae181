//! The export feed's addresses and partners' tokens (`docs/export.md`).

use app::rules::people::Role;
use app::wire::{CreatedExportToken, ExportToken, NewExportToken};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::error::{ApiError, JsonBody};
use super::signed_in::{MaybeSignedIn, SignedIn};
use crate::AppState;
use crate::accounts::partner_tokens as tokens;
use crate::export::csv;
use crate::export::feed::{self, Cursor};

#[derive(Deserialize)]
pub struct Asked {
    since: Option<String>,
    limit: Option<String>,
}

/// Who reads the feed: a coordinator or an admin signed in, or a partner's token.
enum Reader {
    Staff,
    Partner(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

pub async fn products_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed_in: MaybeSignedIn,
    Query(asked): Query<Asked>,
) -> Response {
    products(state, headers, signed_in, asked, Format::Json).await
}

pub async fn products_csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    signed_in: MaybeSignedIn,
    Query(asked): Query<Asked>,
) -> Response {
    products(state, headers, signed_in, asked, Format::Csv).await
}

async fn products(
    state: AppState,
    headers: HeaderMap,
    signed_in: MaybeSignedIn,
    asked: Asked,
    format: Format,
) -> Response {
    let reader = match reader(&state, &headers, signed_in).await {
        Ok(reader) => reader,
        Err(error) => return error.into_response(),
    };
    let answer = match &reader {
        // Counted before its work, like every limit here.
        Reader::Partner(token) => {
            match crate::infra::rate_limit::take(&state.db, &[state.export_limit.on(token)]).await {
                Ok(Ok(())) => answer(&state, &headers, &asked, format).await,
                Ok(Err(wait)) => Err(ApiError::rate_limited(wait)),
                Err(error) => Err(error.into()),
            }
        }
        Reader::Staff => answer(&state, &headers, &asked, format).await,
    };
    let (response, items) = match answer {
        Ok((response, items)) => (response, items),
        Err(error) => (error.into_response(), 0),
    };
    if let Reader::Partner(token) = &reader {
        let path = if format == Format::Json { "products.json" } else { "products.csv" };
        let status = response.status().as_u16();
        tracing::info!(token, path, since = asked.since.as_deref(), items, status, "export feed read with a token");
        let used = tokens::Use { token, path, since: asked.since.as_deref(), items, status };
        if let Err(error) = tokens::log_use(&state.db, used).await {
            tracing::warn!(%error, token, "a use of an export token was not logged in the database");
        }
    }
    response
}

async fn reader(state: &AppState, headers: &HeaderMap, signed_in: MaybeSignedIn) -> Result<Reader, ApiError> {
    // A partner's token decides alone: a wrong one is refused even beside a session.
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let found = match token {
            Some(token) => tokens::find(&state.db, token).await?,
            None => None,
        };
        return found.map(Reader::Partner).ok_or(ApiError::BAD_TOKEN);
    }
    match signed_in.0 {
        Some(signed_in) if matches!(signed_in.account.role(), Some(Role::Coordinator | Role::Admin)) => {
            Ok(Reader::Staff)
        }
        Some(_) => Err(ApiError::FORBIDDEN),
        None => Err(ApiError::NOT_SIGNED_IN),
    }
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    asked: &Asked,
    format: Format,
) -> Result<(Response, usize), ApiError> {
    let after = match asked.since.as_deref() {
        Some(since) => Some(Cursor::parse(since).ok_or(ApiError::BAD_CURSOR)?),
        None => None,
    };
    let limit = match asked.limit.as_deref() {
        Some(limit) => limit
            .parse::<usize>()
            .ok()
            .filter(|limit| (1..=feed::MAX_LIMIT).contains(limit))
            .ok_or(ApiError::BAD_REQUEST)?,
        None => feed::DEFAULT_LIMIT,
    };
    let origin = state.site.origin(headers);
    let page = feed::page(&state.db, after.as_ref(), limit, state.export_settle, &origin).await?;
    let items = page.items.len();
    let next = page.next.text();
    let response = match format {
        Format::Json => Json(serde_json::json!({
            "version": feed::VERSION,
            "items": page.items,
            "next": next,
            "more": page.more,
        }))
        .into_response(),
        Format::Csv => {
            let mut response = csv::document(&page.items).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            headers.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static(r#"attachment; filename="sawda-products.csv""#),
            );
            if let Ok(next) = HeaderValue::from_str(&next) {
                headers.insert("sawda-export-next", next);
            }
            headers.insert("sawda-export-more", HeaderValue::from_static(if page.more { "true" } else { "false" }));
            response
        }
    };
    Ok((response, items))
}

fn admin(signed_in: &SignedIn) -> Result<(), ApiError> {
    signed_in.account.is_admin().then_some(()).ok_or(ApiError::FORBIDDEN)
}

pub async fn create_token(
    State(state): State<AppState>,
    signed_in: SignedIn,
    JsonBody(form): JsonBody<NewExportToken>,
) -> Result<(StatusCode, Json<CreatedExportToken>), ApiError> {
    admin(&signed_in)?;
    let name = tokens::checked_name(&form.name).ok_or(ApiError::BAD_TOKEN_NAME)?;
    let created = tokens::create(&state.db, &name, &signed_in.account.name).await?;
    tracing::info!(token = created.id, by = signed_in.account.id, "export token made");
    let tokens::Created { id, name, token, created_at } = created;
    Ok((StatusCode::CREATED, Json(CreatedExportToken { id, name, token, created_at: time(&created_at) })))
}

fn time(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub async fn list_tokens(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Json<Vec<ExportToken>>, ApiError> {
    admin(&signed_in)?;
    let listed = tokens::list(&state.db).await?.into_iter().map(|token| ExportToken {
        id: token.id,
        name: token.name,
        created_at: time(&token.created_at),
        created_by: token.created_by,
        revoked_at: token.revoked_at.as_ref().map(time),
        last_used_at: token.last_used_at.as_ref().map(time),
        uses: token.uses,
    });
    Ok(Json(listed.collect()))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin(&signed_in)?;
    if !tokens::revoke(&state.db, &id).await? {
        return Err(ApiError::NOT_FOUND);
    }
    tracing::info!(token = id, by = signed_in.account.id, "export token revoked");
    Ok(StatusCode::OK)
}
