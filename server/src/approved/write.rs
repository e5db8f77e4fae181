//! The writes of the approved side: typed rows written when a coordinator
//! approves (from the snapshot she reviewed), the fields that go public
//! without review updated as she changes them, and everything taken off at
//! once when it is withdrawn or deleted. Each runs in its caller's
//! transaction (the desk's decision, or her push).

use std::collections::BTreeMap;

use app::rules::records::{product, slug, storefront};
use app::rules::review::goes_public_without_review;
use app::rules::search;
use sawda_sync::{Kind, Owner, Record, RecordId};
use serde_json::Value;
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;

use super::market::market_order_of;
use crate::export::changes;

fn text(fields: &BTreeMap<String, Value>, name: &str) -> Option<String> {
    fields.get(name).and_then(Value::as_str).map(str::to_owned)
}

fn number(fields: &BTreeMap<String, Value>, name: &str) -> Option<i64> {
    fields.get(name).and_then(Value::as_i64)
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(|v| v.as_str().map(str::to_owned)).collect()
}

/// Writes the approved revision of an item: the reviewed `snapshot`, with
/// the fields that need no review taken from the record as it is now.
#[allow(clippy::too_many_arguments)]
pub async fn publish(
    transaction: &Transaction<Any>,
    owner: &Owner,
    kind: Kind,
    id: RecordId,
    mut fields: BTreeMap<String, Value>,
    now: &Record,
    revision: u32,
    by: &str,
) -> Result<(), surrealdb::Error> {
    for (name, value) in now.fields() {
        if goes_public_without_review(kind, name) {
            fields.insert(name.clone(), value.value.clone());
        }
    }
    let Some((table, mut row, photos)) = row_of(kind, &fields) else { return Ok(()) };
    if kind == Kind::Product {
        let slug = product_slug(transaction, owner, id, &text(&fields, product::NAME).unwrap_or_default()).await?;
        row.insert("slug".into(), slug.into());
    }
    row.retain(|_, v| !v.is_null());
    row.insert("owner".into(), owner.to_string().into());
    row.insert("revision".into(), revision.into());
    row.insert("approved_by".into(), by.into());
    let storefront = kind == Kind::Storefront;
    // Her products whose storefront fields and market places this approval
    // moves: all of them for her storefront, else the one approved, read by
    // its key (a condition on her products would read every one of them).
    let (products, hers) = if storefront { ("approved_product", "WHERE owner = $owner") } else { ("$key", "") };
    // An address once approved stays hers (`approved_address`, migration 0015).
    let address = if storefront {
        "IF !record::exists(type::record('approved_address', $row.slug)) {
             CREATE type::record('approved_address', $row.slug)
                 CONTENT { owner: $owner, storefront: $record, address: $row.slug } RETURN NONE;
         };"
    } else {
        ""
    };
    // Made afresh, so no field of an older revision stays behind (`approved_at` defaults to now).
    transaction
        .query(format!(
            "LET $key = type::record($table, [$owner, $record]);
             DELETE $key;
             CREATE $key CONTENT $row RETURN NONE;
             {address}
             DELETE approved_photo WHERE owner = $owner AND item = $record;
             FOR $i IN array::range(0, array::len($photos)) {{
                 CREATE approved_photo CONTENT {{ owner: $owner, item: $record, hash: $photos[$i], place: $i }} RETURN NONE;
             }};
             -- What the market filters products by comes from her approved storefront.
             LET $shop = (SELECT slug, name, district, category FROM approved_storefront WHERE owner = $owner LIMIT 1)[0];
             UPDATE {products} SET storefront_slug = $shop.slug, storefront_name = $shop.name,
                 district = $shop.district, category = $shop.category {hers} RETURN NONE;
             {order}
             LET $at = time::now();
             {export}",
            order = market_order_of(products, hers),
            // Her storefront moves every product of hers in the export feed; a product, itself.
            export = if storefront { changes::stamp_hers() } else { changes::stamp("$record") },
        ))
        .bind(("table", table))
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_string()))
        .bind(("row", Value::Object(row)))
        .bind(("photos", photos))
        .await?
        .check()?;
    Ok(())
}

