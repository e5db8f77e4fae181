//! Several phones and one server over a bad network.
//!
//! 2–4 devices of two users edit, create and delete records (shared between a
//! user's phones, and their own) while offline. Every push request, push
//! response, pull request and pull response may be dropped, duplicated,
//! delayed and reordered; the server is restarted (its state written to JSON
//! and read back), restored from a backup made earlier (a new epoch) and
//! phones reloaded at random points; a coordinator decides server fields; an intruder sends
//! edits of other people's records, and pushes for another account; the
//! server's rules refuse some honest fields the phone does not check (a price
//! that is not a number, a storefront address another storefront holds).
//! The server is the shipped push core ([`sawda_sync::server::plan_push`]
//! through [`ServerState`], the in-memory server). Then the network heals and every device syncs
//! until quiet, and:
//!
//! - every device holds exactly the server's records of its user;
//! - the latest edit of every field by every device is still there, as the
//!   current value or in history (a device's own older values are replaced
//!   by its newer ones: it saw them), or, refused, in that device's refused
//!   list with what she typed; the newest deletion of each record is its
//!   tombstone;
//! - each field's current value on the server is the newest edit of it that
//!   was not refused (the value with the greatest stamp it was sent with);
//! - no edit is ever re-stamped with a value its device has seen replaced
//!   (checked at every edit);
//! - no mutation was applied twice, no intruder's edit was applied, every
//!   coordinator decision stands (those made after the backup a restore went
//!   back to are gone with it: the phones then show the restored server's);
//! - every order request the server acknowledged to a buyer (made by the
//!   server among the steps, logged apart from it) is on the server with what
//!   the buyer sent, and so on her phones; unless a restore went back to a
//!   backup without it while none of her phones held it (then nothing holds
//!   it: it is lost with the server's data, as `docs/sync.md` says).
//!
//! A phone may also have a second tab open on the same store. Each tab reads
//! the store before it edits; the other tab's copy may still be older and be
//! written over the newer one (a sync result written by a tab that had not
//! seen the latest edit); the tabs then merge the two copies
//! (`Replica::merge`), as the app does on the browser's storage event. Not
//! modelled: both tabs editing within the few milliseconds a write takes to
//! reach the other tab (docs/sync.md).
//!
//! On failure proptest prints the smallest failing list of steps and its seed.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use sawda_sync::protocol::{Epoch, MAX_PULL_LIMIT};
use sawda_sync::server::Rules;
use sawda_sync::server::memory::ServerState;
use sawda_sync::{
    Action, DeviceId, Fields, Kind, Limits, Mutation, MutationId, Outcome, Owner, PROTOCOL_VERSION, PullRequest,
    PullResponse, PushRequest, PushResponse, Record, RecordId, RejectCode, Rejection, Replica, Stamp, SyncError,
};
use serde_json::{Value, json};

const FIELDS: [&str; 4] = ["name", "price", "story", "slug"];
/// What her phones write of an order request.
const ORDER_FIELDS: [&str; 2] = ["status", "note"];

/// Rules of the app's shape, which the phones do not check: a storefront's
/// `slug` is unique and its id is its owner's; a `price` is a number.
struct SimRules;

impl Rules for SimRules {
    fn check_field(&self, _: &Owner, _: Kind, name: &str, value: &Value) -> Result<(), Rejection> {
        match name {
            "price" if !value.is_number() => Err(Rejection::new(RejectCode::InvalidValue, "a price is a number")),
            _ => Ok(()),
        }
    }
    fn unique_field(&self, kind: Kind) -> Option<&'static str> {
        (kind == Kind::Storefront).then_some("slug")
    }
    fn fixed_id(&self, kind: Kind, owner: &Owner) -> Option<RecordId> {
        (kind == Kind::Storefront).then(|| storefront_of(owner))
    }
    fn writable(&self, kind: Kind) -> bool {
        matches!(kind, Kind::Storefront | Kind::Product | Kind::OrderRequest)
    }
    /// What the buyer sent, given back after a restore: a name and a contact,
    /// both text; a new request has both.
    fn check_given_back(&self, _: &Owner, _: Kind, fields: &Fields, making: bool) -> Result<(), Rejection> {
        for name in ["buyer_name", "buyer_contact"] {
            match fields.get(name) {
                Some(value) if !value.is_string() => {
                    return Err(Rejection::new(RejectCode::InvalidValue, format!("{name}: text")));
                }
                None if making => return Err(Rejection::new(RejectCode::InvalidValue, format!("{name}: missing"))),
                _ => {}
            }
        }
        Ok(())
    }
}

fn storefront_of(owner: &Owner) -> RecordId {
    RecordId::new(0, [owner.as_str().len() as u8; 10])
}

#[derive(Clone, Copy, Debug)]
enum Fate {
    Deliver,
    Drop,
    Duplicate,
}

