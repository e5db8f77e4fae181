//! Where checked photos are kept, once each, under the SHA-256 of the bytes
//! the phone sent. On local disk under the data directory by default; the
//! trait is what an S3-compatible store would implement too (with the
//! `object_store` crate, which speaks S3, GCS and Azure alike).

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use tokio::io::AsyncWriteExt;

use super::checks::Sizes;

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = std::io::Result<T>> + Send + 'a>>;

/// The sizes pages use: two made when the photo is kept, and the link
/// preview, made from the large one the first time a page needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Large,
    Thumb,
    Preview,
}

impl Size {
    pub fn from_file_name(name: &str) -> Option<Size> {
        match name {
            "large.jpg" => Some(Size::Large),
            "thumb.jpg" => Some(Size::Thumb),
            "preview.jpg" => Some(Size::Preview),
            _ => None,
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            Size::Large => "large.jpg",
            Size::Thumb => "thumb.jpg",
            Size::Preview => "preview.jpg",
        }
    }
}

pub trait PhotoStore: Send + Sync {
    fn has<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, bool>;
    fn put<'a>(&'a self, hash: &'a str, sizes: Sizes) -> StoreFuture<'a, ()>;
    fn get<'a>(&'a self, hash: &'a str, size: Size) -> StoreFuture<'a, Option<Vec<u8>>>;
    /// Keeps a size made later (the preview) beside a kept photo.
    fn put_size<'a>(&'a self, hash: &'a str, size: Size, bytes: Vec<u8>) -> StoreFuture<'a, ()>;
    /// Removes both sizes; "kept" goes first, so a half-removed photo is not kept.
    fn remove<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, ()>;
    /// The hashes of every photo kept.
    fn list(&self) -> StoreFuture<'_, Vec<String>>;
}

/// `<data>/photos/ab/abcdef…/{large,thumb}.jpg`: two hex digits of fan-out
/// keep directories small. Callers pass only checked hashes (64 hex digits).
pub struct DiskPhotoStore {
    root: PathBuf,
}

impl DiskPhotoStore {
    pub fn new(root: PathBuf) -> Self {
        DiskPhotoStore { root }
    }

    fn dir(&self, hash: &str) -> PathBuf {
        self.root.join(&hash[..2]).join(hash)
    }
}

/// Written last, after both sizes are on disk: its presence is what "kept" means.
const KEPT: &str = "kept";

/// Writes `bytes` to `path` whole and durably: aside, synced, renamed, and the
/// directory synced, so a power cut leaves the old state or the new one.
async fn write_durably(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let partial = dir.join(format!("{name}.part"));
    let mut file = tokio::fs::File::create(&partial).await?;
    file.write_all(bytes).await?;
    file.sync_all().await?;
    drop(file);
    tokio::fs::rename(&partial, dir.join(name)).await?;
    sync_dir(dir).await
}

async fn sync_dir(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all()).await.map_err(std::io::Error::other)?
}

async fn non_empty(path: PathBuf) -> std::io::Result<bool> {
    match tokio::fs::metadata(path).await {
        Ok(meta) => Ok(meta.len() > 0),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(error) => Err(error),
    }
}

