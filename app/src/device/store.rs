//! The device's store: the signed-in person's records, outbox, pull cursor and
//! clock (a [`Replica`]), kept in the browser's IndexedDB as rows (one per
//! record, one per server copy, the outbox, and a head with the clock, the
//! cursor and a revision number), so that an edit writes only the rows it
//! changed. The rows and their keys are made here; `indexed_db` only moves
//! them, so these rules are tested natively.
//!
//! An edit changes the replica in memory at once (the page shows it), and is
//! *saved* when the transaction that writes its rows completes; until then
//! the studio says it is being saved. Writes go one at a time. A write whose
//! transaction fails (storage full) leaves the rows on the device as they
//! were, and the replica goes back to them.
//!
//! Room is kept for sync: a row of [`HEADROOM_BYTES`] that nothing reads.
//! When a write fails because the storage is full, that row is removed and
//! new edits are refused until there is room for it again, so that taking in
//! the answer to a push or a pulled page still fits, and sync drains the
//! queue on a full phone.
//!
//! Tabs share the rows. Every write names the revision it was made from; one
//! made from an older revision than the device holds (another tab wrote
//! meanwhile) is not written: the tab takes the other's copy in first
//! ([`Replica::merge`]) and writes the merge.

use std::collections::BTreeMap;

use sawda_sync::outbox::Outbox;
use sawda_sync::{DeviceId, Head, Owner, Record, RecordId, Replica};
use serde::{Deserialize, Serialize};

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

/// The object stores of the device's database.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Table {
    /// One head per person: [`Stored`].
    Heads,
    Records,
    /// The server's copy, as last known, of records with queued edits.
    ServerCopies,
    /// One outbox per person.
    Outboxes,
    /// The account remembered on this phone (key [`ACCOUNT_KEY`]), kept here
    /// as well as in local storage, whose writes reach the disk seconds late.
    Device,
}

/// The key of the remembered account in [`Table::Device`].
pub const ACCOUNT_KEY: &str = "account";

/// The key of the room kept for sync in [`Table::Device`].
pub const HEADROOM_KEY: &str = "headroom";

/// Room kept for sync's own writes: more than a pulled page and the answer
/// to a push take in.
pub const HEADROOM_BYTES: usize = 512 * 1024;
// A pulled page is bounded by the server (`sawda_sync::limits`) to fit.
const _: () = assert!(HEADROOM_BYTES > sawda_sync::limits::MAX_PULL_BYTES);

/// The row that keeps the room: text that the browser's storage cannot
/// compress (it compresses repeated bytes), so it takes its whole size.
pub fn headroom() -> String {
    const DIGITS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // xorshift64: a fixed sequence is enough, nothing depends on its values.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..HEADROOM_BYTES)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            DIGITS[(state >> 58) as usize] as char
        })
        .collect()
}

/// Whether the room kept for sync is on the device.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Room {
    Kept,
    /// Given up to a full storage: sync writes in it, new edits wait.
    GivenUp,
}

impl Table {
    /// The tables of a person's store.
    pub const ALL: [Table; 4] = [Table::Heads, Table::Records, Table::ServerCopies, Table::Outboxes];

    pub fn name(self) -> &'static str {
        match self {
            Table::Heads => "heads",
            Table::Records => "records",
            Table::ServerCopies => "server_copies",
            Table::Outboxes => "outboxes",
            Table::Device => "device",
        }
    }
}

/// A person's head row: the replica's head and the store's revision.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stored {
    pub revision: u64,
    pub head: Head,
}

/// The key of a person's row in `Heads` and `Outboxes`.
pub fn person_key(owner: &Owner) -> String {
    owner.to_string()
}

/// The key of a record's row: the person's, then the record's, so that one
/// key range holds all of a person's rows ([`person_range`]).
pub fn record_key(owner: &Owner, record: RecordId) -> String {
    format!("{owner}/{record}")
}

/// The bounds (inclusive, exclusive) of a person's record keys: `/` is
/// followed by `0` in every collation IndexedDB uses (code units).
pub fn person_range(owner: &Owner) -> (String, String) {
    (format!("{owner}/"), format!("{owner}0"))
}

/// One row to write or delete.
#[derive(Clone, PartialEq, Debug)]
pub enum RowChange {
    Put { table: Table, key: String, value: String },
    Delete { table: Table, key: String },
}

/// The rows read back for one person.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Rows {
    pub head: Option<String>,
    pub records: Vec<String>,
    pub server_copies: Vec<String>,
    pub outbox: Option<String>,
}

