//! The pieces of uploads under way, kept until the last one arrives. On one
//! server they are a file per upload under the data directory; with several
//! servers they are objects in the shared bucket (`bucket::BucketPieces`), so
//! a phone's next piece may reach any server and a server killed mid-upload
//! loses at most the piece it was taking.

use std::path::PathBuf;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use super::store::StoreFuture;

/// An upload is named `<owner in hex>-<hash>`: nobody's pieces touch another's.
pub trait Pieces: Send + Sync {
    /// Bytes received so far, from the start without a gap.
    fn received<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, u64>;
    /// Keeps `piece` at `offset`, which the caller checked is where the upload
    /// is. `false`: another request kept a piece there first (nothing written).
    fn add<'a>(&'a self, upload: &'a str, offset: u64, piece: &'a [u8]) -> StoreFuture<'a, bool>;
    /// Every byte received, in order.
    fn whole<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, Vec<u8>>;
    fn forget<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, ()>;
    /// Forgets uploads no piece has reached for `idle`; returns how many.
    fn forget_idle(&self, idle: Duration) -> StoreFuture<'_, usize>;
}

/// `<data>/photos/uploads/<upload>.part`, appended to piece by piece.
pub struct DiskPieces {
    dir: PathBuf,
}

impl DiskPieces {
    pub fn new(dir: PathBuf) -> DiskPieces {
        DiskPieces { dir }
    }

    pub(super) fn part(&self, upload: &str) -> PathBuf {
        self.dir.join(format!("{upload}.part"))
    }
}

fn missing_is_none<T>(result: std::io::Result<T>) -> std::io::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

impl Pieces for DiskPieces {
    fn received<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, u64> {
        Box::pin(async move {
            Ok(missing_is_none(tokio::fs::metadata(self.part(upload)).await)?.map_or(0, |meta| meta.len()))
        })
    }

    fn add<'a>(&'a self, upload: &'a str, _offset: u64, piece: &'a [u8]) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            // One process: the caller's turn (`photos::Turn`) keeps writers of one upload apart.
            tokio::fs::create_dir_all(&self.dir).await?;
            let mut file = tokio::fs::OpenOptions::new().create(true).append(true).open(self.part(upload)).await?;
            file.write_all(piece).await?;
            file.sync_data().await?;
            Ok(true)
        })
    }

    fn whole<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, Vec<u8>> {
        Box::pin(async move { tokio::fs::read(self.part(upload)).await })
    }

    fn forget<'a>(&'a self, upload: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move { missing_is_none(tokio::fs::remove_file(self.part(upload)).await).map(|_| ()) })
    }

    fn forget_idle(&self, idle: Duration) -> StoreFuture<'_, usize> {
        Box::pin(async move {
            let Some(mut entries) = missing_is_none(tokio::fs::read_dir(&self.dir).await)? else { return Ok(0) };
            let mut forgotten = 0;
            while let Some(entry) = entries.next_entry().await? {
                let idle_for = entry.metadata().await?.modified()?.elapsed().unwrap_or_default();
                if entry.file_name().to_string_lossy().ends_with(".part") && idle_for > idle {
                    tokio::fs::remove_file(entry.path()).await?;
                    forgotten += 1;
                }
            }
            Ok(forgotten)
        })
    }
}