#[derive(Clone, Debug)]
enum Step {
    Create {
        device: usize,
        storefront: bool,
    },
    /// Sets the fields picked by the bits of `fields` (never none).
    Edit {
        device: usize,
        record: usize,
        fields: u8,
    },
    Delete {
        device: usize,
        record: usize,
    },
    /// Tries to set a server field: refused on the device.
    Cheat {
        device: usize,
        record: usize,
    },
    Push {
        device: usize,
        max_mutations: usize,
    },
    Pull {
        device: usize,
        limit: u32,
    },
    /// One message from the network, picked by index.
    Network {
        message: usize,
        fate: Fate,
    },
    Decide {
        record: usize,
    },
    /// A buyer sends an order request for a product of one of the users:
    /// the server makes it in her scope and tells the buyer it was sent.
    /// One the rules would not take back after a restore (`!valid`: made by
    /// a server of older rules) stays only on the phones that hold it.
    Order {
        user: usize,
        product: usize,
        valid: bool,
    },
    Intrude {
        device: usize,
        record: usize,
        forge_owner: bool,
    },
    /// A second tab loads the phone's store (and seals its queue: `Replica::seal`).
    OpenTab {
        device: usize,
    },
    /// The second tab edits its copy.
    TabEdit {
        device: usize,
        record: usize,
        fields: u8,
    },
    /// The second tab's copy and the first tab's meet (either wrote last).
    TabWrite {
        device: usize,
        tab_wrote_last: bool,
    },
    /// The server's data is copied (a backup).
    Backup,
    /// The server is restored from the last backup, under a new epoch.
    Restore,
    RestartServer,
    ReloadDevice {
        device: usize,
    },
    /// A phone's clock jumps (a flat battery, a time zone).
    Clock {
        device: usize,
        jump_ms: i64,
    },
    Wait {
        ms: u64,
    },
}

fn step() -> impl Strategy<Value = Step> {
    let device = 0usize..4;
    let pick = 0usize..64;
    prop_oneof![
        2 => (device.clone(), any::<bool>()).prop_map(|(device, storefront)| Step::Create { device, storefront }),
        8 => (device.clone(), pick.clone(), 1u8..16).prop_map(|(device, record, fields)| Step::Edit { device, record, fields }),
        2 => (device.clone(), pick.clone()).prop_map(|(device, record)| Step::Delete { device, record }),
        1 => (device.clone(), pick.clone()).prop_map(|(device, record)| Step::Cheat { device, record }),
        5 => (device.clone(), 1usize..4).prop_map(|(device, max_mutations)| Step::Push { device, max_mutations }),
        4 => (device.clone(), 1u32..4).prop_map(|(device, limit)| Step::Pull { device, limit }),
        12 => (pick.clone(), prop_oneof![3 => Just(Fate::Deliver), 1 => Just(Fate::Drop), 1 => Just(Fate::Duplicate)])
            .prop_map(|(message, fate)| Step::Network { message, fate }),
        1 => pick.clone().prop_map(|record| Step::Decide { record }),
        2 => (0usize..2, pick.clone(), prop_oneof![4 => Just(true), 1 => Just(false)])
            .prop_map(|(user, product, valid)| Step::Order { user, product, valid }),
        1 => (device.clone(), pick.clone(), any::<bool>())
            .prop_map(|(device, record, forge_owner)| Step::Intrude { device, record, forge_owner }),
        1 => device.clone().prop_map(|device| Step::OpenTab { device }),
        2 => (device.clone(), pick, 1u8..16).prop_map(|(device, record, fields)| Step::TabEdit { device, record, fields }),
        1 => (device.clone(), any::<bool>()).prop_map(|(device, tab_wrote_last)| Step::TabWrite { device, tab_wrote_last }),
        1 => Just(Step::Backup),
        1 => Just(Step::Restore),
        1 => Just(Step::RestartServer),
        1 => device.clone().prop_map(|device| Step::ReloadDevice { device }),
        1 => (device, -20_000i64..20_000).prop_map(|(device, jump_ms)| Step::Clock { device, jump_ms }),
        1 => (1u64..5_000).prop_map(|ms| Step::Wait { ms }),
    ]
}

#[derive(Clone, Debug)]
enum Message {
    PushRequest(usize, PushRequest),
    PushResponse(usize, PushResponse),
    PullRequest(usize, PullRequest),
    PullResponse(usize, PullResponse),
}

/// One field value set by a device, as the test remembers it: the stamp it
/// travels with (a later edit folded into it moves it forward).
#[derive(Clone)]
struct Edit {
    value: Value,
    at: Stamp,
}

/// What a backup holds: the server and what the test knew of it then.
#[derive(Clone)]
struct Backup {
    server: ServerState,
    applied: BTreeSet<MutationId>,
    decisions: BTreeMap<RecordId, Value>,
}

/// An order request the server acknowledged to a buyer, as the buyer sent it
/// (the test's own log, apart from the server).
struct Acknowledged {
    owner: Owner,
    sent: Fields,
    valid: bool,
    /// A restore went back to a backup without it while a phone of hers held it.
    held_when_lost: bool,
    /// A restore went back to a backup without it.
    lost_once: bool,
}

struct World {
    now_ms: u64,
    /// How far each phone's clock is from the true time.
    skew_ms: Vec<i64>,
    users: Vec<Owner>,
    devices: Vec<Replica>,
    /// A second tab's copy of each phone's store, while one is open.
    tabs: Vec<Option<Replica>>,
    server: ServerState,
    network: Vec<Message>,
    random: u64,
    /// The latest edit per (record, field, device).
    latest: BTreeMap<(RecordId, String, DeviceId), Edit>,
    deletions: BTreeMap<RecordId, Vec<Stamp>>,
    decisions: BTreeMap<RecordId, Value>,
    applied: BTreeSet<MutationId>,
    intrusions: BTreeSet<MutationId>,
    /// Fields the server refused: (record, field, device) → the values and stamps refused.
    refused: BTreeMap<(RecordId, String, DeviceId), Vec<(Value, Stamp)>>,
    backup: Option<Backup>,
    epochs: u32,
    orders: BTreeMap<RecordId, Acknowledged>,
}

fn user(n: usize) -> Owner {
    ["user:amina", "user:bahadir"][n].parse().unwrap()
}