/// An approved item's row (without a product's address, without owner,
/// revision and approver), its table and its photos: what `publish` writes,
/// and what the market's benchmark seeds.
pub fn row_of(
    kind: Kind,
    fields: &BTreeMap<String, Value>,
) -> Option<(&'static str, serde_json::Map<String, Value>, Vec<String>)> {
    let (table, row, photos) = match kind {
        Kind::Storefront => {
            let payment: Vec<&serde_json::Map<String, Value>> = fields
                .get(storefront::PAYMENT)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .collect();
            let row = serde_json::json!({
                "slug": text(fields, storefront::SLUG),
                "name": text(fields, storefront::NAME),
                "story": text(fields, storefront::STORY),
                "district": text(fields, storefront::DISTRICT),
                "category": text(fields, storefront::CATEGORY),
                "telegram": text(fields, storefront::TELEGRAM),
                "whatsapp": text(fields, storefront::WHATSAPP),
                "instagram": text(fields, storefront::INSTAGRAM),
                "payment_methods": payment.iter().filter_map(|p| p.get("method").and_then(Value::as_str)).collect::<Vec<_>>(),
                "payment_notes": payment.iter().map(|p| p.get("note").and_then(Value::as_str).unwrap_or("")).collect::<Vec<_>>(),
                "delivery": strings(fields.get(storefront::DELIVERY)),
                "cover_photo": text(fields, storefront::COVER_PHOTO),
            });
            ("approved_storefront", row, text(fields, storefront::COVER_PHOTO).into_iter().collect::<Vec<_>>())
        }
        Kind::Product => {
            let row = serde_json::json!({
                "storefront": text(fields, product::STOREFRONT),
                "name": text(fields, product::NAME),
                "description": text(fields, product::DESCRIPTION),
                "name_en": text(fields, product::NAME_EN),
                "description_en": text(fields, product::DESCRIPTION_EN),
                "unit": text(fields, product::UNIT),
                "materials": text(fields, product::MATERIALS),
                "shelf_life": text(fields, product::SHELF_LIFE),
                "storage": text(fields, product::STORAGE),
                "handmade": fields.get(product::HANDMADE).and_then(Value::as_bool).unwrap_or(false),
                "price_som": number(fields, product::PRICE_SOM),
                "price_usd_cents": number(fields, product::PRICE_USD_CENTS),
                "availability": text(fields, product::AVAILABILITY),
                "stock": number(fields, product::STOCK),
                "position": fields.get(product::POSITION).and_then(Value::as_f64).unwrap_or(0.0),
            });
            ("approved_product", row, strings(fields.get(product::PHOTOS)))
        }
        _ => return None,
    };
    // `NONE` for absent optional fields: SCHEMAFULL types refuse JSON null.
    let mut row = row.as_object().cloned().unwrap_or_default();
    let words = |names: &[&str]| {
        search::searchable(&names.iter().filter_map(|n| text(fields, n)).collect::<Vec<_>>().join(" "))
    };
    match kind {
        Kind::Product => {
            row.insert(
                "search_text".into(),
                words(&[
                    product::NAME,
                    product::DESCRIPTION,
                    product::MATERIALS,
                    product::NAME_EN,
                    product::DESCRIPTION_EN,
                ])
                .into(),
            );
        }
        _ => {
            row.insert("search_text".into(), words(&[storefront::NAME, storefront::STORY]).into());
        }
    }
    row.insert("name_search".into(), search::normalise(&text(fields, "name").unwrap_or_default()).into());
    Some((table, row, photos))
}

/// A product's address on her storefront: the one it has, or one made from
/// its name that none of her other products holds.
async fn product_slug(
    transaction: &Transaction<Any>,
    owner: &Owner,
    id: RecordId,
    name: &str,
) -> Result<String, surrealdb::Error> {
    let mut base = slug::suggest(name);
    if slug::check(&base).is_err() {
        base = "product".into();
    }
    base.truncate(slug::MAX_CHARS - 4);
    let base = base.trim_end_matches('-').to_owned();
    let kept: Option<String> = transaction
        .query("(SELECT VALUE slug FROM type::record('approved_product', [$owner, $record]))[0]")
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_string()))
        .await?
        .check()?
        .take(0)?;
    if let Some(kept) = kept {
        return Ok(kept);
    }
    // "jam", then "jam-2", "jam-3" …, a few at a time, each one key of the
    // (owner, slug) index: named, because the planner would otherwise also
    // read her owner index, every product of hers (EXPLAIN, SurrealDB 3).
    let candidate = |n: usize| if n < 2 { base.clone() } else { format!("{base}-{n}") };
    let mut from = 1;
    loop {
        let tried: Vec<String> = (from..from + SLUGS_AT_ONCE).map(candidate).collect();
        // Each its own parameter: the planner looks up a key by a value, not by an expression.
        let statements: String = (0..tried.len())
            .map(|i| {
                format!(
                    "(SELECT VALUE slug FROM approved_product WITH INDEX approved_product_slug
                         WHERE owner = $owner AND slug = $slug{i} LIMIT 1)[0];"
                )
            })
            .collect();
        let mut query = transaction.query(statements).bind(("owner", owner.to_string()));
        for (i, slug) in tried.iter().enumerate() {
            query = query.bind((format!("slug{i}"), slug.clone()));
        }
        let mut read = query.await?.check()?;
        for (i, slug) in tried.into_iter().enumerate() {
            if read.take::<Option<String>>(i)?.is_none() {
                return Ok(slug);
            }
        }
        from += SLUGS_AT_ONCE;
    }
}

