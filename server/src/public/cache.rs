//! Buyers' storefront and product pages kept rendered, raw and gzipped,
//! so a link shared in a chat that a hundred people open costs one render.
//! An entry is dropped when anything of its owner's that buyers see may
//! have changed on this server (her push of a storefront or product, a
//! decision at the desk), and after `KEPT_FOR` in any case: another server
//! of a cluster learns of a change within that time, as buyers' own caches
//! do (`Cache-Control: max-age=60`).

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;

pub const KEPT_FOR: Duration = Duration::from_secs(60);
/// More pages than are opened within a minute, and at most ~35 MB (pages are
/// ~7 KB raw and gzipped; the key holds the origin, so a flood of made-up
/// `Host` names only empties the cache); beyond it the cache starts afresh.
const MAX_PAGES: usize = 5_000;

pub struct Cached {
    made: Instant,
    /// Whose page it is, and which (for the view count).
    pub owner: String,
    pub page: String,
    html: Bytes,
    gzip: Bytes,
}

#[derive(Default)]
pub struct PageCache {
    pages: RwLock<HashMap<String, Arc<Cached>>>,
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| p.trim().replace(' ', "") == "q=0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

impl Cached {
    /// The page as an answer: gzipped when the client takes it.
    pub fn response(&self, headers: &HeaderMap) -> Response {
        let gzip = accepts_gzip(headers);
        let body = if gzip { self.gzip.clone() } else { self.html.clone() };
        let mut response = super::html(StatusCode::OK, body);
        let out = response.headers_mut();
        if gzip {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding, accept-language, cookie"));
        response
    }
}

impl PageCache {
    pub fn get(&self, key: &str) -> Option<Arc<Cached>> {
        let pages = self.pages.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        pages.get(key).filter(|page| page.made.elapsed() < KEPT_FOR).cloned()
    }

    /// Keeps a page just rendered.
    pub fn put(&self, key: String, owner: &str, page: &str, html: String) -> Arc<Cached> {
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::with_capacity(html.len() / 3), flate2::Compression::new(6));
        encoder.write_all(html.as_bytes()).expect("writing to memory");
        let gzip = encoder.finish().expect("writing to memory");
        let cached = Arc::new(Cached {
            made: Instant::now(),
            owner: owner.to_owned(),
            page: page.to_owned(),
            html: Bytes::from(html),
            gzip: Bytes::from(gzip),
        });
        let mut pages = self.pages.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if pages.len() >= MAX_PAGES {
            pages.retain(|_, page| page.made.elapsed() < KEPT_FOR);
            if pages.len() >= MAX_PAGES {
                pages.clear();
            }
        }
        pages.insert(key, cached.clone());
        cached
    }

    /// Something of `owner`'s that buyers see may have changed.
    pub fn forget(&self, owner: &str) {
        self.pages.write().unwrap_or_else(|poisoned| poisoned.into_inner()).retain(|_, page| page.owner != owner);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(encoding: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, encoding.parse().unwrap());
        headers
    }

    #[test]
    fn gzip_goes_to_those_who_take_it() {
        assert!(accepts_gzip(&headers("gzip, deflate, br")));
        assert!(accepts_gzip(&headers("br;q=1.0, gzip;q=0.8")));
        assert!(!accepts_gzip(&headers("br")));
        assert!(!accepts_gzip(&headers("gzip;q=0")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn pages_are_kept_until_their_owner_changes_something() {
        let cache = PageCache::default();
        cache.put("en|/s/a".into(), "account:a", "storefront", "<p>a</p>".repeat(100));
        cache.put("en|/s/b".into(), "account:b", "storefront", "<p>b</p>".into());
        let hit = cache.get("en|/s/a").unwrap();
        assert!(hit.gzip.len() < hit.html.len());
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&hit.gzip[..]), &mut decoded).unwrap();
        assert_eq!(decoded.as_bytes(), &hit.html[..]);
        cache.forget("account:a");
        assert!(cache.get("en|/s/a").is_none());
        assert!(cache.get("en|/s/b").is_some(), "other people's pages stay");
    }
}
