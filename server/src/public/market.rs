//! `/market`: the directory of approved products (and, on its first page,
//! the storefronts that match), filtered by district and category, searched
//! in four languages through one spelling (`app::rules::search`), paged by
//! keyset. A GET form with everything in the address: it works with
//! JavaScript off and a search can be shared as a link.

use app::i18n::{Key, Lang, text};
use app::rules::money::format_som;
use app::rules::people::District;
use app::rules::records::storefront::Category;
use app::rules::search::normalise;
use app::ui::encode_component;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::approved::json_rows;
use super::{Head, document, escape, html, language};
use crate::AppState;

pub const PAGE: usize = 20;
/// The analyzer indexes prefixes of up to 20 letters: longer words are cut to match.
const LONGEST_PREFIX: usize = 20;

#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Filters {
    pub q: Option<String>,
    pub district: Option<String>,
    pub category: Option<String>,
    pub after: Option<String>,
    pub lang: Option<String>,
}

/// A product as the directory lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    pub href: String,
    pub name: String,
    pub storefront: String,
    pub district: String,
    pub price_som: Option<i64>,
    pub photo: Option<String>,
}

pub struct Page {
    pub storefronts: Vec<(String, String, String)>,
    pub products: Vec<Listed>,
    pub next: Option<String>,
}

/// The query as the index spells it: normalised, each word cut to the
/// longest prefix indexed; `None` when nothing searchable is left.
pub fn search_words(q: &str) -> Option<String> {
    let words: Vec<String> =
        normalise(q).split(' ').filter(|w| !w.is_empty()).map(|w| w.chars().take(LONGEST_PREFIX).collect()).collect();
    (!words.is_empty()).then(|| words.join(" "))
}

fn known<'a>(value: &'a Option<String>, valid: impl Fn(&str) -> bool) -> Option<&'a str> {
    value.as_deref().filter(|v| !v.is_empty() && valid(v))
}

/// How a product sorts in the directory, newest approval first and its id
/// as the tie-break, as a string that sorts ascending (indexes are read
/// forwards): `10^13 - approved ms`, `|`, the row's id. Prefixed by the
/// district and/or category for the filtered orders, so each filter is one
/// range of one index, read in order and stopped after a page. `NONE` while
/// her storefront is not public. Run after any change to her approved rows.
pub fn market_order(only: &str) -> String {
    let key = |prefix: &str| {
        format!(
            "IF storefront_slug = NONE {{ NONE }} ELSE {{ string::concat({prefix}<string> (10000000000000 - time::millis(approved_at)), '|', <string> id) }}"
        )
    };
    format!(
        "UPDATE approved_product SET market_all = {}, market_d = {}, market_c = {}, market_dc = {} WHERE {only};",
        key(""),
        key("district, '|', "),
        key("category, '|', "),
        key("district, '|', category, '|', ")
    )
}

/// A search whose words match at most this many products is ranked in full
/// (names first, then newest); one that matches more reads the newest first
/// in order and stops after a page, names not lifted. Reading a match costs
/// about 16 µs and scanning past a product about 6.5 µs, so with 200,000
/// products this bound keeps the worst of both under 50 ms (`make bench`).
pub const RANKED_AT_MOST: usize = 900;

const CARD: &str = "owner, slug, name, price_som, storefront_slug, storefront_name, district, category, name_search, \
                    market_all, record::id(id)[1] AS record";

/// `$w0`, `$w1`…: each word a prefix of a word of `search_text` (bound by `bind_words`).
fn word_conditions(words: &[String]) -> Vec<String> {
    (0..words.len()).map(|i| format!("string::contains(string::concat(' ', search_text), $w{i})")).collect()
}

fn bind_words<'r, C: surrealdb::Connection>(
    mut query: surrealdb::method::Query<'r, C>,
    words: &[String],
) -> surrealdb::method::Query<'r, C> {
    for (i, word) in words.iter().enumerate() {
        query = query.bind((format!("w{i}"), format!(" {word}")));
    }
    query
}

