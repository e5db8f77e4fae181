//! Where checked photos are kept, once each, under the SHA-256 of the bytes
//! the phone sent. On local disk under the data directory by default; the
//! trait is what an S3-compatible store would implement too (with the
//! `object_store` crate, which speaks S3, GCS and Azure alike).

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use super::checks::Sizes;

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = std::io::Result<T>> + Send + 'a>>;

/// The two sizes pages use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Large,
    Thumb,
}

impl Size {
    pub fn from_file_name(name: &str) -> Option<Size> {
        match name {
            "large.jpg" => Some(Size::Large),
            "thumb.jpg" => Some(Size::Thumb),
            _ => None,
        }
    }

    fn file_name(self) -> &'static str {
        match self {
            Size::Large => "large.jpg",
            Size::Thumb => "thumb.jpg",
        }
    }
}

pub trait PhotoStore: Send + Sync {
    fn has<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, bool>;
    fn put<'a>(&'a self, hash: &'a str, sizes: Sizes) -> StoreFuture<'a, ()>;
    fn get<'a>(&'a self, hash: &'a str, size: Size) -> StoreFuture<'a, Option<Vec<u8>>>;
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

impl PhotoStore for DiskPhotoStore {
    fn has<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move { tokio::fs::try_exists(self.dir(hash).join(Size::Thumb.file_name())).await })
    }

    fn put<'a>(&'a self, hash: &'a str, sizes: Sizes) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let dir = self.dir(hash);
            tokio::fs::create_dir_all(&dir).await?;
            // Each file appears whole (written aside, then renamed); the
            // thumbnail last, since its presence says the photo is kept.
            for (size, bytes) in [(Size::Large, &sizes.large), (Size::Thumb, &sizes.thumb)] {
                let partial = dir.join(format!("{}.part", size.file_name()));
                tokio::fs::write(&partial, bytes).await?;
                tokio::fs::rename(&partial, dir.join(size.file_name())).await?;
            }
            Ok(())
        })
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
}