/// The server's own device, whose stamps the fields it sets carry.
fn server_device() -> DeviceId {
    DeviceId::new(1_700_000_000_000, [0xee; 10])
}

impl World {
    fn new(devices: usize) -> World {
        // Two phones of Amina's share her records; Bahadir has the others.
        let users: Vec<Owner> = (0..devices).map(|d| user(usize::from(d >= 2 && devices > 2))).collect();
        let replicas = (0..devices)
            .map(|d| Replica::new(DeviceId::new(1_700_000_000_000, [d as u8 + 1; 10]), users[d].clone()))
            .collect();
        World {
            now_ms: 1_700_000_000_000,
            skew_ms: (0..devices).map(|d| [0, -3_000, 7_000, 150][d]).collect(),
            users,
            devices: replicas,
            tabs: vec![None; devices],
            server: ServerState::new(server_device(), Epoch::new("e0000").unwrap()),
            network: Vec::new(),
            random: 0,
            latest: BTreeMap::new(),
            deletions: BTreeMap::new(),
            decisions: BTreeMap::new(),
            applied: BTreeSet::new(),
            intrusions: BTreeSet::new(),
            refused: BTreeMap::new(),
            backup: None,
            epochs: 0,
            orders: BTreeMap::new(),
        }
    }

    fn phone_time(&self, device: usize) -> u64 {
        self.now_ms.saturating_add_signed(self.skew_ms[device])
    }

    /// Unique random bytes, as `crypto.getRandomValues` would give.
    fn random(&mut self) -> [u8; 10] {
        self.random += 1;
        let mut bytes = [0u8; 10];
        bytes[2..].copy_from_slice(&self.random.to_be_bytes());
        bytes
    }

    fn value(&mut self) -> Value {
        self.random += 1;
        if self.random.is_multiple_of(3) { json!(self.random) } else { json!(format!("v{}", self.random)) }
    }

    fn device_record(&self, device: usize, pick: usize) -> Option<RecordId> {
        let ids: Vec<RecordId> = self.devices[device].records().map(Record::id).collect();
        (!ids.is_empty()).then(|| ids[pick % ids.len()])
    }

    fn server_record(&self, pick: usize) -> Option<&Record> {
        let n = self.server.records().count();
        (n > 0).then(|| self.server.records().nth(pick % n).unwrap())
    }

    /// Keeps the newest edit of each field by each device. Two tabs of one
    /// phone share its device id, so their edits are ordered by stamp (and an
    /// exact tie by value, as the merge breaks it), not by when they happened.
    fn remember(&mut self, device: usize, record: RecordId, fields: &Fields, at: Stamp) {
        for (name, value) in fields {
            let key = (record, name.clone(), self.devices[device].device());
            let newer = match self.latest.get(&key) {
                None => true,
                Some(old) => at > old.at || (at == old.at && tie_beats(value, &old.value)),
            };
            if newer {
                self.latest.insert(key, Edit { value: value.clone(), at });
            }
        }
    }

    /// Fields to set on a record of `kind`, picked by `bits`: her phones
    /// move an order request on (its status and her note), nothing else.
    fn fields_of(&mut self, kind: Kind, bits: u8) -> Fields {
        let mut fields = Fields::new();
        if kind == Kind::OrderRequest {
            for (i, name) in ORDER_FIELDS.iter().enumerate() {
                if bits & (1 << i) != 0 || (i == 0 && bits & 3 == 0) {
                    fields.insert(name.to_string(), self.value());
                }
            }
            return fields;
        }
        for (i, name) in FIELDS.iter().enumerate() {
            if bits & (1 << i) != 0 {
                // Few addresses, so storefronts of both users ask for the same.
                let value = if *name == "slug" { json!(format!("a{}", self.random % 3)) } else { self.value() };
                fields.insert(name.to_string(), value);
            }
        }
        fields
    }

    /// After an edit on a copy of `device`'s store: every field of the
    /// mutation queued for the record now travels with that mutation's stamp.
    /// Checks first that a fold carried forward only values the copy still
    /// showed as its own (never one it had seen replaced).
    fn remember_queued(
        &mut self,
        device: usize,
        copy: &Replica,
        before: Option<&Record>,
        record: RecordId,
        typed: &Fields,
    ) {
        let Some(queued) = copy.outbox().iter().filter(|m| m.record == record).last().cloned() else { return };
        let Action::Set(fields) = &queued.action else { return };
        let me = copy.device();
        for name in fields.keys() {
            let key = (record, name.clone(), me);
            let carried = !typed.contains_key(name)
                && self.latest.get(&key).is_some_and(|e| e.at < queued.at && e.value == fields[name]);
            if carried && let Some(shown) = before.and_then(|r| r.fields().get(name)) {
                let old = &self.latest[&key];
                assert!(
                    shown.at == old.at || shown.at.device() == me,
                    "record {record} field {name}: the fold re-stamped {} (at {:?}) after the phone showed {} (at {:?})",
                    old.value,
                    old.at,
                    shown.value,
                    shown.at
                );
            }
        }
        self.remember(device, record, fields, queued.at);
    }

