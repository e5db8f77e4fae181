//! Buyers' pages: `/s/{address}` (a storefront) and `/s/{address}/{product}`,
//! rendered on the server from the approved tables only, as HTML and CSS
//! with no script and no wasm (buyers open them from a chat on 3G), with
//! link-preview tags, schema.org JSON-LD, a canonical address and its four
//! languages; `/sitemap.xml` and `/robots.txt`. The listing is the same
//! component the studio's preview and the review desk draw.

pub mod ad;
pub mod market;
pub mod order;
pub mod preview;
pub mod sitemap;
pub mod views;

use app::i18n::{Key, Lang, text};
use app::ui::{FieldMap, PlainSiteHeader, ProductListing, SiteFooter, StorefrontListing, served_photo};
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leptos::attr::AttributeValue;
use leptos::prelude::*;
use leptos::tachys::renderer::types::Element;
use serde_json::{Value, json};

use crate::AppState;
use crate::approved::{self, views::STOREFRONT_PAGE};
use crate::http::client::Client;
use crate::http::page_cache::{self as cache, html};
pub(crate) use crate::http::plain_html::render;

/// `?lang=ru` picks the language (the hreflang alternates), else the
/// language cookie, else the browser's.
#[derive(serde::Deserialize)]
pub struct Language {
    pub lang: Option<String>,
}

pub(crate) fn language(query: &Language, headers: &HeaderMap) -> Lang {
    crate::http::plain_html::language(query.lang.as_deref(), headers)
}

pub use crate::http::plain_html::escape;

/// JSON safe inside `<script type="application/ld+json">`: no `<`, `>` or
/// `&` can end the element or start markup.
pub fn script_json(value: &Value) -> String {
    serde_json::to_string(value).expect("JSON").replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// A value of the page's head (the tags link previews and search engines
/// read), escaped as these pages have always written it: `'` too, which
/// `view!` leaves as it is.
#[derive(Clone)]
struct HeadValue(String);

impl AttributeValue for HeadValue {
    type State = <String as AttributeValue>::State;
    type AsyncOutput = Self;
    type Cloneable = Self;
    type CloneableOwned = Self;

    fn html_len(&self) -> usize {
        self.0.len()
    }

    fn to_html(self, key: &str, buf: &mut String) {
        buf.push(' ');
        buf.push_str(key);
        buf.push_str("=\"");
        buf.push_str(&escape(&self.0));
        buf.push('"');
    }

    fn to_template(_key: &str, _buf: &mut String) {}

    // Drawn on the server only; in a browser it would be the string itself.
    fn hydrate<const FROM_SERVER: bool>(self, key: &str, el: &Element) -> Self::State {
        AttributeValue::hydrate::<FROM_SERVER>(self.0, key, el)
    }

    fn build(self, el: &Element, key: &str) -> Self::State {
        AttributeValue::build(self.0, el, key)
    }

    fn rebuild(self, key: &str, state: &mut Self::State) {
        AttributeValue::rebuild(self.0, key, state);
    }

    fn into_cloneable(self) -> Self {
        self
    }

    fn into_cloneable_owned(self) -> Self {
        self
    }

    fn dry_resolve(&mut self) {}

    async fn resolve(self) -> Self {
        self
    }
}

fn field<'a>(fields: &'a FieldMap, name: &str) -> &'a str {
    fields.get(name).and_then(Value::as_str).unwrap_or_default()
}

