//! `make bench`: how fast the review desk's queue is with thousands of items
//! waiting, on the embedded database: the first page, a filtered page, and
//! a page deep in the queue (keyset, so it costs what the first one does);
//! then a coordinator's decision on one product of a storefront with 1 to
//! 1,000 approved products (flat in their number), and four coordinators
//! deciding on one seller's products at once.

use std::time::{Duration, Instant};

use app::rules::people::Role;
use app::rules::records::storefront::storefront_id;
use app::wire::DecisionRequest;
use sawda_server::accounts::Account;
use sawda_server::after_push::AfterPush;
use sawda_server::review::desk::{self, QueueFilter};
use sawda_server::sync::store;
use sawda_sync::protocol::Limits;
use sawda_sync::{DeviceId, Fields, Kind, Owner, RecordId, Replica};
use serde_json::json;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::support::{self, Embedded, ms};

const ITEMS: usize = 5_000;
const DISTRICTS: [&str; 5] = ["nukus", "chimbay", "kungrad", "moynaq", "bozatau"];
const CATEGORIES: [&str; 4] = ["food", "textiles", "ceramics", "wood"];

/// p50 and p95 of `runs` of `query`.
async fn time<F, Fut>(runs: usize, mut query: F) -> String
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut times = Vec::with_capacity(runs);
    let mut items = 0;
    for _ in 0..runs {
        let started = Instant::now();
        items = query().await;
        times.push(started.elapsed());
    }
    times.sort();
    format!("{items} items, p50 {:.1} ms, p95 {:.1} ms", ms(times[runs / 2]), ms(times[runs * 95 / 100]))
}

pub async fn run() {
    let Embedded { db, dir } = Embedded::new().await;
    // Waiting items, submitted over the last 30 days, and as many decided ones.
    let seeded = Instant::now();
    for chunk in (0..ITEMS * 2).collect::<Vec<_>>().chunks(500) {
        let rows: Vec<serde_json::Value> = chunk
            .iter()
            .map(|n| {
                serde_json::json!({
                    "owner": format!("owner{n:05}"), "record": format!("01K00000000000000000{n:06}"),
                    "kind": if n % 3 == 0 { "storefront" } else { "product" },
                    "district": DISTRICTS[n % DISTRICTS.len()], "category": CATEGORIES[n % CATEGORIES.len()],
                    "name": format!("Item {n}"), "owner_name": "Bench", "revision": 1,
                    "state": if n % 2 == 0 { "submitted" } else { "approved" },
                    "minutes": (n * 7) % (30 * 24 * 60),
                })
            })
            .collect();
        db.query(
            "FOR $row IN $rows {
                 CREATE type::record('review_item', [$row.owner, $row.record]) CONTENT {
                     owner: $row.owner, record: $row.record, kind: $row.kind, district: $row.district,
                     category: $row.category, name: $row.name, owner_name: $row.owner_name,
                     state: $row.state, revision: $row.revision,
                     submitted_at: time::now() - type::duration(string::concat($row.minutes, 'm'))
                 };
             };",
        )
        .bind(("rows", rows))
        .await
        .unwrap()
        .check()
        .unwrap();
    }
    println!(
        "The review desk's queue, {ITEMS} items waiting and {ITEMS} decided (embedded SurrealKV, seeded in {:.1} s):",
        seeded.elapsed().as_secs_f64()
    );
    let admin = support::account(&db, "+998900000001", "Bench", Role::Admin, &[]).await;
    let coordinator = support::account(&db, "+998900000002", "Bench", Role::Coordinator, &["nukus", "chimbay"]).await;
    let first =
        time(50, || async { desk::queue(&db, &admin, &QueueFilter::default()).await.unwrap().items.len() }).await;
    println!("  first page, an admin (all districts): {first}");
    let hers =
        time(50, || async { desk::queue(&db, &coordinator, &QueueFilter::default()).await.unwrap().items.len() }).await;
    println!("  first page, a coordinator of 2 districts: {hers}");
    let filter = QueueFilter {
        category: Some("food".into()),
        kind: Some("product".into()),
        waiting_days: Some(7),
        ..QueueFilter::default()
    };
    let filtered = time(50, || async { desk::queue(&db, &coordinator, &filter).await.unwrap().items.len() }).await;
    println!("  her page filtered (food products waiting a week or more): {filtered}");
    // The 40th page, reached by following `next`.
    let mut after = None;
    for _ in 0..39 {
        let page =
            desk::queue(&db, &admin, &QueueFilter { after: after.clone(), ..QueueFilter::default() }).await.unwrap();
        after = page.next;
    }
    let deep = QueueFilter { after, ..QueueFilter::default() };
    let deep = time(50, || async { desk::queue(&db, &admin, &deep).await.unwrap().items.len() }).await;
    println!("  the 40th page (keyset): {deep}");
    Embedded { db, dir }.close().await;
    decisions().await;
}

