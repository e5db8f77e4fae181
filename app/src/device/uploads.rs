//! Sends the photos her records point at that are kept on this phone and
//! that the server lacks: content-addressed (the server says which hashes it
//! lacks, so a photo is sent once), in pieces, and resumed where the server
//! stopped after a cut. Runs only in the browser, from the background sync.

use crate::device::http::{NoAnswer, body, send, send_bytes};
use crate::device::photos::kept_bytes;
use crate::device::sync::state::PhotoState;
use crate::i18n::Lang;
use crate::wire::{MissingPhotos, PhotoHashes, Problem, UploadProgress};

/// Small enough to get through on 2G before a connection drops.
const PIECE_BYTES: usize = 64 * 1024;

pub enum UploadFailure {
    NoAnswer,
    SignedOut,
    Server,
    /// The server keeps as many of her photos as one person may.
    NoRoom,
    /// An answer that asking again will not change (a 4xx other than 401,
    /// 408 and 429, from Sawda or a proxy before it): not retried in silence.
    Refused(u16),
}

impl UploadFailure {
    /// What an answer other than 200 means for the photos.
    fn of_status(status: u16) -> UploadFailure {
        match status {
            401 => UploadFailure::SignedOut,
            408 | 429 | 500..=599 => UploadFailure::Server,
            _ => UploadFailure::Refused(status),
        }
    }
}

impl From<NoAnswer> for UploadFailure {
    fn from(_: NoAnswer) -> Self {
        UploadFailure::NoAnswer
    }
}

/// Uploads what is missing of `hashes` (those kept on this phone), telling
/// `show` each photo's state as it goes. The server is asked about at most
/// [`PhotoHashes::MAX`] at a time, and each piece's photos are sent before
/// the next is asked about, so a cut leaves the first ones on the server.
pub async fn upload(lang: Lang, hashes: Vec<String>, show: impl Fn(&str, PhotoState)) -> Result<(), UploadFailure> {
    for asked in hashes.chunks(PhotoHashes::MAX) {
        let missing = missing_of(lang, asked).await?;
        for hash in asked.iter().filter(|h| !missing.contains(h)) {
            show(hash, PhotoState::Uploaded);
            crate::device::photos::mark_sent(hash).await;
        }
        for hash in &missing {
            if kept_bytes(hash).await.is_some() {
                show(hash, PhotoState::OnPhone);
            }
        }
        for hash in &missing {
            let Some(bytes) = kept_bytes(hash).await else { continue };
            upload_one(lang, hash, &bytes, &show).await?;
        }
    }
    Ok(())
}

/// Which of `hashes` (at most [`PhotoHashes::MAX`]) the server lacks.
async fn missing_of(lang: Lang, hashes: &[String]) -> Result<Vec<String>, UploadFailure> {
    let asked = body(&PhotoHashes { hashes: hashes.to_vec() });
    let (status, text) = send(lang, "POST", "/api/v1/photos/missing", asked).await?;
    match status {
        200 => Ok(serde_json::from_str::<MissingPhotos>(&text).map_err(|_| UploadFailure::Server)?.missing),
        status => Err(UploadFailure::of_status(status)),
    }
}

async fn upload_one(
    lang: Lang,
    hash: &str,
    bytes: &[u8],
    show: &impl Fn(&str, PhotoState),
) -> Result<(), UploadFailure> {
    let total = bytes.len() as u64;
    let path = format!("/api/v1/photos/{hash}/upload");
    let (status, text) = send(lang, "GET", &path, None).await?;
    let mut offset = match status {
        200 => {
            serde_json::from_str::<UploadProgress>(&text).map(|p| if p.done { total } else { p.received }).unwrap_or(0)
        }
        status => return Err(UploadFailure::of_status(status)),
    };
    // At most one resume per piece, so a confused server cannot keep us here.
    let mut turns = 2 * (bytes.len() / PIECE_BYTES + 2);
    while offset < total && turns > 0 {
        turns -= 1;
        show(hash, PhotoState::Uploading((offset * 100 / total) as u8));
        let end = (offset as usize + PIECE_BYTES).min(bytes.len());
        let piece = &bytes[offset as usize..end];
        let (status, text) = send_bytes(lang, "PUT", &format!("{path}?offset={offset}&total={total}"), piece).await?;
        match status {
            200 => {
                let progress: UploadProgress = serde_json::from_str(&text).map_err(|_| UploadFailure::Server)?;
                offset = if progress.done { total } else { progress.received };
            }
            401 => return Err(UploadFailure::SignedOut),
            _ => {
                let problem: Problem = serde_json::from_str(&text).map_err(|_| UploadFailure::of_status(status))?;
                match (problem.code.as_str(), problem.received) {
                    ("upload_offset", Some(received)) => offset = received,
                    // Sent changed on the way: start again from nothing.
                    ("photo_mismatch", _) => offset = 0,
                    ("photo_not_image" | "photo_damaged" | "photo_too_many_pixels" | "photo_too_large", _) => {
                        show(hash, PhotoState::Refused);
                        return Ok(());
                    }
                    // Her photos fill her room on the server: the next sync tries again.
                    ("photos_full", _) => {
                        show(hash, PhotoState::NoRoomOnServer);
                        return Err(UploadFailure::NoRoom);
                    }
                    _ => return Err(UploadFailure::of_status(status)),
                }
            }
        }
    }
    if offset >= total {
        show(hash, PhotoState::Uploaded);
        crate::device::photos::mark_sent(hash).await;
    }
    Ok(())
}
