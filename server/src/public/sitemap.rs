//! `/sitemap.xml` for search engines: an index of pages `/sitemap/{n}.xml`
//! of at most `PER_PAGE` addresses each (the market, every approved
//! storefront, every product of a public storefront). The pages are built
//! together from closed key ranges of the approved tables (one pass over
//! them), at most once per `REBUILT_AFTER`, and kept gzipped until then: crawlers and floods alike cost
//! one build every few minutes. A withdrawn listing leaves them when they
//! are next built; until then its address answers 404.

use std::io::{Read, Write};
use std::ops::Bound;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{Array, RecordIdKey, Value};

use super::escape;
use crate::AppState;
use crate::approved;

/// Addresses on a page; the protocol allows 50,000, and a smaller page is
/// quicker to build and to fetch on a bad line.
pub const PER_PAGE: usize = 10_000;
/// Crawlers may keep what they fetched an hour.
const CACHE_CONTROL: &str = "public, max-age=3600";
/// Storefront owners whose products are read in one range.
const OWNERS_A_READ: usize = 200;

fn gzip(xml: &str) -> Bytes {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(xml.len() / 8), flate2::Compression::new(6));
    encoder.write_all(xml.as_bytes()).expect("writing to memory");
    Bytes::from(encoder.finish().expect("writing to memory"))
}

fn urlset(urls: &[String]) -> Bytes {
    let urls: String = urls.iter().map(|url| format!("<url><loc>{}</loc></url>", escape(url))).collect();
    gzip(&format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>"#
    ))
}

/// The first key of `owner`'s rows (record ids are never empty).
fn first_of(owner: &str) -> RecordIdKey {
    RecordIdKey::Array(Array::from(vec![Value::String(owner.to_owned()), Value::String(String::new())]))
}

/// Every page: the market first, then storefronts, then their products,
/// read a few hundred owners at a time, each read one closed key range
/// (`[first owner, ""]` up to the next group's first owner). Products of
/// owners with no public storefront lie outside every range but the last,
/// and are skipped where read.
async fn build(db: &Surreal<Any>, origin: &str) -> Result<Vec<Bytes>, surrealdb::Error> {
    let mut pages = Vec::new();
    let mut urls = vec![format!("{origin}/market")];
    let mut add = |urls: &mut Vec<String>, url: String| {
        urls.push(url);
        if urls.len() == PER_PAGE {
            pages.push(urlset(urls));
            urls.clear();
        }
    };
    // Storefronts (one a person, a few thousand): their table from the start.
    let mut owners: Vec<String> = Vec::new();
    let mut after: Option<RecordIdKey> = None;
    loop {
        let start = after.take().map_or(Bound::Unbounded, Bound::Excluded);
        let rows = approved::listed_in(db, "approved_storefront", start, Bound::Unbounded, PER_PAGE).await?;
        let read = rows.len();
        for row in rows {
            add(&mut urls, format!("{origin}/s/{}", row.slug));
            if owners.last() != Some(&row.owner) {
                owners.push(row.owner);
            }
            after = Some(row.id.key);
        }
        if read < PER_PAGE {
            break;
        }
    }
    for (n, group) in owners.chunks(OWNERS_A_READ).enumerate() {
        let end = owners.get((n + 1) * OWNERS_A_READ).map_or(Bound::Unbounded, |next| Bound::Excluded(first_of(next)));
        let mut start = Bound::Included(first_of(&group[0]));
        loop {
            let rows = approved::listed_in(db, "approved_product", start, end.clone(), PER_PAGE).await?;
            let read = rows.len();
            let mut last = None;
            for row in rows {
                // Her storefront is not public, so neither is the product.
                if let Some(storefront) = &row.storefront_slug {
                    add(&mut urls, format!("{origin}/s/{storefront}/{}", row.slug));
                }
                last = Some(row.id.key);
            }
            match last {
                Some(last) if read == PER_PAGE => start = Bound::Excluded(last),
                _ => break,
            }
        }
    }
    if !urls.is_empty() {
        pages.push(urlset(&urls));
    }
    Ok(pages)
}

/// XML as kept, gzipped for the client that takes it.
fn xml(gzipped: Bytes, headers: &HeaderMap) -> Response {
    let takes_gzip = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|coding| coding.trim().eq_ignore_ascii_case("gzip")));
    let mut response = if takes_gzip {
        let mut response = gzipped.into_response();
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        let mut xml = Vec::new();
        flate2::read::GzDecoder::new(&gzipped[..]).read_to_end(&mut xml).expect("gzip made here");
        xml.into_response()
    };
    let out = response.headers_mut();
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    response
}

/// `/sitemap.xml`: the index of the pages.
pub async fn index(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let origin = state.site.origin(&headers);
    let Ok(built) = state.sitemap.pages(&origin, || build(&state.db, &origin)).await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let pages: String = (1..=built.pages.len())
        .map(|n| format!("<sitemap><loc>{}</loc></sitemap>", escape(&format!("{origin}/sitemap/{n}.xml"))))
        .collect();
    xml(
        gzip(&format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{pages}</sitemapindex>"#
        )),
        &headers,
    )
}

/// `/sitemap/{n}.xml`: one page, counted from 1.
pub async fn page(State(state): State<AppState>, Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(n) = file.strip_suffix(".xml").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n >= 1) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let origin = state.site.origin(&headers);
    let Ok(built) = state.sitemap.pages(&origin, || build(&state.db, &origin)).await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    match built.pages.get(n - 1) {
        Some(page) => xml(page.clone(), &headers),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