/// One page of the directory. The cursor is `tier|order` of the last item
/// shown: tier 0 for name matches of a ranked search, 1 otherwise; order
/// its `market_all`.
pub async fn page(db: &Surreal<Any>, filters: &Filters) -> Result<Page, surrealdb::Error> {
    let q = filters.q.as_deref().and_then(search_words);
    let district = known(&filters.district, |d| District::from_id(d).is_some()).map(str::to_owned);
    let category = known(&filters.category, |c| Category::from_id(c).is_some()).map(str::to_owned);
    let after = filters.after.as_deref().and_then(|cursor| {
        let (tier, order) = cursor.split_once('|')?;
        Some((tier.parse::<u8>().ok()?, order.to_owned()))
    });
    let (field, prefix) = match (&district, &category) {
        (Some(d), Some(c)) => ("market_dc", format!("{d}|{c}|")),
        (Some(d), None) => ("market_d", format!("{d}|")),
        (None, Some(c)) => ("market_c", format!("{c}|")),
        (None, None) => ("market_all", String::new()),
    };
    let words: Vec<String> = q.as_deref().map(|q| q.split(' ').map(str::to_owned).collect()).unwrap_or_default();
    let mut rows: Option<Vec<(u8, Value)>> = None;
    // A district and a category together hold a few thousand products at
    // most: read in order, they need no ranking first.
    let small = district.is_some() && category.is_some();
    if let Some(q) = q.as_ref().filter(|_| !small) {
        // The matches, if few enough to rank them all.
        let found: Vec<Value> = db
            .query(format!(
                "SELECT {CARD} FROM approved_product WHERE search_text @@ $q AND market_all != NONE LIMIT $most"
            ))
            .bind(("q", q.clone()))
            .bind(("most", RANKED_AT_MOST as i64 + 1))
            .await?
            .check()?
            .take(0)
            .map(json_rows)?;
        if found.len() <= RANKED_AT_MOST {
            let first = format!(" {}", words[0]);
            let mut ranked: Vec<(u8, Value)> = found
                .into_iter()
                .filter(|r| district.as_deref().is_none_or(|d| r["district"] == d))
                .filter(|r| category.as_deref().is_none_or(|c| r["category"] == c))
                .map(|r| {
                    let in_name = format!(" {}", r["name_search"].as_str().unwrap_or_default()).contains(&first);
                    (u8::from(!in_name), r)
                })
                .collect();
            let order = |r: &Value| r["market_all"].as_str().unwrap_or_default().to_owned();
            ranked.sort_by_cached_key(|(tier, r)| (*tier, order(r)));
            if let Some((tier, key)) = &after {
                ranked.retain(|(t, r)| (*t, order(r)) > (*tier, key.clone()));
            }
            ranked.truncate(PAGE + 1);
            rows = Some(ranked);
        }
    }
    let rows = match rows {
        Some(rows) => rows,
        None => {
            // In order, from the cursor on, each word a prefix of a word of the text.
            let matching: String = word_conditions(&words).iter().map(|c| format!(" AND {c}")).collect();
            let from = format!("{prefix}{}", after.as_ref().map_or("", |(_, order)| order.as_str()));
            let query = db
                .query(format!(
                    "SELECT {CARD} FROM approved_product WHERE {field} > $from AND {field} < $to{matching}
                     ORDER BY {field} LIMIT $limit"
                ))
                .bind(("from", from))
                .bind(("to", format!("{prefix}~")))
                .bind(("limit", PAGE as i64 + 1));
            let found = bind_words(query, &words).await?.check()?.take(0).map(json_rows)?;
            found.into_iter().map(|row| (1, row)).collect()
        }
    };
    // Storefronts that match, on the first page only; each condition only
    // when asked for, so the planner can read an index (name, district, words).
    let shops: Vec<Value> = if filters.after.is_none() {
        // With a filter, its index and the words checked on what it finds; words alone, the full-text index.
        let filtered = district.is_some() || category.is_some();
        let mut conditions: Vec<String> = [
            district.as_ref().map(|_| "district = $district".to_owned()),
            category.as_ref().map(|_| "category = $category".to_owned()),
            q.as_ref().filter(|_| !filtered).map(|_| "search_text @@ $q".to_owned()),
        ]
        .into_iter()
        .flatten()
        .collect();
        if filtered {
            conditions.extend(word_conditions(&words));
        }
        let filter = if conditions.is_empty() { String::new() } else { format!("WHERE {}", conditions.join(" AND ")) };
        // A short word matches thousands of storefronts: with words, the first
        // few dozen found are put in order here rather than all in the database.
        let order = if q.is_some() { "LIMIT 60" } else { "ORDER BY name LIMIT 6" };
        let query = db
            .query(format!("SELECT slug, name, district FROM approved_storefront {filter} {order}"))
            .bind(("q", q.clone()))
            .bind(("district", district))
            .bind(("category", category));
        let mut shops = bind_words(query, &words).await?.check()?.take(0).map(json_rows)?;
        shops.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        shops.truncate(6);
        shops
    } else {
        Vec::new()
    };
    let more = rows.len() > PAGE;
    let rows: Vec<(u8, Value)> = rows.into_iter().take(PAGE).collect();
    let next = more.then(|| {
        let (tier, last) = rows.last().expect("a full page");
        format!("{tier}|{}", last["market_all"].as_str().unwrap_or_default())
    });
    let rows: Vec<Value> = rows.into_iter().map(|(_, r)| r).collect();
    // The first photo of each product listed.
    let records: Vec<String> = rows.iter().filter_map(|r| r["record"].as_str().map(str::to_owned)).collect();
    let photos: Vec<Value> = db
        .query("SELECT item, hash FROM approved_photo WHERE place = 0 AND item IN $records")
        .bind(("records", records))
        .await?
        .check()?
        .take(0)
        .map(json_rows)?;
    let photo_of = |record: &str| {
        photos.iter().find(|p| p["item"] == json!(record)).and_then(|p| p["hash"].as_str()).map(str::to_owned)
    };
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Ok(Page {
        storefronts: shops.iter().map(|r| (s(r, "slug"), s(r, "name"), s(r, "district"))).collect(),
        products: rows
            .iter()
            .map(|r| Listed {
                href: format!("/s/{}/{}", s(r, "storefront_slug"), s(r, "slug")),
                name: s(r, "name"),
                storefront: s(r, "storefront_name"),
                district: s(r, "district"),
                price_som: r["price_som"].as_i64(),
                photo: photo_of(r["record"].as_str().unwrap_or_default()),
            })
            .collect(),
        next,
    })
}

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

