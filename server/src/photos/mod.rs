//! Photos: uploaded in pieces that survive a broken connection, named by
//! the SHA-256 of their bytes (so the same photo is never stored twice),
//! checked and redrawn (`checks`) before they are kept (`store`).

pub mod bucket;
pub mod checks;
pub mod ledger;
pub mod pieces;
pub mod store;

use std::collections::HashSet;
use std::path::Path;
use std::sync::Mutex;

use sawda_sync::Owner;
use sha2::{Digest, Sha256};

use checks::{PhotoProblem, check_and_redraw};
use pieces::{DiskPieces, Pieces};
use store::{DiskPhotoStore, PhotoStore, Size};

/// A phone shrinks a photo to about 200 KB; the original of a camera is
/// under this. Anything larger is refused before a byte is kept.
pub const MAX_UPLOAD_BYTES: u64 = 8 * 1024 * 1024;
/// One piece of an upload: small enough to get through on 2G.
pub const MAX_PIECE_BYTES: usize = 256 * 1024;

/// How much of a photo has arrived (the API's answer as it is).
pub use app::wire::UploadProgress as Progress;

/// What a piece did: how far the upload is, and the bytes kept when this
/// piece finished it and the photo was stored.
#[derive(Debug)]
pub struct Received {
    pub progress: Progress,
    pub kept_bytes: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("larger than {MAX_UPLOAD_BYTES} bytes")]
    TooLarge,
    #[error("the upload is at {received}")]
    Offset { received: u64 },
    #[error("more bytes than announced, or none announced")]
    BadLength,
    #[error("the bytes do not have the SHA-256 they are named by")]
    Mismatch,
    #[error(transparent)]
    Photo(#[from] PhotoProblem),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub struct Photos {
    store: Box<dyn PhotoStore>,
    /// Pieces received so far, per person and photo: `<owner in hex>-<hash>`.
    pieces: Box<dyn Pieces>,
    /// Photos a request of this server is writing now: a second writer waits
    /// its turn (across servers, a piece is written only where none is).
    busy: Mutex<HashSet<String>>,
    /// Turns to decode a finished upload ([`checks::PARALLEL_DECODES`]).
    decodes: std::sync::Arc<tokio::sync::Semaphore>,
    /// Turns to make a link preview ([`checks::PARALLEL_PREVIEWS`]), apart from uploads'.
    previews: tokio::sync::Semaphore,
}

impl Photos {
    /// Photos kept under `dir` (`<data>/photos` in production).
    pub fn on_disk(dir: &Path) -> Photos {
        Photos::new(
            Box::new(DiskPhotoStore::new(Photos::kept_under(dir))),
            Box::new(DiskPieces::new(dir.join("uploads"))),
        )
    }

    /// Photos where the configuration says (`SAWDA_PHOTOS`).
    pub fn open(target: &crate::config::PhotoTarget) -> std::io::Result<Photos> {
        match target {
            crate::config::PhotoTarget::Disk(dir) => Ok(Photos::on_disk(dir)),
            crate::config::PhotoTarget::S3(target) => Ok(Photos::in_bucket(bucket::open(target)?)),
        }
    }

    /// Where `on_disk` keeps checked photos (what a backup reads).
    pub fn kept_under(dir: &Path) -> std::path::PathBuf {
        dir.join("kept")
    }

    /// Photos and upload pieces in a bucket every server shares.
    pub fn in_bucket(bucket: std::sync::Arc<dyn object_store::ObjectStore>) -> Photos {
        Photos::new(
            Box::new(bucket::BucketPhotoStore::new(bucket.clone())),
            Box::new(bucket::BucketPieces::new(bucket)),
        )
    }

    fn new(store: Box<dyn PhotoStore>, pieces: Box<dyn Pieces>) -> Photos {
        Photos {
            store,
            pieces,
            busy: Mutex::new(HashSet::new()),
            decodes: std::sync::Arc::new(tokio::sync::Semaphore::new(checks::PARALLEL_DECODES)),
            previews: tokio::sync::Semaphore::new(checks::PARALLEL_PREVIEWS),
        }
    }

