//! Buyers' order requests on the server: a request from a product page
//! becomes a record in the entrepreneur's sync scope (her studio's "Orders"
//! list gets it with her next pull), outside her room for her own work and
//! within limits that strangers cannot spend for everyone:
//!
//! - per client and storefront, and per client across storefronts (many
//!   buyers share one address behind a carrier's NAT), with invalid posts
//!   (failed checks, the trap, a bad token) counted apart ([`OrderLimits`]);
//! - a few open ("new") requests per client and storefront ([`OPEN_PER_CLIENT`]);
//! - `sawda_sync::limits::MAX_OPEN_REQUESTS` open per storefront: one more is
//!   turned away, the buyer is told, and so is she ([`tell_her`]).
//!
//! The daily job lets unanswered requests go after
//! `order_request::UNANSWERED_DAYS` ([`expire_unanswered`]) and forgets every
//! buyer `order_request::KEPT_DAYS` after her request arrived, whatever its
//! status ([`forget_finished`]), reading requests a page at a time.
//!
//! The buyer's details live only in that record: it is pulled by its owner
//! alone (`sawda_sync::server::may_see`), and nothing public, no directory,
//! no desk and no export reads `order_request` records.

pub mod form_token;

use std::ops::Bound;
use std::time::Duration;

use app::rules::records::order_request::{self as rules, Order, TurnedAway};
use sawda_sync::limits::is_open_request;
use sawda_sync::server::Plan;
use sawda_sync::{Kind, Owner, Record, RecordId};
use sha2::{Digest, Sha256};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{Array, RecordId as DbId, RecordIdKey, RecordIdKeyRange, SurrealValue, Value as DbValue};

use crate::approved;
use crate::infra::database::StoreError;
use crate::infra::rate_limit::{self, RateLimit};
use crate::sync::store::{self, Created, desk_clock};

