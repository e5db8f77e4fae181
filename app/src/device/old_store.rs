//! The move-in of the previous release's store. That release kept each
//! person's store in local storage, as one JSON text under [`key_for`]; this
//! one keeps it as rows in IndexedDB. An old store is moved in when its
//! person's store is first opened here, and counts until then: her changes
//! and photos waiting when she signs out, the photos no store names any more.
//! All of it is in this file, so that it leaves in one step once no phone
//! keeps such a store.

use sawda_sync::{Owner, Replica};

#[cfg(feature = "hydrate")]
pub use in_browser::{forget, move_in, photos_named, photos_named_by, stored};

/// What the local storage keys of the previous release's stores begin with.
const KEY_PREFIX: &str = "sawda.store.v1.";

/// The local storage key a store of the previous release was kept under.
pub fn key_for(owner: &Owner) -> String {
    format!("{KEY_PREFIX}{owner}")
}

/// A store of the previous release (local storage text) to move in; `None`
/// when it cannot be read or is another person's.
pub fn read(text: &str, owner: &Owner) -> Option<Replica> {
    serde_json::from_str::<Replica>(text).ok().filter(|r| r.owner() == owner)
}

#[cfg(feature = "hydrate")]
mod in_browser {
    use std::collections::BTreeSet;

    use sawda_sync::{Owner, Replica};
    use wasm_bindgen::JsValue;
    use web_sys::IdbDatabase;

    use super::{KEY_PREFIX, key_for, read};
    use crate::device::indexed_db::{self, code, uncode, write_lock};
    use crate::device::local_storage;
    use crate::device::locks;
    use crate::device::store::{StoreProblem, changes, photos_named_in};

    /// Her old store's text, if local storage holds one.
    fn text(owner: &Owner) -> Option<String> {
        local_storage::get(&key_for(owner))
    }

    /// Her store of the previous release, not moved in yet.
    pub fn stored(owner: &Owner) -> Option<Replica> {
        text(owner).and_then(|text| read(&text, owner))
    }

    /// Stores of the previous release still in local storage, not moved in yet.
    fn texts() -> Vec<String> {
        local_storage::keys()
            .into_iter()
            .filter(|key| key.starts_with(KEY_PREFIX))
            .filter_map(|key| local_storage::get(&key))
            .collect()
    }

    /// Adds to `found` the photos her old store names.
    pub fn photos_named_by(owner: &Owner, found: &mut BTreeSet<String>) {
        if let Some(text) = text(owner) {
            photos_named_in(&text, found);
        }
    }

    /// Adds to `found` the photos every old store on this phone names.
    pub fn photos_named(found: &mut BTreeSet<String>) {
        for text in texts() {
            photos_named_in(&text, found);
        }
    }

    /// Signing out of a shared phone: her old store leaves the device too.
    pub fn forget(owner: &Owner) {
        local_storage::remove(&key_for(owner));
    }

    /// Before her store is opened: her old store, if there is one, is moved
    /// in, and deleted from local storage only once moved and verified.
    pub async fn move_in(db: &IdbDatabase, owner: &Owner) -> Result<(), StoreProblem> {
        let Some(text) = text(owner) else { return Ok(()) };
        let Some(old) = read(&text, owner) else {
            return Err(StoreProblem::Unreadable);
        };
        move_rows(db, &old).await?;
        if local_storage::remove(&key_for(owner)) { Ok(()) } else { Err(StoreProblem::Unavailable) }
    }

    /// Writes an old store as rows, reads them back and compares, and only
    /// then may the caller delete the old copy. Interrupted, it is simply done
    /// again (rows are written whole or not at all); moved before but the old
    /// copy still there, the two are merged.
    async fn move_rows(db: &IdbDatabase, old: &Replica) -> Result<(), StoreProblem> {
        let lock = write_lock(old.owner());
        let (db, old) = (db.clone(), old.clone());
        let work = async move {
            let owner = old.owner().clone();
            let (before, merged, revision) = match indexed_db::load(&db, &owner).await.map_err(code)? {
                Some((here, revision)) => {
                    let mut merged = here.clone();
                    merged.merge(&old).map_err(|_| code(StoreProblem::Unreadable))?;
                    (Some(here), merged, revision + 1)
                }
                None => (None, old, 1),
            };
            indexed_db::put(&db, &changes(before.as_ref(), &merged, revision)).await.map_err(code)?;
            let back = indexed_db::load(&db, &owner).await.map_err(code)?;
            if back != Some((merged, revision)) {
                return Err(code(StoreProblem::Unreadable));
            }
            Ok(JsValue::TRUE)
        };
        match locks::hold(&lock, false, work).await {
            Some(Ok(_)) | None => Ok(()),
            Some(Err(error)) => Err(uncode(&error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use sawda_sync::{DeviceId, Fields, Kind};
    use serde_json::json;

    use super::*;
    use crate::device::store::{read_rows, rows_of};

    fn amina() -> Owner {
        "amina01".parse().unwrap()
    }

    #[test]
    fn an_old_store_is_read_for_the_move() {
        let mut replica = Replica::new(DeviceId::new(1_700_000_000_000, [1; 10]), amina());
        replica.create(Kind::Product, Fields::from([("name".to_string(), json!("Jam"))]), 10, [2; 10]).unwrap();
        let text = serde_json::to_string(&replica).unwrap();
        assert_eq!(read(&text, &amina()), Some(replica.clone()));
        assert_eq!(read(&text, &"bahadir".parse().unwrap()), None);
        assert_eq!(read("nonsense", &amina()), None);
        assert_eq!(key_for(&amina()), "sawda.store.v1.amina01");
        // Moved: the rows read back are the store.
        let rows = rows_of(&replica, 1);
        assert_eq!(read_rows(&rows, &amina()), Ok(Some((replica, 1))));
    }
}
