//! The shipped store (`sawda_server::sync::store`) under random, concurrent
//! use, on embedded SurrealDB in memory and on SurrealKV: three people, each
//! with one or two phones, edit, push (several phones at once, on the
//! runtime's threads, with random batch sizes), pull with page limits of 1 to
//! 3, and the SurrealKV store is closed and opened again at random points.
//! Then everyone syncs until quiet, and:
//!
//! - each person's change log pages through gap-free: strictly growing
//!   sequence numbers above the cursor, one entry per record, nothing skipped;
//! - every phone holds exactly the server's records of its person;
//! - the server's records are what the in-memory `ServerState` makes of the
//!   same pushes (records are merged, so the order of the pushes does not matter);
//! - no mutation was answered `applied` twice.
//!
//! `PROPTEST_CASES` sets the number of cases (CI runs the default, a few
//! hundred locally with more); proptest prints the seed of a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use proptest::prelude::*;
use sawda_server::config::DatabaseTarget;
use sawda_server::infra::{database, migrations};
use sawda_server::sync::store;
use sawda_sync::protocol::{Epoch, Limits};
use sawda_sync::server::memory::ServerState;
use sawda_sync::{DeviceId, Fields, Kind, MutationId, Outcome, Owner, PushRequest, Record, RecordId, Replica};
use serde_json::json;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use app::rules::records::SawdaRules;

/// Phones: 0 and 1 are Amina's, 2 Bahadir's, 3 and 4 Dilnoza's.
const PHONES: usize = 5;

fn owner_of(phone: usize) -> Owner {
    ["user:amina", "user:amina", "user:bahadir", "user:dilnoza", "user:dilnoza"][phone].parse().unwrap()
}

#[derive(Clone, Debug)]
enum Step {
    Create {
        phone: usize,
    },
    Edit {
        phone: usize,
        record: usize,
        name: bool,
        price: u32,
    },
    /// These phones push at the same moment, each at most `batch` mutations.
    Push {
        phones: Vec<usize>,
        batch: usize,
    },
    Pull {
        phone: usize,
        limit: u32,
    },
    Reopen,
}

fn step() -> impl Strategy<Value = Step> {
    let phone = 0..PHONES;
    prop_oneof![
        2 => phone.clone().prop_map(|phone| Step::Create { phone }),
        4 => (phone.clone(), 0usize..16, any::<bool>(), 0u32..5).prop_map(|(phone, record, name, price)| Step::Edit { phone, record, name, price }),
        3 => (proptest::collection::btree_set(phone.clone(), 1..=PHONES), 1usize..4)
            .prop_map(|(phones, batch)| Step::Push { phones: phones.into_iter().collect(), batch }),
        3 => (phone, 1u32..=3).prop_map(|(phone, limit)| Step::Pull { phone, limit }),
        1 => Just(Step::Reopen),
    ]
}

struct World {
    db: Surreal<Any>,
    /// Where the SurrealKV store lives (`None`: in memory, which cannot reopen).
    path: Option<PathBuf>,
    phones: Vec<Replica>,
    oracle: ServerState,
    applied: BTreeSet<MutationId>,
    clock: u64,
}

