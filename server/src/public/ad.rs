//! `/a/{id}`: an ad's public page, the link she shares in Telegram,
//! WhatsApp or Instagram. Plain HTML with no script, in the site frame like
//! the other buyers' pages: the card (her phone drew it; uploaded when she
//! published), the post's text, how to order, and a link to her product (or
//! storefront) carrying `?ad={id}`. Its link-preview tags name the card, so
//! the chat's preview shows it. It exists only while `ads::live` finds it
//! (published, not deleted, not taken down, its card on the server, its
//! listing approved); otherwise a 404. The helpers here count the ad's
//! results on her listing's pages and order form (`ads::results`).

use app::i18n::{Key, Lang, text};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use leptos::prelude::*;
use serde_json::json;

use super::{Head, Language, contacts, document, language, order_message, storefront_message, summary, views};
use crate::AppState;
use crate::ads;
use crate::http::client::Client;
use crate::http::page_cache as cache;
use crate::photos::store::Size;

/// The ad a buyer came through, from a listing page's `?ad={id}`.
#[derive(serde::Deserialize)]
pub struct Through {
    ad: Option<String>,
}

impl Through {
    /// The ad's id, when it is shaped like one.
    pub fn ad(self) -> Option<String> {
        self.ad.filter(|id| id.parse::<sawda_sync::RecordId>().is_ok())
    }
}

/// `path` with `?ad={id}` when there is an ad.
pub fn path_through(path: &str, ad: Option<&str>) -> String {
    match ad {
        Some(ad) => format!("{path}?ad={ad}"),
        None => path.to_owned(),
    }
}

/// `ad`, if it is her live ad that leads to `product` (or, with `None`, to
/// her storefront's page); an unknown or forged id is no ad at all.
pub async fn leading_here(state: &AppState, owner: &str, ad: Option<String>, product: Option<&str>) -> Option<String> {
    let ad = ad?;
    match ads::leads_to(&state.db, owner, &ad, product).await {
        Ok(true) => Some(ad),
        Ok(false) => None,
        Err(error) => {
            tracing::warn!(%error, "could not read an ad a buyer came through");
            None
        }
    }
}

/// A person's visit of `page` of her listing through her ad `ad`: once a
/// day per client and page, as page views count.
pub fn count_visit(state: &AppState, headers: &HeaderMap, client: &str, owner: &str, ad: &str, page: &str) {
    if views::by_a_person(headers) && state.views.first_today(client, owner, &format!("ad:{ad}:{page}")) {
        state.ad_results.visited(owner, ad);
    }
}

/// An order request just made for `product` from a form that carried `ad`:
/// counted for the ad when it is her live ad leading there.
pub async fn count_order(state: &AppState, owner: &str, ad: &str, product: &str) {
    if ad.is_empty() {
        return;
    }
    if leading_here(state, owner, Some(ad.to_owned()), Some(product)).await.is_some() {
        state.ad_results.ordered(owner, ad);
    }
}

/// The card's width and height, read from its JPEG's header.
fn dimensions(jpeg: &[u8]) -> Option<(u32, u32)> {
    image::ImageReader::with_format(std::io::Cursor::new(jpeg), image::ImageFormat::Jpeg).into_dimensions().ok()
}

/// "This ad is not shown": never kept, so a page that comes back is seen at once.
fn not_found(state: &AppState, lang: Lang, origin: &str) -> Response {
    let body = move || {
        view! {
            <h1>{text(lang, Key::PublicAdNotFoundTitle)}</h1>
            <p>{text(lang, Key::PublicAdNotFoundBody)}</p>
            <p><a class="button" href="/market">{text(lang, Key::NavMarket)}</a></p>
        }
    };
    let head = Head::plain(
        text(lang, Key::PublicAdNotFoundTitle).to_owned(),
        text(lang, Key::PublicAdNotFoundBody).to_owned(),
        format!("{origin}/market"),
    );
    super::unlisted(StatusCode::NOT_FOUND, document(state, lang, head, body), "no-store")
}

