//! Her own storefront before buyers can see it: `/s/{her address}` opened on
//! a device signed in as its owner shows what she has now (drawn by the
//! same listing), under a banner saying only she sees it; never cached,
//! never indexed. Everyone else gets the friendly 404.

use app::i18n::{Key, Lang, text};
use app::rules::records::storefront;
use app::ui::{FieldMap, StorefrontListing, served_photo};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use leptos::prelude::*;
use sawda_sync::{Kind, Owner};
use serde_json::Value;

use super::{Head, document};
use crate::AppState;
use crate::accounts::sessions;

/// The signed-in owner of the storefront at `address`, and that storefront,
/// if this request is hers: her storefront is read alone, by its fixed id,
/// so an unknown address costs one record, never all of hers.
async fn her_storefront(state: &AppState, headers: &HeaderMap, address: &str) -> Option<(Owner, sawda_sync::Record)> {
    let (session, _) = sessions::of_request(&state.db, headers, state.site.secure_cookies(headers)).await.ok()??;
    let owner: Owner = session.account.id.parse().ok()?;
    let id = storefront::storefront_id(&owner);
    let hers = crate::sync::store::record(&state.db, &owner, id).await.ok()??;
    let at_address = !hers.is_deleted() && hers.get(storefront::SLUG).and_then(Value::as_str) == Some(address);
    at_address.then_some((owner, hers))
}

/// Her preview, or `None` when the request is not hers.
pub async fn storefront(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    address: &str,
    origin: &str,
) -> Option<Response> {
    let (owner, hers) = her_storefront(state, headers, address).await?;
    let content = |r: &sawda_sync::Record| -> FieldMap { app::rules::review::content(r) };
    let shop = content(&hers);
    let records = crate::sync::store::records_of_kind(&state.db, &owner, Kind::Product).await.ok()?;
    let mut products: Vec<(f64, FieldMap)> = records
        .iter()
        .filter(|r| !r.is_deleted())
        .map(|r| (r.get("position").and_then(Value::as_f64).unwrap_or(0.0), content(r)))
        .collect();
    products.sort_by(|a, b| a.0.total_cmp(&b.0));
    let products: Vec<FieldMap> = products.into_iter().map(|(_, p)| p).collect();
    let name = shop.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
    let body = move || {
        view! {
            <p class="notice preview-banner">{text(lang, Key::PublicPreviewBanner)}</p>
            <StorefrontListing storefront=shop products photo=served_photo/>
        }
    };
    let head = Head::plain(format!("{name} · Sawda"), String::new(), format!("{origin}/s/{address}"));
    Some(super::unlisted(StatusCode::OK, document(state, lang, head, body), "private, no-store"))
}
