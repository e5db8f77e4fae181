//! Buyers' order requests on the server: a request from a product page
//! becomes a record in the entrepreneur's sync scope (her studio's "Orders"
//! list gets it with her next pull), within limits per client address and
//! per storefront; the daily job forgets the buyer's details
//! `order_request::KEPT_DAYS` after an order is done or cancelled.
//!
//! The buyer's details live only in that record: it is pulled by its owner
//! alone (`sawda_sync::server::may_see`), and nothing public, no directory,
//! no desk and no export reads `order_request` records.

use std::time::Duration;

use app::rules::records::order_request::{self as rules, Order, Status};
use sawda_sync::{Kind, Owner, Record, RecordId};
use sha2::{Digest, Sha256};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

use crate::accounts::rate_limit::RateLimit;
use crate::public::approved;
use crate::sync::store::{self, Created, SyncStoreError, desk_clock};

/// Requests allowed from one client address and to one storefront, far above
/// what buyers send and far below what fills her phone.
pub struct OrderLimits {
    per_client: RateLimit,
    per_client_daily: RateLimit,
    per_storefront: RateLimit,
    per_storefront_daily: RateLimit,
}

impl Default for OrderLimits {
    fn default() -> Self {
        let hour = Duration::from_secs(60 * 60);
        OrderLimits {
            per_client: RateLimit::new(5, Duration::from_secs(10 * 60)),
            per_client_daily: RateLimit::new(20, 24 * hour),
            per_storefront: RateLimit::new(30, hour),
            per_storefront_daily: RateLimit::new(200, 24 * hour),
        }
    }
}

impl OrderLimits {
    /// Counts one request from `client` to the storefront of `owner`; `Err`
    /// (nothing counted) once either has used its allowance.
    pub fn attempt(&self, client: &str, owner: &str) -> Result<(), Duration> {
        let limits = [
            (&self.per_client, client),
            (&self.per_client_daily, client),
            (&self.per_storefront, owner),
            (&self.per_storefront_daily, owner),
        ];
        for (limit, key) in limits {
            limit.check(key)?;
        }
        for (limit, key) in limits {
            limit.attempt(key)?;
        }
        Ok(())
    }

    pub fn prune(&self) -> usize {
        self.per_client.prune()
            + self.per_client_daily.prune()
            + self.per_storefront.prune()
            + self.per_storefront_daily.prune()
    }
}

/// The same request sent twice within this window (a double tap, the page
/// reloaded after sending) makes one record; so does one sent again in the
/// next window (10:09:59, then 10:10:01).
const SAME_REQUEST_MS: u64 = 10 * 60 * 1000;

/// The request's record id: its time is the window it came in, its random
/// part a hash of what it says, so a repeat in the window has the same id.
fn request_id(owner: &str, product: &str, order: &Order, now_ms: u64) -> RecordId {
    let window = now_ms - now_ms % SAME_REQUEST_MS;
    let mut hash = Sha256::new();
    for part in [owner, product, &order.name, &order.contact.stored(), &order.delivery, &order.message] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(order.quantity.to_le_bytes());
    hash.update(window.to_le_bytes());
    let digest = hash.finalize();
    let mut random = [0u8; 10];
    random.copy_from_slice(&digest[..10]);
    RecordId::new(window, random)
}

/// Makes the order request for `product` of `shop` in its owner's scope.
pub async fn receive(
    db: &Surreal<Any>,
    shop: &approved::Storefront,
    product: &approved::Product,
    order: &Order,
    lang: &str,
) -> Result<Created, SyncStoreError> {
    receive_at(db, shop, product, order, lang, chrono::Utc::now().timestamp_millis().max(0) as u64).await
}

/// `receive`, at `now_ms`.
pub async fn receive_at(
    db: &Surreal<Any>,
    shop: &approved::Storefront,
    product: &approved::Product,
    order: &Order,
    lang: &str,
    now_ms: u64,
) -> Result<Created, SyncStoreError> {
    let owner: Owner = shop.owner.parse().map_err(|e| SyncStoreError::Corrupt(format!("{}: {e}", shop.owner)))?;
    // Sent in the previous window already: that record is this request.
    let previous = request_id(&shop.owner, &product.record, order, now_ms.saturating_sub(SAME_REQUEST_MS));
    if store::record(db, &owner, previous).await?.is_some() {
        return Ok(Created::AlreadyThere);
    }
    let name = product.fields.get("name").and_then(|v| v.as_str()).unwrap_or_default();
    let address = format!("/s/{}/{}", shop.slug, product.slug);
    let fields = order.fields(&product.record, name, &address, lang, &crate::review::rfc3339(now_ms));
    let id = request_id(&shop.owner, &product.record, order, now_ms);
    let record = sawda_sync::server::server_record(&mut desk_clock(), id, Kind::OrderRequest, owner, &fields, now_ms);
    store::create(db, record).await
}

