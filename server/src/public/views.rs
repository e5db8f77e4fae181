//! Views of buyers' pages, counted per owner, day and page with nothing
//! about the viewer: no cookie, no address, no device. Known bots and link
//! preview fetchers are not counted. Counts gather in memory and are written
//! in one query every `FLUSH_EVERY` (and when the server stops), so a page
//! view costs no database write; a crash loses at most that many seconds of
//! counts, which are figures, not anything a person saved.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Mutex;
use std::time::Duration;

use app::wire::{DayViews, PageViews};
use axum::http::{HeaderMap, header};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{Array, RecordId as DbId, RecordIdKey, RecordIdKeyRange, SurrealValue, Value};

pub const FLUSH_EVERY: Duration = Duration::from_secs(30);

pub const DAYS_SHOWN: u32 = app::wire::VIEW_DAYS_SHOWN;

/// The page of a storefront itself; a product's page is its record id.
pub const STOREFRONT_PAGE: &str = "storefront";

/// Words in the user agents of crawlers, preview fetchers and scripts.
const BOTS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "preview",
    "facebookexternalhit",
    "meta-externalagent",
    "whatsapp",
    "telegram",
    "skype",
    "discord",
    "embedly",
    "curl",
    "wget",
    "python",
    "go-http",
    "java/",
    "okhttp",
    "headless",
    "lighthouse",
    "monitor",
    "http-client",
    "axios",
    "node-fetch",
    "libwww",
];

/// Whether a request is a person's browser opening the page.
pub fn by_a_person(headers: &HeaderMap) -> bool {
    let agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default().to_lowercase();
    let prefetch = ["purpose", "sec-purpose", "x-moz"]
        .iter()
        .any(|name| headers.get(*name).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("prefetch")));
    agent.starts_with("mozilla/") && !BOTS.iter().any(|bot| agent.contains(bot)) && !prefetch
}

#[derive(Default)]
pub struct ViewCounter {
    pending: Mutex<HashMap<(String, String, String), u64>>,
}

fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

#[derive(SurrealValue)]
struct Count {
    owner: String,
    day: String,
    page: String,
    count: i64,
}

impl ViewCounter {
    /// Counts a view of `page` of `owner`'s, if a person asked for it.
    pub fn count(&self, headers: &HeaderMap, owner: &str, page: &str) {
        if !by_a_person(headers) {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *pending.entry((owner.to_owned(), today(), page.to_owned())).or_default() += 1;
    }

    /// Writes the counts gathered so far; on failure they are kept for the next time.
    pub async fn flush(&self, db: &Surreal<Any>) -> Result<usize, surrealdb::Error> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        if taken.is_empty() {
            return Ok(0);
        }
        let counts: Vec<Count> = taken
            .iter()
            .map(|((owner, day, page), count)| Count {
                owner: owner.clone(),
                day: day.clone(),
                page: page.clone(),
                count: *count as i64,
            })
            .collect();
        let written = db
            .query(
                "FOR $c IN $counts {
                     UPSERT type::record('page_view', [$c.owner, $c.day, $c.page])
                         SET owner = $c.owner, day = $c.day, page = $c.page, count = (count OR 0) + $c.count;
                 };",
            )
            .bind(("counts", counts))
            .await
            .and_then(|r| r.check());
        if let Err(error) = written {
            let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for (key, count) in taken {
                *pending.entry(key).or_default() += count;
            }
            return Err(error);
        }
        Ok(taken.len())
    }
}

fn key(owner: &str, day: &str) -> RecordIdKey {
    RecordIdKey::from(Array::from(vec![Value::String(owner.to_owned()), Value::String(day.to_owned())]))
}

/// `owner`'s views for the `DAYS_SHOWN` days up to today, newest first, one
/// entry per day with views; and per page over those days.
pub async fn of_owner(db: &Surreal<Any>, owner: &str) -> Result<PageViews, surrealdb::Error> {
    let from = (chrono::Utc::now() - chrono::Duration::days(i64::from(DAYS_SHOWN) - 1)).format("%Y-%m-%d").to_string();
    // Keys [owner, day, page] sort by day within an owner: one key range.
    let range = RecordIdKeyRange { start: Bound::Included(key(owner, &from)), end: Bound::Included(key(owner, "~")) };
    let rows: Vec<Count> = db
        .query("SELECT owner, day, page, count FROM $range")
        .bind(("range", DbId::new("page_view", RecordIdKey::from(range))))
        .await?
        .check()?
        .take(0)?;
    let mut days: std::collections::BTreeMap<String, DayViews> = Default::default();
    let mut pages: std::collections::BTreeMap<String, u64> = Default::default();
    for row in rows {
        let count = row.count.max(0) as u64;
        let day =
            days.entry(row.day.clone()).or_insert_with(|| DayViews { day: row.day.clone(), ..Default::default() });
        if row.page == STOREFRONT_PAGE {
            day.storefront += count;
        } else {
            day.products += count;
        }
        *pages.entry(row.page).or_default() += count;
    }
    Ok(PageViews {
        days: days.into_values().rev().collect(),
        pages: pages.into_iter().collect(),
        days_shown: DAYS_SHOWN,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(ua: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::USER_AGENT, ua.parse().unwrap());
        headers
    }

    #[test]
    fn people_are_counted_and_bots_are_not() {
        let phone = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
        assert!(by_a_person(&agent(phone)));
        for bot in [
            "TelegramBot (like TwitterBot)",
            "WhatsApp/2.23.20.0 A",
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "Mozilla/5.0 (compatible; YandexBot/3.0)",
            "curl/8.5.0",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
            "",
        ] {
            assert!(!by_a_person(&agent(bot)), "{bot}");
        }
        let mut prefetch = agent(phone);
        prefetch.insert("sec-purpose", "prefetch".parse().unwrap());
        assert!(!by_a_person(&prefetch));
    }
}
