//! Who keeps which photos on the server (review finding M2), in the database
//! so that every server sees the same: each person's uploads under way and
//! the photos she sent are bounded, and photos no record points at any more
//! are removed after a grace period by the daily job.
//!
//! Rows:
//! - `photo:<hash>`: who sent it first, its kept bytes (both sizes), and
//!   since when no record points at it;
//! - `photo_upload:[owner, hash]`: an upload she has started and not finished;
//! - `photo_holding:<owner>`: her counts of both, the one row her starts and
//!   finishes write, so parallel requests cannot pass a bound together.

use std::collections::HashSet;
use std::time::Duration;

use sawda_sync::Owner;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{Array, RecordId as DbId, RecordIdKey, SurrealValue, Value};

/// Uploads one person may have under way: a phone sends one photo at a time,
/// so this leaves room for a few phones and tabs.
pub const MAX_OPEN_UPLOADS: i64 = 8;
/// Photos one person may keep: a storefront of a hundred products with six
/// photos each, and room for the ones she replaces until they are cleaned up.
pub const MAX_PHOTOS: i64 = 1_000;
/// Their bytes, both sizes as the server redrew them.
pub const MAX_PHOTO_BYTES: i64 = 256 * 1024 * 1024;
/// How long a photo no record points at is kept: a phone may upload a photo
/// before it sends the edit that points at it.
pub const UNUSED_KEPT_FOR_DAYS: i64 = 7;
/// How long an upload nobody finishes holds its place.
pub const ABANDONED_AFTER_DAYS: i64 = 7;

/// Why an upload may not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// As many of her uploads are under way as one person may have.
    UploadsWaiting,
    /// She keeps as many photos, or bytes, as one person may.
    Full,
}

#[derive(Debug, Default, SurrealValue)]
struct Holding {
    uploads: i64,
    photos: i64,
    bytes: i64,
}

fn holding_of(who: &Owner) -> DbId {
    DbId::new("photo_holding", who.to_string())
}

fn upload_of(who: &Owner, hash: &str) -> DbId {
    let key = Array::from(vec![Value::String(who.to_string()), Value::String(hash.to_owned())]);
    DbId::new("photo_upload", RecordIdKey::from(key))
}

fn photo_of(hash: &str) -> DbId {
    DbId::new("photo", hash.to_owned())
}

/// Runs `attempt` again when another request of hers committed first.
async fn retried<T, F, Fut>(mut attempt: F) -> Result<T, surrealdb::Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, surrealdb::Error>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(error) if crate::infra::database::is_conflict(&error) && tries < 8 => {
                tokio::time::sleep(Duration::from_millis(2 << tries)).await;
            }
            outcome => return outcome,
        }
    }
}

/// Her upload of `hash` starts (or goes on, if she started it before).
pub async fn start(db: &Surreal<Any>, who: &Owner, hash: &str) -> Result<Result<(), Refused>, surrealdb::Error> {
    retried(|| async {
        let transaction = crate::infra::database::begin(db).await?;
        let mut read = transaction
            .query("(SELECT uploads, photos, bytes FROM $holding)[0]; RETURN record::exists($upload);")
            .bind(("holding", holding_of(who)))
            .bind(("upload", upload_of(who, hash)))
            .await?
            .check()?;
        let holding: Holding = read.take::<Option<Holding>>(0)?.unwrap_or_default();
        let started: Option<bool> = read.take(1)?;
        let refused = if started == Some(true) {
            None
        } else if holding.uploads >= MAX_OPEN_UPLOADS {
            Some(Refused::UploadsWaiting)
        } else if holding.photos >= MAX_PHOTOS || holding.bytes >= MAX_PHOTO_BYTES {
            Some(Refused::Full)
        } else {
            transaction
                .query("UPSERT $holding SET uploads = $uploads, photos = $photos, bytes = $bytes; CREATE $upload;")
                .bind(("holding", holding_of(who)))
                .bind(("upload", upload_of(who, hash)))
                .bind(("uploads", holding.uploads + 1))
                .bind(("photos", holding.photos))
                .bind(("bytes", holding.bytes))
                .await?
                .check()?;
            None
        };
        crate::infra::database::commit(db, transaction).await?;
        Ok(refused.map_or(Ok(()), Err))
    })
    .await
}

/// Her upload of `hash` ended: kept with `kept` bytes, or refused (`None`).
pub async fn ended(db: &Surreal<Any>, who: &Owner, hash: &str, kept: Option<u64>) -> Result<(), surrealdb::Error> {
    retried(|| async {
        let transaction = crate::infra::database::begin(db).await?;
        let mut read = transaction
            .query(
                "(SELECT uploads, photos, bytes FROM $holding)[0];
                 RETURN record::exists($upload);
                 RETURN record::exists($photo);",
            )
            .bind(("holding", holding_of(who)))
            .bind(("upload", upload_of(who, hash)))
            .bind(("photo", photo_of(hash)))
            .await?
            .check()?;
        let mut holding: Holding = read.take::<Option<Holding>>(0)?.unwrap_or_default();
        let started = read.take::<Option<bool>>(1)? == Some(true);
        let known = read.take::<Option<bool>>(2)? == Some(true);
        if started {
            holding.uploads = (holding.uploads - 1).max(0);
        }
        // Another person may have sent the same photo first: it is theirs.
        let new_photo = kept.filter(|_| !known).map(|bytes| i64::try_from(bytes).unwrap_or(i64::MAX));
        if let Some(bytes) = new_photo {
            holding.photos += 1;
            holding.bytes = holding.bytes.saturating_add(bytes);
        }
        transaction
            .query(
                "DELETE $upload;
                 UPSERT $holding SET uploads = $uploads, photos = $photos, bytes = $bytes;
                 IF $new != NONE { CREATE $photo SET owner = $owner, bytes = $new };",
            )
            .bind(("holding", holding_of(who)))
            .bind(("upload", upload_of(who, hash)))
            .bind(("photo", photo_of(hash)))
            .bind(("owner", who.to_string()))
            .bind(("new", new_photo))
            .bind(("uploads", holding.uploads))
            .bind(("photos", holding.photos))
            .bind(("bytes", holding.bytes))
            .await?
            .check()?;
        crate::infra::database::commit(db, transaction).await?;
        Ok(())
    })
    .await
}