/// Approved products in her storefront when decisions are timed.
const SIZES: [usize; 4] = [1, 100, 400, 1_000];
/// Decisions timed at each size (each approves one more product).
const DECISIONS: usize = 40;
/// The budget of one decision's p95, at every size.
const DECISION_P95_MS: f64 = 50.0;
/// Rounds of four coordinators deciding at once on her products.
const ROUNDS: usize = 10;
const T: u64 = 1_760_000_000_000;

/// A seller whose phone submits products through sync, as the studio does.
struct Seller {
    db: Surreal<Any>,
    owner: Owner,
    phone: Replica,
    made: u64,
}

impl Seller {
    fn random(&mut self) -> [u8; 10] {
        self.made += 1;
        let mut random = [7u8; 10];
        random[..8].copy_from_slice(&self.made.to_be_bytes());
        random
    }

    /// A product on her phone, submitted and pushed: it waits on the desk at revision 1.
    async fn submitted_products(&mut self, count: usize) -> Vec<RecordId> {
        let shop = storefront_id(&self.owner);
        let mut made = Vec::with_capacity(count);
        for _ in 0..count {
            let random = self.random();
            let at = T + self.made * 10;
            let id = RecordId::new(at, random);
            let fields: Fields = serde_json::from_value(json!({
                "storefront": shop.to_string(), "name": format!("Melon jam no. {}", self.made),
                "description": "Chimbay melons, sugar", "price_som": 25_000, "unit": "jar of 0.5 l",
                "availability": "in_stock", "position": self.made as f64,
            }))
            .unwrap();
            self.phone.put(id, Kind::Product, fields, at, random).unwrap();
            self.submit(id, at + 1);
            made.push(id);
        }
        self.push().await;
        made
    }

    fn submit(&mut self, id: RecordId, at: u64) {
        let random = self.random();
        let fields = Fields::from([(app::rules::review::SUBMITTED.to_owned(), json!(format!("submission-{at}")))]);
        self.phone.edit(id, fields, at, random).unwrap();
    }

    async fn push(&mut self) {
        while let Some(push) = self.phone.push_request(Limits::DEFAULT) {
            let answer = store::push(&self.db, &self.owner, Role::Entrepreneur, &push, AfterPush).await.unwrap();
            self.phone.receive_push(&answer);
        }
    }

    /// Approved products written as an approval writes them (row, address,
    /// two photos, places in the market), until she has `count`.
    async fn approved_up_to(&self, count: usize) {
        let have: Option<i64> = self
            .db
            .query("RETURN count(SELECT VALUE id FROM approved_product WHERE owner = $owner)")
            .bind(("owner", self.owner.to_string()))
            .await
            .unwrap()
            .take(0)
            .unwrap();
        let have = have.unwrap_or(0) as usize;
        for chunk in (have..count).collect::<Vec<_>>().chunks(250) {
            let rows: Vec<serde_json::Value> = chunk
                .iter()
                .map(|n| {
                    let fields = serde_json::from_value(json!({
                        "storefront": storefront_id(&self.owner).to_string(), "name": format!("Seeded jam {n}"),
                        "description": "Apricots, sugar", "price_som": 20_000, "unit": "jar",
                        "availability": "in_stock", "position": *n as f64,
                    }))
                    .unwrap();
                    let (_, mut row, _) = sawda_server::approved::write::row_of(Kind::Product, &fields).unwrap();
                    row.retain(|_, v| !v.is_null());
                    row.extend([
                        ("owner".into(), json!(self.owner.to_string())),
                        ("revision".into(), json!(1)),
                        ("approved_by".into(), json!("Bench")),
                        ("slug".into(), json!(format!("seeded-jam-{n}"))),
                    ]);
                    json!({"record": format!("seeded{n:06}"), "row": row})
                })
                .collect();
            self.db
                .query(format!(
                    "LET $shop = (SELECT slug, name, district, category FROM approved_storefront WHERE owner = $owner)[0];
                     FOR $p IN $rows {{
                         CREATE type::record('approved_product', [$owner, $p.record]) CONTENT $p.row;
                         UPDATE type::record('approved_product', [$owner, $p.record]) SET storefront_slug = $shop.slug,
                             storefront_name = $shop.name, district = $shop.district, category = $shop.category;
                         FOR $place IN [0, 1] {{
                             CREATE approved_photo CONTENT {{ owner: $owner, item: $p.record,
                                 hash: string::concat('b3-', $p.record, '-', <string> $place), place: $place }};
                         }};
                     }};
                     {}",
                    sawda_server::approved::market::market_order("owner = $owner AND record::id(id)[1] IN $records")
                ))
                .bind(("owner", self.owner.to_string()))
                .bind(("records", rows.iter().map(|r| r["record"].clone()).collect::<Vec<_>>()))
                .bind(("rows", rows))
                .await
                .unwrap()
                .check()
                .unwrap();
        }
    }
}

