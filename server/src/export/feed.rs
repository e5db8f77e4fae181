//! A page of the feed: the rows after a cursor, up to the settled end, each
//! product as it is now (`docs/export.md` says why this stays exact).

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{Array, RecordId, RecordIdKey, SurrealValue, Value as DbValue};

use super::changes::id_of;

/// The schema's version (`docs/export.md`, "Versions").
pub const VERSION: u32 = 1;
pub const DEFAULT_LIMIT: usize = 200;
pub const MAX_LIMIT: usize = 1000;
/// Requests a partner's token may make in a minute.
pub const REQUESTS_PER_MINUTE: usize = 60;
/// Longer than any transaction that writes the feed takes: requests are cut
/// off after 30 seconds (`router::REQUEST_DEADLINE`), and their transactions with them.
pub const SETTLE: Duration = Duration::from_secs(60);

/// A place in the feed. Partners keep it as text (`v1.` and the position,
/// `|` written as `.`) and send it back; anything else is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    position: String,
}

impl Cursor {
    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix("v1.")?;
        let (clock, id) = match rest.split_once('.') {
            Some((clock, id)) => (clock, Some(id)),
            None => (rest, None),
        };
        let clock_ok = clock.len() == 19 && clock.bytes().all(|b| b.is_ascii_digit());
        let id_ok = id.is_none_or(|id| id.len() == 64 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
        (clock_ok && id_ok).then(|| Cursor { position: rest.replacen('.', "|", 1) })
    }

    pub fn text(&self) -> String {
        format!("v1.{}", self.position.replacen('|', ".", 1))
    }
}

/// An item of the feed: a product as buyers see it now, or gone from them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Item {
    Approved(Box<Product>),
    Withdrawn { id: String, changed_at: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Product {
    pub id: String,
    pub changed_at: DateTime<Utc>,
    pub approved_at: DateTime<Utc>,
    pub url: String,
    pub storefront: Storefront,
    pub district: String,
    pub category: String,
    pub name: String,
    pub description: Option<String>,
    pub name_en: Option<String>,
    pub description_en: Option<String>,
    pub price_som: i64,
    pub price_usd: Option<String>,
    pub unit: String,
    pub shelf_life: Option<String>,
    pub storage: Option<String>,
    pub handmade: bool,
    pub availability: String,
    pub photos: Vec<String>,
}

/// The storefront a product is sold from, with its public contacts only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Storefront {
    pub address: String,
    pub name: String,
    pub url: String,
    pub district: String,
    pub category: String,
    pub telegram: Option<String>,
    pub whatsapp: Option<String>,
    pub instagram: Option<String>,
}

/// What one request answers.
#[derive(Debug)]
pub struct Page {
    pub items: Vec<Item>,
    /// Where the next request starts: never before `after`.
    pub next: Cursor,
    /// The page was full: there may be more now.
    pub more: bool,
}

#[derive(SurrealValue)]
struct Change {
    owner: String,
    record: String,
    changed_at: DateTime<Utc>,
    position: String,
}

#[derive(SurrealValue)]
struct Row {
    owner: String,
    record: String,
    storefront: String,
    storefront_slug: Option<String>,
    slug: String,
    name: String,
    description: Option<String>,
    name_en: Option<String>,
    description_en: Option<String>,
    unit: String,
    shelf_life: Option<String>,
    storage: Option<String>,
    handmade: bool,
    price_som: i64,
    price_usd_cents: Option<i64>,
    availability: String,
    approved_at: DateTime<Utc>,
}

#[derive(SurrealValue)]
struct Shop {
    owner: String,
    slug: String,
    name: String,
    district: String,
    category: String,
    telegram: Option<String>,
    whatsapp: Option<String>,
    instagram: Option<String>,
}

#[derive(SurrealValue)]
struct Photo {
    owner: String,
    item: String,
    hash: String,
}

fn key(table: &str, owner: &str, record: &str) -> RecordId {
    let pair = Array::from(vec![DbValue::String(owner.to_owned()), DbValue::String(record.to_owned())]);
    RecordId::new(table.to_owned(), RecordIdKey::from(pair))
}

