//! Buyers' storefront and product pages kept rendered, raw and gzipped,
//! so a link shared in a chat that a hundred people open costs one render.
//! An entry is dropped when anything of its owner's that buyers see may
//! have changed on this server (her push of a storefront or product, a
//! decision at the desk), on another server of a cluster within seconds
//! (`public_changes`), and after `KEPT_FOR` in any case, as buyers' own
//! caches do (`Cache-Control: max-age=60`).
//!
//! A page is keyed by its language, the origin its links name (one of the
//! few `Site::origin` allows) and its path, so the keys are bounded by the
//! public pages. When full, the pages served least recently go first: a
//! crawl of every page cannot push out the one a chat is opening.
//!
//! A page is rendered from a read of the database, and a withdrawal may
//! land between that read and the `put`: the handler takes a `Stamp` before
//! it reads, `forget` raises its owner's generation, and `put` does not
//! keep a page whose owner was forgotten after its stamp.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use app::i18n::Lang;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

pub const KEPT_FOR: Duration = Duration::from_secs(60);
/// More pages than are opened within a minute, and at most ~50 MB (pages are
/// ~7 KB raw, and a third of that again gzipped).
pub const MAX_PAGES: usize = 5_000;
/// Pages dropped at once when full: one pass over the cache frees room for many puts.
const EVICTED_AT_ONCE: usize = MAX_PAGES / 10;

/// The owner of pages that list everyone's products (the market): any
/// owner's change drops them, and any since their stamp keeps them from `put`.
pub const EVERYONE: &str = "*";

pub struct Cached {
    made: Instant,
    /// When it was last served, in `PageCache::clock` ticks.
    used: AtomicU64,
    /// Whose page it is, and which (for the view count).
    pub owner: String,
    pub page: String,
    html: Bytes,
    gzip: Bytes,
}

/// When a page's read began: taken before reading, given to `put`.
#[derive(Clone, Copy, Debug)]
pub struct Stamp {
    generation: u64,
    at: Instant,
}

#[derive(Default)]
struct Pages {
    pages: HashMap<String, Arc<Cached>>,
    /// Raised by every `forget`.
    generation: u64,
    /// Each owner forgotten within `KEPT_FOR`: the generation it raised, and when.
    forgotten: HashMap<String, (u64, Instant)>,
}

#[derive(Default)]
pub struct PageCache {
    inner: RwLock<Pages>,
    clock: AtomicU64,
}

/// The cache key of a page: its language, the origin its links name, its path.
pub fn key(lang: Lang, origin: &str, path: &str) -> String {
    format!("{}|{origin}|{path}", lang.code())
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
        let mut response = html(StatusCode::OK, body);
        let out = response.headers_mut();
        if gzip {
            out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        out.insert(header::VARY, HeaderValue::from_static("accept-encoding, accept-language, cookie"));
        response
    }
}

impl PageCache {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Pages> {
        self.inner.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Pages> {
        self.inner.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn get(&self, key: &str) -> Option<Arc<Cached>> {
        let page = self.read().pages.get(key).filter(|page| page.made.elapsed() < KEPT_FOR).cloned()?;
        page.used.store(self.clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
        Some(page)
    }

    /// Taken before reading what a page is rendered from.
    pub fn stamp(&self) -> Stamp {
        Stamp { generation: self.read().generation, at: Instant::now() }
    }

    /// A page just rendered, as an answer; kept unless its owner was
    /// forgotten since `since` (it may show what was just withdrawn).
    pub fn put(&self, key: String, since: Stamp, owner: &str, page: &str, html: String) -> Arc<Cached> {
        let mut encoder =
            flate2::write::GzEncoder::new(Vec::with_capacity(html.len() / 3), flate2::Compression::new(6));
        encoder.write_all(html.as_bytes()).expect("writing to memory");
        let gzip = encoder.finish().expect("writing to memory");
        let cached = Arc::new(Cached {
            made: Instant::now(),
            used: AtomicU64::new(self.clock.fetch_add(1, Ordering::Relaxed)),
            owner: owner.to_owned(),
            page: page.to_owned(),
            html: Bytes::from(html),
            gzip: Bytes::from(gzip),
        });
        let mut inner = self.write();
        // Forgotten owners are remembered for `KEPT_FOR` only: an older stamp cannot be checked.
        let stale = since.at.elapsed() >= KEPT_FOR
            || inner.forgotten.get(owner).is_some_and(|(generation, _)| *generation > since.generation)
            || (owner == EVERYONE && inner.generation > since.generation);
        if stale {
            return cached;
        }
        if inner.pages.len() >= MAX_PAGES && !inner.pages.contains_key(&key) {
            make_room(&mut inner.pages);
        }
        inner.pages.insert(key, cached.clone());
        cached
    }

    /// Something of `owner`'s that buyers see may have changed: her pages
    /// go, and those of `EVERYONE` (the market lists her products too).
    pub fn forget(&self, owner: &str) {
        let mut inner = self.write();
        inner.pages.retain(|_, page| page.owner != owner && page.owner != EVERYONE);
        inner.generation += 1;
        let generation = inner.generation;
        inner.forgotten.retain(|_, (_, at)| at.elapsed() < KEPT_FOR);
        inner.forgotten.insert(owner.to_owned(), (generation, Instant::now()));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.read().pages.len()
    }
}

/// Drops the expired pages, then, if that was not enough, the pages served least recently.
fn make_room(pages: &mut HashMap<String, Arc<Cached>>) {
    pages.retain(|_, page| page.made.elapsed() < KEPT_FOR);
    if pages.len() < MAX_PAGES {
        return;
    }
    let mut by_use: Vec<(u64, String)> =
        pages.iter().map(|(key, page)| (page.used.load(Ordering::Relaxed), key.clone())).collect();
    by_use.select_nth_unstable(EVICTED_AT_ONCE - 1);
    for (_, key) in &by_use[..EVICTED_AT_ONCE] {
        pages.remove(key);
    }
}

/// A buyers' page as an answer: the same for everyone in a language, so
/// caches may keep it a little.
pub fn html(status: StatusCode, page: impl IntoResponse) -> Response {
    let mut response = (status, page).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=60"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-language, cookie"));
    response
}

/// How long pages built together (the sitemap) are kept before the next request builds them again.
pub const REBUILT_AFTER: Duration = Duration::from_secs(5 * 60);
/// Origins kept at once (`Site::origin` allows only a few).
const ORIGINS: usize = 8;

/// Pages built together from one pass over the database, per origin.
pub struct Built {
    made: Instant,
    /// Each page, gzipped.
    pub pages: Vec<Bytes>,
}

/// Pages built together at most once per `kept_for` (the sitemap): crawlers
/// and floods alike cost one build every few minutes.
pub struct Rebuilt {
    kept_for: Duration,
    /// By origin. One build at a time: the others wait for it and take its pages.
    built: tokio::sync::Mutex<HashMap<String, Arc<Built>>>,
}

impl Default for Rebuilt {
    fn default() -> Self {
        Rebuilt::kept_for(REBUILT_AFTER)
    }
}

impl Rebuilt {
    pub fn kept_for(kept_for: Duration) -> Self {
        Rebuilt { kept_for, built: Default::default() }
    }

