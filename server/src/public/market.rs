//! `/market`: the directory of approved products (and, on its first page,
//! the storefronts that match), filtered by district and category, searched
//! in four languages through one spelling, paged by keyset. A GET form with
//! everything in the address: it works with JavaScript off and a search can
//! be shared as a link. What a search finds is `approved::market`'s.

use std::time::Duration;

use app::i18n::{Key, Lang, text};
use app::rules::money::format_som;
use app::rules::people::District;
use app::rules::records::storefront::Category;
use app::ui::encode_component;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use leptos::prelude::*;
use serde_json::json;

use super::{Head, document, language, render};
use crate::AppState;
use crate::approved::market::{Asked, Filters, QUERY_CHARS, did_you_mean, page_within, timed_out};
use crate::http::page_cache::{self as cache, html};

/// How long a search waits for a turn before the buyer is asked to try again.
const TURN_WAIT: Duration = Duration::from_secs(2);

fn select(
    name: &'static str,
    label: Key,
    lang: Lang,
    current: Option<&str>,
    options: Vec<(&'static str, Key)>,
) -> impl IntoView + use<> {
    let options = std::iter::once(("", Key::DeskAny))
        .chain(options)
        .map(|(id, key)| {
            let selected = Some(id) == current || (id.is_empty() && current.is_none());
            view! { <option value=id selected=selected>{text(lang, key)}</option> }
        })
        .collect_view();
    view! {
        <label class="field filter">
            <span>{text(lang, label)}</span>
            <select name=name>{options}</select>
        </label>
    }
}

/// The search form, filled with what the market read of her search.
fn form(lang: Lang, asked: &Asked) -> impl IntoView + use<> {
    let districts = select(
        "district",
        Key::StorefrontDistrict,
        lang,
        asked.district.as_deref(),
        District::ALL.iter().map(|d| (d.id(), d.name_key())).collect(),
    );
    let categories = select(
        "category",
        Key::MarketCategory,
        lang,
        asked.category.as_deref(),
        Category::ALL.iter().map(|c| (c.id(), c.name_key())).collect(),
    );
    view! {
        <form class="market-search" method="get" action="/market" role="search">
            <label class="field">
                <span>{text(lang, Key::MarketSearch)}</span>
                <input type="search" name="q" value=asked.query() maxlength=QUERY_CHARS autocomplete="off"/>
            </label>
            {districts}
            {categories}
            <button class="button" type="submit">{text(lang, Key::MarketGo)}</button>
        </form>
    }
}

fn note(lang: Lang, key: Key) -> impl IntoView {
    view! { <p class="market-note" role="status">{text(lang, key)}</p> }
}

fn market_head(lang: Lang, origin: &str) -> Head {
    Head {
        title: format!("{} · Sawda", text(lang, Key::MarketTitle)),
        description: text(lang, Key::MarketBody).to_owned(),
        canonical: format!("{origin}/market"),
        image: None,
        image_size: None,
        og_type: "website",
        price_som: None,
        json_ld: json!({"@context": "https://schema.org", "@type": "WebSite", "name": "Sawda", "url": format!("{origin}/market")}),
    }
}

/// A search the database gave up on: she is asked for a shorter one, and
/// nothing keeps the answer.
fn too_slow(state: &AppState, lang: Lang, origin: &str, asked: &Asked) -> Response {
    let form = form(lang, asked);
    let body = move || view! { <h1>{text(lang, Key::MarketTitle)}</h1>{note(lang, Key::MarketTooSlow)}{form} };
    super::unlisted(StatusCode::SERVICE_UNAVAILABLE, document(state, lang, market_head(lang, origin), body), "no-store")
}

/// Every turn taken for longer than `TURN_WAIT`: many people (or a script) searching at once.
fn busy(state: &AppState, lang: Lang, origin: &str, asked: &Asked) -> Response {
    let form = form(lang, asked);
    let body = move || view! { <h1>{text(lang, Key::MarketTitle)}</h1>{note(lang, Key::MarketBusy)}{form} };
    let mut response = super::unlisted(
        StatusCode::SERVICE_UNAVAILABLE,
        document(state, lang, market_head(lang, origin), body),
        "no-store",
    );
    response.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
    response
}

pub async fn market(State(state): State<AppState>, Query(filters): Query<Filters>, headers: HeaderMap) -> Response {
    let lang = language(&super::Language { lang: filters.lang.clone() }, &headers);
    let origin = state.site.origin(&headers);
    let asked = Asked::from(&filters);
    // Kept like storefront pages, by what the market read: "SA 7x" and "sa7x" are one page.
    let key = cache::key(lang, &origin, &format!("/market?{}", asked.key()));
    if let Some(page) = state.pages.get(&key) {
        return page.response(&headers);
    }
    let Ok(Ok(_turn)) = tokio::time::timeout(TURN_WAIT, state.market_searches.acquire()).await else {
        tracing::info!("a market search found every turn taken");
        return busy(&state, lang, &origin, &asked);
    };
    let stamp = state.pages.stamp();
    let page = match page_within(&state.db, &asked, state.market_timeout).await {
        Ok(page) => page,
        Err(error) if timed_out(&error) => {
            tracing::info!(words = asked.words.len(), "a market search gave up");
            return too_slow(&state, lang, &origin, &asked);
        }
        Err(error) => {
            tracing::error!(%error, "market directory");
            return html(StatusCode::INTERNAL_SERVER_ERROR, render(lang, move || text(lang, Key::ErrorInternal)));
        }
    };
    let q = asked.query();
    let district = asked.district.as_deref();
    let category = asked.category.as_deref();
    let form = form(lang, &asked);
    let nothing_to_search = asked.searched && asked.words.is_empty();
    let notes = [
        asked.cut.then_some(Key::MarketSearchCut),
        asked.dropped.then_some(Key::MarketSearchShort),
        nothing_to_search.then_some(Key::MarketSearchNothing),
    ]
    .into_iter()
    .flatten()
    .map(|key| note(lang, key))
    .collect_view();
    let district_name = |id: &str| District::from_id(id).map(|d| text(lang, d.name_key())).unwrap_or_default();
    let shops = (!page.storefronts.is_empty()).then(|| {
        let shops = page
            .storefronts
            .iter()
            .map(|(slug, name, district)| {
                view! {
                    <li>
                        <a href=format!("/s/{slug}")><strong>{name.clone()}</strong></a>
                        " "
                        <span class="hint">{district_name(district)}</span>
                    </li>
                }
            })
            .collect_view();
        view! {
            <h2>{text(lang, Key::MarketStorefronts)}</h2>
            <ul class="market-storefronts">{shops}</ul>
        }
    });
    let products = (!page.products.is_empty()).then(|| {
        let products = page
            .products
            .iter()
            .map(|p| {
                let photo = p.photo.as_deref().map(|hash| {
                    view! { <img src=format!("/photos/{hash}/thumb.jpg") alt="" width="96" height="96" loading="lazy"/> }
                });
                // An empty text would be drawn as a space.
                let price = p.price_som.map(|som| format_som(som, lang));
                let from = format!("{} · {}", p.storefront, district_name(&p.district));
                view! {
                    <li class="market-item">
                        <a href=p.href.clone()>
                            {photo}
                            <span>
                                <strong>{p.name.clone()}</strong>
                                <br/>
                                {price}
                                <br/>
                                <span class="hint">{from}</span>
                            </span>
                        </a>
                    </li>
                }
            })
            .collect_view();
        view! {
            <h2>{text(lang, Key::MarketProducts)}</h2>
            <ul class="market-products">{products}</ul>
        }
    });
    let keep = |name: &str, value: Option<&str>| {
        value.filter(|v| !v.is_empty()).map(|v| format!("&{name}={}", encode_component(v)))
    };
    let next = page.next.as_deref().map(|after| {
        let mut href = format!("/market?after={}", encode_component(after));
        href.extend(keep("q", Some(&q)));
        href.extend(keep("district", district));
        href.extend(keep("category", category));
        view! {
            <p><a class="button secondary" href=href rel="next">{text(lang, Key::DeskMore)}</a></p>
        }
    });
    // Nothing found: a close spelling that finds something, if there is one.
    let nothing_found = page.products.is_empty() && page.storefronts.is_empty();
    let suggestion = if nothing_found && !asked.words.is_empty() && asked.after.is_none() {
        did_you_mean(&state.db, &asked, state.market_timeout).await.unwrap_or_else(|error| {
            tracing::info!(%error, "a market search's close spelling was not looked for");
            None
        })
    } else {
        None
    };
    let did_you_mean = suggestion.map(|suggested| {
        let mut href = format!("/market?q={}", encode_component(&suggested));
        href.extend(keep("district", district));
        href.extend(keep("category", category));
        let template = text(lang, Key::MarketDidYouMean);
        let (before, after) = template.split_once("{words}").unwrap_or((template, ""));
        let (before, after) = ((!before.is_empty()).then_some(before), (!after.is_empty()).then_some(after));
        view! { <p class="market-note" role="status">{before}<a href=href>{suggested}</a>{after}</p> }
    });
    let empty = (nothing_found && !nothing_to_search).then(|| view! { <p>{text(lang, Key::MarketEmpty)}</p> });
    let body = move || {
        view! {
            <h1>{text(lang, Key::MarketTitle)}</h1>
            <p class="lead">{text(lang, Key::MarketBody)}</p>
            {form}
            {notes}
            {empty}
            {did_you_mean}
            {shops}
            {products}
            {next}
        }
    };
    let page = document(&state, lang, market_head(lang, &origin), body);
    state.pages.put(key, stamp, cache::EVERYONE, "market", page).response(&headers)
}