pub async fn page(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<Language>,
    Client(client): Client,
    headers: HeaderMap,
) -> Response {
    let lang = language(&query, &headers);
    let origin = state.site.origin(&headers);
    let key = cache::key(lang, &origin, &format!("/a/{id}"));
    let count_open = |owner: &str| {
        if views::by_a_person(&headers) && state.views.first_today(&client, owner, &format!("ad:{id}")) {
            state.ad_results.opened(owner, &id);
        }
    };
    if let Some(page) = state.pages.get(&key) {
        count_open(&page.owner);
        return page.response(&headers);
    }
    let since = state.pages.stamp();
    if id.parse::<sawda_sync::RecordId>().is_err() {
        return not_found(&state, lang, &origin);
    }
    let live = match ads::live(&state.db, &id).await {
        Ok(Some(live)) => live,
        Ok(None) => return not_found(&state, lang, &origin),
        Err(error) => {
            tracing::error!(%error, "an ad's page could not be read");
            return not_found(&state, lang, &origin);
        }
    };
    // Its card on the server: the page exists once the preview's image does.
    let card = live.ad.card_photo.clone();
    let size = match state.photos.get(&card, Size::Large).await {
        Ok(Some(bytes)) => dimensions(&bytes),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!(%error, "an ad's card could not be read");
            None
        }
    };
    let Some((width, height)) = size else { return not_found(&state, lang, &origin) };
    let owner = live.ad.owner.clone();
    count_open(&owner);

    let shop = &live.storefront;
    let canonical = format!("{origin}/a/{id}");
    let listing = match &live.product {
        Some(product) => format!("/s/{}/{}", shop.slug, product.slug),
        None => format!("/s/{}", shop.slug),
    };
    let listing_url = format!("{origin}{listing}");
    let message = match &live.product {
        Some(product) => order_message(lang, &product.name, &listing_url),
        None => storefront_message(lang, &shop.name, &listing_url),
    };
    let contacts = contacts(lang, &shop.fields(), message);
    let link = path_through(&listing, Some(&id));
    let link_text =
        text(lang, if live.product.is_some() { Key::PublicAdSeeProduct } else { Key::PublicAdSeeStorefront });
    let ad = live.ad;
    let post = [ad.price_line.as_str(), ad.body.as_str()].into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>();
    let description = summary(&post.join(" "), 200);
    let image = format!("{origin}/photos/{card}/large.jpg");
    let json_ld = json!({
        "@context": "https://schema.org", "@type": "WebPage", "name": ad.headline, "description": description,
        "url": canonical, "image": image,
    });
    let head = Head {
        // The headline alone: it is what the chat's preview shows as the title.
        title: ad.headline.clone(),
        description,
        canonical,
        image: Some(image),
        image_size: Some((width, height)),
        og_type: "website",
        price_som: None,
        json_ld,
    };
    let src = format!("/photos/{card}/large.jpg");
    let (headline, alt) = (ad.headline.clone(), ad.headline.clone());
    let ad_lang = Lang::from_code(&ad.language).unwrap_or(lang).code();
    // Her text as she wrote it, a paragraph per line.
    let price_line = (!ad.price_line.is_empty()).then(|| view! { <p class="price">{ad.price_line.clone()}</p> });
    let paragraphs =
        ad.body.lines().filter(|l| !l.trim().is_empty()).map(|l| view! { <p>{l.to_owned()}</p> }).collect_view();
    let (shop_link, shop_name) = (format!("/s/{}", shop.slug), shop.name.clone());
    let body = move || {
        view! {
            <article class="ad" lang=ad_lang>
                <img class="ad-card" src=src width=width height=height alt=alt/>
                <h1>{headline}</h1>
                {price_line}
                {paragraphs}
            </article>
            <section class="ad-order">
                <h2>{text(lang, Key::PublicAdHowToOrder)}</h2>
                <p class="actions"><a class="button" href=link>{link_text}</a></p>
            </section>
            {contacts}
            <p><a href=shop_link>{shop_name}</a></p>
        }
    };
    let page = document(&state, lang, head, body);
    state.pages.put(key, since, &owner, &format!("ad:{id}"), page).response(&headers)
}
