//! `sawda backup <dir>` and `sawda restore <dir>` (`docs/operations.md`):
//! the database as SurrealQL (SurrealDB's own export) and every kept photo,
//! read through the `PhotoStore` (so any store backs up the same way), with
//! a manifest written last: a directory without one is an unfinished backup
//! and is never restored. A restore goes into an empty database only, brings
//! the schema up to date, and gives it a new sync epoch, so phones send again
//! what only they hold.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::infra::database::StoreError;
use crate::infra::migrations::{self, MigrationError};
use crate::photos::checks::Sizes;
use crate::photos::store::{PhotoStore, Size};

/// This layout of a backup directory.
pub const FORMAT: u32 = 1;
const MANIFEST: &str = "manifest.json";
const DATABASE: &str = "database.surql";
const PHOTOS: &str = "photos";

/// What a backup holds, written last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The Sawda that made it.
    pub sawda: String,
    /// The schema's version (the last migration applied).
    pub schema: i64,
    pub made_at: String,
    pub photos: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} is not empty: a backup goes into a new directory")]
    NotEmpty(PathBuf),
    #[error("{0} holds no finished backup (its manifest.json is missing)")]
    Unfinished(PathBuf),
    #[error("{0}: this backup's format {1} is newer than this Sawda reads ({FORMAT})")]
    NewerFormat(PathBuf, u32),
    #[error(
        "the database to restore into already holds data: restore into a new, empty one (a new SAWDA_DATA, or a new database on the SurrealDB server)"
    )]
    DatabaseNotEmpty,
    #[error("the SurrealDB server's {0}: {1}")]
    Server(&'static str, String),
    #[error("the backup's photo {0} is damaged (a size is missing)")]
    DamagedPhoto(String),
    #[error("{path}: {source}")]
    Files { path: PathBuf, source: std::io::Error },
    #[error("the database: {0}")]
    Database(#[from] surrealdb::Error),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Migration(#[from] MigrationError),
    #[error("the photo store: {0}")]
    Photos(std::io::Error),
}

fn files(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Files { path: path.to_owned(), source }
}

fn is_hash(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A SurrealDB server's own export and import (its HTTP `/export` and
/// `/import`): the SDK exports only from the embedded store, not over ws.
#[derive(Clone)]
pub struct Server {
    /// `http://host:port` (from `ws://host:port`; `https` from `wss`).
    pub url: String,
    pub ns: String,
    pub db: String,
    pub credentials: Option<(String, String)>,
}

impl Server {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = reqwest::Client::new()
            .request(method, format!("{}{path}", self.url))
            .header("surreal-ns", &self.ns)
            .header("surreal-db", &self.db)
            .header("accept", "application/octet-stream");
        match &self.credentials {
            Some((user, pass)) => request.basic_auth(user, Some(pass)),
            None => request,
        }
    }

    /// Sends `request` (the server's `what`: export or import) and reads its whole answer.
    async fn exchange(what: &'static str, request: reqwest::RequestBuilder) -> Result<bytes::Bytes, BackupError> {
        let failed = |error: reqwest::Error| BackupError::Server(what, error.to_string());
        let answer = request.send().await.map_err(failed)?;
        let status = answer.status();
        let body = answer.bytes().await.map_err(failed)?;
        if !status.is_success() {
            return Err(BackupError::Server(what, format!("{status}: {}", String::from_utf8_lossy(&body))));
        }
        Ok(body)
    }

    async fn export(&self, file: &Path) -> Result<(), BackupError> {
        let dump = Self::exchange("export", self.request(reqwest::Method::GET, "/export")).await?;
        std::fs::write(file, dump).map_err(files(file))
    }

    async fn import(&self, file: &Path) -> Result<(), BackupError> {
        let dump = std::fs::read(file).map_err(files(file))?;
        Self::exchange("import", self.request(reqwest::Method::POST, "/import").body(dump)).await.map(|_| ())
    }
}

/// Writes a backup of `db` (through `server`'s export when it is a SurrealDB
/// server) and `photos` into `dir`, which must be new or empty.
pub async fn backup(
    db: &Surreal<Any>,
    server: Option<&Server>,
    photos: &dyn PhotoStore,
    dir: &Path,
) -> Result<Manifest, BackupError> {
    std::fs::create_dir_all(dir).map_err(files(dir))?;
    if std::fs::read_dir(dir).map_err(files(dir))?.next().is_some() {
        return Err(BackupError::NotEmpty(dir.to_owned()));
    }
    let schema: Option<i64> =
        db.query("math::max(SELECT VALUE version FROM schema_migration)").await?.check()?.take(0)?;
    match server {
        Some(server) => server.export(&dir.join(DATABASE)).await?,
        None => db.export(dir.join(DATABASE)).await?,
    }
    let hashes = photos.list().await.map_err(BackupError::Photos)?;
    for hash in &hashes {
        let place = dir.join(PHOTOS).join(&hash[..2]).join(hash);
        std::fs::create_dir_all(&place).map_err(files(&place))?;
        for size in [Size::Large, Size::Thumb, Size::Preview] {
            if let Some(bytes) = photos.get(hash, size).await.map_err(BackupError::Photos)? {
                let file = place.join(size.file_name());
                std::fs::write(&file, bytes).map_err(files(&file))?;
            }
        }
    }
    let manifest = Manifest {
        format: FORMAT,
        sawda: env!("CARGO_PKG_VERSION").to_owned(),
        schema: schema.unwrap_or(0),
        made_at: chrono::Utc::now().to_rfc3339(),
        photos: hashes.len(),
    };
    // Last, and whole or not at all: its presence says the backup is finished.
    let partial = dir.join(format!("{MANIFEST}.partial"));
    std::fs::write(&partial, serde_json::to_vec_pretty(&manifest).expect("JSON")).map_err(files(&partial))?;
    std::fs::rename(&partial, dir.join(MANIFEST)).map_err(files(dir))?;
    Ok(manifest)
}

/// Reads a finished backup's manifest.
pub fn manifest(dir: &Path) -> Result<Manifest, BackupError> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(BackupError::Unfinished(dir.to_owned()));
        }
        Err(source) => return Err(BackupError::Files { path, source }),
    };
    let manifest: Manifest = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Files { path: path.clone(), source: std::io::Error::other(e) })?;
    if manifest.format > FORMAT {
        return Err(BackupError::NewerFormat(dir.to_owned(), manifest.format));
    }
    Ok(manifest)
}