    /// The pages for `origin`: kept ones while fresh, else those `build` makes.
    pub async fn pages<E, F: Future<Output = Result<Vec<Bytes>, E>>>(
        &self,
        origin: &str,
        build: impl FnOnce() -> F,
    ) -> Result<Arc<Built>, E> {
        let mut built = self.built.lock().await;
        if let Some(fresh) = built.get(origin).filter(|b| b.made.elapsed() < self.kept_for) {
            return Ok(fresh.clone());
        }
        let fresh = Arc::new(Built { made: Instant::now(), pages: build().await? });
        built.retain(|_, b| b.made.elapsed() < self.kept_for);
        if built.len() >= ORIGINS {
            built.clear();
        }
        built.insert(origin.to_owned(), fresh.clone());
        Ok(fresh)
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
        cache.put("en|/s/a".into(), cache.stamp(), "account:a", "storefront", "<p>a</p>".repeat(100));
        cache.put("en|/s/b".into(), cache.stamp(), "account:b", "storefront", "<p>b</p>".into());
        let hit = cache.get("en|/s/a").unwrap();
        assert!(hit.gzip.len() < hit.html.len());
        let mut decoded = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&hit.gzip[..]), &mut decoded).unwrap();
        assert_eq!(decoded.as_bytes(), &hit.html[..]);
        cache.forget("account:a");
        assert!(cache.get("en|/s/a").is_none());
        assert!(cache.get("en|/s/b").is_some(), "other people's pages stay");
        // Read after the forget: kept again.
        cache.put("en|/s/a".into(), cache.stamp(), "account:a", "storefront", "<p>a2</p>".into());
        assert!(cache.get("en|/s/a").is_some());
    }

    #[test]
    fn a_page_read_before_its_owner_was_forgotten_is_not_kept() {
        let cache = PageCache::default();
        let before = cache.stamp();
        cache.forget("account:a");
        let answer = cache.put("en|/s/a".into(), before, "account:a", "storefront", "<p>old</p>".into());
        assert_eq!(&answer.html[..], b"<p>old</p>", "the request that read it still gets its page");
        assert!(cache.get("en|/s/a").is_none());
        // Someone else's forget does not stop hers from being kept.
        let before = cache.stamp();
        cache.forget("account:b");
        cache.put("en|/s/a".into(), before, "account:a", "storefront", "<p>new</p>".into());
        assert!(cache.get("en|/s/a").is_some());
    }

    #[test]
    fn when_full_the_pages_served_least_recently_go_and_a_hot_one_stays() {
        let cache = PageCache::default();
        cache.put("en|/s/hot".into(), cache.stamp(), "account:hot", "storefront", "<p>hot</p>".into());
        for n in 0..6_000 {
            cache.put(format!("en|/s/crawled-{n}"), cache.stamp(), "account:x", "storefront", format!("<p>{n}</p>"));
            if n % 1_000 == 0 {
                assert!(cache.get("en|/s/hot").is_some(), "after {n} pages");
            }
        }
        assert!(cache.get("en|/s/hot").is_some());
        assert!(cache.len() <= MAX_PAGES);
        assert!(cache.len() > MAX_PAGES - EVICTED_AT_ONCE - 1, "only the least used went: {}", cache.len());
        assert!(cache.get("en|/s/crawled-0").is_none(), "the oldest crawled page went first");
        assert!(cache.get("en|/s/crawled-5999").is_some());
    }
}
