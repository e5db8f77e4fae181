//! Ads' public pages on the server. Ads are hers to publish without review,
//! but a page (`/a/{id}`, drawn in `public/ad.rs`) exists only while the ad
//! is published, not deleted, not taken down by the desk, has its card, and
//! its listing (her product on her storefront, or her whole storefront) is
//! approved. Her pushes write what the page shows (`after_push`, in the
//! push's transaction); the approval is read from the approved tables when
//! the page is drawn, so an approval or a withdrawal later needs nothing
//! here. The desk takes a page down (`take_down`); the results per ad are
//! `results.rs`.
//!
//! Rows: `public_ad:[owner, record]` (migration 0018); a take-down is a
//! `review_event` with action `taken_down`.

pub mod results;

use app::rules::records::ad_post as fields;
use app::rules::records::field::is_photo_hash;
use sawda_sync::server::Plan;
use sawda_sync::{Fields, Kind, Owner, Record, RecordId};
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;
use surrealdb::types::SurrealValue;

use crate::accounts::Account;
use crate::approved;
use crate::infra::database::StoreError;
use crate::sync::store;

/// The server field that says the desk took an ad's page down, and its value.
pub const REVIEW_STATE: &str = "review_state";
pub const TAKEN_DOWN: &str = "taken_down";
/// The desk's reason, which she reads in her studio, and who decided.
pub const REVIEW: &str = "review";
pub const REVIEWED_BY: &str = "reviewed_by";
/// A take-down's reason, at most (like a withdrawal's).
pub const MAX_REASON_CHARS: usize = 1_000;

/// What a published ad's page shows, as her push leaves it.
#[derive(Clone, Debug, SurrealValue)]
pub struct PublicAd {
    pub owner: String,
    pub record: String,
    pub product: Option<String>,
    pub headline: String,
    pub body: String,
    pub price_line: String,
    pub call_to_action: Option<String>,
    pub language: String,
    pub card_photo: String,
}

/// What one push does to one ad's page.
#[derive(Debug)]
pub enum AdChange {
    Show(PublicAd),
    Hide(RecordId),
}

fn text(record: &Record, name: &str) -> String {
    record.get(name).and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// Whether the desk took this ad's page down.
pub fn taken_down(record: &Record) -> bool {
    record.get(REVIEW_STATE).and_then(Value::as_str) == Some(TAKEN_DOWN)
}

/// Its page, as the record now is: shown while published with a card, not
/// deleted and not taken down (her edits never undo the desk's take-down).
pub fn page_of(record: &Record) -> AdChange {
    let card = text(record, fields::CARD_PHOTO);
    let published = record.get(fields::PUBLISHED).and_then(Value::as_bool) == Some(true);
    if record.is_deleted() || !published || !is_photo_hash(&card) || taken_down(record) {
        return AdChange::Hide(record.id());
    }
    AdChange::Show(PublicAd {
        owner: record.owner().to_string(),
        record: record.id().to_string(),
        product: record.get(fields::PRODUCT).and_then(Value::as_str).map(str::to_owned),
        headline: text(record, fields::HEADLINE),
        body: text(record, fields::BODY),
        price_line: text(record, fields::PRICE_LINE),
        call_to_action: record.get(fields::CALL_TO_ACTION).and_then(Value::as_str).map(str::to_owned),
        language: text(record, fields::LANGUAGE),
        card_photo: card,
    })
}

/// The pages a planned push changes: one per ad it writes.
pub fn after_push(plan: &Plan) -> Vec<AdChange> {
    plan.changes.iter().filter(|c| c.record.kind() == Kind::AdPost).map(|c| page_of(&c.record)).collect()
}

/// Writes what a push did to her ads' pages, in its transaction.
pub async fn write_after_push(
    transaction: &Transaction<Any>,
    who: &Owner,
    changes: Vec<AdChange>,
) -> Result<(), StoreError> {
    let (mut shown, mut hidden) = (Vec::new(), Vec::new());
    for change in changes {
        match change {
            AdChange::Show(ad) => shown.push(ad),
            AdChange::Hide(id) => hidden.push(id.to_string()),
        }
    }
    if shown.is_empty() && hidden.is_empty() {
        return Ok(());
    }
    transaction
        .query(
            "FOR $ad IN $shown {
                 UPSERT type::record('public_ad', [$ad.owner, $ad.record]) MERGE $ad;
             };
             FOR $record IN $hidden {
                 DELETE type::record('public_ad', [$owner, $record]);
             };",
        )
        .bind(("shown", shown))
        .bind(("hidden", hidden))
        .bind(("owner", who.to_string()))
        .await?
        .check()?;
    Ok(())
}