    /// Which of these photos the server does not keep yet.
    pub async fn missing(&self, hashes: &[String]) -> std::io::Result<Vec<String>> {
        let mut missing = Vec::new();
        for hash in hashes {
            if !self.store.has(hash).await? && !missing.contains(hash) {
                missing.push(hash.clone());
            }
        }
        Ok(missing)
    }

    /// The kept photos, for a backup.
    pub fn store(&self) -> &dyn PhotoStore {
        self.store.as_ref()
    }

    fn upload(who: &Owner, hash: &str) -> String {
        format!("{}-{hash}", hex::encode(who.as_str()))
    }

    async fn received(&self, who: &Owner, hash: &str) -> std::io::Result<u64> {
        self.pieces.received(&Self::upload(who, hash)).await
    }

    /// Whether the photo is kept.
    pub async fn has(&self, hash: &str) -> std::io::Result<bool> {
        self.store.has(hash).await
    }

    /// How far her upload of `hash` got.
    pub async fn progress(&self, who: &Owner, hash: &str) -> std::io::Result<Progress> {
        if self.store.has(hash).await? {
            return Ok(Progress { received: 0, done: true });
        }
        Ok(Progress { received: self.received(who, hash).await?, done: false })
    }

    /// Takes the piece of `hash` starting at `offset` of `total` bytes. The
    /// last piece has the whole checked and kept, or refused and forgotten.
    pub async fn receive(
        &self,
        who: &Owner,
        hash: &str,
        offset: u64,
        total: u64,
        piece: &[u8],
    ) -> Result<Received, UploadError> {
        if total > MAX_UPLOAD_BYTES {
            // Refused, and nothing of another request's upload under way is touched.
            return Err(UploadError::TooLarge);
        }
        if total == 0 {
            return Err(UploadError::BadLength);
        }
        if self.store.has(hash).await? {
            return Ok(Received { progress: Progress { received: total, done: true }, kept_bytes: None });
        }
        let turn_key = format!("{who} {hash}");
        let Some(_turn) = Turn::take(&self.busy, &turn_key) else {
            return Err(UploadError::Offset { received: self.received(who, hash).await? });
        };
        let received = self.received(who, hash).await?;
        if offset != received {
            return Err(UploadError::Offset { received });
        }
        let upload = Self::upload(who, hash);
        let now = received + piece.len() as u64;
        if now > total {
            let _ = self.pieces.forget(&upload).await;
            return Err(UploadError::BadLength);
        }
        // The last piece waits for a turn to decode before it is written: a
        // request given up while waiting leaves the upload where it was, for
        // the phone to send that piece again.
        let decode_turn = match now == total {
            true => Some(self.decodes.clone().acquire_owned().await.expect("the semaphore is never closed")),
            false => None,
        };
        // Another server took this piece first: the phone asks where the upload is.
        if !piece.is_empty() && !self.pieces.add(&upload, offset, piece).await? {
            return Err(UploadError::Offset { received: self.received(who, hash).await? });
        }
        if now < total {
            return Ok(Received { progress: Progress { received: now, done: false }, kept_bytes: None });
        }
        let whole = self.pieces.whole(&upload).await?;
        // Whatever the outcome, the pieces are done with.
        let _ = self.pieces.forget(&upload).await;
        if hex::encode(Sha256::digest(&whole)) != hash {
            return Err(UploadError::Mismatch);
        }
        // The turn goes with the decode: it runs to its end even if the request is dropped.
        let sizes = tokio::task::spawn_blocking(move || {
            let _turn = decode_turn;
            check_and_redraw(&whole)
        })
        .await
        .map_err(|_| UploadError::Photo(PhotoProblem::Damaged))??;
        let kept_bytes = (sizes.large.len() + sizes.thumb.len()) as u64;
        self.store.put(hash, sizes).await?;
        Ok(Received { progress: Progress { received: total, done: true }, kept_bytes: Some(kept_bytes) })
    }

    /// Forgets the pieces of her upload of `hash`.
    pub async fn forget_upload(&self, who: &Owner, hash: &str) -> std::io::Result<()> {
        self.pieces.forget(&Self::upload(who, hash)).await
    }

    /// Every photo kept.
    pub async fn kept(&self) -> std::io::Result<Vec<String>> {
        self.store.list().await
    }

