//! The device's store: the signed-in person's records, outbox, pull cursor and
//! clock (a [`Replica`]), kept whole under one key of the browser's local
//! storage, one key per person. One key makes every write all-or-nothing: a
//! closed tab or a dead battery leaves either the old store or the new one.
//!
//! Local storage is synchronous, so an edit is on the device before the page
//! says "saved". When storage is full the write fails, the edit is undone in
//! memory, and the store on the device keeps every edit queued before it.
//!
//! Two tabs share the key. Each reads it before it writes, and takes in what
//! the other wrote (the browser's `storage` event) by merging the two copies
//! ([`Replica::merge`]), so that a tab writing an older copy over a newer one
//! loses nothing: the other tab merges it back.
//!
//! The storage itself is behind [`Slot`], so these rules are tested natively.

use sawda_sync::{DeviceId, Owner, Replica};

/// Keys of people's stores start with this; the rest is the account id.
pub const KEY_PREFIX: &str = "sawda.store.v1.";

/// The local storage key of a person's store.
pub fn key_for(owner: &Owner) -> String {
    format!("{KEY_PREFIX}{owner}")
}

/// Why the store cannot be read or written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StoreProblem {
    /// The browser's storage for this site is full (`QuotaExceededError`).
    Full,
    /// Storage is switched off or broken (private mode, a blocked site).
    Unavailable,
    /// The store on the device is not one this version can read (a newer
    /// app wrote it, or it was damaged). It is left untouched.
    Unreadable,
    /// Another tab signed out and removed the store.
    Removed,
}

/// One key of the browser's local storage (or a stand-in in tests).
pub trait Slot {
    fn read(&self) -> Result<Option<String>, StoreProblem>;
    fn write(&mut self, text: &str) -> Result<(), StoreProblem>;
    fn remove(&mut self);
}

pub struct DeviceStore<S: Slot> {
    slot: S,
    replica: Replica,
    /// The text last read or written: a different text in the slot means
    /// another tab wrote.
    seen: Option<String>,
}