impl PhotoStore for DiskPhotoStore {
    fn has<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let dir = self.dir(hash);
            if tokio::fs::try_exists(dir.join(KEPT)).await? {
                return Ok(true);
            }
            // Kept by a release before the marker: both sizes there and not
            // empty count, once made durable and marked.
            if non_empty(dir.join(Size::Large.file_name())).await?
                && non_empty(dir.join(Size::Thumb.file_name())).await?
            {
                for size in [Size::Large, Size::Thumb] {
                    tokio::fs::File::open(dir.join(size.file_name())).await?.sync_all().await?;
                }
                write_durably(&dir, KEPT, b"").await?;
                return Ok(true);
            }
            Ok(false)
        })
    }

    fn put<'a>(&'a self, hash: &'a str, sizes: Sizes) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let dir = self.dir(hash);
            let fresh = !tokio::fs::try_exists(&dir).await?;
            tokio::fs::create_dir_all(&dir).await?;
            // New directories' entries must reach the disk too.
            if fresh && let Some(fan_out) = dir.parent() {
                sync_dir(fan_out).await?;
                if let Some(root) = fan_out.parent() {
                    sync_dir(root).await?;
                }
            }
            for (size, bytes) in [(Size::Large, &sizes.large), (Size::Thumb, &sizes.thumb)] {
                write_durably(&dir, size.file_name(), bytes).await?;
            }
            write_durably(&dir, KEPT, b"").await
        })
    }

    fn put_size<'a>(&'a self, hash: &'a str, size: Size, bytes: Vec<u8>) -> StoreFuture<'a, ()> {
        Box::pin(async move { write_durably(&self.dir(hash), size.file_name(), &bytes).await })
    }

    fn get<'a>(&'a self, hash: &'a str, size: Size) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            match tokio::fs::read(self.dir(hash).join(size.file_name())).await {
                Ok(bytes) => Ok(Some(bytes)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(error) => Err(error),
            }
        })
    }

    fn remove<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let dir = self.dir(hash);
            match tokio::fs::remove_file(dir.join(KEPT)).await {
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                other => other?,
            }
            sync_dir(&dir).await?;
            tokio::fs::remove_dir_all(&dir).await
        })
    }

    fn list(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            let mut hashes = Vec::new();
            let mut fan_outs = match tokio::fs::read_dir(&self.root).await {
                Ok(entries) => entries,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(hashes),
                Err(error) => return Err(error),
            };
            while let Some(fan_out) = fan_outs.next_entry().await? {
                if !fan_out.file_type().await?.is_dir() {
                    continue;
                }
                let mut photos = tokio::fs::read_dir(fan_out.path()).await?;
                while let Some(photo) = photos.next_entry().await? {
                    let name = photo.file_name().to_string_lossy().into_owned();
                    if app::rules::records::field::is_photo_hash(&name) && self.has(&name).await? {
                        hashes.push(name);
                    }
                }
            }
            Ok(hashes)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ab00000000000000000000000000000000000000000000000000000000000000";

    fn sizes() -> Sizes {
        Sizes { large: vec![1; 100], thumb: vec![2; 10] }
    }

    #[tokio::test]
    async fn a_photo_counts_as_kept_once_its_marker_is_written_last() {
        let root = tempfile::tempdir().unwrap();
        let store = DiskPhotoStore::new(root.path().to_path_buf());
        assert!(!store.has(HASH).await.unwrap());
        store.put(HASH, sizes()).await.unwrap();
        assert!(store.has(HASH).await.unwrap());
        let dir = store.dir(HASH);
        assert!(dir.join(KEPT).exists());
        assert_eq!(store.get(HASH, Size::Large).await.unwrap(), Some(vec![1; 100]));
        assert!(!dir.join("large.jpg.part").exists() && !dir.join("kept.part").exists());
        assert_eq!(store.list().await.unwrap(), [HASH]);
        store.remove(HASH).await.unwrap();
        assert!(!store.has(HASH).await.unwrap() && !dir.exists());
        assert_eq!(store.list().await.unwrap(), Vec::<String>::new());
        store.remove(HASH).await.unwrap();
    }

    #[tokio::test]
    async fn a_torn_write_is_not_kept_so_the_phone_sends_it_again() {
        let root = tempfile::tempdir().unwrap();
        let store = DiskPhotoStore::new(root.path().to_path_buf());
        let dir = store.dir(HASH);
        std::fs::create_dir_all(&dir).unwrap();
        // A power cut after the thumbnail's rename but before its bytes reached the disk.
        std::fs::write(dir.join("large.jpg"), [1; 100]).unwrap();
        std::fs::write(dir.join("thumb.jpg"), []).unwrap();
        assert!(!store.has(HASH).await.unwrap());
        // A photo kept by the release before the marker is taken as kept, and marked.
        std::fs::write(dir.join("thumb.jpg"), [2; 10]).unwrap();
        assert!(store.has(HASH).await.unwrap());
        assert!(dir.join(KEPT).exists());
    }
}