/// The replica in `rows` with its revision; `None` when the person has no
/// store on this device. Rows that cannot be read make the whole unreadable
/// (never half a store).
pub fn read_rows(rows: &Rows, owner: &Owner) -> Result<Option<(Replica, u64)>, StoreProblem> {
    let Some(head) = &rows.head else {
        return Ok(None);
    };
    let stored: Stored = serde_json::from_str(head).map_err(|_| StoreProblem::Unreadable)?;
    if stored.head.owner != *owner {
        return Err(StoreProblem::Unreadable);
    }
    let parse_all = |texts: &[String]| -> Result<Vec<Record>, StoreProblem> {
        texts.iter().map(|t| serde_json::from_str(t).map_err(|_| StoreProblem::Unreadable)).collect()
    };
    let outbox: Outbox = match &rows.outbox {
        Some(text) => serde_json::from_str(text).map_err(|_| StoreProblem::Unreadable)?,
        None => Outbox::new(),
    };
    let replica = Replica::from_parts(stored.head, parse_all(&rows.records)?, parse_all(&rows.server_copies)?, outbox)
        .map_err(|_| StoreProblem::Unreadable)?;
    Ok(Some((replica, stored.revision)))
}

/// The rows that turn `old` (`None`: nothing on the device) into `new`, at
/// `revision`: the head always, and only the records, server copies and
/// outbox that differ.
pub fn changes(old: Option<&Replica>, new: &Replica, revision: u64) -> Vec<RowChange> {
    let owner = new.owner();
    let mut out = vec![RowChange::Put {
        table: Table::Heads,
        key: person_key(owner),
        value: json(&Stored { revision, head: new.head() }),
    }];
    let no_records = std::iter::empty::<&Record>;
    match old {
        Some(old) => {
            record_rows(Table::Records, owner, old.records(), new.records(), &mut out);
            record_rows(Table::ServerCopies, owner, old.server_copies(), new.server_copies(), &mut out);
        }
        None => {
            record_rows(Table::Records, owner, no_records(), new.records(), &mut out);
            record_rows(Table::ServerCopies, owner, no_records(), new.server_copies(), &mut out);
        }
    }
    if old.is_none_or(|old| old.outbox() != new.outbox()) {
        out.push(RowChange::Put { table: Table::Outboxes, key: person_key(owner), value: json(new.outbox()) });
    }
    out
}

fn record_rows<'a>(
    table: Table,
    owner: &Owner,
    old: impl Iterator<Item = &'a Record>,
    new: impl Iterator<Item = &'a Record>,
    out: &mut Vec<RowChange>,
) {
    let mut old: BTreeMap<RecordId, &Record> = old.map(|r| (r.id(), r)).collect();
    for record in new {
        if old.remove(&record.id()) != Some(record) {
            out.push(RowChange::Put { table, key: record_key(owner, record.id()), value: json(record) });
        }
    }
    for id in old.keys() {
        out.push(RowChange::Delete { table, key: record_key(owner, *id) });
    }
}

/// Stored rows are made only of types whose JSON cannot fail (no maps with
/// keys other than strings).
fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("a stored row serialises")
}

/// Every row of a replica as they would be read back.
pub fn rows_of(replica: &Replica, revision: u64) -> Rows {
    let mut rows = Rows::default();
    for change in changes(None, replica, revision) {
        if let RowChange::Put { table, value, .. } = change {
            match table {
                Table::Heads => rows.head = Some(value),
                Table::Records => rows.records.push(value),
                Table::ServerCopies => rows.server_copies.push(value),
                Table::Outboxes => rows.outbox = Some(value),
                Table::Device => {}
            }
        }
    }
    rows
}

/// A write to make: the rows, the revision it was made from and the one it
/// makes, and the replica it stores.
#[derive(Clone, Debug)]
pub struct Write {
    pub from: Option<u64>,
    pub revision: u64,
    pub changes: Vec<RowChange>,
    stored: Replica,
}

/// This tab's replica and what the device holds of it.
pub struct DeviceStore {
    replica: Replica,
    /// The replica as the device's storage holds it (last read or written),
    /// with its revision; `None`: nothing stored yet.
    on_disk: Option<(Replica, u64)>,
    room: Room,
}

