//! Coordinators invite workshop participants: batches of codes, a list, revocation,
//! and a printable A4 sheet with a code and a QR code per slip.

use app::i18n::{Key, Lang, choose_language, text};
use app::rules::people::{District, Role, normalise_invitation_code};
use app::wire::{self, CreatedWorkshop, InvitationState};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::error::{ApiError, JsonBody};
use super::signed_in::SignedIn;
use crate::AppState;
use crate::accounts::Account;
use crate::accounts::invitations::{self, Invitation, MAX_SEATS, NewWorkshop, Workshop};

fn inviter(signed_in: &SignedIn) -> Result<&Account, ApiError> {
    let account = &signed_in.account;
    if account.is_admin() || account.role() == Some(Role::Coordinator) { Ok(account) } else { Err(ApiError::FORBIDDEN) }
}

/// What a person may see: an admin everything, a coordinator their districts.
fn district_filter(account: &Account) -> Option<Vec<String>> {
    (!account.is_admin()).then(|| account.districts.clone())
}

pub async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    JsonBody(form): JsonBody<wire::NewWorkshop>,
) -> Result<(StatusCode, Json<CreatedWorkshop>), ApiError> {
    let account = inviter(&signed_in)?;
    if District::from_id(&form.district).is_none() {
        return Err(ApiError::BAD_DISTRICT);
    }
    if !account.manages_district(&form.district) {
        return Err(ApiError::FORBIDDEN);
    }
    let name = app::rules::people::check_name(&form.name).ok_or(ApiError::BAD_WORKSHOP)?;
    let date_ok = chrono::NaiveDate::parse_from_str(&form.date, "%Y-%m-%d").is_ok() && form.date.len() == 10;
    if !date_ok || !(1..=MAX_SEATS).contains(&form.seats) {
        return Err(ApiError::BAD_WORKSHOP);
    }
    let new = NewWorkshop { name, district: form.district, date: form.date, seats: form.seats };
    let (workshop, codes) = invitations::create_workshop(&state.db, &account.id, new).await?;
    let invitations = codes.iter().map(Invitation::view).collect();
    Ok((StatusCode::CREATED, Json(CreatedWorkshop { workshop: workshop.view(), invitations })))
}

pub async fn list(State(state): State<AppState>, signed_in: SignedIn) -> Result<Json<Vec<wire::Invitation>>, ApiError> {
    let account = inviter(&signed_in)?;
    let all = invitations::list(&state.db, district_filter(account)).await?;
    Ok(Json(all.iter().map(Invitation::view).collect()))
}

pub async fn revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(code): Path<String>,
) -> Result<StatusCode, ApiError> {
    let account = inviter(&signed_in)?;
    let code = normalise_invitation_code(&code).ok_or(ApiError::NOT_FOUND)?;
    let invitation = invitations::find(&state.db, &code).await?.ok_or(ApiError::NOT_FOUND)?;
    if !account.manages_district(&invitation.district) {
        return Err(ApiError::FORBIDDEN);
    }
    invitations::revoke(&state.db, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The printable sheet: an HTML page laid out for A4, one slip per code.
pub async fn sheet(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(workshop_id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let account = inviter(&signed_in)?;
    let workshop = invitations::find_workshop(&state.db, &workshop_id).await?.ok_or(ApiError::NOT_FOUND)?;
    if !account.manages_district(&workshop.district) {
        return Err(ApiError::FORBIDDEN);
    }
    let codes = invitations::of_workshop(&state.db, &workshop_id).await?;
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let lang = choose_language(header(header::COOKIE), header(header::ACCEPT_LANGUAGE));
    let origin = state.site.origin(&headers);
    let html = render_sheet(lang, &workshop, &codes, &origin);
    Ok(([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn render_sheet(lang: Lang, workshop: &Workshop, codes: &[Invitation], origin: &str) -> String {
    let district = District::from_id(&workshop.district).map_or("", |d| text(lang, d.name_key()));
    let slips: String = codes
        .iter()
        .filter(|code| code.state() == InvitationState::Open)
        .map(|invitation| {
            let link = format!("{origin}/sign-up?code={}", invitation.code);
            let qr = qrcode::QrCode::new(link.as_bytes())
                .map(|code| code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(132, 132).quiet_zone(false).build())
                .unwrap_or_default();
            format!(
                "<section class=\"slip\"><div class=\"qr\">{qr}</div><div><p class=\"workshop\">{name} · {district} · {date}</p>\
                 <p class=\"label\">{label}</p><p class=\"code\">{code}</p><p class=\"link\">{link}</p>\
                 <p class=\"hint\">{hint}</p></div></section>",
                name = escape(&workshop.name),
                district = escape(district),
                date = escape(&workshop.date),
                label = escape(text(lang, Key::SheetCodeLabel)),
                code = escape(&invitation.code),
                link = escape(&link),
                hint = escape(text(lang, Key::SheetHint)),
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"{code}\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"/invitation-sheet.css\"></head><body><h1>{title}</h1>{slips}</body></html>",
        code = lang.code(),
        title = escape(&format!("{} — {}", text(lang, Key::SheetTitle), workshop.name)),
    )
}
