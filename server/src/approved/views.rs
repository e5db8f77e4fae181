//! Views of buyers' pages, counted per owner, day and page with nothing
//! about the viewer written anywhere: no cookie, no address, no device. One
//! script cannot inflate a count: a client address counts once a day per
//! page, on at most `PAGES_PER_CLIENT_A_DAY` pages, told apart in memory only
//! by a hash keyed afresh each day (which requests are a person's is the
//! page's to tell: `public::views`). Counts gather in memory and are written
//! in one query every `FLUSH_EVERY` (and when the server stops), so a page
//! view costs no database write; a crash loses at most that many seconds of
//! counts, which are figures, not anything a person saved.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::ops::Bound;
use std::sync::Mutex;
use std::time::Duration;

use app::wire::{DayViews, PageViews};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{Array, RecordId as DbId, RecordIdKey, RecordIdKeyRange, SurrealValue, Value};

pub const FLUSH_EVERY: Duration = Duration::from_secs(30);

pub const DAYS_SHOWN: u32 = app::wire::VIEW_DAYS_SHOWN;

/// The page of a storefront itself; a product's page is its record id.
pub const STOREFRONT_PAGE: &str = "storefront";

/// Pages one client address is counted on in a day, at most: a script adds
/// at most this many views a day from one address (one per page), while a
/// buyer browsing the market stays well under it.
pub const PAGES_PER_CLIENT_A_DAY: u32 = 100;
/// (client, page) pairs remembered in a day (a few MB); beyond that the
/// memory starts afresh, which takes that many distinct addresses and pages.
const PAIRS_REMEMBERED: usize = 200_000;

#[derive(Default)]
pub struct ViewCounter {
    pending: Mutex<HashMap<(String, String, String), u64>>,
    seen: Mutex<Seen>,
}

/// Who was counted on which page today, as hashes only.
#[derive(Default)]
struct Seen {
    day: String,
    /// Keys the hashes; made afresh each day and never written anywhere.
    salt: RandomState,
    pairs: HashSet<u64>,
    pages_of: HashMap<u64, u32>,
}

impl Seen {
    /// Whether this is `client`'s first view of `page` today, within its pages for the day.
    fn first_view(&mut self, client: &str, owner: &str, page: &str) -> bool {
        let pair = self.salt.hash_one((client, owner, page));
        if self.pairs.contains(&pair) {
            return false;
        }
        let who = self.salt.hash_one(client);
        if self.pages_of.get(&who).is_some_and(|pages| *pages >= PAGES_PER_CLIENT_A_DAY) {
            return false;
        }
        if self.pairs.len() >= PAIRS_REMEMBERED {
            self.pairs.clear();
            self.pages_of.clear();
        }
        self.pairs.insert(pair);
        *self.pages_of.entry(who).or_default() += 1;
        true
    }
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
    /// Counts a view of `page` of `owner`'s by a person, if `client`
    /// (`Site::client_address`) has not been counted on it today.
    pub fn count(&self, client: &str, owner: &str, page: &str) {
        if !self.first_today(client, owner, page) {
            return;
        }
        let today = today();
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *pending.entry((owner.to_owned(), today, page.to_owned())).or_default() += 1;
    }

    /// Whether this is `client`'s first view of `page` of `owner`'s today,
    /// within its pages for the day: the same rule for the ads' results
    /// (`ads::results`), which are written elsewhere.
    pub fn first_today(&self, client: &str, owner: &str, page: &str) -> bool {
        let today = today();
        let mut seen = self.seen.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if seen.day != today {
            *seen = Seen { day: today, ..Default::default() };
        }
        seen.first_view(client, owner, page)
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

    #[test]
    fn a_client_counts_once_a_day_per_page_and_on_so_many_pages_at_most() {
        let counter = ViewCounter::default();
        for _ in 0..1_000 {
            counter.count("198.51.100.7", "account:a", STOREFRONT_PAGE);
        }
        counter.count("198.51.100.8", "account:a", STOREFRONT_PAGE);
        counter.count("198.51.100.8", "account:b", STOREFRONT_PAGE);
        for n in 0..500 {
            counter.count("2001:db8:1:2::/64", "account:a", &format!("product:{n}"));
        }
        let pending = counter.pending.lock().unwrap();
        assert_eq!(pending[&("account:a".to_owned(), today(), STOREFRONT_PAGE.to_owned())], 2);
        assert_eq!(pending[&("account:b".to_owned(), today(), STOREFRONT_PAGE.to_owned())], 1);
        let products: u64 =
            pending.iter().filter(|((_, _, page), _)| page.starts_with("product:")).map(|(_, n)| n).sum();
        assert_eq!(products, u64::from(PAGES_PER_CLIENT_A_DAY));
    }
}