impl DeviceStore {
    /// The store of `owner` as read from the device (`None`: a new one, with
    /// a device id from `new_device`). The clock moves past the stored stamp
    /// ([`Replica::opened`]) and queued edits are sealed: another tab may
    /// hold the same queue.
    pub fn open(
        owner: Owner,
        stored: Option<(Replica, u64)>,
        now_ms: u64,
        new_device: impl FnOnce() -> DeviceId,
    ) -> Self {
        let mut replica = match &stored {
            Some((replica, _)) => replica.clone(),
            None => Replica::new(new_device(), owner),
        };
        replica.opened(now_ms);
        replica.seal();
        DeviceStore { replica, on_disk: stored, room: Room::Kept }
    }

    /// Whether a new edit can be saved: not while the room kept for sync is given up.
    pub fn takes_edits(&self) -> bool {
        self.room == Room::Kept
    }

    /// The room kept for sync is on the device (again).
    pub fn room_kept(&mut self) {
        self.room = Room::Kept;
    }

    pub fn room(&self) -> Room {
        self.room
    }

    pub fn replica(&self) -> &Replica {
        &self.replica
    }

    /// Changes the replica in memory; [`DeviceStore::write`] says what to store.
    pub fn update<R>(&mut self, change: impl FnOnce(&mut Replica) -> R) -> R {
        change(&mut self.replica)
    }

    /// Whether something changed here is not yet stored.
    pub fn unsaved(&self) -> bool {
        self.on_disk.as_ref().is_none_or(|(stored, _)| *stored != self.replica)
    }

    /// The write that stores what changed, if anything did.
    pub fn write(&self) -> Option<Write> {
        if !self.unsaved() {
            return None;
        }
        let from = self.on_disk.as_ref().map(|(_, revision)| *revision);
        let revision = from.map_or(1, |r| r + 1);
        Some(Write {
            from,
            revision,
            changes: changes(self.on_disk.as_ref().map(|(r, _)| r), &self.replica, revision),
            stored: self.replica.clone(),
        })
    }

    /// The write's transaction completed: what it wrote is on the device.
    pub fn written(&mut self, write: Write) {
        self.on_disk = Some((write.stored, write.revision));
    }

    /// The write's transaction failed: the replica goes back to what the
    /// device holds (the edits since are not saved; the page says why).
    /// Storage full: the room kept for sync is given up, and returns true
    /// the first time (the caller removes the row).
    pub fn failed(&mut self, problem: StoreProblem) -> bool {
        if let Some((stored, _)) = &self.on_disk {
            self.replica = stored.clone();
        }
        let give_up = problem == StoreProblem::Full && self.room == Room::Kept;
        if give_up {
            self.room = Room::GivenUp;
        }
        give_up
    }

    /// Another tab stored `theirs` at `revision`: taken in (merged with what
    /// is here, so neither tab's edits are lost). Returns whether the replica
    /// changed; the merge is written by the next [`DeviceStore::write`].
    pub fn take_in(&mut self, theirs: Replica, revision: u64) -> Result<bool, StoreProblem> {
        if self.on_disk.as_ref().is_some_and(|(_, mine)| *mine >= revision) {
            return Ok(false);
        }
        let before = self.replica.clone();
        self.replica.merge(&theirs).map_err(|_| StoreProblem::Unreadable)?;
        self.on_disk = Some((theirs, revision));
        Ok(self.replica != before)
    }
}

/// Every photo hash (64 lowercase hex digits, as `rules::photos` names
/// photos) written anywhere in `text`: a stored row of any kind, so that a
/// photo a queued or refused edit, or a server copy, points at counts too.
pub fn photos_named_in(text: &str, found: &mut std::collections::BTreeSet<String>) {
    let bytes = text.as_bytes();
    let hex = |b: &u8| b.is_ascii_digit() || (b'a'..=b'f').contains(b);
    let mut start = 0;
    while start < bytes.len() {
        let run = bytes[start..].iter().take_while(|b| hex(b)).count();
        if run == 64 {
            found.insert(text[start..start + 64].to_owned());
        }
        start += run.max(1);
    }
}

#[cfg(test)]
mod tests {
    use sawda_sync::protocol::{MutationResult, Outcome, PushResponse};
    use sawda_sync::{Fields, Kind, Limits};
    use serde_json::json;

    use super::*;

    /// The device's rows, as IndexedDB would keep them.
    #[derive(Clone, Default)]
    struct Disk {
        tables: std::collections::BTreeMap<(&'static str, String), String>,
    }

    impl Disk {
        fn apply(&mut self, write: &Write) {
            for change in &write.changes {
                match change {
                    RowChange::Put { table, key, value } => {
                        self.tables.insert((table.name(), key.clone()), value.clone());
                    }
                    RowChange::Delete { table, key } => {
                        self.tables.remove(&(table.name(), key.clone()));
                    }
                }
            }
        }