    fn step(&mut self, step: &Step) {
        self.now_ms += 3;

        let n = self.devices.len();
        match *step {
            Step::Create { device, storefront } => {
                let device = device % n;
                let fields = self.fields_of(Kind::Product, if storefront { 9 } else { 1 });
                let (now, random) = (self.phone_time(device), self.random());
                let id = if storefront {
                    // One storefront per person, under the id every phone derives.
                    let id = storefront_of(&self.users[device]);
                    let before = self.devices[device].record(id).cloned();
                    self.devices[device].put(id, Kind::Storefront, fields.clone(), now, random).unwrap();
                    let copy = self.devices[device].clone();
                    self.remember_queued(device, &copy, before.as_ref(), id, &fields);
                    return;
                } else {
                    self.devices[device].create(Kind::Product, fields.clone(), now, random).unwrap()
                };
                let at = self.devices[device].record(id).unwrap().fields()["name"].at;
                self.remember(device, id, &fields, at);
            }
            Step::Edit { device, record, fields } => {
                let device = device % n;
                let Some(id) = self.device_record(device, record) else {
                    return;
                };
                let kind = self.devices[device].record(id).unwrap().kind();
                let fields = self.fields_of(kind, fields);
                let (now, random) = (self.phone_time(device), self.random());
                let seen = self.devices[device].records().flat_map(Record::stamps).max();
                let before = self.devices[device].record(id).cloned();
                let at = self.devices[device].edit(id, fields.clone(), now, random).unwrap();
                // An edit made after seeing a value beats it, whatever the phone's clock says.
                assert!(Some(at) > seen, "{at:?} is not newer than {seen:?}");
                let copy = self.devices[device].clone();
                self.remember_queued(device, &copy, before.as_ref(), id, &fields);
            }
            Step::Delete { device, record } => {
                let device = device % n;
                let Some(id) = self.device_record(device, record) else {
                    return;
                };
                let (now, random) = (self.phone_time(device), self.random());
                let at = self.devices[device].delete(id, now, random).unwrap();
                self.deletions.entry(id).or_default().push(at);
            }
            Step::Cheat { device, record } => {
                let device = device % n;
                let Some(id) = self.device_record(device, record) else {
                    return;
                };
                // A buyer's name on her order request; a decision on the rest.
                let kind = self.devices[device].record(id).unwrap().kind();
                let field = if kind.made_by_server() { "buyer_name" } else { "review_state" };
                let fields = Fields::from([(field.to_string(), json!("approved"))]);
                let (now, random) = (self.phone_time(device), self.random());
                let waiting = self.devices[device].outbox().len();
                let refused = self.devices[device].edit(id, fields, now, random).unwrap_err();
                assert_eq!(refused.code, RejectCode::ServerField);
                assert_eq!(self.devices[device].outbox().len(), waiting);
            }
            Step::Push { device, max_mutations } => {
                let device = device % n;
                let limits = Limits { max_mutations, ..Limits::DEFAULT };
                if let Some(request) = self.devices[device].push_request(limits) {
                    self.network.push(Message::PushRequest(device, request));
                }
            }
            Step::Pull { device, limit } => {
                let device = device % n;
                let request = self.devices[device].pull_request(limit);
                self.network.push(Message::PullRequest(device, request));
            }
            Step::Network { message, fate } => {
                if self.network.is_empty() {
                    return;
                }
                let i = message % self.network.len();
                let message = match fate {
                    Fate::Drop => {
                        self.network.remove(i);
                        return;
                    }
                    Fate::Deliver => self.network.remove(i),
                    Fate::Duplicate => self.network[i].clone(),
                };
                self.deliver(message);
            }
            Step::Decide { record } => {
                // Coordinators decide on storefronts and products.
                let Some(id) = self.server_record(record).filter(|r| !r.kind().made_by_server()).map(Record::id) else {
                    return;
                };
                let value = self.value();
                let fields = Fields::from([("review_state".to_string(), value.clone())]);
                self.server.set_server_fields(id, &fields, self.now_ms).unwrap();
                self.decisions.insert(id, value);
            }
            Step::Order { user, product, valid } => {
                let owner = self.users[user % self.users.len()].clone();
                let products: Vec<RecordId> = self
                    .server
                    .records()
                    .filter(|r| *r.owner() == owner && r.kind() == Kind::Product)
                    .map(Record::id)
                    .collect();
                let Some(product) = (!products.is_empty()).then(|| products[product % products.len()]) else {
                    return;
                };
                self.random += 1;
                let n = self.random;
                let sent = Fields::from([
                    ("status".to_string(), json!("new")),
                    ("received_at".to_string(), json!(self.now_ms)),
                    ("product".to_string(), json!(product.to_string())),
                    ("buyer_name".to_string(), json!(format!("Buyer {n}"))),
                    ("buyer_contact".to_string(), if valid { json!(format!("+99890{n:07}")) } else { json!(n) }),
                    ("quantity".to_string(), json!(n % 5 + 1)),
                ]);
                let id = RecordId::new(self.now_ms, self.random());
                self.server.create(id, Kind::OrderRequest, &owner, &sent, self.now_ms).expect("a new id");
                let log = Acknowledged { owner, sent, valid, held_when_lost: false, lost_once: false };
                self.orders.insert(id, log);
            }
            Step::Intrude { device, record, forge_owner } => {
                let device = device % n;
                let me = self.users[device].clone();
                let Some(target) = self.server_record(record).filter(|r| *r.owner() != me).cloned() else {
                    return;
                };
                let (now, random) = (self.phone_time(device), self.random());
                let mutation = Mutation {
                    id: MutationId::new(now, random),
                    record: target.id(),
                    kind: target.kind(),
                    owner: if forge_owner { target.owner().clone() } else { me },
                    at: Stamp::new(now + 1_000_000, 0, self.devices[device].device()),
                    action: Action::Set(Fields::from([("name".to_string(), json!("defaced"))])),
                };
                // Her order request, sent as a copy given back after a restore.
                let mut mutation = mutation;
                if target.kind().made_by_server() {
                    let fields = [("buyer_name", "defaced"), ("buyer_contact", "@intruder"), ("status", "done")];
                    mutation.at = Stamp::new(now.saturating_sub(60_000), 0, self.devices[device].device());
                    mutation.action = Action::Set(fields.iter().map(|(k, v)| (k.to_string(), json!(v))).collect());
                    mutation.id = mutation.resend_id();
                }
                self.intrusions.insert(mutation.id);
                let request = PushRequest {
                    version: PROTOCOL_VERSION,
                    account: self.users[device].clone(),
                    device: self.devices[device].device(),
                    mutations: vec![mutation],
                };
                // Sent as the other account, it is refused before any work.
                let forged = PushRequest { account: target.owner().clone(), ..request.clone() };
                let before = self.server.clone();
                let refused = self.server.apply_push(&SimRules, &self.users[device], &forged, self.now_ms);
                assert!(matches!(refused, Err(SyncError::WrongAccount { .. })), "{refused:?}");
                assert_eq!(self.server, before);
                // Delivered at once, while her record is on the server. (Held
                // back until after a restore that lost her record, it would
                // make a record of his under her id: docs/sync.md, "Noted".)
                self.deliver(Message::PushRequest(device, request));
            }
            Step::OpenTab { device } => {
                let device = device % n;
                // A tab already open wrote its edits when it made them.
                if let Some(tab) = self.tabs[device].take() {
                    assert!(self.devices[device].merge(&tab).unwrap().is_empty());
                }
                // The new tab seals the queue and writes it back; the first
                // tab takes that in before its next edit.
                self.devices[device].seal();
                self.tabs[device] = Some(self.devices[device].clone());
            }
            Step::TabEdit { device, record, fields } => {
                let device = device % n;
                let Some(tab) = &mut self.tabs[device] else {
                    return;
                };
                // Each tab reads the store before it edits.
                assert!(tab.merge(&self.devices[device]).unwrap().is_empty());
                let ids: Vec<RecordId> = tab.records().map(Record::id).collect();
                if ids.is_empty() {
                    return;
                }
                let id = ids[record % ids.len()];
                let kind = tab.record(id).unwrap().kind();
                let fields = self.fields_of(kind, fields);
                let (now, random) = (self.phone_time(device), self.random());
                let tab = self.tabs[device].as_mut().unwrap();
                let before = tab.record(id).cloned();
                tab.edit(id, fields.clone(), now, random).unwrap();
                // The write reaches the first tab before it edits again; it
                // may later write over it with an older copy (TabWrite).
                let written = tab.clone();
                assert!(self.devices[device].merge(&written).unwrap().is_empty());
                self.remember_queued(device, &written, before.as_ref(), id, &fields);
            }
            Step::TabWrite { device, tab_wrote_last } => {
                let device = device % n;
                let Some(mut tab) = self.tabs[device].take() else {
                    return;
                };
                // The one that wrote last takes the other's copy in.
                if tab_wrote_last {
                    assert!(tab.merge(&self.devices[device]).unwrap().is_empty());
                    self.devices[device] = tab;
                } else {
                    assert!(self.devices[device].merge(&tab).unwrap().is_empty());
                }
            }
            Step::Backup => {
                self.backup = Some(Backup {
                    server: self.server.clone(),
                    applied: self.applied.clone(),
                    decisions: self.decisions.clone(),
                });
            }
            Step::Restore => {
                let Some(backup) = self.backup.clone() else {
                    return;
                };
                // Requests the backup lacks: only her phones can give them back.
                for (id, order) in &mut self.orders {
                    if backup.server.record(*id).is_none() && self.server.record(*id).is_some() {
                        let held = (0..self.devices.len()).any(|d| {
                            self.users[d] == order.owner
                                && (self.devices[d].record(*id).is_some()
                                    || self.tabs[d].as_ref().is_some_and(|t| t.record(*id).is_some()))
                        });
                        order.held_when_lost |= held;
                        order.lost_once = true;
                    }
                }
                self.epochs += 1;
                let epoch = Epoch::new(&format!("e{:04}", self.epochs)).unwrap();
                self.server = backup.server.restored(epoch, self.now_ms);
                self.applied = backup.applied;
                // Decisions since the backup are gone with it: the desk decides again.
                self.decisions = backup.decisions;
            }
            Step::RestartServer => {
                let stored = serde_json::to_string(&self.server).unwrap();
                self.server = serde_json::from_str(&stored).unwrap();
            }
            Step::ReloadDevice { device } => {
                let device = device % n;
                let stored = serde_json::to_string(&self.devices[device]).unwrap();
                self.devices[device] = serde_json::from_str(&stored).unwrap();
                let now = self.phone_time(device);
                self.devices[device].opened(now);
            }
            Step::Clock { device, jump_ms } => self.skew_ms[device % n] += jump_ms,
            Step::Wait { ms } => self.now_ms += ms,
        }
    }