#[derive(SurrealValue)]
struct Started {
    owner: String,
    hash: String,
}

/// Uploads started longer ago than [`ABANDONED_AFTER_DAYS`] and never
/// finished give back their place; returns them, for their pieces to go.
pub async fn forget_abandoned(db: &Surreal<Any>) -> Result<Vec<(Owner, String)>, surrealdb::Error> {
    let old: Vec<Started> = db
        .query(
            "SELECT record::id(id)[0] AS owner, record::id(id)[1] AS hash FROM photo_upload
             WHERE started_at < time::now() - type::duration($age)",
        )
        .bind(("age", format!("{ABANDONED_AFTER_DAYS}d")))
        .await?
        .check()?
        .take(0)?;
    let mut forgotten = Vec::new();
    for upload in old {
        let Ok(owner) = upload.owner.parse::<Owner>() else { continue };
        ended(db, &owner, &upload.hash, None).await?;
        forgotten.push((owner, upload.hash));
    }
    Ok(forgotten)
}

#[derive(SurrealValue)]
struct Kept {
    hash: String,
    marked: bool,
    expired: bool,
}

/// What the daily sweep did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    /// Photos no record points at, marked today.
    pub marked: usize,
    /// Photos pointed at again, no longer marked.
    pub unmarked: usize,
    /// Photos unused for longer than the grace period: to be removed.
    pub expired: Vec<String>,
}

/// Marks the photos none of `referenced` is, unmarks those pointed at again,
/// and lists those marked for longer than [`UNUSED_KEPT_FOR_DAYS`].
pub async fn sweep(db: &Surreal<Any>, referenced: &HashSet<String>) -> Result<Sweep, surrealdb::Error> {
    let rows: Vec<Kept> = db
        .query(
            "SELECT record::id(id) AS hash, unused_since != NONE AS marked,
                    (unused_since != NONE AND unused_since < time::now() - type::duration($grace)) AS expired
             FROM photo",
        )
        .bind(("grace", format!("{UNUSED_KEPT_FOR_DAYS}d")))
        .await?
        .check()?
        .take(0)?;
    let mut sweep = Sweep::default();
    for row in rows {
        let used = referenced.contains(&row.hash);
        let set = match (used, row.marked) {
            (true, true) => "UPDATE $photo SET unused_since = NONE",
            (false, false) => "UPDATE $photo SET unused_since = time::now()",
            _ => {
                if !used && row.expired {
                    sweep.expired.push(row.hash);
                }
                continue;
            }
        };
        db.query(set).bind(("photo", photo_of(&row.hash))).await?.check()?;
        if used { sweep.unmarked += 1 } else { sweep.marked += 1 }
    }
    Ok(sweep)
}

/// A removed photo gives its owner back its place. Called once its files are
/// gone, so a photo counted is never missing from the store.
pub async fn removed(db: &Surreal<Any>, hash: &str) -> Result<(), surrealdb::Error> {
    retried(|| async {
        let transaction = crate::infra::database::begin(db).await?;
        let row: Option<OwnedPhoto> = transaction
            .query("(SELECT owner, bytes FROM $photo)[0]")
            .bind(("photo", photo_of(hash)))
            .await?
            .check()?
            .take(0)?;
        if let Some(OwnedPhoto { owner: Some(owner), bytes }) = &row
            && let Ok(owner) = owner.parse::<Owner>()
        {
            let mut read = transaction
                .query("(SELECT uploads, photos, bytes FROM $holding)[0]")
                .bind(("holding", holding_of(&owner)))
                .await?
                .check()?;
            let holding: Holding = read.take::<Option<Holding>>(0)?.unwrap_or_default();
            transaction
                .query("UPSERT $holding SET uploads = $uploads, photos = $photos, bytes = $bytes")
                .bind(("holding", holding_of(&owner)))
                .bind(("uploads", holding.uploads))
                .bind(("photos", (holding.photos - 1).max(0)))
                .bind(("bytes", (holding.bytes - bytes).max(0)))
                .await?
                .check()?;
        }
        transaction.query("DELETE $photo").bind(("photo", photo_of(hash))).await?.check()?;
        crate::infra::database::commit(db, transaction).await?;
        Ok(())
    })
    .await
}

#[derive(SurrealValue)]
struct OwnedPhoto {
    owner: Option<String>,
    bytes: i64,
}

/// Photos kept by a release before this ledger get a row with no owner, so
/// the sweep sees them too.
pub async fn adopt(db: &Surreal<Any>, hashes: &[String]) -> Result<usize, surrealdb::Error> {
    let mut adopted = 0;
    for hash in hashes {
        let exists: Option<bool> =
            db.query("RETURN record::exists($photo)").bind(("photo", photo_of(hash))).await?.check()?.take(0)?;
        if exists != Some(true) {
            db.query("CREATE $photo SET bytes = 0").bind(("photo", photo_of(hash))).await?.check()?;
            adopted += 1;
        }
    }
    Ok(adopted)
}
