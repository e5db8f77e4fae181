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
use serde_json::json;

use super::{Head, document, escape, html, language};
use crate::AppState;
use crate::approved::market::{Asked, Filters, QUERY_CHARS, did_you_mean, page_within, timed_out};

/// Searches that reach the database at once, one per core here: a flood of
/// uncached searches from many addresses holds these turns and no more, so
/// sign-ins, pushes and order requests keep the rest of the database.
pub const SEARCHES_AT_ONCE: usize = 2;

/// How long a search waits for a turn before the buyer is asked to try again.
const TURN_WAIT: Duration = Duration::from_secs(2);

fn select(name: &str, label: Key, lang: Lang, current: Option<&str>, options: Vec<(&str, Key)>) -> String {
    let options: String = std::iter::once(("", Key::DeskAny))
        .chain(options)
        .map(|(id, key)| {
            let selected = if Some(id) == current || (id.is_empty() && current.is_none()) { " selected" } else { "" };
            format!(r#"<option value="{}"{selected}>{}</option>"#, escape(id), escape(text(lang, key)))
        })
        .collect();
    format!(
        r#"<label class="field filter"><span>{}</span><select name="{name}">{options}</select></label>"#,
        escape(text(lang, label))
    )
}

/// The search form, filled with what the market read of her search.
fn form(lang: Lang, asked: &Asked) -> String {
    format!(
        r#"<form class="market-search" method="get" action="/market" role="search">
           <label class="field"><span>{label}</span><input type="search" name="q" value="{q}" maxlength="{QUERY_CHARS}" autocomplete="off"></label>
           {districts}{categories}<button class="button" type="submit">{go}</button></form>"#,
        label = escape(text(lang, Key::MarketSearch)),
        q = escape(&asked.query()),
        districts = select(
            "district",
            Key::StorefrontDistrict,
            lang,
            asked.district.as_deref(),
            District::ALL.iter().map(|d| (d.id(), d.name_key())).collect()
        ),
        categories = select(
            "category",
            Key::MarketCategory,
            lang,
            asked.category.as_deref(),
            Category::ALL.iter().map(|c| (c.id(), c.name_key())).collect()
        ),
        go = escape(text(lang, Key::MarketGo)),
    )
}

fn note(lang: Lang, key: Key) -> String {
    format!(r#"<p class="market-note" role="status">{}</p>"#, escape(text(lang, key)))
}

fn market_head(lang: Lang, origin: &str) -> Head {
    Head {
        title: format!("{} · Sawda", text(lang, Key::MarketTitle)),
        description: text(lang, Key::MarketBody).to_owned(),
        canonical: format!("{origin}/market"),
        image: None,
        og_type: "website",
        price_som: None,
        json_ld: json!({"@context": "https://schema.org", "@type": "WebSite", "name": "Sawda", "url": format!("{origin}/market")}),
    }
}

/// A search the database gave up on: she is asked for a shorter one, and
/// nothing keeps the answer.
fn too_slow(state: &AppState, lang: Lang, origin: &str, asked: &Asked) -> Response {
    let body = format!(
        r#"<h1>{}</h1>{}{}"#,
        escape(text(lang, Key::MarketTitle)),
        note(lang, Key::MarketTooSlow),
        form(lang, asked)
    );
    super::unlisted(StatusCode::SERVICE_UNAVAILABLE, document(state, lang, market_head(lang, origin), body), "no-store")
}

/// Every turn taken for longer than `TURN_WAIT`: many people (or a script) searching at once.
fn busy(state: &AppState, lang: Lang, origin: &str, asked: &Asked) -> Response {
    let body = format!(
        r#"<h1>{}</h1>{}{}"#,
        escape(text(lang, Key::MarketTitle)),
        note(lang, Key::MarketBusy),
        form(lang, asked)
    );
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
    let key = super::cache::key(lang, &origin, &format!("/market?{}", asked.key()));
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
            return html(StatusCode::INTERNAL_SERVER_ERROR, escape(text(lang, Key::ErrorInternal)));
        }
    };
    let q = asked.query();
    let district = asked.district.as_deref();
    let category = asked.category.as_deref();
    let form = form(lang, &asked);
    let nothing_to_search = asked.searched && asked.words.is_empty();
    let notes: String = [
        asked.cut.then_some(Key::MarketSearchCut),
        asked.dropped.then_some(Key::MarketSearchShort),
        nothing_to_search.then_some(Key::MarketSearchNothing),
    ]
    .into_iter()
    .flatten()
    .map(|key| note(lang, key))
    .collect();
    let district_name = |id: &str| District::from_id(id).map(|d| text(lang, d.name_key())).unwrap_or_default();
    let shops: String = page
        .storefronts
        .iter()
        .map(|(slug, name, district)| {
            format!(
                r#"<li><a href="/s/{}"><strong>{}</strong></a> <span class="hint">{}</span></li>"#,
                escape(slug),
                escape(name),
                escape(district_name(district))
            )
        })
        .collect();
    let products: String = page
        .products
        .iter()
        .map(|p| {
            let photo = p.photo.as_deref().map_or(String::new(), |hash| {
                format!(r#"<img src="/photos/{}/thumb.jpg" alt="" width="96" height="96" loading="lazy">"#, escape(hash))
            });
            format!(
                r#"<li class="market-item"><a href="{}">{photo}<span><strong>{}</strong><br>{}<br><span class="hint">{} · {}</span></span></a></li>"#,
                escape(&p.href),
                escape(&p.name),
                escape(&p.price_som.map(|som| format_som(som, lang)).unwrap_or_default()),
                escape(&p.storefront),
                escape(district_name(&p.district)),
            )
        })
        .collect();
    let keep = |name: &str, value: Option<&str>| {
        value.filter(|v| !v.is_empty()).map(|v| format!("&{name}={}", encode_component(v)))
    };
    let next = page.next.as_deref().map_or(String::new(), |after| {
        let mut href = format!("/market?after={}", encode_component(after));
        href.extend(keep("q", Some(&q)));
        href.extend(keep("district", district));
        href.extend(keep("category", category));
        format!(
            r#"<p><a class="button secondary" href="{}" rel="next">{}</a></p>"#,
            escape(&href),
            escape(text(lang, Key::DeskMore))
        )
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
    let did_you_mean = suggestion.map_or(String::new(), |suggested| {
        let mut href = format!("/market?q={}", encode_component(&suggested));
        href.extend(keep("district", district));
        href.extend(keep("category", category));
        let template = text(lang, Key::MarketDidYouMean);
        let (before, after) = template.split_once("{words}").unwrap_or((template, ""));
        format!(
            r#"<p class="market-note" role="status">{}<a href="{}">{}</a>{}</p>"#,
            escape(before),
            escape(&href),
            escape(&suggested),
            escape(after)
        )
    });
    let empty = (page.products.is_empty() && page.storefronts.is_empty() && !nothing_to_search)
        .then(|| format!("<p>{}</p>", escape(text(lang, Key::MarketEmpty))))
        .unwrap_or_default();
    let shops = if shops.is_empty() {
        String::new()
    } else {
        format!(r#"<h2>{}</h2><ul class="market-storefronts">{shops}</ul>"#, escape(text(lang, Key::MarketStorefronts)))
    };
    let products = if products.is_empty() {
        String::new()
    } else {
        format!(r#"<h2>{}</h2><ul class="market-products">{products}</ul>"#, escape(text(lang, Key::MarketProducts)))
    };
    let body = format!(
        r#"<h1>{}</h1><p class="lead">{}</p>{form}{notes}{empty}{did_you_mean}{shops}{products}{next}"#,
        escape(text(lang, Key::MarketTitle)),
        escape(text(lang, Key::MarketBody)),
    );
    let page = document(&state, lang, market_head(lang, &origin), body);
    state.pages.put(key, stamp, super::cache::EVERYONE, "market", page).response(&headers)
}
