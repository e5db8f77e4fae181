//! Photos and upload pieces in an S3-compatible bucket, shared by every
//! server (`SAWDA_PHOTOS=s3://bucket`), through the `object_store` crate.
//!
//! `photos/ab/<hash>/{large,thumb,preview}.jpg` and a `kept` marker written
//! last, as on disk; `uploads/<upload>/<offset>` holds one piece each, written
//! only if absent, so two servers given the same piece keep it once.

use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};

use super::checks::Sizes;
use super::pieces::Pieces;
use super::store::{PhotoStore, Size, StoreFuture};
use crate::config::S3Target;

/// Opens the bucket `SAWDA_PHOTOS=s3://…` names.
pub fn open(target: &S3Target) -> std::io::Result<Arc<dyn ObjectStore>> {
    let mut builder = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(&target.bucket)
        .with_region(&target.region)
        .with_access_key_id(&target.access_key)
        .with_secret_access_key(&target.secret_key)
        // A store that is down answers within a request's deadline, not after minutes of retries.
        .with_retry(object_store::RetryConfig {
            backoff: object_store::BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(2),
                base: 2.0,
            },
            max_retries: 4,
            retry_timeout: Duration::from_secs(10),
        })
        .with_client_options(
            object_store::ClientOptions::new()
                .with_connect_timeout(Duration::from_secs(2))
                .with_timeout(Duration::from_secs(15)),
        );
    if let Some(endpoint) = &target.endpoint {
        builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
    }
    Ok(Arc::new(builder.build().map_err(std::io::Error::other)?))
}

fn io(error: object_store::Error) -> std::io::Error {
    match error {
        object_store::Error::NotFound { .. } => std::io::Error::new(std::io::ErrorKind::NotFound, error),
        other => std::io::Error::other(other),
    }
}

fn found<T>(result: object_store::Result<T>) -> std::io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(object_store::Error::NotFound { .. }) => Ok(None),
        Err(error) => Err(io(error)),
    }
}

const KEPT: &str = "kept";

pub struct BucketPhotoStore {
    bucket: Arc<dyn ObjectStore>,
}

impl BucketPhotoStore {
    pub fn new(bucket: Arc<dyn ObjectStore>) -> BucketPhotoStore {
        BucketPhotoStore { bucket }
    }

    fn key(hash: &str, file: &str) -> Path {
        Path::from(format!("photos/{}/{hash}/{file}", &hash[..2]))
    }
}

impl PhotoStore for BucketPhotoStore {
    fn has<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, bool> {
        Box::pin(async move { Ok(found(self.bucket.head(&Self::key(hash, KEPT)).await)?.is_some()) })
    }

    fn put<'a>(&'a self, hash: &'a str, sizes: Sizes) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            // Each PUT is whole or absent; the marker goes last, so a photo
            // half written by a server that died is not kept, and sent again.
            for (size, bytes) in [(Size::Large, sizes.large), (Size::Thumb, sizes.thumb)] {
                self.bucket.put(&Self::key(hash, size.file_name()), bytes.into()).await.map_err(io)?;
            }
            self.bucket.put(&Self::key(hash, KEPT), PutPayload::new()).await.map_err(io)?;
            Ok(())
        })
    }

    fn get<'a>(&'a self, hash: &'a str, size: Size) -> StoreFuture<'a, Option<Vec<u8>>> {
        Box::pin(async move {
            let Some(object) = found(self.bucket.get(&Self::key(hash, size.file_name())).await)? else {
                return Ok(None);
            };
            Ok(Some(object.bytes().await.map_err(io)?.to_vec()))
        })
    }

    fn put_size<'a>(&'a self, hash: &'a str, size: Size, bytes: Vec<u8>) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            self.bucket.put(&Self::key(hash, size.file_name()), bytes.into()).await.map_err(io)?;
            Ok(())
        })
    }

    fn remove<'a>(&'a self, hash: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            found(self.bucket.delete(&Self::key(hash, KEPT)).await)?;
            for size in [Size::Large, Size::Thumb, Size::Preview] {
                found(self.bucket.delete(&Self::key(hash, size.file_name())).await)?;
            }
            Ok(())
        })
    }

    fn list(&self) -> StoreFuture<'_, Vec<String>> {
        Box::pin(async move {
            let objects: Vec<_> = self.bucket.list(Some(&Path::from("photos"))).try_collect().await.map_err(io)?;
            let mut hashes: Vec<String> = objects
                .iter()
                .filter_map(|object| {
                    let parts: Vec<_> = object.location.parts().collect();
                    match parts.as_slice() {
                        [_, _, hash, kept] if kept.as_ref() == KEPT => Some(hash.as_ref().to_string()),
                        _ => None,
                    }
                })
                .filter(|hash| app::rules::records::field::is_photo_hash(hash))
                .collect();
            hashes.sort();
            Ok(hashes)
        })
    }
}

pub struct BucketPieces {
    bucket: Arc<dyn ObjectStore>,
}

impl BucketPieces {
    pub fn new(bucket: Arc<dyn ObjectStore>) -> BucketPieces {
        BucketPieces { bucket }
    }

    fn folder(upload: &str) -> Path {
        Path::from(format!("uploads/{upload}"))
    }