fn approval() -> DecisionRequest {
    let points = ["origin", "photos", "description", "price", "packaging", "food_safety"];
    serde_json::from_value(json!({
        "revision": 1, "decision": "approve",
        "checklist": points.iter().map(|p| json!({"point": p, "pass": true})).collect::<Vec<_>>(),
    }))
    .unwrap()
}

fn p(times: &[Duration], percent: usize) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort();
    ms(sorted[(sorted.len() * percent / 100).min(sorted.len() - 1)])
}

/// Issue 26: a decision reads and writes what it needs for its item, so it
/// costs the same in a storefront of 1 or 1,000 approved products; four
/// coordinators deciding at once on one seller's products all go through.
async fn decisions() {
    let Embedded { db, dir } = Embedded::new().await;
    let person = support::signed_in(&db, "+998900000101", "Gulnar", Role::Entrepreneur, &[], Some("chimbay")).await;
    let owner = person.owner();
    let mut coordinators: Vec<Account> = Vec::new();
    for n in 0..4 {
        let phone = format!("+99890000011{n}");
        coordinators.push(support::account(&db, &phone, "Coordinator", Role::Coordinator, &["chimbay"]).await);
    }
    let phone = Replica::new(DeviceId::new(T, [1; 10]), owner.clone());
    let mut seller = Seller { db: db.clone(), owner: owner.clone(), phone, made: 0 };
    let shop = storefront_id(&owner);
    let fields: Fields = serde_json::from_value(json!({
        "name": "Gulnar's jams", "slug": "gulnars-jams", "story": "Melons from our own field in Chimbay",
        "district": "chimbay", "category": "food", "payment": [{"method": "cash_on_delivery"}], "delivery": ["pickup"],
    }))
    .unwrap();
    seller.phone.put(shop, Kind::Storefront, fields, T, [2; 10]).unwrap();
    seller.submit(shop, T + 1);
    seller.push().await;
    desk::decide(&db, &coordinators[0], &owner, shop, approval()).await.unwrap();
    println!(
        "A decision on one product of her storefront (embedded SurrealKV; {DECISIONS} approvals at each size, \
         each one more approved product; budget p95 <= {DECISION_P95_MS} ms at every size, flat in N):"
    );
    for size in SIZES {
        seller.approved_up_to(size).await;
        let waiting = seller.submitted_products(DECISIONS).await;
        let mut times = Vec::with_capacity(DECISIONS);
        for id in waiting {
            let started = Instant::now();
            desk::decide(&db, &coordinators[0], &owner, id, approval()).await.unwrap();
            times.push(started.elapsed());
        }
        let p95 = p(&times, 95);
        println!(
            "  N = {size:>5} approved: p50 {:.1} ms, p95 {p95:.1} ms (budget {DECISION_P95_MS} ms){}",
            p(&times, 50),
            if p95 > DECISION_P95_MS { "  OVER BUDGET" } else { "" }
        );
    }
    let (mut approved, mut failed, mut times) = (0, Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let waiting = seller.submitted_products(4).await;
        let tasks: Vec<_> = waiting
            .into_iter()
            .zip(&coordinators)
            .map(|(id, coordinator)| {
                let (db, coordinator, owner) = (db.clone(), coordinator.clone(), owner.clone());
                tokio::spawn(async move {
                    let started = Instant::now();
                    let outcome = desk::decide(&db, &coordinator, &owner, id, approval()).await;
                    (outcome.map(|_| ()).map_err(|e| e.to_string()), started.elapsed())
                })
            })
            .collect();
        for task in tasks {
            let (outcome, took) = task.await.unwrap();
            times.push(took);
            match outcome {
                Ok(()) => approved += 1,
                Err(error) => failed.push(error),
            }
        }
    }
    println!(
        "  four coordinators at once on her products (N > 1,000), {ROUNDS} rounds: {approved} of {} approved, \
         {} failed (budget: none); each p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms",
        ROUNDS * 4,
        failed.len(),
        p(&times, 50),
        p(&times, 95),
        p(&times, 100)
    );
    if let Some(first) = failed.first() {
        println!("    first failure: {first}");
    }
    Embedded { db, dir }.close().await;
}