/// Restores the backup in `dir` into the empty `db` and `photos`, brings its
/// schema up to date and gives it a new sync epoch. Returns the manifest and the epoch.
pub async fn restore(
    db: &Surreal<Any>,
    server: Option<&Server>,
    photos: &dyn PhotoStore,
    dir: &Path,
) -> Result<(Manifest, String), BackupError> {
    let manifest = manifest(dir)?;
    let info: serde_json::Value =
        db.query("INFO FOR DB").await?.check()?.take::<Option<serde_json::Value>>(0)?.unwrap_or_default();
    let has_tables = info.get("tables").and_then(|t| t.as_object()).is_some_and(|t| !t.is_empty());
    if has_tables {
        return Err(BackupError::DatabaseNotEmpty);
    }
    match server {
        Some(server) => server.import(&dir.join(DATABASE)).await?,
        None => db.import(dir.join(DATABASE)).await?,
    }
    let root = dir.join(PHOTOS);
    let fan_outs = match std::fs::read_dir(&root) {
        Ok(entries) => entries.collect::<Result<Vec<_>, _>>().map_err(files(&root))?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(source) => return Err(BackupError::Files { path: root, source }),
    };
    for fan_out in fan_outs {
        let path = fan_out.path();
        for entry in std::fs::read_dir(&path).map_err(files(&path))? {
            let place = entry.map_err(files(&path))?.path();
            let Some(hash) = place.file_name().and_then(|n| n.to_str()).filter(|n| is_hash(n)).map(str::to_owned)
            else {
                continue;
            };
            let read = |size: Size| std::fs::read(place.join(size.file_name()));
            let (Ok(large), Ok(thumb)) = (read(Size::Large), read(Size::Thumb)) else {
                return Err(BackupError::DamagedPhoto(hash));
            };
            photos.put(&hash, Sizes { large, thumb }).await.map_err(BackupError::Photos)?;
            if let Ok(preview) = read(Size::Preview) {
                photos.put_size(&hash, Size::Preview, preview).await.map_err(BackupError::Photos)?;
            }
        }
    }
    migrations::migrate(db, migrations::MIGRATIONS).await?;
    let epoch = crate::sync::store::new_epoch(db).await?;
    Ok((manifest, epoch.to_string()))
}