    /// The pieces from the start without a gap: (offset, length, key).
    async fn chain(&self, upload: &str) -> std::io::Result<Vec<(u64, u64, Path)>> {
        let objects: Vec<_> = self.bucket.list(Some(&Self::folder(upload))).try_collect().await.map_err(io)?;
        let mut pieces: Vec<(u64, u64, Path)> = objects
            .into_iter()
            .filter_map(|object| {
                let offset = object.location.filename()?.parse().ok()?;
                Some((offset, object.size, object.location))
            })
            .collect();
        pieces.sort_by_key(|(offset, ..)| *offset);
        let mut chain = Vec::with_capacity(pieces.len());
        let mut next = 0;
        for (offset, length, key) in pieces {
            if offset == next && length > 0 {
                next += length;
                chain.push((offset, length, key));
            }
        }
        Ok(chain)
    }
}

impl Pieces for BucketPieces {
    fn received<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, u64> {
        Box::pin(async move { Ok(self.chain(upload).await?.last().map_or(0, |(offset, length, _)| offset + length)) })
    }

    fn add<'a>(&'a self, upload: &'a str, offset: u64, piece: &'a [u8]) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            // Fixed width, so the keys sort as the offsets do.
            let key = Self::folder(upload).join(format!("{offset:012}"));
            let options = PutOptions { mode: PutMode::Create, ..PutOptions::default() };
            match self.bucket.put_opts(&key, piece.to_vec().into(), options).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
                Err(error) => Err(io(error)),
            }
        })
    }

    fn whole<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let mut whole = Vec::new();
            for (_, _, key) in self.chain(upload).await? {
                whole.extend_from_slice(&self.bucket.get(&key).await.map_err(io)?.bytes().await.map_err(io)?);
            }
            Ok(whole)
        })
    }

    fn forget<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let objects: Vec<_> = self.bucket.list(Some(&Self::folder(upload))).try_collect().await.map_err(io)?;
            for object in objects {
                found(self.bucket.delete(&object.location).await)?;
            }
            Ok(())
        })
    }

    fn forget_idle(&self, idle: Duration) -> StoreFuture<'_, usize> {
        Box::pin(async move {
            let objects: Vec<_> = self.bucket.list(Some(&Path::from("uploads"))).try_collect().await.map_err(io)?;
            let now = chrono::Utc::now();
            // An upload is idle when its newest piece is.
            let mut newest = std::collections::BTreeMap::<String, chrono::DateTime<chrono::Utc>>::new();
            for object in &objects {
                if let Some(upload) = object.location.parts().nth(1) {
                    let at = newest.entry(upload.as_ref().to_string()).or_insert(object.last_modified);
                    *at = (*at).max(object.last_modified);
                }
            }
            let idle = chrono::Duration::from_std(idle).unwrap_or(chrono::Duration::MAX);
            let mut forgotten = 0;
            for (upload, at) in newest {
                if now - at > idle {
                    self.forget(&upload).await?;
                    forgotten += 1;
                }
            }
            Ok(forgotten)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "ab00000000000000000000000000000000000000000000000000000000000000";

    /// The in-memory store of the same crate: the same calls and answers
    /// (a conditional write refused with `AlreadyExists`) as S3, without the wire.
    fn bucket() -> Arc<dyn ObjectStore> {
        Arc::new(object_store::memory::InMemory::new())
    }

    #[tokio::test]
    async fn a_photo_is_kept_once_its_marker_is_written_and_removed_marker_first() {
        let bucket = bucket();
        let store = BucketPhotoStore::new(bucket.clone());
        assert!(!store.has(HASH).await.unwrap());
        store.put(HASH, Sizes { large: vec![1; 100], thumb: vec![2; 10] }).await.unwrap();
        assert!(store.has(HASH).await.unwrap());
        assert_eq!(store.get(HASH, Size::Thumb).await.unwrap(), Some(vec![2; 10]));
        assert_eq!(store.get(HASH, Size::Preview).await.unwrap(), None);
        assert_eq!(store.list().await.unwrap(), [HASH]);
        // A server that died between the sizes and the marker leaves a photo not kept.
        let torn = "cd".repeat(32);
        bucket.put(&BucketPhotoStore::key(&torn, "large.jpg"), vec![1].into()).await.unwrap();
        assert!(!store.has(&torn).await.unwrap());
        assert_eq!(store.list().await.unwrap(), [HASH]);
        store.remove(HASH).await.unwrap();
        assert!(!store.has(HASH).await.unwrap());
        assert_eq!(store.get(HASH, Size::Large).await.unwrap(), None);
        store.remove(HASH).await.unwrap();
    }

    #[tokio::test]
    async fn pieces_from_two_servers_make_one_upload_and_a_repeated_piece_is_kept_once() {
        let bucket = bucket();
        let (one, two) = (BucketPieces::new(bucket.clone()), BucketPieces::new(bucket));
        let upload = format!("7573-{HASH}");
        assert_eq!(one.received(&upload).await.unwrap(), 0);
        assert!(one.add(&upload, 0, b"hello ").await.unwrap());
        assert_eq!(two.received(&upload).await.unwrap(), 6);
        assert!(two.add(&upload, 6, b"world").await.unwrap());
        // The same piece again (its answer was lost): not written twice.
        assert!(!one.add(&upload, 6, b"world").await.unwrap());
        assert_eq!(one.received(&upload).await.unwrap(), 11);
        assert_eq!(one.whole(&upload).await.unwrap(), b"hello world");
        assert_eq!(two.forget_idle(Duration::from_secs(60)).await.unwrap(), 0, "not idle");
        assert_eq!(two.forget_idle(Duration::ZERO).await.unwrap(), 1);
        assert_eq!(one.received(&upload).await.unwrap(), 0);
    }
}