async fn open(path: &Option<PathBuf>) -> Surreal<Any> {
    let target = match path {
        Some(path) => DatabaseTarget::Embedded(path.clone()),
        None => DatabaseTarget::Memory,
    };
    // A store just closed may still hold its lock for a moment.
    for _ in 0..200 {
        if let Ok(db) = database::connect(&target, "sawda", "props").await {
            migrations::migrate(&db, migrations::MIGRATIONS).await.expect("migrations apply");
            return db;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("the store does not open again");
}

impl World {
    async fn new(path: Option<PathBuf>) -> World {
        let db = open(&path).await;
        let phones = (0..PHONES)
            .map(|p| Replica::new(DeviceId::new(1_760_000_000_000, [p as u8 + 1; 10]), owner_of(p)))
            .collect();
        let epoch = Epoch::new("oracle").unwrap();
        World {
            db,
            path,
            phones,
            oracle: ServerState::new(DeviceId::new(1, [0xee; 10]), epoch),
            applied: BTreeSet::new(),
            clock: 1_760_000_000_000,
        }
    }

    fn tick(&mut self) -> (u64, [u8; 10]) {
        self.clock += 7;
        let mut random = [0u8; 10];
        random[2..].copy_from_slice(&self.clock.to_be_bytes());
        (self.clock, random)
    }

    async fn push(&mut self, phones: &[usize], batch: usize) {
        let limits = Limits { max_mutations: batch, ..Limits::DEFAULT };
        let requests: Vec<(usize, PushRequest)> =
            phones.iter().filter_map(|&p| Some((p, self.phones[p].push_request(limits)?))).collect();
        // At the same moment, on the runtime's threads.
        let tasks: Vec<_> = requests
            .iter()
            .map(|(p, request)| {
                let (db, who, request) = (self.db.clone(), owner_of(*p), request.clone());
                tokio::spawn(async move {
                    store::push(
                        &db,
                        &who,
                        app::rules::people::Role::Entrepreneur,
                        &request,
                        sawda_server::after_push::AfterPush,
                    )
                    .await
                })
            })
            .collect();
        for ((p, request), task) in requests.iter().zip(tasks) {
            let response = task.await.unwrap().unwrap_or_else(|e| panic!("phone {p}'s push failed: {e}"));
            for result in &response.results {
                if result.result == Outcome::Applied {
                    assert!(self.applied.insert(result.id), "{} applied twice", result.id);
                }
            }
            // The oracle takes the same push (in its own order: merging does not care).
            self.oracle.apply_push(&SawdaRules::ENTREPRENEUR, &owner_of(*p), request, self.clock).unwrap();
            self.phones[*p].receive_push(&response);
        }
    }

    async fn pull(&mut self, phone: usize, limit: u32) -> bool {
        let request = self.phones[phone].pull_request(limit);
        let page = store::pull(&self.db, &owner_of(phone), &request).await.unwrap();
        let mut last = request.cursor;
        for change in &page.changes {
            assert!(change.seq > last, "phone {phone}: {} after {last}", change.seq);
            last = change.seq;
        }
        assert!(page.changes.len() <= limit as usize);
        let more = page.more;
        let taken = self.phones[phone].receive_pull(page);
        assert!(taken.problems.is_empty(), "{:?}", taken.problems);
        more
    }

    async fn step(&mut self, step: &Step) {
        match step {
            Step::Create { phone } => {
                let (now, random) = self.tick();
                let fields = Fields::from([("name".to_string(), json!(format!("product {now}")))]);
                self.phones[*phone].create(Kind::Product, fields, now, random).unwrap();
            }
            Step::Edit { phone, record, name, price } => {
                let ids: Vec<RecordId> = self.phones[*phone].records().map(Record::id).collect();
                let Some(&id) = (!ids.is_empty()).then(|| &ids[record % ids.len()]) else { return };
                let (now, random) = self.tick();
                let mut fields = Fields::from([("price_som".to_string(), json!(price * 1_000))]);
                if *name {
                    fields.insert("name".into(), json!(format!("renamed {now}")));
                }
                self.phones[*phone].edit(id, fields, now, random).unwrap();
            }
            Step::Push { phones, batch } => self.push(phones, *batch).await,
            Step::Pull { phone, limit } => {
                self.pull(*phone, *limit).await;
            }
            Step::Reopen => {
                if self.path.is_some() {
                    // Every handle goes (tasks are done), then the files open again.
                    let db = self.db.clone();
                    self.db = Surreal::init();
                    drop(db);
                    self.db = open(&self.path).await;
                }
            }
        }
    }

    async fn sync_everyone(&mut self) {
        for _ in 0..50 {
            let phones: Vec<usize> = (0..PHONES).filter(|&p| !self.phones[p].outbox().is_empty()).collect();
            if phones.is_empty() {
                break;
            }
            self.push(&phones, Limits::DEFAULT.max_mutations).await;
        }
        for phone in 0..PHONES {
            for page in 0.. {
                assert!(page < 10_000, "phone {phone} keeps being told there is more");
                if !self.pull(phone, 3).await {
                    break;
                }
            }
        }
    }

    async fn check(&self) {
        let mut by_owner: BTreeMap<Owner, Vec<Record>> = BTreeMap::new();
        for phone in 0..PHONES {
            let owner = owner_of(phone);
            // The whole log from 0, one page of one at a time: gap-free, once per record.
            let mut fresh = Replica::new(DeviceId::new(1, [0x77; 10]), owner.clone());
            let mut seqs = Vec::new();
            loop {
                let page = store::pull(&self.db, &owner, &fresh.pull_request(1)).await.unwrap();
                seqs.extend(page.changes.iter().map(|c| c.seq));
                let more = page.more;
                fresh.receive_pull(page);
                if !more {
                    break;
                }
            }
            assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{owner}: {seqs:?}");
            let on_server: Vec<Record> = fresh.records().cloned().collect();
            assert_eq!(seqs.len(), on_server.len(), "{owner}: one change per record");
            let on_phone: Vec<&Record> = self.phones[phone].records().collect();
            assert_eq!(on_phone, on_server.iter().collect::<Vec<_>>(), "phone {phone} differs from the server");
            by_owner.insert(owner, on_server);
        }
        let oracle: Vec<&Record> = self.oracle.records().collect();
        let stored: Vec<&Record> = {
            let mut all: Vec<&Record> = by_owner.values().flatten().collect();
            all.sort_by_key(|r| r.id());
            all
        };
        assert_eq!(stored, oracle, "the store and the push core in memory disagree");
    }
}

fn run(steps: &[Step], on_disk: bool) {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let mut world = World::new(on_disk.then(|| dir.path().join("db"))).await;
        for step in steps {
            world.step(step).await;
        }
        world.sync_everyone().await;
        world.check().await;
    });
}

/// The one proptest config, shared with the sync crate's property tests.
#[path = "../../../sync/tests/common/mod.rs"]
mod common;

proptest! {
    #![proptest_config(common::config(200))]

    #[test]
    fn the_store_in_memory_keeps_every_edit_once(steps in proptest::collection::vec(step(), 0..40)) {
        run(&steps, false);
    }

    #[test]
    fn the_store_on_disk_keeps_every_edit_once_across_reopening(steps in proptest::collection::vec(step(), 0..40)) {
        run(&steps, true);
    }
}
