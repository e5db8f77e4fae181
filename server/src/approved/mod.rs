//! What buyers see, kept in one place: the approved revisions of storefronts
//! and products, written when a coordinator approves (`write.rs`), read here
//! for buyers' pages and order requests, ordered and searched for the market
//! (`market.rs`), and their views counted (`views.rs`). A product is public
//! only while its storefront is. The pages themselves are drawn in `public/`.
//!
//! Rows: `approved_storefront` and `approved_product` (keyed `[owner,
//! record]`, typed; a product with the market's order and search words),
//! `approved_photo`, `approved_address` (an address once approved stays
//! hers) and `page_view` (`views.rs`).

pub mod market;
pub mod views;
pub mod write;

use app::ui::FieldMap;
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

/// An approved storefront, as its row holds it (migration 0011).
#[derive(SurrealValue)]
pub struct Storefront {
    pub owner: String,
    pub slug: String,
    pub name: String,
    pub story: Option<String>,
    pub district: String,
    pub category: String,
    pub telegram: Option<String>,
    pub whatsapp: Option<String>,
    pub instagram: Option<String>,
    /// Each way to pay, with its note at the same place ("" for none).
    pub payment_methods: Vec<String>,
    pub payment_notes: Vec<String>,
    pub delivery: Vec<String>,
    pub cover_photo: Option<String>,
    /// Its approved products in order (read apart).
    #[surreal(default)]
    pub products: Vec<Product>,
}

/// An approved product, as its row holds it.
#[derive(SurrealValue)]
pub struct Product {
    /// Its record id in its owner's scope.
    pub record: String,
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub name_en: Option<String>,
    pub description_en: Option<String>,
    pub unit: String,
    pub materials: Option<String>,
    pub shelf_life: Option<String>,
    pub storage: Option<String>,
    pub handmade: bool,
    pub price_som: i64,
    pub price_usd_cents: Option<i64>,
    pub availability: String,
    pub stock: Option<i64>,
    /// Its photos' hashes in order (read apart).
    #[surreal(default)]
    pub photos: Vec<String>,
}

#[derive(SurrealValue)]
struct Photo {
    item: String,
    hash: String,
}

/// Puts `value` under `name` unless it is absent.
fn put(fields: &mut FieldMap, name: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        fields.insert(name.to_owned(), value.into());
    }
}

impl Storefront {
    /// As the listing component reads it (the record's field names).
    pub fn fields(&self) -> FieldMap {
        let mut fields = FieldMap::new();
        put(&mut fields, "name", Some(self.name.as_str()));
        put(&mut fields, "story", self.story.as_deref());
        put(&mut fields, "district", Some(self.district.as_str()));
        put(&mut fields, "category", Some(self.category.as_str()));
        put(&mut fields, "telegram", self.telegram.as_deref());
        put(&mut fields, "whatsapp", self.whatsapp.as_deref());
        put(&mut fields, "instagram", self.instagram.as_deref());
        put(&mut fields, "delivery", Some(self.delivery.clone()));
        put(&mut fields, "cover_photo", self.cover_photo.as_deref());
        let payment: Vec<Value> = self
            .payment_methods
            .iter()
            .enumerate()
            .map(|(i, method)| match self.payment_notes.get(i).filter(|n| !n.is_empty()) {
                Some(note) => json!({"method": method, "note": note}),
                None => json!({"method": method}),
            })
            .collect();
        fields.insert("payment".into(), Value::Array(payment));
        fields
    }
}

impl Product {
    /// As the listing component reads it (the record's field names).
    pub fn fields(&self) -> FieldMap {
        let mut fields = FieldMap::new();
        put(&mut fields, "name", Some(self.name.as_str()));
        put(&mut fields, "description", self.description.as_deref());
        put(&mut fields, "name_en", self.name_en.as_deref());
        put(&mut fields, "description_en", self.description_en.as_deref());
        put(&mut fields, "unit", Some(self.unit.as_str()));
        put(&mut fields, "materials", self.materials.as_deref());
        put(&mut fields, "shelf_life", self.shelf_life.as_deref());
        put(&mut fields, "storage", self.storage.as_deref());
        put(&mut fields, "handmade", Some(self.handmade));
        put(&mut fields, "price_som", Some(self.price_som));
        put(&mut fields, "price_usd_cents", self.price_usd_cents);
        put(&mut fields, "availability", Some(self.availability.as_str()));
        put(&mut fields, "stock", self.stock);
        if !self.photos.is_empty() {
            put(&mut fields, "photos", Some(self.photos.clone()));
        }
        fields
    }
}