    fn push_to_server(&mut self, device: usize, request: &PushRequest) -> PushResponse {
        let response = self.server.apply_push(&SimRules, &self.users[device], request, self.now_ms).unwrap();
        assert_eq!(response.results.len(), request.mutations.len());
        for result in &response.results {
            if self.intrusions.contains(&result.id) {
                let Outcome::Rejected(rejection) = &result.result else {
                    panic!("an intruder's edit {} was {:?}", result.id, result.result);
                };
                assert_eq!(rejection.code, RejectCode::NotOwner);
                continue;
            }
            match &result.result {
                Outcome::Applied => assert!(self.applied.insert(result.id), "{} applied twice", result.id),
                Outcome::Duplicate => assert!(self.applied.contains(&result.id)),
                // The first answer applied the rest; a retry answers the same.
                Outcome::FieldsRefused(_) => {
                    self.applied.insert(result.id);
                }
                Outcome::Rejected(_) => {}
            }
        }
        response
    }

    /// A phone takes in the answer to a push. What it takes as refused (a
    /// mutation it still queues, answered in its epoch) must be a refusal
    /// she can see and put back: a field the server's rules refuse, or an
    /// address another storefront took. An answer the phone does not take
    /// (from a server restored since: it sends what it holds again) may say
    /// anything.
    fn take_push(&mut self, device: usize, response: &PushResponse) {
        let taken = self.devices[device].epoch() == response.epoch.as_ref();
        for result in response.results.iter().filter(|_| taken) {
            let Some(mutation) = self.devices[device].outbox().iter().find(|m| m.id == result.id).cloned() else {
                continue;
            };
            match &result.result {
                Outcome::Applied | Outcome::Duplicate => {}
                Outcome::FieldsRefused(reasons) => {
                    let Action::Set(fields) = &mutation.action else { panic!("a deletion with fields refused") };
                    for reason in reasons {
                        assert!(matches!(reason.code, RejectCode::InvalidValue | RejectCode::Taken), "{reason}");
                        let field = reason.field.clone().expect("a refused field is named");
                        let value = fields[&field].clone();
                        let key = (mutation.record, field, mutation.at.device());
                        self.refused.entry(key).or_default().push((value, mutation.at));
                    }
                }
                // A deleted storefront brought back after another took its
                // address: refused whole, every field kept in her refused list.
                Outcome::Rejected(r) if r.code == RejectCode::Taken && mutation.kind == Kind::Storefront => {
                    let Action::Set(fields) = &mutation.action else { panic!("a deletion refused as taken") };
                    for (field, value) in fields {
                        let key = (mutation.record, field.clone(), mutation.at.device());
                        self.refused.entry(key).or_default().push((value.clone(), mutation.at));
                    }
                }
                // A request the rules do not take back, and her edits of it:
                // refused, kept only on her phone.
                Outcome::Rejected(_) if self.orders.get(&mutation.record).is_some_and(|o| !o.valid) => {
                    if let Action::Set(fields) = &mutation.action {
                        for (field, value) in fields {
                            let key = (mutation.record, field.clone(), mutation.at.device());
                            self.refused.entry(key).or_default().push((value.clone(), mutation.at));
                        }
                    }
                }
                Outcome::Rejected(r) => panic!(
                    "an honest edit was rejected: {r}: {mutation:?}, device {device} in epoch {:?}",
                    response.epoch
                ),
            }
        }
        self.devices[device].receive_push(response);
    }