impl<S: Slot> DeviceStore<S> {
    /// Opens `owner`'s store, or starts one with a device id from `new_device`.
    /// A store that is there but unreadable is an error, never replaced.
    pub fn open(slot: S, owner: Owner, new_device: impl FnOnce() -> DeviceId) -> Result<Self, StoreProblem> {
        let seen = slot.read()?;
        let mut replica = match &seen {
            Some(text) => parse(text, &owner)?,
            None => Replica::new(new_device(), owner),
        };
        // Another tab may hold this store too: neither folds new edits into
        // the queued ones both hold. Written back so the other tab seals too.
        replica.seal();
        let mut store = DeviceStore { slot, replica, seen };
        // A full store can still be read; edits will say it is full.
        match store.write() {
            Ok(()) | Err(StoreProblem::Full) => Ok(store),
            Err(problem) => Err(problem),
        }
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Reads the slot and takes in another tab's writes. Returns whether
    /// anything changed.
    pub fn refresh(&mut self) -> Result<bool, StoreProblem> {
        match self.slot.read()? {
            None => Err(StoreProblem::Removed),
            Some(text) if Some(&text) == self.seen.as_ref() => Ok(false),
            Some(text) => self.merge_in(&text),
        }
    }

    /// Takes in what another tab wrote (the `storage` event's new value) and
    /// writes the merge back if that tab's copy lacked something of ours.
    /// Returns whether anything changed here.
    pub fn take_in(&mut self, written: Option<&str>) -> Result<bool, StoreProblem> {
        let Some(text) = written else {
            return Err(StoreProblem::Removed);
        };
        if Some(text) == self.seen.as_deref() {
            return Ok(false);
        }
        let changed = self.merge_in(text)?;
        self.write()?;
        Ok(changed)
    }

    fn merge_in(&mut self, text: &str) -> Result<bool, StoreProblem> {
        let theirs = parse(text, self.replica.owner())?;
        let before = self.replica.clone();
        self.replica.merge(&theirs).map_err(|_| StoreProblem::Unreadable)?;
        self.seen = Some(text.to_owned());
        Ok(self.replica != before)
    }

    /// Changes the store and writes it: after taking in other tabs' writes,
    /// and all or nothing (a failed write undoes the change in memory too).
    pub fn update<R>(&mut self, change: impl FnOnce(&mut Replica) -> R) -> Result<R, StoreProblem> {
        self.refresh()?;
        let before = self.replica.clone();
        let result = change(&mut self.replica);
        if let Err(problem) = self.write() {
            self.replica = before;
            return Err(problem);
        }
        Ok(result)
    }

    fn write(&mut self) -> Result<(), StoreProblem> {
        let text = serde_json::to_string(&self.replica).map_err(|_| StoreProblem::Unreadable)?;
        if Some(&text) != self.seen.as_ref() {
            self.slot.write(&text)?;
            self.seen = Some(text);
        }
        Ok(())
    }
}

fn parse(text: &str, owner: &Owner) -> Result<Replica, StoreProblem> {
    let replica: Replica = serde_json::from_str(text).map_err(|_| StoreProblem::Unreadable)?;
    if replica.owner() != owner {
        return Err(StoreProblem::Unreadable);
    }
    Ok(replica)
}

/// How many edits wait in a stored store's text (for a warning before it is
/// removed); `None` when it cannot be read. Reads only the queue's length, so
/// the account page does not carry the whole store's reader.
pub fn waiting_in(text: &str) -> Option<usize> {
    #[derive(serde::Deserialize)]
    struct Stored {
        outbox: Queue,
    }
    #[derive(serde::Deserialize)]
    struct Queue {
        queue: Vec<serde::de::IgnoredAny>,
    }
    serde_json::from_str::<Stored>(text).ok().map(|stored| stored.outbox.queue.len())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use sawda_sync::protocol::{MutationResult, Outcome, PushResponse};
    use sawda_sync::{Fields, Kind, Limits};
    use serde_json::json;

    use super::*;

    /// One key shared by "tabs", with a size limit like a browser's quota.
    #[derive(Clone, Default)]
    struct Memory {
        text: Rc<RefCell<Option<String>>>,
        quota: Rc<RefCell<Option<usize>>>,
    }

    impl Slot for Memory {
        fn read(&self) -> Result<Option<String>, StoreProblem> {
            Ok(self.text.borrow().clone())
        }
        fn write(&mut self, text: &str) -> Result<(), StoreProblem> {
            if self.quota.borrow().is_some_and(|quota| text.len() > quota) {
                return Err(StoreProblem::Full);
            }
            *self.text.borrow_mut() = Some(text.to_owned());
            Ok(())
        }
        fn remove(&mut self) {
            *self.text.borrow_mut() = None;
        }
    }

    fn amina() -> Owner {
        "amina01".parse().unwrap()
    }

    fn device() -> DeviceId {
        DeviceId::new(1_700_000_000_000, [1; 10])
    }

    fn name(value: &str) -> Fields {
        Fields::from([("name".to_string(), json!(value))])
    }

    fn open(slot: &Memory) -> DeviceStore<Memory> {
        DeviceStore::open(slot.clone(), amina(), device).unwrap()
    }

    #[test]
    fn an_edit_is_in_storage_when_update_returns() {
        let slot = Memory::default();
        let mut store = open(&slot);
        let id = store.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap().unwrap();
        let reopened = open(&slot);
        assert_eq!(reopened.replica().record(id).unwrap().get("name"), Some(&json!("Jam")));
        assert_eq!(reopened.replica().outbox().len(), 1);
        assert_eq!(reopened.replica().device(), device());
    }

    #[test]
    fn a_full_storage_refuses_the_edit_and_keeps_every_queued_one() {
        let slot = Memory::default();
        let mut store = open(&slot);
        let id = store.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap().unwrap();
        let stored = slot.text.borrow().clone();
        *slot.quota.borrow_mut() = stored.as_ref().map(String::len);
        let long = "x".repeat(5_000);
        let refused = store.update(|r| r.edit(id, name(&long), 20, [3; 10]));
        assert_eq!(refused.unwrap_err(), StoreProblem::Full);
        assert_eq!(*slot.text.borrow(), stored, "the stored queue is untouched");
        assert_eq!(store.replica().record(id).unwrap().get("name"), Some(&json!("Jam")), "undone in memory");
        // Room again: the next edit goes through.
        *slot.quota.borrow_mut() = None;
        store.update(|r| r.edit(id, name("Melon jam"), 30, [4; 10])).unwrap().unwrap();
        assert_eq!(open(&slot).replica().record(id).unwrap().get("name"), Some(&json!("Melon jam")));
    }

    #[test]
    fn an_unreadable_store_is_never_overwritten() {
        for text in ["{not json", r#"{"owner":"someone_else"}"#] {
            let slot = Memory::default();
            *slot.text.borrow_mut() = Some(text.to_string());
            assert_eq!(DeviceStore::open(slot.clone(), amina(), device).err(), Some(StoreProblem::Unreadable));
            assert_eq!(slot.text.borrow().as_deref(), Some(text));
        }
        // Another person's store under this key (a hand-edited one) too.
        let slot = Memory::default();
        let other = Replica::new(device(), "bahadir".parse().unwrap());
        *slot.text.borrow_mut() = Some(serde_json::to_string(&other).unwrap());
        assert_eq!(DeviceStore::open(slot.clone(), amina(), device).err(), Some(StoreProblem::Unreadable));
    }

    #[test]
    fn a_tab_writing_an_older_copy_loses_nothing() {
        let slot = Memory::default();
        let mut first = open(&slot);
        let id = first.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap().unwrap();
        let mut second = open(&slot);
        // The first tab edits and pushes; the second still has the old copy.
        first.update(|r| r.edit(id, Fields::from([("price".into(), json!(25_000))]), 20, [3; 10])).unwrap().unwrap();
        let request = first.update(|r| r.push_request(Limits::DEFAULT)).unwrap().unwrap();
        let answer = PushResponse {
            epoch: None,
            results: request.mutations.iter().map(|m| MutationResult { id: m.id, result: Outcome::Applied }).collect(),
        };
        // Before the second tab sees that, it writes its older copy over it
        // (the race a read-then-write leaves between two processes).
        let stale = serde_json::to_string(second.replica()).unwrap();
        *slot.text.borrow_mut() = Some(stale.clone());
        // The first tab hears of it and merges its own copy back in.
        assert!(!first.take_in(Some(&stale)).unwrap());
        first.update(|r| r.receive_push(&answer)).unwrap();
        assert!(second.refresh().unwrap());
        for tab in [&first, &second] {
            assert_eq!(tab.replica().record(id).unwrap().get("price"), Some(&json!(25_000)));
        }
        assert!(first.replica().outbox().is_empty());
        assert_eq!(open(&slot).replica().record(id).unwrap().get("price"), Some(&json!(25_000)));
    }

    #[test]
    fn a_store_removed_by_another_tab_is_not_written_again() {
        let slot = Memory::default();
        let mut first = open(&slot);
        let _second = open(&slot);
        // Another tab signs out: the store leaves the device.
        slot.clone().remove();
        assert_eq!(first.take_in(None).unwrap_err(), StoreProblem::Removed);
        let edit = first.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10]));
        assert_eq!(edit.unwrap_err(), StoreProblem::Removed);
        assert!(slot.text.borrow().is_none());
    }

    #[test]
    fn waiting_edits_are_counted_from_the_stored_text() {
        let slot = Memory::default();
        let mut store = open(&slot);
        store.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap().unwrap();
        assert_eq!(waiting_in(slot.text.borrow().as_deref().unwrap()), Some(1));
        assert_eq!(waiting_in("nonsense"), None);
        assert_eq!(key_for(&amina()), "sawda.store.v1.amina01");
    }
}