/// A published ad whose listing buyers see: what its page draws.
pub struct LiveAd {
    pub ad: PublicAd,
    pub storefront: approved::Storefront,
    /// The approved product it is about; `None` for a whole-storefront ad.
    pub product: Option<approved::Product>,
}

/// The ad `id`'s page, if it has one now: her ad row (the first published
/// of that id), and her approved storefront and, for a product's ad, her
/// approved product.
pub async fn live(db: &Surreal<Any>, id: &str) -> Result<Option<LiveAd>, surrealdb::Error> {
    let ad: Option<PublicAd> = db
        .query("(SELECT * OMIT id, published_at FROM public_ad WHERE record = $id ORDER BY published_at LIMIT 1)[0]")
        .bind(("id", id.to_owned()))
        .await?
        .check()?
        .take(0)?;
    let Some(ad) = ad else { return Ok(None) };
    listing_of(db, ad).await
}

/// `ad` with its approved listing, if buyers see that listing.
async fn listing_of(db: &Surreal<Any>, ad: PublicAd) -> Result<Option<LiveAd>, surrealdb::Error> {
    let mut read = db
        .query(
            "(SELECT * OMIT id FROM approved_storefront WHERE owner = $owner LIMIT 1)[0];
             (SELECT *, record::id(id)[1] AS record OMIT id FROM type::record('approved_product', [$owner, $product]))[0];
             SELECT VALUE hash FROM approved_photo WHERE owner = $owner AND item = $product ORDER BY place;",
        )
        .bind(("owner", ad.owner.clone()))
        .bind(("product", ad.product.clone().unwrap_or_default()))
        .await?
        .check()?;
    let Some(storefront) = read.take::<Option<approved::Storefront>>(0)? else { return Ok(None) };
    let product = match &ad.product {
        None => None,
        Some(_) => {
            // Her product, approved: the key is hers, so another person's id finds nothing.
            let Some(mut product) = read.take::<Option<approved::Product>>(1)? else { return Ok(None) };
            product.photos = read.take(2)?;
            Some(product)
        }
    };
    Ok(Some(LiveAd { ad, storefront, product }))
}