    fn pull_from_server(&self, device: usize, request: &PullRequest) -> PullResponse {
        self.server.pull(&self.users[device], request).unwrap()
    }

    /// Delivers a message as JSON, the way it travels.
    fn deliver(&mut self, message: Message) {
        match message {
            Message::PushRequest(device, request) => {
                let request = PushRequest::from_json(&serde_json::to_vec(&request).unwrap()).unwrap();
                let response = self.push_to_server(device, &request);
                self.network.push(Message::PushResponse(device, response));
            }
            Message::PullRequest(device, request) => {
                let response = self.pull_from_server(device, &through_the_wire(&request));
                self.network.push(Message::PullResponse(device, response));
            }
            Message::PushResponse(device, response) => {
                self.take_push(device, &through_the_wire(&response));
            }
            Message::PullResponse(device, response) => {
                let taken = self.devices[device].receive_pull(through_the_wire(&response));
                assert!(taken.problems.is_empty(), "{:?}", taken.problems);
            }
        }
    }

    /// A reliable network: every device pushes all it has, then pulls all,
    /// again while a pull found a restored server (a new epoch).
    fn sync_everyone(&mut self) {
        for round in 0.. {
            assert!(round < 5, "devices keep finding new epochs");
            for device in 0..self.devices.len() {
                for _ in 0..100 {
                    let Some(request) = self.devices[device].push_request(Limits::DEFAULT) else {
                        break;
                    };
                    let response = self.push_to_server(device, &request);
                    self.take_push(device, &response);
                }
                assert!(self.devices[device].outbox().is_empty(), "device {device} cannot empty its queue");
            }
            let mut again = false;
            for device in 0..self.devices.len() {
                let mut pages = 0;
                loop {
                    let request = self.devices[device].pull_request(MAX_PULL_LIMIT);
                    let response = self.pull_from_server(device, &request);
                    let more = response.more;
                    let taken = self.devices[device].receive_pull(response);
                    assert!(taken.problems.is_empty());
                    again |= taken.pull_again;
                    pages += 1;
                    if !more && !taken.pull_again {
                        break;
                    }
                    assert!(pages < 100, "device {device} keeps being told there is more");
                }
            }
            if !again {
                break;
            }
        }
    }

    /// Heals the network: what is in flight arrives (late, in some order),
    /// then everyone syncs until nothing is waiting.
    fn heal(&mut self) {
        // A tab's edits were written when made: the other tab takes them in.
        for device in 0..self.devices.len() {
            self.step(&Step::TabWrite { device, tab_wrote_last: device % 2 == 0 });
        }
        while let Some(message) = self.network.pop() {
            self.deliver(message);
        }
        self.sync_everyone();
    }

