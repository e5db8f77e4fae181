//! Reads of the approved tables, the only thing buyers see: a storefront by
//! its address with its approved products, and what the sitemap lists. A
//! product is public only while its storefront is.

use std::collections::BTreeMap;

use app::ui::FieldMap;
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

pub struct Storefront {
    pub owner: String,
    pub slug: String,
    /// As the listing component reads it (the record's field names).
    pub fields: FieldMap,
    pub products: Vec<Product>,
}

pub struct Product {
    /// Its record id in its owner's scope.
    pub record: String,
    pub slug: String,
    pub fields: FieldMap,
}

/// Rows as JSON, as the pages read them.
pub(crate) fn json_rows(rows: Vec<surrealdb::types::Value>) -> Vec<Value> {
    rows.into_iter().map(surrealdb::types::Value::into_json_value).collect()
}

fn copy(row: &Value, names: &[&str]) -> FieldMap {
    names
        .iter()
        .filter_map(|name| row.get(*name).filter(|v| !v.is_null()).map(|v| ((*name).to_owned(), v.clone())))
        .collect()
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
    let Some(row) = json_rows(read.take(0)?).into_iter().next() else { return Ok(None) };
    let products = json_rows(read.take(2)?);
    let photos = json_rows(read.take(3)?);
    let mut fields = copy(
        &row,
        &["name", "story", "district", "category", "telegram", "whatsapp", "instagram", "delivery", "cover_photo"],
    );
    let methods = row["payment_methods"].as_array().cloned().unwrap_or_default();
    let notes = row["payment_notes"].as_array().cloned().unwrap_or_default();
    let payment: Vec<Value> = methods
        .iter()
        .enumerate()
        .map(|(i, method)| match notes.get(i).and_then(Value::as_str).filter(|n| !n.is_empty()) {
            Some(note) => json!({"method": method, "note": note}),
            None => json!({"method": method}),
        })
        .collect();
    fields.insert("payment".into(), Value::Array(payment));
    let mut by_item: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for photo in photos {
        if let (Some(item), Some(hash)) = (photo["item"].as_str(), photo.get("hash")) {
            by_item.entry(item.to_owned()).or_default().push(hash.clone());
        }
    }
    let products = products
        .into_iter()
        .map(|p| {
            let mut fields = copy(
                &p,
                &[
                    "name",
                    "description",
                    "unit",
                    "materials",
                    "shelf_life",
                    "storage",
                    "handmade",
                    "price_som",
                    "price_usd_cents",
                    "availability",
                    "stock",
                ],
            );
            // The product's photos are kept by its record id; the row's key is [owner, record].
            let record = p["record"].as_str().unwrap_or_default().to_owned();
            if let Some(hashes) = by_item.get(&record) {
                fields.insert("photos".into(), Value::Array(hashes.clone()));
            }
            Product { record, slug: p["slug"].as_str().unwrap_or_default().to_owned(), fields }
        })
        .collect();
    Ok(Some(Storefront {
        owner: row["owner"].as_str().unwrap_or_default().to_owned(),
        slug: slug.to_owned(),
        fields,
        products,
    }))
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