/// The approved storefront at `slug`, with its approved products in order.
pub async fn storefront(db: &Surreal<Any>, slug: &str) -> Result<Option<Storefront>, surrealdb::Error> {
    let mut read = db
        .query(
            "SELECT * OMIT id FROM approved_storefront WHERE slug = $slug LIMIT 1;
             LET $owner = (SELECT VALUE owner FROM approved_storefront WHERE slug = $slug LIMIT 1)[0];
             SELECT *, record::id(id)[1] AS record OMIT id FROM approved_product WHERE owner = $owner ORDER BY position, slug;
             SELECT item, hash, place FROM approved_photo WHERE owner = $owner ORDER BY item, place;",
        )
        .bind(("slug", slug.to_owned()))
        .await?
        .check()?;
    let Some(mut shop) = read.take::<Vec<Storefront>>(0)?.into_iter().next() else { return Ok(None) };
    shop.products = read.take(2)?;
    // The product's photos are kept by its record id; the row's key is [owner, record].
    for photo in read.take::<Vec<Photo>>(3)? {
        if let Some(product) = shop.products.iter_mut().find(|p| p.record == photo.item) {
            product.photos.push(photo.hash);
        }
    }
    Ok(Some(shop))
}

/// The address a storefront approved at `old` has now, when that is another:
/// buyers who follow an old link or QR code are sent on to her current page.
pub async fn moved(db: &Surreal<Any>, old: &str) -> Result<Option<String>, surrealdb::Error> {
    let now: Option<String> = db
        .query(
            "LET $owner = (SELECT VALUE owner FROM type::record('approved_address', $old))[0];
             (SELECT VALUE slug FROM approved_storefront WHERE owner = $owner LIMIT 1)[0];",
        )
        .bind(("old", old.to_owned()))
        .await?
        .check()?
        .take(1)?;
    Ok(now.filter(|now| now != old))
}

/// One of the rows the sitemap lists, in key order.
#[derive(SurrealValue)]
pub struct Listed {
    pub id: surrealdb::types::RecordId,
    pub owner: String,
    pub slug: String,
    /// A product's storefront address; `None` for a storefront, and for a
    /// product whose storefront is not public.
    pub storefront_slug: Option<String>,
}

/// At most `rows` rows of `table` (`approved_storefront` or
/// `approved_product`, keyed `[owner, record]`) from `start` to `end`, in
/// key order. Give the range an end where one is known: SurrealDB 3.3 reads
/// a range to its end before the `LIMIT` (at 200,000 products, 10,000 rows
/// from the start of an open range took 3.5 s, of a closed one 0.2 s).
pub async fn listed_in(
    db: &Surreal<Any>,
    table: &str,
    start: std::ops::Bound<surrealdb::types::RecordIdKey>,
    end: std::ops::Bound<surrealdb::types::RecordIdKey>,
    rows: usize,
) -> Result<Vec<Listed>, surrealdb::Error> {
    use surrealdb::types::{RecordId, RecordIdKey, RecordIdKeyRange};
    let range = RecordIdKeyRange { start, end };
    let storefront = if table == "approved_product" { "storefront_slug" } else { "NONE AS storefront_slug" };
    db.query(format!("SELECT id, owner, slug, {storefront} FROM $range LIMIT $rows"))
        .bind(("range", RecordId::new(table.to_owned(), RecordIdKey::from(range))))
        .bind(("rows", rows as i64))
        .await?
        .check()?
        .take(0)
}

/// Whether buyers see `hash` in an approved revision (an `approved_photo`
/// row, by its index on the hash).
pub async fn is_public_photo(db: &Surreal<Any>, hash: &str) -> Result<bool, surrealdb::Error> {
    let found: Option<String> = db
        .query("(SELECT VALUE hash FROM approved_photo WHERE hash = $hash LIMIT 1)[0]")
        .bind(("hash", hash.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(found.is_some())
}