#[derive(SurrealValue)]
struct OrderRow {
    owner: String,
    body: String,
}

/// Whether a request's buyer details are due to be forgotten at `now_ms`:
/// done or cancelled, by a status set more than `KEPT_DAYS` ago.
pub fn due_to_forget(record: &Record, now_ms: u64) -> bool {
    let Some(status) = record.fields().get(rules::STATUS) else { return false };
    let finished = status.value.as_str().and_then(Status::from_id).is_some_and(Status::finished);
    let kept_ms = rules::KEPT_DAYS * 24 * 60 * 60 * 1000;
    let still_there = rules::BUYER_FIELDS.iter().any(|name| record.get(name).is_some_and(|v| !v.is_null()));
    finished && still_there && status.at.wall_ms().saturating_add(kept_ms) <= now_ms
}

/// Forgets the buyer's details of requests finished `KEPT_DAYS` ago (their
/// fields set to nothing by the server, as a change her phones pull, so her
/// phones forget them too); the rest of the request stays for her figures.
/// Returns how many.
pub async fn forget_finished(db: &Surreal<Any>, now_ms: u64) -> Result<usize, SyncStoreError> {
    let due = due_to_be_forgotten(db, now_ms).await?;
    forget(db, due, now_ms).await
}

/// The requests whose buyer is due to be forgotten at `now_ms`, as one scan
/// read them: each is checked again when it is written (`forget`).
pub async fn due_to_be_forgotten(db: &Surreal<Any>, now_ms: u64) -> Result<Vec<(Owner, RecordId)>, SyncStoreError> {
    let rows: Vec<OrderRow> =
        db.query("SELECT owner, body FROM sync_record WHERE kind = 'order_request'").await?.check()?.take(0)?;
    let due: Vec<(Owner, RecordId)> = tokio::task::spawn_blocking(move || {
        rows.into_iter()
            .filter_map(|row| {
                let record: Record = serde_json::from_str(&row.body).ok()?;
                due_to_forget(&record, now_ms).then(|| Some((row.owner.parse().ok()?, record.id()))).flatten()
            })
            .collect()
    })
    .await
    .map_err(|e| SyncStoreError::Corrupt(e.to_string()))?;
    Ok(due)
}

/// Forgets the buyers of `due`, each in its own transaction that reads the
/// request again and leaves it be unless it is still due: she may have
/// reopened it since the scan. Returns how many were forgotten.
pub async fn forget(db: &Surreal<Any>, due: Vec<(Owner, RecordId)>, now_ms: u64) -> Result<usize, SyncStoreError> {
    let mut forgotten = 0;
    for (owner, id) in due {
        if store::retrying(crate::infra::database::is_conflict, || forget_one(db, &owner, id, now_ms)).await? {
            forgotten += 1;
        }
    }
    Ok(forgotten)
}

async fn forget_one(db: &Surreal<Any>, owner: &Owner, id: RecordId, now_ms: u64) -> Result<bool, SyncStoreError> {
    let transaction = db.clone().begin().await?;
    let body: Option<String> = transaction
        .query("(SELECT VALUE body FROM type::record('sync_record', [$owner, $key]))[0]")
        .bind(("owner", owner.to_string()))
        .bind(("key", id.to_string()))
        .await?
        .check()?
        .take(0)?;
    let still_due = match body {
        Some(body) => {
            let record: Record = serde_json::from_str(&body).map_err(|e| SyncStoreError::Corrupt(e.to_string()))?;
            due_to_forget(&record, now_ms)
        }
        None => false,
    };
    if !still_due {
        transaction.cancel().await?;
        return Ok(false);
    }
    let forgotten = store::set_server_fields(&transaction, owner, id, rules::forgotten_fields()).await?.is_some();
    transaction.commit().await?;
    Ok(forgotten)
}
