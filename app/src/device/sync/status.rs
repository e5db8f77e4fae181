//! What the studio tells a person about her changes: saved on the phone,
//! waiting, sent, or why not.

use sawda_sync::RejectCode;

use crate::device::store::StoreProblem;
use crate::i18n::{Key, Lang, fill, text};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SyncStatus {
    /// The store is being opened.
    Opening,
    AllSaved,
    /// An edit is being written to the phone's storage (not yet saved).
    Saving,
    /// Changes wait for the next sync.
    Waiting(usize),
    Sending(usize),
    /// The browser says there is no network.
    Offline(usize),
    /// The network is there but the last sync failed; a retry is scheduled.
    Retrying(usize),
    /// The server refused this many of her photos in a way a retry will not
    /// change: they stay on the phone until the page is reloaded.
    PhotosRefused(usize),
    /// The server speaks another protocol version: the page must reload.
    NeedsReload(usize),
    /// The session ended on the server; the changes stay on the phone.
    SignedOut(usize),
    /// The device store refused a write or cannot be read.
    Store(StoreProblem),
}

impl SyncStatus {
    /// After a sync or an edit: saved or waiting.
    pub fn settled(waiting: usize) -> SyncStatus {
        if waiting == 0 { SyncStatus::AllSaved } else { SyncStatus::Waiting(waiting) }
    }

    pub fn message(self, lang: Lang) -> String {
        let count = |key, n: usize| fill(text(lang, key), &[("count", &n.to_string())]);
        match self {
            SyncStatus::Opening => text(lang, Key::StudioOpening).to_string(),
            SyncStatus::AllSaved => text(lang, Key::SyncAllSaved).to_string(),
            SyncStatus::Saving => text(lang, Key::SyncSaving).to_string(),
            SyncStatus::Waiting(n) => count(Key::SyncWaiting, n),
            SyncStatus::Sending(n) => count(Key::SyncSending, n),
            // With nothing waiting, "changes waiting: 0" would only worry her.
            SyncStatus::Offline(0) => text(lang, Key::SyncOfflineAllSaved).to_string(),
            SyncStatus::Offline(n) => count(Key::SyncOffline, n),
            SyncStatus::Retrying(0) => text(lang, Key::SyncRetryingAllSaved).to_string(),
            SyncStatus::Retrying(n) => count(Key::SyncRetrying, n),
            SyncStatus::PhotosRefused(n) => count(Key::SyncPhotosRefused, n),
            SyncStatus::NeedsReload(_) => text(lang, Key::SyncNeedsReload).to_string(),
            SyncStatus::SignedOut(n) => count(Key::SyncSignedOut, n),
            SyncStatus::Store(problem) => text(lang, store_problem_key(problem)).to_string(),
        }
    }

    /// How it looks: calm, waiting, or needing the person.
    pub fn tone(self) -> &'static str {
        match self {
            SyncStatus::AllSaved => "ok",
            SyncStatus::Opening
            | SyncStatus::Saving
            | SyncStatus::Waiting(_)
            | SyncStatus::Sending(_)
            | SyncStatus::Offline(_) => "waiting",
            SyncStatus::Retrying(_)
            | SyncStatus::PhotosRefused(_)
            | SyncStatus::NeedsReload(_)
            | SyncStatus::SignedOut(_)
            | SyncStatus::Store(_) => "problem",
        }
    }
}

fn store_problem_key(problem: StoreProblem) -> Key {
    match problem {
        StoreProblem::Full => Key::SyncStorageFull,
        StoreProblem::Unavailable => Key::SyncStorageUnavailable,
        StoreProblem::Unreadable => Key::SyncUnreadable,
        StoreProblem::Removed => Key::SyncRemoved,
    }
}

/// Why the server refused an edit, in the person's words; `kept` when it was
/// a copy sent back to a restored server, which the phone keeps.
pub fn refusal_message(lang: Lang, code: RejectCode, kept: bool) -> String {
    if code == RejectCode::Taken {
        return text(lang, Key::FieldSlugTaken).to_string();
    }
    let reason = match code {
        RejectCode::NotOwner
        | RejectCode::WrongKind
        | RejectCode::ServerField
        | RejectCode::IdReused
        | RejectCode::KindNotAllowed => Key::SyncRefusedNotAllowed,
        RejectCode::ClockAhead => Key::SyncRefusedClock,
        RejectCode::RecordTooLarge => Key::SyncRefusedRecordTooLarge,
        RejectCode::OwnerFull => Key::SyncRefusedOwnerFull,
        _ => Key::SyncRefusedInvalid,
    };
    let line = if kept { Key::SyncRefusedKept } else { Key::SyncRefused };
    fill(text(lang, line), &[("reason", text(lang, reason))])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_in_every_language() {
        let all = [
            SyncStatus::Opening,
            SyncStatus::AllSaved,
            SyncStatus::Saving,
            SyncStatus::Waiting(3),
            SyncStatus::Sending(3),
            SyncStatus::Offline(3),
            SyncStatus::Retrying(3),
            SyncStatus::PhotosRefused(3),
            SyncStatus::NeedsReload(3),
            SyncStatus::SignedOut(3),
            SyncStatus::Store(StoreProblem::Full),
            SyncStatus::Store(StoreProblem::Unavailable),
            SyncStatus::Store(StoreProblem::Unreadable),
            SyncStatus::Store(StoreProblem::Removed),
        ];
        for lang in Lang::ALL {
            for status in all {
                let message = status.message(lang);
                assert!(!message.contains('{'), "{lang:?} {status:?}: {message}");
            }
            assert!(SyncStatus::Waiting(3).message(lang).contains('3'));
            assert!(SyncStatus::Offline(12).message(lang).contains("12"));
            assert_eq!(SyncStatus::Offline(0).message(lang), text(lang, Key::SyncOfflineAllSaved));
            assert!(!SyncStatus::Offline(0).message(lang).contains('0'), "{lang:?}");
            assert!(!SyncStatus::Retrying(0).message(lang).contains('0'), "{lang:?}");
            assert!(refusal_message(lang, RejectCode::NotOwner, false).len() > 10);
            assert_ne!(
                refusal_message(lang, RejectCode::NotOwner, true),
                refusal_message(lang, RejectCode::NotOwner, false)
            );
        }
        assert_eq!(SyncStatus::settled(0), SyncStatus::AllSaved);
        assert_eq!(SyncStatus::settled(2), SyncStatus::Waiting(2));
        assert_eq!(SyncStatus::Waiting(2).message(Lang::En), "Changes waiting to be sent: 2");
    }
}