/// Her ad `ad`, when it has a page now and may bring buyers to her product
/// `product` (an ad of that product, or of her whole storefront) or, with
/// `None`, to her storefront's page (a whole-storefront ad).
pub async fn leads_to(
    db: &Surreal<Any>,
    owner: &str,
    ad: &str,
    product: Option<&str>,
) -> Result<bool, surrealdb::Error> {
    if ad.parse::<RecordId>().is_err() {
        return Ok(false);
    }
    let row: Option<PublicAd> = db
        .query("(SELECT * OMIT id, published_at FROM type::record('public_ad', [$owner, $ad]))[0]")
        .bind(("owner", owner.to_owned()))
        .bind(("ad", ad.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(row.is_some_and(|row| row.product.is_none() || (product.is_some() && row.product.as_deref() == product)))
}

#[derive(SurrealValue)]
struct PageRow {
    record: String,
    headline: String,
}

/// The desk's list of her ads whose pages are up, first published first:
/// with `product`, that product's own; without, all of hers.
pub async fn pages_of(
    db: &Surreal<Any>,
    owner: &Owner,
    product: Option<RecordId>,
) -> Result<Vec<app::wire::DeskAd>, surrealdb::Error> {
    let rows: Vec<PageRow> = db
        .query(
            "SELECT record, headline, published_at FROM public_ad
             WHERE owner = $owner AND (!$product OR product = $product) ORDER BY published_at",
        )
        .bind(("owner", owner.to_string()))
        .bind(("product", product.map(|p| p.to_string())))
        .await?
        .check()?
        .take(0)?;
    Ok(rows.into_iter().map(|r| app::wire::DeskAd { record: r.record, headline: r.headline }).collect())
}

#[derive(Debug, thiserror::Error)]
pub enum TakeDownError {
    /// No such ad page.
    #[error("not found")]
    NotFound,
    /// Not a coordinator of her district, nor an admin. The page is public,
    /// so saying it exists tells nothing.
    #[error("not a coordinator of her district")]
    NotYours,
    #[error("a take-down needs a reason of 1 to {MAX_REASON_CHARS} characters")]
    BadReason,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<surrealdb::Error> for TakeDownError {
    fn from(error: surrealdb::Error) -> Self {
        TakeDownError::Store(StoreError::Database(error))
    }
}

#[derive(SurrealValue)]
struct Facts {
    district: Option<String>,
}

/// The desk takes the page of ad `id` down with `reason`, at once: the page
/// row goes, and her record gets `review_state` "taken_down", the reason and
/// who decided (a change her phones pull), logged in `review_event`, in one
/// transaction. Coordinators of her district and admins only.
pub async fn take_down(db: &Surreal<Any>, who: &Account, id: &str, reason: &str) -> Result<Owner, TakeDownError> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(TakeDownError::BadReason);
    }
    let record_id: RecordId = id.parse().map_err(|_| TakeDownError::NotFound)?;
    let retryable = crate::infra::database::is_conflict;
    let owner = store::retrying(retryable, || async {
        match take_down_once(db, who, id, record_id, &reason).await {
            Err(TakeDownError::Store(error)) => Err(error),
            other => Ok(other),
        }
    })
    .await??;
    Ok(owner)
}

async fn take_down_once(
    db: &Surreal<Any>,
    who: &Account,
    id: &str,
    record_id: RecordId,
    reason: &str,
) -> Result<Owner, TakeDownError> {
    let transaction = crate::infra::database::begin(db).await?;
    let owner: Option<String> = transaction
        .query("(SELECT VALUE owner FROM public_ad WHERE record = $id ORDER BY published_at LIMIT 1)[0]")
        .bind(("id", id.to_owned()))
        .await?
        .check()?
        .take(0)?;
    let Some(owner) = owner else { return Err(TakeDownError::NotFound) };
    let facts: Option<Facts> = transaction
        .query("(SELECT district FROM type::record('account', $owner))[0]")
        .bind(("owner", owner.clone()))
        .await?
        .check()?
        .take(0)?;
    let district = facts.and_then(|f| f.district);
    if !who.may_review(district.as_deref()) {
        return Err(TakeDownError::NotYours);
    }
    let owner: Owner = owner.parse().map_err(|_| StoreError::Corrupt(format!("an ad of {owner}")))?;
    let decided = Fields::from([
        (REVIEW_STATE.to_owned(), json!(TAKEN_DOWN)),
        (REVIEW.to_owned(), json!(reason)),
        (REVIEWED_BY.to_owned(), json!(who.name)),
    ]);
    if store::set_server_fields(&transaction, &owner, record_id, decided).await?.is_none() {
        return Err(TakeDownError::NotFound);
    }
    transaction
        .query(
            "DELETE type::record('public_ad', [$owner, $record]);
             CREATE review_event CONTENT {
                 owner: $owner, record: $record, kind: 'ad_post', district: $district, action: 'taken_down',
                 revision: 0, by: $by, by_name: $by_name, reason: $reason
             };",
        )
        .bind(("owner", owner.to_string()))
        .bind(("record", id.to_owned()))
        .bind(("district", district))
        .bind(("by", who.id.clone()))
        .bind(("by_name", who.name.clone()))
        .bind(("reason", reason.to_owned()))
        .await?
        .check()?;
    crate::infra::database::commit(db, transaction).await?;
    tracing::info!(owner = %owner, ad = id, by = who.id, "an ad page was taken down");
    Ok(owner)
}