        fn rows(&self, owner: &Owner) -> Rows {
            let (from, to) = person_range(owner);
            let in_range = |table: Table| -> Vec<String> {
                self.tables
                    .iter()
                    .filter(|((t, k), _)| *t == table.name() && *k >= from && *k < to)
                    .map(|(_, v)| v.clone())
                    .collect()
            };
            Rows {
                head: self.tables.get(&(Table::Heads.name(), person_key(owner))).cloned(),
                records: in_range(Table::Records),
                server_copies: in_range(Table::ServerCopies),
                outbox: self.tables.get(&(Table::Outboxes.name(), person_key(owner))).cloned(),
            }
        }

        fn open(&self, owner: &Owner) -> DeviceStore {
            let stored = read_rows(&self.rows(owner), owner).unwrap();
            DeviceStore::open(owner.clone(), stored, 100, device)
        }

        /// Writes like a tab does: a write made from an older revision
        /// than the device holds is refused; the tab takes in and writes again.
        fn save(&mut self, store: &mut DeviceStore) {
            let owner = store.replica().owner().clone();
            loop {
                let Some(write) = store.write() else { return };
                let on_disk = read_rows(&self.rows(&owner), &owner).unwrap();
                if on_disk.as_ref().map(|(_, r)| *r) != write.from {
                    let (theirs, revision) = on_disk.unwrap();
                    store.take_in(theirs, revision).unwrap();
                    continue;
                }
                self.apply(&write);
                store.written(write);
                return;
            }
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

    #[test]
    fn an_edit_writes_only_its_rows() {
        let mut disk = Disk::default();
        let mut store = disk.open(&amina());
        let jam = store.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap();
        let _honey = store.update(|r| r.create(Kind::Product, name("Honey"), 11, [3; 10])).unwrap();
        disk.save(&mut store);
        assert!(!store.unsaved());
        let reopened = disk.open(&amina());
        assert_eq!(reopened.replica().record(jam).unwrap().get("name"), Some(&json!("Jam")));
        assert_eq!(reopened.replica().outbox().len(), 2);
        assert_eq!(reopened.replica().device(), device());
        // One more edit: its record, the outbox and the head; not the other record.
        store.update(|r| r.edit(jam, name("Melon jam"), 20, [4; 10])).unwrap();
        let write = store.write().unwrap();
        let tables: Vec<(&str, &str)> = write
            .changes
            .iter()
            .map(|c| match c {
                RowChange::Put { table, key, .. } => (table.name(), key.as_str()),
                RowChange::Delete { table, key } => (table.name(), key.as_str()),
            })
            .collect();
        let jam_key = record_key(&amina(), jam);
        assert_eq!(tables, [("heads", "amina01"), ("records", jam_key.as_str()), ("outboxes", "amina01")]);
    }

    #[test]
    fn a_failed_write_leaves_the_device_and_the_replica_as_stored() {
        let mut disk = Disk::default();
        let mut store = disk.open(&amina());
        let jam = store.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap();
        disk.save(&mut store);
        let before = disk.tables.clone();
        store.update(|r| r.edit(jam, name(&"x".repeat(5_000)), 20, [3; 10])).unwrap();
        let _refused = store.write().unwrap();
        assert!(store.failed(StoreProblem::Full), "the room kept for sync is given up");
        assert_eq!(disk.tables, before, "the stored queue is untouched");
        assert_eq!(store.replica().record(jam).unwrap().get("name"), Some(&json!("Jam")), "undone in memory");
        assert!(!store.takes_edits());
        // Sync still writes in the room: the push of the queue is acknowledged.
        let request = store.update(|r| r.push_request(Limits::DEFAULT)).unwrap();
        let answer = PushResponse {
            epoch: None,
            results: request.mutations.iter().map(|m| MutationResult { id: m.id, result: Outcome::Applied }).collect(),
        };
        store.update(|r| r.receive_push(&answer));
        disk.save(&mut store);
        assert_eq!(disk.open(&amina()).replica().outbox().len(), 0);
        // Failing again gives nothing more up.
        assert!(!store.failed(StoreProblem::Full));
        // Room again: the next edit goes through.
        store.room_kept();
        assert!(store.takes_edits());
        store.update(|r| r.edit(jam, name("Melon jam"), 30, [4; 10])).unwrap();
        disk.save(&mut store);
        assert_eq!(disk.open(&amina()).replica().record(jam).unwrap().get("name"), Some(&json!("Melon jam")));
    }

    #[test]
    fn unreadable_rows_are_never_half_read() {
        let mut disk = Disk::default();
        let mut store = disk.open(&amina());
        store.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap();
        disk.save(&mut store);
        let good = disk.rows(&amina());
        let broken = |f: &dyn Fn(&mut Rows)| {
            let mut rows = good.clone();
            f(&mut rows);
            read_rows(&rows, &amina())
        };
        assert_eq!(broken(&|r| r.head = Some("{not json".into())), Err(StoreProblem::Unreadable));
        assert_eq!(broken(&|r| r.records[0] = "[]".into()), Err(StoreProblem::Unreadable));
        assert_eq!(broken(&|r| r.outbox = Some("7".into())), Err(StoreProblem::Unreadable));
        // Another person's rows under her key (a hand-edited store).
        assert_eq!(read_rows(&good, &"bahadir".parse().unwrap()), Err(StoreProblem::Unreadable));
        let mut theirs = rows_of(&Replica::new(device(), "bahadir".parse().unwrap()), 1);
        theirs.records = good.records.clone();
        assert_eq!(read_rows(&theirs, &"bahadir".parse().unwrap()), Err(StoreProblem::Unreadable));
        assert_eq!(read_rows(&Rows::default(), &amina()), Ok(None));
    }

    #[test]
    fn a_tab_writing_from_an_older_revision_loses_nothing() {
        let mut disk = Disk::default();
        let mut first = disk.open(&amina());
        let id = first.update(|r| r.create(Kind::Product, name("Jam"), 10, [2; 10])).unwrap();
        disk.save(&mut first);
        let mut second = disk.open(&amina());
        // The first tab edits and pushes; the second, on the older copy, edits too.
        first.update(|r| r.edit(id, Fields::from([("price".into(), json!(25_000))]), 20, [3; 10])).unwrap();
        let request = first.update(|r| r.push_request(Limits::DEFAULT)).unwrap();
        disk.save(&mut first);
        second.update(|r| r.edit(id, Fields::from([("story".into(), json!("Apricots"))]), 30, [4; 10])).unwrap();
        disk.save(&mut second);
        let answer = PushResponse {
            epoch: None,
            results: request.mutations.iter().map(|m| MutationResult { id: m.id, result: Outcome::Applied }).collect(),
        };
        first.update(|r| r.receive_push(&answer));
        disk.save(&mut first);
        let stored = disk.open(&amina());
        let record = stored.replica().record(id).unwrap();
        assert_eq!((record.get("price"), record.get("story")), (Some(&json!(25_000)), Some(&json!("Apricots"))));
        // The story still waits; the pushed edit does not. (The other tab's
        // copy of the create, which this tab had folded the price into, goes
        // again: its older stamp loses to what the server has.)
        let queued: Vec<&Fields> = stored
            .replica()
            .outbox()
            .iter()
            .filter_map(|m| match &m.action {
                sawda_sync::Action::Set(fields) => Some(fields),
                sawda_sync::Action::Delete => None,
            })
            .collect();
        assert!(queued.iter().any(|f| f.contains_key("story")));
        assert!(queued.iter().all(|f| !f.contains_key("price")));
    }

    #[test]
    fn the_room_kept_for_sync_takes_its_whole_size() {
        let room = headroom();
        assert_eq!(room.len(), HEADROOM_BYTES);
        // No stretch repeats within a compressor's window.
        let bytes = room.as_bytes();
        let repeats = (0..bytes.len() - 16)
            .step_by(997)
            .filter(|&i| {
                let near = &bytes[i + 1..(i + 1 + 8_192).min(bytes.len())];
                near.windows(16).any(|w| w == &bytes[i..i + 16])
            })
            .count();
        assert_eq!(repeats, 0);
        let distinct: std::collections::BTreeSet<u8> = bytes.iter().copied().collect();
        assert_eq!(distinct.len(), 64);
        // Another tab makes the same row.
        assert_eq!(headroom(), room);
    }

    #[test]
    fn photos_are_found_in_any_row() {
        let hash = "ab".repeat(32);
        let other = "0f".repeat(32);
        let mut found = std::collections::BTreeSet::new();
        // A longer run of hex digits is no photo's name.
        let row = format!(r#"{{"set":{{"photos":["{hash}","{other}"]}},"x":"{}"}}"#, "a".repeat(65));
        photos_named_in(&row, &mut found);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), [other, hash]);
    }
}