    fn check(&self) {
        for (device, replica) in self.devices.iter().enumerate() {
            // Kept only here: a request the restored server would not take back.
            for id in replica.only_here() {
                assert!(self.server.record(id).is_none(), "record {id} is on the server, yet kept only here");
                assert!(self.orders.get(&id).is_some_and(|o| !o.valid), "record {id} kept only here");
            }
            let on_device: Vec<&Record> = replica.records().filter(|r| !replica.is_only_here(r.id())).collect();
            let on_server: Vec<&Record> = self.server.records().filter(|r| *r.owner() == self.users[device]).collect();
            if on_device != on_server {
                let ids = |rs: &[&Record]| rs.iter().map(|r| r.id()).collect::<BTreeSet<_>>();
                let (d, s) = (ids(&on_device), ids(&on_server));
                let differ: Vec<_> = on_device.iter().filter(|r| self.server.record(r.id()) != Some(**r)).collect();
                let first = differ.first().map(|r| (r, self.server.record(r.id())));

                panic!(
                    "device {device} differs from the server: only on the device {:?}, only on the server {:?}, first differing {first:#?}",
                    d.difference(&s).collect::<Vec<_>>(),
                    s.difference(&d).collect::<Vec<_>>()
                );
            }
        }
        let listed = |key: &(RecordId, String, DeviceId), edit: &Edit| {
            let (id, field, device) = key;
            let d = (0..self.devices.len()).find(|&d| self.devices[d].device() == *device).unwrap();
            self.devices[d].outbox().refused().iter().any(|r| {
                r.mutation.record == *id
                    && r.mutation.at == edit.at
                    && matches!(&r.mutation.action, Action::Set(f) if f.get(field) == Some(&edit.value))
                    && r.reason_for(field).is_some()
            })
        };
        let was_refused = |key: &(RecordId, String, DeviceId), edit: &Edit| {
            self.refused.get(key).is_some_and(|r| r.iter().any(|(v, at)| *v == edit.value && *at == edit.at))
        };
        // A record the server lacks is kept on the phone that edited it.
        let kept_by = |id: RecordId, device: DeviceId| {
            let d = (0..self.devices.len()).find(|&d| self.devices[d].device() == device).unwrap();
            self.devices[d].record(id).filter(|_| self.devices[d].is_only_here(id))
        };
        for (key, edit) in &self.latest {
            let (id, field, device) = key;
            let record = self.server.record(*id).or_else(|| kept_by(*id, *device));
            let record = record.expect("an edited record is on the server or kept on her phone");
            if listed(key, edit) {
                // Not lost: in her refused list with what she typed, refused by the server.
                assert!(
                    was_refused(key, edit),
                    "record {id} field {field}: {} listed as refused, never refused",
                    edit.value
                );
                continue;
            }
            // Not listed: the server has it (a refusal answered by a server
            // since restored from a backup may be followed by an acceptance).
            let current = record.fields().get(field).map(|f| (&f.value, f.at));
            let lost = record.history().iter().filter(|l| &l.field == field).map(|l| (&l.value, l.at));
            let kept: Vec<(&Value, Stamp)> =
                current.into_iter().chain(lost).filter(|(_, at)| at.device() == *device).collect();
            assert!(
                kept.len() == 1 && *kept[0].0 == edit.value && kept[0].1 >= edit.at,
                "record {id} field {field}: the latest edit by {device} ({} at {:?}) became {kept:?}",
                edit.value,
                edit.at
            );
        }
        // Which value wins: the newest edit not refused, as sent.
        let mut newest: BTreeMap<(RecordId, &String), &Edit> = BTreeMap::new();
        let mut unsure: BTreeSet<(RecordId, &String)> = BTreeSet::new();
        for (key, edit) in &self.latest {
            let (id, field, _) = key;
            if was_refused(key, edit) || listed(key, edit) {
                // Her earlier accepted value may stand in the refused one's place.
                unsure.insert((*id, field));
                continue;
            }
            let slot = newest.entry((*id, field)).or_insert(edit);
            if edit.at > slot.at {
                *slot = edit;
            }
        }
        for ((id, field), edit) in newest {
            if unsure.contains(&(id, field)) || self.server.record(id).is_none() {
                continue;
            }
            let current = &self.server.record(id).unwrap().fields()[field];
            assert!(
                current.value == edit.value && current.at == edit.at,
                "record {id} field {field}: {} at {:?} won over the newest edit {} at {:?}",
                current.value,
                current.at,
                edit.value,
                edit.at
            );
        }
        for (id, deletions) in &self.deletions {
            let newest = deletions.iter().max().copied();
            let Some(record) = self.server.record(*id) else {
                let kept = self.devices.iter().filter_map(|d| d.record(*id).filter(|_| d.is_only_here(*id)));
                assert!(kept.map(Record::deleted_at).any(|d| d == newest), "record {id}: its deletion is lost");
                continue;
            };
            assert_eq!(record.deleted_at(), newest, "record {id}");
        }
        for (id, value) in &self.decisions {
            assert_eq!(self.server.record(*id).unwrap().get("review_state"), Some(value), "record {id}");
        }
        for record in self.server.records() {
            let owners_devices: BTreeSet<DeviceId> = (0..self.devices.len())
                .filter(|&d| self.users[d] == *record.owner())
                .map(|d| self.devices[d].device())
                .collect();
            for (name, field) in record.fields() {
                let the_servers = name == "review_state" || record.kind().made_by_server();
                assert!(
                    owners_devices.contains(&field.at.device())
                        || (the_servers && field.at.device() == server_device()),
                    "record {} field {name} by a stranger",
                    record.id()
                );
            }
        }
        // Every request acknowledged to a buyer, against the log.
        for (id, order) in &self.orders {
            let kept: Vec<&Record> = (0..self.devices.len())
                .filter(|&d| self.users[d] == order.owner && self.devices[d].is_only_here(*id))
                .filter_map(|d| self.devices[d].record(*id))
                .collect();
            let held: Vec<&Record> = match self.server.record(*id) {
                Some(record) => vec![record],
                None if !kept.is_empty() => {
                    assert!(!order.valid, "request {id}: the restored server did not take it back");
                    kept
                }
                // Gone with the server's data only if none of her phones held
                // it then (a late page of the old epoch may still bring it).
                None => {
                    assert!(
                        order.lost_once && !order.held_when_lost,
                        "request {id} was acknowledged and is gone, though her phone held it"
                    );
                    continue;
                }
            };
            for record in held {
                assert_eq!(record.owner(), &order.owner, "request {id}");
                for (name, value) in order.sent.iter().filter(|(name, _)| *name != "status") {
                    assert_eq!(record.get(name), Some(value), "request {id}: {name} is not what the buyer sent");
                }
            }
        }
    }
}