/// Up to `limit` items after `after` (from the start without one), written
/// at least `settle` ago by the database's clock; links start with `origin`.
pub async fn page(
    db: &Surreal<Any>,
    after: Option<&Cursor>,
    limit: usize,
    settle: Duration,
    origin: &str,
) -> Result<Page, surrealdb::Error> {
    let limit = limit.clamp(1, MAX_LIMIT);
    let now: i64 = db.query("RETURN time::nano(time::now())").await?.check()?.take::<Option<i64>>(0)?.unwrap_or(0);
    let settle = i64::try_from(settle.as_nanos()).unwrap_or(i64::MAX);
    // Every position of a clock up to the settled one sorts before this.
    let settled_end = format!("{:019}", now.saturating_sub(settle).saturating_add(1).max(0));
    let after_position = after.map_or("", |cursor| cursor.position.as_str());
    let mut changes: Vec<Change> = db
        .query(
            "SELECT owner, record, changed_at, position FROM export_change
             WHERE position > $after AND position < $end ORDER BY position LIMIT $limit",
        )
        .bind(("after", after_position.to_owned()))
        .bind(("end", settled_end.clone()))
        .bind(("limit", limit as i64 + 1))
        .await?
        .check()?
        .take(0)?;
    let more = changes.len() > limit;
    changes.truncate(limit);
    let next = match changes.last() {
        Some(last) if more => last.position.clone(),
        // Everything settled was read: the next request starts at the settled end.
        _ => settled_end.max(after_position.to_owned()),
    };

    let products: Vec<Row> = db
        .query(
            "SELECT record::id(id)[0] AS owner, record::id(id)[1] AS record, storefront, storefront_slug, slug, name,
                 description, name_en, description_en, unit, shelf_life, storage, handmade, price_som,
                 price_usd_cents, availability, approved_at
             FROM $keys",
        )
        .bind(("keys", changes.iter().map(|c| key("approved_product", &c.owner, &c.record)).collect::<Vec<_>>()))
        .await?
        .check()?
        .take(0)?;
    let shop_keys: Vec<RecordId> = {
        let mut pairs: Vec<(&str, &str)> = products.iter().map(|p| (p.owner.as_str(), p.storefront.as_str())).collect();
        pairs.sort_unstable();
        pairs.dedup();
        pairs.into_iter().map(|(owner, record)| key("approved_storefront", owner, record)).collect()
    };
    let shops: Vec<Shop> = db
        .query("SELECT owner, slug, name, district, category, telegram, whatsapp, instagram FROM $keys")
        .bind(("keys", shop_keys))
        .await?
        .check()?
        .take(0)?;
    let photos: Vec<Photo> = db
        .query("SELECT owner, item, hash, place FROM approved_photo WHERE item IN $records ORDER BY item, place")
        .bind(("records", products.iter().map(|p| p.record.clone()).collect::<Vec<_>>()))
        .await?
        .check()?
        .take(0)?;

    let shops: HashMap<&str, &Shop> = shops.iter().map(|shop| (shop.owner.as_str(), shop)).collect();
    let mut photos_of: HashMap<(String, String), Vec<String>> = HashMap::new();
    for photo in photos {
        photos_of
            .entry((photo.owner, photo.item))
            .or_default()
            .push(format!("{origin}/photos/{}/large.jpg", photo.hash));
    }
    let mut products: HashMap<(String, String), Row> =
        products.into_iter().map(|row| ((row.owner.clone(), row.record.clone()), row)).collect();
    let items = changes
        .into_iter()
        .map(|change| {
            let id = id_of(&change.owner, &change.record);
            let key = (change.owner, change.record);
            let product = products.remove(&key);
            // Public only while her storefront is (`approved` module).
            let public = product.and_then(|row| {
                let address = row.storefront_slug.clone()?;
                let shop = shops.get(row.owner.as_str())?;
                Some((row, address, shop))
            });
            match public {
                Some((row, address, shop)) => {
                    let photos = photos_of.remove(&key).unwrap_or_default();
                    Item::Approved(Box::new(product_item(id, change.changed_at, row, &address, shop, photos, origin)))
                }
                None => Item::Withdrawn { id, changed_at: change.changed_at },
            }
        })
        .collect();
    Ok(Page { items, next: Cursor { position: next }, more })
}

fn product_item(
    id: String,
    changed_at: DateTime<Utc>,
    row: Row,
    address: &str,
    shop: &Shop,
    photos: Vec<String>,
    origin: &str,
) -> Product {
    let storefront_url = format!("{origin}/s/{address}");
    Product {
        id,
        changed_at,
        approved_at: row.approved_at,
        url: format!("{storefront_url}/{}", row.slug),
        storefront: Storefront {
            address: address.to_owned(),
            name: shop.name.clone(),
            url: storefront_url,
            district: shop.district.clone(),
            category: shop.category.clone(),
            telegram: shop.telegram.clone(),
            whatsapp: shop.whatsapp.clone(),
            instagram: shop.instagram.clone(),
        },
        district: shop.district.clone(),
        category: shop.category.clone(),
        name: row.name,
        description: row.description,
        name_en: row.name_en,
        description_en: row.description_en,
        price_som: row.price_som,
        price_usd: row.price_usd_cents.map(|cents| format!("{}.{:02}", cents / 100, cents % 100)),
        unit: row.unit,
        shelf_life: row.shelf_life,
        storage: row.storage,
        handmade: row.handmade,
        availability: row.availability,
        photos,
    }
}

#[cfg(test)]
mod tests {
    use super::Cursor;

    #[test]
    fn a_cursor_is_read_back_only_as_this_server_writes_it() {
        let id = "a".repeat(64);
        for position in ["1764921067120443000".to_owned(), format!("1764921067120443000|{id}")] {
            let cursor = Cursor { position: position.clone() };
            assert_eq!(Cursor::parse(&cursor.text()), Some(cursor));
        }
        for wrong in [
            "",
            "v1.",
            "v2.1764921067120443000",
            "v1.176492106712044300",
            "v1.1764921067120443000.",
            "v1.17649210671204430x0",
            &format!("v1.1764921067120443000.{}", "A".repeat(64)),
            &format!("v1.1764921067120443000.{}", "a".repeat(63)),
            &format!("v1.1764921067120443000.{id}.x"),
            "v1.1764921067120443000|x",
        ] {
            assert_eq!(Cursor::parse(wrong), None, "{wrong}");
        }
    }
}