/// A product's addresses tried in one round trip.
const SLUGS_AT_ONCE: usize = 4;

/// The owner an address was ever approved for, if any.
pub async fn address_owner(transaction: &Transaction<Any>, address: &str) -> Result<Option<String>, surrealdb::Error> {
    transaction
        .query("(SELECT VALUE owner FROM type::record('approved_address', $address))[0]")
        .bind(("address", address.to_owned()))
        .await?
        .check()?
        .take(0)
}

/// Price, availability, stock and order go public at once on an approved product.
pub async fn update_public_fields(
    transaction: &Transaction<Any>,
    owner: &Owner,
    record: &Record,
) -> Result<(), surrealdb::Error> {
    if record.kind() != Kind::Product {
        return Ok(());
    }
    let fields: BTreeMap<String, Value> =
        record.fields().iter().map(|(name, field)| (name.clone(), field.value.clone())).collect();
    let mut set = serde_json::Map::new();
    if let Some(price) = number(&fields, product::PRICE_SOM) {
        set.insert("price_som".into(), price.into());
    }
    if let Some(availability) = text(&fields, product::AVAILABILITY) {
        set.insert("availability".into(), availability.into());
    }
    if let Some(position) = fields.get(product::POSITION).and_then(Value::as_f64) {
        set.insert("position".into(), position.into());
    }
    let (usd, stock) = (number(&fields, product::PRICE_USD_CENTS), number(&fields, product::STOCK));
    transaction
        .query(format!(
            "LET $key = type::record('approved_product', [$owner, $record]);
                 LET $at = time::now();
                 IF record::exists($key) {{
                     UPDATE $key MERGE $set;
                     UPDATE $key SET price_usd_cents = $usd, stock = $stock;
                     {}
                 }};",
            changes::stamp("$record")
        ))
        .bind(("owner", owner.to_string()))
        .bind(("record", record.id().to_string()))
        .bind(("set", Value::Object(set)))
        .bind(("usd", usd))
        .bind(("stock", stock))
        .await?
        .check()?;
    Ok(())
}

/// Takes an item off the public side.
pub async fn unpublish(
    transaction: &Transaction<Any>,
    owner: &Owner,
    kind: Kind,
    id: RecordId,
) -> Result<(), surrealdb::Error> {
    let table = match kind {
        Kind::Storefront => "approved_storefront",
        Kind::Product => "approved_product",
        _ => return Ok(()),
    };
    // Her products leave the market with her storefront; a product taken off leaves no row.
    // Either way the export feed says so (withdrawn, `export::feed`).
    let products = if table == "approved_storefront" {
        format!(
            "UPDATE approved_product SET storefront_slug = NONE, storefront_name = NONE WHERE owner = $owner RETURN NONE;
             {}
             {}",
            market_order_of("approved_product", "WHERE owner = $owner"),
            changes::stamp_hers()
        )
    } else {
        // Only a product that was public: one never approved is nothing to the feed.
        format!("IF $was_public {{ {} }};", changes::stamp("$record"))
    };
    transaction
        .query(format!(
            "LET $at = time::now();
             LET $was_public = record::exists(type::record($table, [$owner, $record]));
             DELETE type::record($table, [$owner, $record]);
             DELETE approved_photo WHERE owner = $owner AND item = $record;
             {products}"
        ))
        .bind(("table", table))
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_string()))
        .await?
        .check()?;
    Ok(())
}