pub async fn market(State(state): State<AppState>, Query(filters): Query<Filters>, headers: HeaderMap) -> Response {
    let lang = language(&super::Language { lang: filters.lang.clone() }, &headers);
    let origin = state.site.origin(&headers);
    let page = match page(&state.db, &filters).await {
        Ok(page) => page,
        Err(error) => {
            tracing::error!(%error, "market directory");
            return html(StatusCode::INTERNAL_SERVER_ERROR, escape(text(lang, Key::ErrorInternal)));
        }
    };
    let q = filters.q.clone().unwrap_or_default();
    let district = filters.district.as_deref().filter(|d| District::from_id(d).is_some());
    let category = filters.category.as_deref().filter(|c| Category::from_id(c).is_some());
    let form = format!(
        r#"<form class="market-search" method="get" action="/market" role="search">
           <label class="field"><span>{label}</span><input type="search" name="q" value="{q}" maxlength="100" autocomplete="off"></label>
           {districts}{categories}<button class="button" type="submit">{go}</button></form>"#,
        label = escape(text(lang, Key::MarketSearch)),
        q = escape(&q),
        districts = select(
            "district",
            Key::StorefrontDistrict,
            lang,
            district,
            District::ALL.iter().map(|d| (d.id(), d.name_key())).collect()
        ),
        categories = select(
            "category",
            Key::MarketCategory,
            lang,
            category,
            Category::ALL.iter().map(|c| (c.id(), c.name_key())).collect()
        ),
        go = escape(text(lang, Key::MarketGo)),
    );
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
    let empty = (page.products.is_empty() && page.storefronts.is_empty())
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
        r#"<h1>{}</h1><p class="lead">{}</p>{form}{empty}{shops}{products}{next}"#,
        escape(text(lang, Key::MarketTitle)),
        escape(text(lang, Key::MarketBody)),
    );
    let head = Head {
        title: format!("{} · Sawda", text(lang, Key::MarketTitle)),
        description: text(lang, Key::MarketBody).to_owned(),
        canonical: format!("{origin}/market"),
        image: None,
        og_type: "website",
        price_som: None,
        json_ld: json!({"@context": "https://schema.org", "@type": "WebSite", "name": "Sawda", "url": format!("{origin}/market")}),
    };
    html(StatusCode::OK, document(&state, lang, head, body))
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_words_are_spelt_as_the_index_spells_them() {
        assert_eq!(super::search_words("Қарақалпақ  СЫР").as_deref(), Some("qaraqalpaq sir"));
        assert_eq!(super::search_words("  ,,, ").as_deref(), None);
        assert_eq!(super::search_words(&"a".repeat(30)).unwrap().len(), 20);
    }
}