/// Whether `a` beats `b` set with the same stamp (the merge's tie-break for
/// the strings and numbers this test writes: strings above numbers, then
/// the larger).
fn tie_beats(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a > b,
        (Value::Number(a), Value::Number(b)) => a.to_string() > b.to_string(),
        (Value::String(_), _) => true,
        _ => false,
    }
}

fn through_the_wire<T: serde::Serialize + serde::de::DeserializeOwned>(message: &T) -> T {
    serde_json::from_slice(&serde_json::to_vec(message).unwrap()).unwrap()
}

/// A start every phone shares: a storefront and a product each user made.
fn started(devices: usize) -> World {
    let mut world = World::new(devices);
    for device in [0, devices - 1] {
        world.step(&Step::Create { device, storefront: true });
        world.step(&Step::Create { device, storefront: false });
    }
    world.sync_everyone();
    world
}

fn simulate(devices: usize, steps: &[Step]) {
    let mut world = started(devices);
    for step in steps {
        world.step(step);
    }
    world.heal();
    world.check();
}

proptest! {
    // `PROPTEST_CASES=100000` for the long run (docs/sync.md, "How it is tested").
    #![proptest_config(common::config(3_000))]

    #[test]
    fn devices_and_server_agree_after_a_bad_network(
        devices in 2usize..=4,
        steps in proptest::collection::vec(step(), 0..150),
    ) {
        simulate(devices, &steps);
    }
}

#[test]
fn a_long_offline_day() {
    // Two phones of one user edit the same record offline for hours, then meet.
    let day: Vec<Step> = (0..400)
        .flat_map(|i| {
            [Step::Edit { device: i % 2, record: i / 3, fields: (i % 15 + 1) as u8 }, Step::Wait { ms: 60_000 }]
        })
        .chain([Step::Push { device: 0, max_mutations: 3 }, Step::Network { message: 0, fate: Fate::Drop }])
        .collect();
    simulate(2, &day);
}

#[test]
fn a_restore_from_last_nights_backup() {
    // Both of Amina's phones and Bahadir's edit and sync through the day; the
    // server is then restored from the backup made at the start. Each phone
    // finds the new epoch, starts again from 0 and sends what it holds.
    let day: Vec<Step> = std::iter::once(Step::Backup)
        .chain((0..60).flat_map(|i| {
            [
                Step::Edit { device: i % 3, record: i / 2, fields: (i % 15 + 1) as u8 },
                Step::Push { device: i % 3, max_mutations: 3 },
                Step::Network { message: 0, fate: Fate::Deliver },
                Step::Network { message: 0, fate: Fate::Deliver },
                Step::Pull { device: (i + 1) % 3, limit: 2 },
                Step::Network { message: 0, fate: Fate::Deliver },
                Step::Network { message: 0, fate: Fate::Deliver },
                Step::Wait { ms: 60_000 },
            ]
        }))
        .chain([Step::Restore, Step::Edit { device: 0, record: 1, fields: 3 }])
        .collect();
    simulate(3, &day);
}

#[test]
fn a_buyers_request_after_last_nights_backup() {
    // Review finding H2: a buyer orders after the backup was made, her phone
    // takes the request in and she confirms it; the server goes back to the
    // backup. Her phone gives the request back: the buyer's name and contact
    // and her "confirmed" are on the server and her other phone again.
    let mut world = started(3);
    world.step(&Step::Backup);
    world.step(&Step::Order { user: 0, product: 0, valid: true });
    world.sync_everyone();
    let id = *world.orders.keys().next().expect("a request");
    let confirmed = Fields::from([("status".to_string(), json!("confirmed"))]);
    let (now, random) = (world.phone_time(0), world.random());
    let before = world.devices[0].record(id).cloned();
    world.devices[0].edit(id, confirmed.clone(), now, random).unwrap();
    let copy = world.devices[0].clone();
    world.remember_queued(0, &copy, before.as_ref(), id, &confirmed);
    world.sync_everyone();
    world.step(&Step::Restore);
    assert!(world.server.record(id).is_none(), "the backup does not have it");
    world.heal();
    world.check();
    let record = world.server.record(id).expect("the request is back");
    assert_eq!(record.get("status"), Some(&json!("confirmed")));
    assert_eq!(record.get("buyer_name"), world.orders[&id].sent.get("buyer_name"));
    assert_eq!(world.devices[1].record(id), Some(record), "on her other phone too");
}