/// A description of at most `max` characters for previews.
fn summary(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max {
        return text;
    }
    let cut: String = text.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

pub(crate) struct Head {
    pub title: String,
    pub description: String,
    /// The page's address without the language, absolute.
    pub canonical: String,
    pub image: Option<String>,
    /// The image's width and height, when the page knows them (an ad's card).
    pub image_size: Option<(u32, u32)>,
    pub og_type: &'static str,
    pub price_som: Option<u64>,
    pub json_ld: Value,
}

impl Head {
    /// A page with no preview image, price or structured data: a 404, a
    /// confirmation, her preview.
    pub(crate) fn plain(title: String, description: String, canonical: String) -> Head {
        Head {
            title,
            description,
            canonical,
            image: None,
            image_size: None,
            og_type: "website",
            price_som: None,
            json_ld: json!({}),
        }
    }
}

/// `<meta property=… content=…>`: Open Graph names its tags by `property`, an
/// attribute `view!` does not know.
fn meta_property(property: &'static str, content: impl AttributeValue) -> impl IntoView {
    leptos::html::meta().attr("property", property).attr("content", content)
}

/// A buyer's page: its head, the site's header and footer, and `body`.
pub(crate) fn document<V: IntoView + 'static>(
    state: &AppState,
    lang: Lang,
    head: Head,
    body: impl FnOnce() -> V + 'static,
) -> String {
    let Head { title, description, canonical, image, image_size, og_type, price_som, json_ld } = head;
    let stylesheet = format!("/{}/sawda.css", state.leptos_options.site_pkg_dir);
    let card = if image.is_some() { "summary_large_image" } else { "summary" };
    render(lang, move || {
        let alternates = Lang::ALL.map(|l| {
            let href = HeadValue(format!("{canonical}?lang={}", l.code()));
            view! { <link rel="alternate" hreflang=l.code() href=href/> }
        });
        let image = image.map(|image| {
            view! {
                {meta_property("og:image", HeadValue(image.clone()))}
                <meta name="twitter:image" content=HeadValue(image)/>
            }
        });
        let image_size = image_size.map(|(width, height)| {
            view! {
                {meta_property("og:image:width", width.to_string())}
                {meta_property("og:image:height", height.to_string())}
            }
        });
        let price = price_som.map(|som| {
            view! {
                {meta_property("product:price:amount", som.to_string())}
                {meta_property("product:price:currency", "UZS")}
            }
        });
        view! {
            <!DOCTYPE html>
            <html lang=lang.code()>
                <head>
                    <meta charset="utf-8"/>
                    {meta_property("og:title", HeadValue(title.clone()))}
                    {meta_property("og:description", HeadValue(description.clone()))}
                    {meta_property("og:type", og_type)}
                    {meta_property("og:url", HeadValue(canonical.clone()))}
                    {image}
                    {image_size}
                    {price}
                    {meta_property("og:site_name", "Sawda")}
                    <meta name="twitter:card" content=card/>
                    <meta name="viewport" content="width=device-width, initial-scale=1"/>
                    <title>{title}</title>
                    <meta name="description" content=HeadValue(description)/>
                    <link rel="canonical" href=HeadValue(canonical.clone())/>
                    {alternates}
                    <link rel="alternate" hreflang="x-default" href=HeadValue(canonical)/>
                    <link rel="stylesheet" href=stylesheet/>
                    <link rel="icon" href="/favicon.svg"/>
                    <script type="application/ld+json" inner_html=script_json(&json_ld)></script>
                </head>
                <body>
                    <PlainSiteHeader/>
                    <main id="main" class="page narrow public">{body()}</main>
                    <SiteFooter/>
                </body>
            </html>
        }
    })
}

/// A page for one person only: kept by no cache as `cache_control` says, indexed by no crawler.
pub(crate) fn unlisted(status: StatusCode, page: String, cache_control: &'static str) -> Response {
    let mut response = html(status, page);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache_control));
    headers.insert(header::HeaderName::from_static("x-robots-tag"), HeaderValue::from_static("noindex"));
    response
}

/// A friendly "not here" in the buyer's language.
fn not_found(state: &AppState, lang: Lang, origin: &str) -> Response {
    let body = move || {
        view! {
            <h1>{text(lang, Key::PublicNotFoundTitle)}</h1>
            <p>{text(lang, Key::PublicNotFoundBody)}</p>
            <p><a class="button" href="/market">{text(lang, Key::NavMarket)}</a></p>
        }
    };
    let head = Head::plain(
        text(lang, Key::PublicNotFoundTitle).to_owned(),
        text(lang, Key::PublicNotFoundBody).to_owned(),
        format!("{origin}/market"),
    );
    html(StatusCode::NOT_FOUND, document(state, lang, head, body))
}

/// A permanent redirect from an address her storefront was approved at
/// before to the one it has now, with the rest of the path (`/{product}`,
/// `/{product}/order`) and the query kept; 308 keeps a posted order a post.
/// Kept by caches a minute only: she may take the old address back.
pub(crate) async fn moved(state: &AppState, old: &str, rest: &str, query: Option<&str>) -> Option<Response> {
    let now = approved::moved(&state.db, old).await.ok()??;
    let query = query.filter(|q| !q.is_empty()).map_or(String::new(), |q| format!("?{q}"));
    let mut response = axum::response::Redirect::permanent(&format!("/s/{now}{rest}{query}")).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    Some(response)
}

/// Contact buttons with the buyer's first message ([`order_message`] or [`storefront_message`]).
fn contacts(lang: Lang, storefront: &FieldMap, message: String) -> Option<impl IntoView + use<>> {
    let encoded = app::ui::encode_component(&message);
    let mut buttons = Vec::new();
    let telegram = field(storefront, "telegram");
    if !telegram.is_empty() {
        buttons.push((format!("https://t.me/{telegram}"), Key::PublicOrderTelegram));
    }
    let digits: String = field(storefront, "whatsapp").chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        buttons.push((format!("https://wa.me/{digits}?text={encoded}"), Key::PublicOrderWhatsapp));
        buttons.push((format!("tel:+{digits}"), Key::PublicCall));
    }
    if buttons.is_empty() {
        return None;
    }
    let links = buttons
        .into_iter()
        .map(|(href, key)| view! { <a class="button" href=href rel="noopener">{text(lang, key)}</a> })
        .collect_view();
    Some(view! {
        <section class="contact">
            <h2>{text(lang, Key::PreviewContact)}</h2>
            <p class="hint">{message}</p>
            <p class="actions">{links}</p>
        </section>
    })
}