const MINUTES_10: Duration = Duration::from_secs(10 * 60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Open requests one client may hold at one storefront: a handful of
/// addresses holds only a handful of her places.
pub const OPEN_PER_CLIENT: usize = 3;

/// Requests per client, far above what buyers send and far below what a
/// flood needs; none a stranger can use up for everyone.
pub struct OrderLimits {
    /// One client at one storefront.
    at_storefront: RateLimit,
    at_storefront_daily: RateLimit,
    /// One client at every storefront: a village behind one carrier address.
    per_client: RateLimit,
    per_client_daily: RateLimit,
    /// Posts that were no request (failed checks, the trap, a bad token,
    /// another site), apart from the rest: they cost a render each.
    invalid: RateLimit,
}

impl Default for OrderLimits {
    fn default() -> Self {
        OrderLimits {
            at_storefront: RateLimit::new("order_here", 5, MINUTES_10),
            at_storefront_daily: RateLimit::new("order_here_daily", 20, DAY),
            per_client: RateLimit::new("order_client", 30, MINUTES_10),
            per_client_daily: RateLimit::new("order_client_daily", 100, DAY),
            invalid: RateLimit::new("order_invalid", 20, MINUTES_10),
        }
    }
}

impl OrderLimits {
    /// Whether `client` sent so many invalid posts lately that it is held
    /// back for a while (checked before any work).
    pub async fn held_back(&self, db: &Surreal<Any>, client: &str) -> Result<bool, surrealdb::Error> {
        Ok(rate_limit::check(db, &[self.invalid.on(client)]).await?.is_err())
    }

    /// Counts one invalid post from `client`.
    pub async fn invalid(&self, db: &Surreal<Any>, client: &str) -> Result<(), surrealdb::Error> {
        rate_limit::take(db, &[self.invalid.on(client)]).await.map(|_| ())
    }

    /// Counts one request from `client` to the storefront of `owner`; `Err`
    /// (nothing counted) once either has used its allowance.
    pub async fn attempt(
        &self,
        db: &Surreal<Any>,
        client: &str,
        owner: &str,
    ) -> Result<Result<(), Duration>, surrealdb::Error> {
        let here = format!("{owner}|{client}");
        let charges = [
            self.at_storefront.on(here.as_str()),
            self.at_storefront_daily.on(here.as_str()),
            self.per_client.on(client),
            self.per_client_daily.on(client),
        ];
        rate_limit::take(db, &charges).await
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

/// Makes the order request for `product` of `shop` in its owner's scope;
/// what became of it, and its id.
pub async fn receive(
    db: &Surreal<Any>,
    shop: &approved::Storefront,
    product: &approved::Product,
    order: &Order,
    lang: &str,
) -> Result<(Created, RecordId), StoreError> {
    receive_with_id(db, shop, product, order, lang, chrono::Utc::now().timestamp_millis().max(0) as u64).await
}

/// `receive`, at `now_ms`.
pub async fn receive_at(
    db: &Surreal<Any>,
    shop: &approved::Storefront,
    product: &approved::Product,
    order: &Order,
    lang: &str,
    now_ms: u64,
) -> Result<Created, StoreError> {
    Ok(receive_with_id(db, shop, product, order, lang, now_ms).await?.0)
}

async fn receive_with_id(
    db: &Surreal<Any>,
    shop: &approved::Storefront,
    product: &approved::Product,
    order: &Order,
    lang: &str,
    now_ms: u64,
) -> Result<(Created, RecordId), StoreError> {
    let owner: Owner = shop.owner.parse().map_err(|e| StoreError::Corrupt(format!("{}: {e}", shop.owner)))?;
    // Sent in the previous window already: that record is this request.
    let previous = request_id(&shop.owner, &product.record, order, now_ms.saturating_sub(SAME_REQUEST_MS));
    if store::record(db, &owner, previous).await?.is_some() {
        return Ok((Created::AlreadyThere, previous));
    }
    let name = &product.name;
    let address = format!("/s/{}/{}", shop.slug, product.slug);
    let fields = order.fields(&product.record, name, &address, lang, &crate::review::rfc3339(now_ms));
    let id = request_id(&shop.owner, &product.record, order, now_ms);
    let record = sawda_sync::server::server_record(&mut desk_clock(), id, Kind::OrderRequest, owner, &fields, now_ms);
    // Counted for the programme with the request itself.
    let district = shop.district.clone();
    let created = store::create(db, record, move |transaction| {
        let district = district.clone();
        Box::pin(async move { crate::programme::order_received(transaction, &district, now_ms).await })
    })
    .await?;
    Ok((created, id))
}

/// A key `[owner, …]` of an owner's rows.
fn key_of(parts: &[&str]) -> RecordIdKey {
    RecordIdKey::from(Array::from(parts.iter().map(|p| DbValue::String((*p).to_owned())).collect::<Vec<_>>()))
}

/// How many of her open requests `client` sent to the storefront of `owner`.
pub async fn open_from(
    db: &Surreal<Any>,
    key: &form_token::FormKey,
    owner: &str,
    client: &str,
) -> Result<usize, StoreError> {
    let tag = key.client_tag(client);
    let range = RecordIdKeyRange {
        start: Bound::Included(key_of(&[owner, &tag, ""])),
        end: Bound::Included(key_of(&[owner, &tag, "~"])),
    };
    // At most a day's requests of one client (`OrderLimits`): a short range.
    let bodies: Vec<Option<String>> = db
        .query("SELECT VALUE type::record('sync_record', [$owner, record::id(id)[2]]).body FROM $range")
        .bind(("range", DbId::new("order_sender", RecordIdKey::from(range))))
        .bind(("owner", owner.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(bodies
        .iter()
        .flatten()
        .filter_map(|body| serde_json::from_str::<Record>(body).ok())
        .filter(is_open_request)
        .count())
}

/// Notes that `client` sent request `id` to the storefront of `owner`.
pub async fn sent_by(
    db: &Surreal<Any>,
    key: &form_token::FormKey,
    owner: &str,
    client: &str,
    id: RecordId,
) -> Result<(), StoreError> {
    let tag = key.client_tag(client);
    db.query("UPSERT $row SET at = time::now()")
        .bind(("row", DbId::new("order_sender", key_of(&[owner, &tag, &id.to_string()]))))
        .await?
        .check()?;
    Ok(())
}

/// Who sent which request is kept while a request may wait for her answer.
pub async fn forget_senders(db: &Surreal<Any>) -> Result<usize, surrealdb::Error> {
    crate::infra::database::delete_in_chunks(
        db,
        "order_sender",
        "at < time::now() - type::duration($age)",
        "at",
        &[("age", DbValue::String(format!("{}d", rules::UNANSWERED_DAYS)))],
    )
    .await
}

/// Tells her, on her storefront (her phones pull it), that a buyer's
/// request was turned away at `now_ms` because too many waited for her.
pub async fn tell_her(db: &Surreal<Any>, owner: &Owner, now_ms: u64) -> Result<(), StoreError> {
    let storefront = app::rules::records::storefront::storefront_id(owner);
    store::retrying(crate::infra::database::is_conflict, || async {
        let transaction = crate::infra::database::begin(db).await?;
        let told = store::change_by_server(&transaction, owner, storefront, move |record, clock, now| {
            let previous = TurnedAway::of(record.get(rules::TURNED_AWAY));
            let last_ms = previous
                .as_ref()
                .and_then(|p| chrono::DateTime::parse_from_rfc3339(&p.last).ok())
                .map_or(0, |at| at.timestamp_millis().max(0) as u64);
            let afresh = last_ms.saturating_add(rules::UNANSWERED_DAYS * DAY.as_millis() as u64) < now_ms;
            let value = TurnedAway::one_more(previous, &crate::review::rfc3339(now_ms), afresh).value();
            let fields = sawda_sync::Fields::from([(rules::TURNED_AWAY.to_owned(), value)]);
            sawda_sync::server::set_server_fields(clock, record, &fields, now);
        })
        .await?;
        crate::infra::database::commit(db, transaction).await?;
        Ok(told.is_some())
    })
    .await
    .map(drop)
}

/// Her phone deleted a request: the server forgets its buyer at once.
pub fn forget_deleted(plan: &mut Plan, now_ms: u64) {
    for change in &mut plan.changes {
        let record = &mut change.record;
        if record.kind() == Kind::OrderRequest && record.is_deleted() && holds_buyer(record) {
            sawda_sync::server::set_server_fields(&mut desk_clock(), record, &rules::forgotten_fields(), now_ms);
        }
    }
}

fn holds_buyer(record: &Record) -> bool {
    rules::BUYER_FIELDS.iter().any(|name| record.get(name).is_some_and(|v| !v.is_null()))
}

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// When a request arrived (its id's time: the start of its ten minutes).
fn arrived_ms(record: &Record) -> u64 {
    record.id().ulid().unix_ms()
}

/// Whether a request waited `UNANSWERED_DAYS` for her answer at `now_ms`.
pub fn due_to_expire(record: &Record, now_ms: u64) -> bool {
    is_open_request(record) && arrived_ms(record).saturating_add(rules::UNANSWERED_DAYS * DAY_MS) <= now_ms
}

/// Whether a request's buyer is due to be forgotten at `now_ms`: she sent
/// it `KEPT_DAYS` ago, whatever became of it.
pub fn due_to_forget(record: &Record, now_ms: u64) -> bool {
    holds_buyer(record) && arrived_ms(record).saturating_add(rules::KEPT_DAYS * DAY_MS) <= now_ms
}

/// Requests read per query by the daily job, and owners per page of owners.
const PAGE: usize = 200;

#[derive(SurrealValue)]
struct Found {
    key: String,
    body: String,
}

/// The next page of `owner`'s order requests after the key `after` that
/// arrived before `before_ms`, read as a key range (record ids start with
/// their time); the last key read, if the page was full.
async fn page_of_requests(
    db: &Surreal<Any>,
    owner: &str,
    after: Option<&str>,
    before_ms: u64,
) -> Result<(Vec<Record>, Option<String>), StoreError> {
    let start = match after {
        Some(after) => Bound::Excluded(key_of(&[owner, after])),
        None => Bound::Included(key_of(&[owner, ""])),
    };
    let end = Bound::Excluded(key_of(&[owner, &RecordId::new(before_ms, [0; 10]).to_string()]));
    let found: Vec<Found> = db
        .query("SELECT record::id(id)[1] AS key, body FROM $range WHERE kind = 'order_request' LIMIT $page")
        .bind(("range", DbId::new("sync_record", RecordIdKey::from(RecordIdKeyRange { start, end }))))
        .bind(("page", PAGE as i64))
        .await?
        .check()?
        .take(0)?;
    let last = (found.len() == PAGE).then(|| found.last().map(|f| f.key.clone())).flatten();
    let records = tokio::task::spawn_blocking(move || {
        found.iter().filter_map(|f| serde_json::from_str::<Record>(&f.body).ok()).collect::<Vec<_>>()
    })
    .await
    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok((records, last))
}

/// The next page of owners (each owner's scope row) after `after`.
async fn page_of_owners(db: &Surreal<Any>, after: Option<&str>) -> Result<Vec<String>, StoreError> {
    let start = match after {
        Some(after) => Bound::Excluded(RecordIdKey::String(after.to_owned())),
        None => Bound::Unbounded,
    };
    let range = RecordIdKeyRange { start, end: Bound::Unbounded };
    Ok(db
        .query("SELECT VALUE record::id(id) FROM $range LIMIT $page")
        .bind(("range", DbId::new("sync_scope", RecordIdKey::from(range))))
        .bind(("page", PAGE as i64))
        .await?
        .check()?
        .take(0)?)
}

/// What the daily job does to a request that is due.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sweep {
    Expire,
    Forget,
}

impl Sweep {
    fn due(self, record: &Record, now_ms: u64) -> bool {
        match self {
            Sweep::Expire => due_to_expire(record, now_ms),
            Sweep::Forget => due_to_forget(record, now_ms),
        }
    }

    fn days(self) -> u64 {
        match self {
            Sweep::Expire => rules::UNANSWERED_DAYS,
            Sweep::Forget => rules::KEPT_DAYS,
        }
    }
}

/// Every owner's requests old enough for `sweep`, a page at a time (owners,
/// then each one's requests, by key range); the due ones done each in its
/// own transaction. Returns how many.
async fn sweep_all(db: &Surreal<Any>, sweep: Sweep, now_ms: u64) -> Result<usize, StoreError> {
    let before_ms = now_ms.saturating_sub(sweep.days() * DAY_MS).saturating_add(1);
    let mut done = 0;
    let mut after_owner: Option<String> = None;
    loop {
        let owners = page_of_owners(db, after_owner.as_deref()).await?;
        for owner in &owners {
            let Ok(who) = owner.parse::<Owner>() else { continue };
            let mut after: Option<String> = None;
            loop {
                let (records, last) = page_of_requests(db, owner, after.as_deref(), before_ms).await?;
                let due = records.iter().filter(|r| sweep.due(r, now_ms)).map(|r| (who.clone(), r.id())).collect();
                done += act(db, sweep, due, now_ms).await?;
                match last {
                    Some(last) => after = Some(last),
                    None => break,
                }
            }
        }
        if owners.len() < PAGE {
            return Ok(done);
        }
        after_owner = owners.last().cloned();
    }
}

/// Lets go of requests that waited `UNANSWERED_DAYS` for her answer: each
/// is deleted and its buyer forgotten, as a change her phones pull, so its
/// place is free again. Returns how many.
pub async fn expire_unanswered(db: &Surreal<Any>, now_ms: u64) -> Result<usize, StoreError> {
    sweep_all(db, Sweep::Expire, now_ms).await
}

/// Forgets the buyer's details of every request that arrived `KEPT_DAYS`
/// ago, whatever its status (the fields set to nothing by the server, as a
/// change her phones pull, so her phones forget them too); the rest of the
/// request stays for her figures. Returns how many.
pub async fn forget_finished(db: &Surreal<Any>, now_ms: u64) -> Result<usize, StoreError> {
    sweep_all(db, Sweep::Forget, now_ms).await
}

/// Lets go of the requests `due` (as a page read them), each in its own
/// transaction that reads it again and leaves it be unless it still
/// waits: she may have answered it since. Returns how many.
pub async fn expire(db: &Surreal<Any>, due: Vec<(Owner, RecordId)>, now_ms: u64) -> Result<usize, StoreError> {
    act(db, Sweep::Expire, due, now_ms).await
}

async fn act(db: &Surreal<Any>, sweep: Sweep, due: Vec<(Owner, RecordId)>, now_ms: u64) -> Result<usize, StoreError> {
    let mut done = 0;
    for (owner, id) in due {
        if store::retrying(crate::infra::database::is_conflict, || act_on_one(db, sweep, &owner, id, now_ms)).await? {
            done += 1;
        }
    }
    Ok(done)
}

async fn act_on_one(
    db: &Surreal<Any>,
    sweep: Sweep,
    owner: &Owner,
    id: RecordId,
    now_ms: u64,
) -> Result<bool, StoreError> {
    let transaction = crate::infra::database::begin(db).await?;
    let body: Option<String> = transaction
        .query("(SELECT VALUE body FROM type::record('sync_record', [$owner, $key]))[0]")
        .bind(("owner", owner.to_string()))
        .bind(("key", id.to_string()))
        .await?
        .check()?
        .take(0)?;
    let still_due = match body {
        Some(body) => {
            let record: Record = serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sweep.due(&record, now_ms)
        }
        None => false,
    };
    if !still_due {
        crate::infra::database::cancel(db, transaction).await?;
        return Ok(false);
    }
    let changed = store::change_by_server(&transaction, owner, id, move |record, clock, now| {
        let at = sawda_sync::server::set_server_fields(clock, record, &rules::forgotten_fields(), now);
        if sweep == Sweep::Expire {
            record.delete(at);
        }
    })
    .await?
    .is_some();
    crate::infra::database::commit(db, transaction).await?;
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn strangers_spend_only_their_own_allowance() {
        let db =
            crate::infra::database::connect(&crate::config::DatabaseTarget::Memory, "sawda", "test").await.unwrap();
        crate::infra::migrations::migrate(&db, crate::infra::migrations::MIGRATIONS).await.unwrap();
        let limits = OrderLimits::default();
        let attempt = |client: String, owner: String| {
            let (db, limits) = (&db, &limits);
            async move { limits.attempt(db, &client, &owner).await.unwrap().is_ok() }
        };
        // One client at one storefront.
        for n in 0..5 {
            assert!(attempt("1.1.1.1".into(), "account:a".into()).await, "request {n}");
        }
        assert!(!attempt("1.1.1.1".into(), "account:a".into()).await);
        assert!(attempt("1.1.1.1".into(), "account:b".into()).await, "the same client at another storefront");
        // Two hundred other clients at the same storefront: each its own.
        for n in 0..200 {
            assert!(attempt(format!("10.0.{}.{}", n / 256, n % 256), "account:a".into()).await, "client {n}");
        }
        // One address at many storefronts (a village behind one carrier address): higher, but bounded.
        let mut taken = 0;
        for s in 0..40 {
            taken += usize::from(attempt("3.3.3.3".into(), format!("account:{s}")).await);
        }
        assert_eq!(taken, 30);
        // Invalid posts count apart, per client.
        for _ in 0..20 {
            assert!(!limits.held_back(&db, "4.4.4.4").await.unwrap());
            limits.invalid(&db, "4.4.4.4").await.unwrap();
        }
        assert!(limits.held_back(&db, "4.4.4.4").await.unwrap());
        assert!(!limits.held_back(&db, "4.4.4.5").await.unwrap());
        assert!(attempt("4.4.4.5".into(), "account:a".into()).await);
    }
}