    /// Removes a kept photo, both sizes.
    pub async fn remove(&self, hash: &str) -> std::io::Result<()> {
        self.store.remove(hash).await
    }

    pub async fn get(&self, hash: &str, size: Size) -> std::io::Result<Option<Vec<u8>>> {
        match (self.store.get(hash, size).await?, size) {
            (None, Size::Preview) => self.make_preview(hash).await,
            (found, _) => Ok(found),
        }
    }

    /// The link preview of a kept photo, made once from its large size (in
    /// a preview turn, never an upload's, off the async workers) and kept
    /// beside it. Which photos may have one is the caller's to say (only
    /// approved ones: `api::photos::serve`).
    async fn make_preview(&self, hash: &str) -> std::io::Result<Option<Vec<u8>>> {
        let Some(large) = self.store.get(hash, Size::Large).await? else { return Ok(None) };
        let _turn = self.previews.acquire().await.expect("the semaphore is never closed");
        let made = tokio::task::spawn_blocking(move || checks::preview(&large))
            .await
            .map_err(std::io::Error::other)?
            .map_err(|problem| std::io::Error::other(format!("{problem:?}")))?;
        self.store.put_size(hash, Size::Preview, made.clone()).await?;
        Ok(Some(made))
    }

    /// Forgets uploads no piece has reached for `idle`: a phone that gave up
    /// (the photo was removed before it was sent) leaves its pieces behind.
    pub async fn forget_abandoned(&self, idle: std::time::Duration) -> std::io::Result<usize> {
        self.pieces.forget_idle(idle).await
    }
}

/// How long the pieces of an upload nobody continues are kept.
pub const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 60 * 60);

/// One writer per photo at a time; the turn ends when it is dropped.
struct Turn<'a> {
    busy: &'a Mutex<HashSet<String>>,
    hash: String,
}

impl<'a> Turn<'a> {
    fn take(busy: &'a Mutex<HashSet<String>>, hash: &str) -> Option<Turn<'a>> {
        let mut set = busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        set.insert(hash.to_owned()).then(|| Turn { busy, hash: hash.to_owned() })
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&self.hash);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn link_previews_are_made_while_every_upload_decode_turn_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let photos = Photos::on_disk(dir.path());
        let image = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(300, 200, |x, y| {
            image::Rgb([x as u8, y as u8, 7])
        }));
        let mut png = std::io::Cursor::new(Vec::new());
        image.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let hash = "c".repeat(64);
        photos.store.put(&hash, check_and_redraw(png.get_ref()).unwrap()).await.unwrap();
        // Uploads finishing now hold every decode turn.
        let _held = photos.decodes.clone().acquire_many_owned(checks::PARALLEL_DECODES as u32).await.unwrap();
        // A guard against a hang (it would wait for ever on shared turns), not a measure of speed.
        let made = tokio::time::timeout(std::time::Duration::from_secs(120), photos.get(&hash, Size::Preview)).await;
        assert!(made.expect("the preview waited for an upload's turn").unwrap().is_some());
    }

    #[tokio::test]
    async fn pieces_of_an_upload_nobody_continues_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let photos = Photos::on_disk(dir.path());
        assert_eq!(photos.forget_abandoned(ABANDONED_AFTER).await.unwrap(), 0, "no uploads yet");
        let (old, fresh) = ("a".repeat(64), "b".repeat(64));
        let who: Owner = "user:amina".parse().unwrap();
        photos.receive(&who, &old, 0, 1_000, b"first piece").await.unwrap();
        photos.receive(&who, &fresh, 0, 1_000, b"first piece").await.unwrap();
        let eight_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(8 * 24 * 60 * 60);
        std::fs::File::options()
            .write(true)
            .open(DiskPieces::new(dir.path().join("uploads")).part(&Photos::upload(&who, &old)))
            .unwrap()
            .set_modified(eight_days_ago)
            .unwrap();
        assert_eq!(photos.forget_abandoned(ABANDONED_AFTER).await.unwrap(), 1);
        assert_eq!(photos.progress(&who, &old).await.unwrap().received, 0);
        assert_eq!(photos.progress(&who, &fresh).await.unwrap().received, 11);
    }
}