/// "I would like to order …": the product's name takes the accusative in
/// Karakalpak and Uzbek, its ending chosen by the name's last sound.
fn order_message(lang: Lang, product: &str, url: &str) -> String {
    let object = app::i18n::grammar::product_as_object(lang, product);
    app::i18n::fill(text(lang, Key::PublicOrderMessage), &[("product", &object), ("url", url)])
}

/// On a storefront's page the buyer writes about the shop; she orders nothing yet.
fn storefront_message(lang: Lang, storefront: &str, url: &str) -> String {
    app::i18n::fill(text(lang, Key::PublicStorefrontMessage), &[("storefront", storefront), ("url", url)])
}

fn photo_url(origin: &str, hash: &str) -> String {
    format!("{origin}/photos/{hash}/preview.jpg")
}

pub async fn storefront(
    State(state): State<AppState>,
    Path(address): Path<String>,
    Query(query): Query<Language>,
    Query(through): Query<ad::Through>,
    RawQuery(raw): RawQuery,
    Client(client): Client,
    headers: HeaderMap,
) -> Response {
    let lang = language(&query, &headers);
    let origin = state.site.origin(&headers);
    let path = format!("/s/{address}");
    // A page reached through an ad is kept apart (its links carry the ad),
    // and only for an ad that leads here: ads' ids cannot fill the cache.
    let through = through.ad();
    let key = cache::key(lang, &origin, &ad::path_through(&path, through.as_deref()));
    if let Some(page) = state.pages.get(&key) {
        views::count(&state, &headers, &client, &page.owner, &page.page);
        if let Some(id) = &through {
            ad::count_visit(&state, &headers, &client, &page.owner, id, &page.page);
        }
        return page.response(&headers);
    }
    let since = state.pages.stamp();
    let Ok(Some(shop)) = approved::storefront(&state.db, &address).await else {
        // Not public (yet): its owner sees a preview, everyone else a 404.
        if let Some(preview) = preview::storefront(&state, lang, &headers, &address, &origin).await {
            return preview;
        }
        if let Some(moved) = moved(&state, &address, "", raw.as_deref()).await {
            return moved;
        }
        return not_found(&state, lang, &origin);
    };
    let through = ad::leading_here(&state, &shop.owner, through, None).await;
    let key = if through.is_some() { key } else { cache::key(lang, &origin, &path) };
    views::count(&state, &headers, &client, &shop.owner, STOREFRONT_PAGE);
    if let Some(id) = &through {
        ad::count_visit(&state, &headers, &client, &shop.owner, id, STOREFRONT_PAGE);
    }
    let canonical = format!("{origin}/s/{}", shop.slug);
    let name = shop.name.clone();
    let story = shop.story.clone().unwrap_or_default();
    // Each product's name links to its own page (carrying the ad it came through).
    let products: Vec<FieldMap> = shop
        .products
        .iter()
        .map(|p| {
            let mut fields = p.fields();
            let href = ad::path_through(&format!("/s/{}/{}", shop.slug, p.slug), through.as_deref());
            fields.insert("href".into(), Value::String(href));
            fields
        })
        .collect();
    let fields = shop.fields();
    let contacts = contacts(lang, &fields, storefront_message(lang, &name, &canonical));
    let body = move || {
        view! { <StorefrontListing storefront=fields products photo=served_photo hide_contacts=true/> {contacts} }
    };
    let image = shop.cover_photo.as_deref().map(|h| photo_url(&origin, h));
    let json_ld = json!({
        "@context": "https://schema.org", "@type": "Store", "name": name, "description": story,
        "url": canonical, "image": image,
    });
    let head = Head {
        title: format!("{name} · Sawda"),
        description: summary(&story, 200),
        canonical,
        image,
        image_size: None,
        og_type: "website",
        price_som: None,
        json_ld,
    };
    let page = document(&state, lang, head, body);
    state.pages.put(key, since, &shop.owner, STOREFRONT_PAGE, page).response(&headers)
}

