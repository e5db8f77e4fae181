//! `make bench`: how fast the review desk's queue is with thousands of items
//! waiting, on the embedded database: the first page, a filtered page, and
//! a page deep in the queue (keyset, so it costs what the first one does).

use std::time::Instant;

use app::rules::people::Role;
use sawda_server::review::desk::{self, QueueFilter};

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
}