pub async fn product(
    State(state): State<AppState>,
    Path((address, product)): Path<(String, String)>,
    Query(query): Query<Language>,
    Query(through): Query<ad::Through>,
    RawQuery(raw): RawQuery,
    Client(client): Client,
    headers: HeaderMap,
) -> Response {
    let lang = language(&query, &headers);
    let origin = state.site.origin(&headers);
    let path = format!("/s/{address}/{product}");
    let through = through.ad();
    let key = cache::key(lang, &origin, &ad::path_through(&path, through.as_deref()));
    if let Some(page) = state.pages.get(&key) {
        views::count(&state, &headers, &client, &page.owner, &page.page);
        if let Some(id) = &through {
            ad::count_visit(&state, &headers, &client, &page.owner, id, &page.page);
        }
        return page.response(&headers);
    }
    let since = state.pages.stamp();
    let Ok(Some(shop)) = approved::storefront(&state.db, &address).await else {
        let rest = format!("/{}", app::ui::encode_component(&product));
        if let Some(moved) = moved(&state, &address, &rest, raw.as_deref()).await {
            return moved;
        }
        return not_found(&state, lang, &origin);
    };
    let Some(item) = shop.products.iter().find(|p| p.slug == product) else {
        return not_found(&state, lang, &origin);
    };
    let through = ad::leading_here(&state, &shop.owner, through, Some(&item.record)).await;
    let key = if through.is_some() { key } else { cache::key(lang, &origin, &path) };
    views::count(&state, &headers, &client, &shop.owner, &item.record);
    if let Some(id) = &through {
        ad::count_visit(&state, &headers, &client, &shop.owner, id, &item.record);
    }
    // The form's token carries its render time: a page kept rendered stays good.
    // It carries the ad too, so an order sent from it counts for the ad.
    let mut filled = order::Filled::fresh(&state, &shop, item).await;
    filled.form.ad = through.unwrap_or_default();
    let page = product_page(&state, lang, &origin, &shop, item, &filled);
    state.pages.put(key, since, &shop.owner, &item.record, page).response(&headers)
}

/// A product's page, with its order form as `filled`.
pub(crate) fn product_page(
    state: &AppState,
    lang: Lang,
    origin: &str,
    shop: &approved::Storefront,
    item: &approved::Product,
    filled: &order::Filled,
) -> String {
    let canonical = format!("{origin}/s/{}/{}", shop.slug, item.slug);
    let name = item.name.clone();
    let description = item.description.clone().unwrap_or_default();
    let shop_name = shop.name.clone();
    let food = shop.category == "food";
    let fields = item.fields();
    let price = u64::try_from(item.price_som).ok();
    let availability = match item.availability.as_str() {
        "sold_out" => "https://schema.org/OutOfStock",
        "made_to_order" => "https://schema.org/PreOrder",
        _ => "https://schema.org/InStock",
    };
    let image = item.photos.first().map(|h| photo_url(origin, h));
    let json_ld = json!({
        "@context": "https://schema.org", "@type": "Product", "name": name, "description": description,
        "url": canonical, "image": image, "brand": {"@type": "Brand", "name": shop_name},
        "offers": {"@type": "Offer", "price": price, "priceCurrency": "UZS", "availability": availability,
                   "url": canonical},
    });
    let action = format!("/s/{}/{}/order", shop.slug, item.slug);
    let form = order::form(lang, &action, filled);
    let contacts = contacts(lang, &shop.fields(), order_message(lang, &name, &canonical));
    let (storefront, storefront_name, heading) = (format!("/s/{}", shop.slug), shop_name.clone(), name.clone());
    let body = move || {
        view! {
            <p><a href=storefront>{storefront_name}</a></p>
            <h1>{heading}</h1>
            <ProductListing product=fields photo=served_photo food/>
            {form}
            {contacts}
        }
    };
    let head = Head {
        title: format!("{name} · {shop_name}"),
        description: summary(&description, 200),
        canonical,
        image,
        image_size: None,
        og_type: "product",
        price_som: price,
        json_ld,
    };
    document(state, lang, head, body)
}

pub async fn robots(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let origin = state.site.origin(&headers);
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /studio\nDisallow: /review\nDisallow: /account\n\nSitemap: {origin}/sitemap.xml\n"
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_escaped_for_html_and_for_json_ld() {
        let hostile = r#"</script><script>alert(1)</script> "quoted" & 'single'"#;
        let html = escape(hostile);
        assert!(!html.contains('<') && !html.contains('"') && !html.contains('\''), "{html}");
        let ld = script_json(&json!({"name": hostile}));
        assert!(!ld.contains("</script>") && !ld.contains('<'), "{ld}");
        let back: Value = serde_json::from_str(&ld).unwrap();
        assert_eq!(back["name"], hostile, "the JSON still says the same");
    }

    #[test]
    fn previews_get_a_short_description() {
        assert_eq!(summary("  Wild   flowers\nof the delta ", 200), "Wild flowers of the delta");
        assert_eq!(summary(&"a".repeat(300), 10).chars().count(), 10);
    }
}
