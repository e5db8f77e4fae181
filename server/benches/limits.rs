//! Prints what the bounds on synced records buy (`sawda_sync::limits`). A
//! report, not a test: `cargo bench -p sawda-server --bench limits` (or
//! `make bench`).
//!
//! - The worst record the bounds allow: a product whose every text field
//!   holds its longest value from 21 invented devices, grown until the server
//!   refuses; and, for a kind that would allow any field, a record of that
//!   many bytes in thousands of small fields (the shape that made loads
//!   quadratic). For each: the time to load it (parse and check), merge one
//!   edit into it, and pull it.
//! - A normal pull by another person while one person runs each attack
//!   (the record growth above, an ad post of many fields), over the embedded
//!   database: p50 and max, in ms.

use std::time::{Duration, Instant};

use app::rules::people::Role;
use app::rules::records::SawdaRules;
use axum::body::Body;
use axum::http::Request;
use sawda_server::accounts::people::{self, NewAccount};
use sawda_server::accounts::sessions;
use sawda_server::config::{Cli, DatabaseTarget};
use sawda_server::infra::{database, migrations};
use sawda_server::{AppState, http};
use sawda_sync::limits::{MAX_RECORD_BYTES, record_bytes};
use sawda_sync::protocol::{Epoch, PROTOCOL_VERSION, Snapshot};
use sawda_sync::server::{Loaded, plan_push, pull_page};
use sawda_sync::{
    Action, DeviceId, Kind, Mutation, MutationId, Owner, PullRequest, PushRequest, Record, RecordId, Stamp,
};
use serde_json::{Value, json};
use tower::ServiceExt;

const NOW: u64 = 1_760_000_000_000;

fn owner() -> Owner {
    "k3xq9w2m7a".parse().unwrap()
}

fn set(owner: &Owner, n: u64, device: u8, record: RecordId, kind: Kind, fields: Value) -> Mutation {
    let mut random = [device; 10];
    random[..8].copy_from_slice(&n.to_be_bytes());
    Mutation {
        id: MutationId::new(NOW + n, random),
        record,
        kind,
        owner: owner.clone(),
        at: Stamp::new(NOW + n, 0, DeviceId::new(NOW, [device; 10])),
        action: Action::Set(serde_json::from_value(fields).unwrap()),
    }
}

fn push(owner: &Owner, mutations: Vec<Mutation>) -> PushRequest {
    PushRequest { version: PROTOCOL_VERSION, account: owner.clone(), device: DeviceId::new(NOW, [1; 10]), mutations }
}

/// The product's text fields at their longest, 4 bytes a character.
fn longest_product_texts() -> Value {
    let text = |chars: usize| json!("\u{10437}".repeat(chars));
    json!({"name": text(80), "description": text(2_000), "unit": text(40), "materials": text(500),
           "shelf_life": text(80), "storage": text(200)})
}

/// The largest product the push core lets one person build from invented devices.
fn worst_product() -> Record {
    let owner = owner();
    let id = RecordId::new(NOW, [5; 10]);
    let mut fields = longest_product_texts();
    fields["price_som"] = json!(25_000);
    fields["availability"] = json!("in_stock");
    fields["position"] = json!(1.0);
    let mut record: Option<Record> = None;
    for device in 1..=21u8 {
        let mut loaded = Loaded::default();
        if let Some(r) = &record {
            loaded.records.insert(r.id(), Snapshot { seq: 1, record: r.clone() });
        }
        let request = push(&owner, vec![set(&owner, u64::from(device), device, id, Kind::Product, fields.clone())]);
        let plan =
            plan_push(&SawdaRules::ENTREPRENEUR, &owner, &request, loaded, &Epoch::new("bench").unwrap(), NOW + 100);
        if let Some(change) = plan.changes.into_iter().next() {
            record = Some(change.record);
        }
    }
    record.expect("a product")
}

/// For a kind that allowed any field: the record bound filled with small
/// fields, each set by `devices` invented devices (so with history).
fn worst_generic(devices: u8) -> Record {
    let owner = owner();
    let mut record = Record::new(RecordId::new(NOW, [6; 10]), Kind::Product, owner.clone());
    let mut n = 0u64;
    while record_bytes(&record) < MAX_RECORD_BYTES - 10_000 {
        let fields: sawda_sync::Fields = (0..5).map(|i| (format!("f{n}_{i}"), json!("v"))).collect();
        for device in 0..devices {
            record.set(&fields, Stamp::new(NOW + n * 100 + u64::from(device), 0, DeviceId::new(NOW, [device; 10])));
        }
        n += 1;
    }
    record
}

fn time<T>(runs: u32, mut f: impl FnMut() -> T) -> Duration {
    let started = Instant::now();
    for _ in 0..runs {
        std::hint::black_box(f());
    }
    started.elapsed() / runs
}

fn report(name: &str, record: &Record) {
    let owner = owner();
    let json = serde_json::to_string(record).unwrap();
    let load = time(50, || serde_json::from_str::<Record>(&json).unwrap());
    let edit = set(&owner, 999, 30, record.id(), Kind::Product, json!({"price_som": 26_000}));
    let merge = time(50, || {
        let mut loaded = Loaded::default();
        loaded.records.insert(record.id(), Snapshot { seq: 1, record: record.clone() });
        plan_push(
            &SawdaRules::ENTREPRENEUR,
            &owner,
            &push(&owner, vec![edit.clone()]),
            loaded,
            &Epoch::new("bench").unwrap(),
            NOW + 10,
        )
    });
    let request = PullRequest { version: PROTOCOL_VERSION, account: owner.clone(), cursor: 0, limit: 1000 };
    let pull = time(50, || {
        let page =
            pull_page(&owner, &request, &Epoch::new("bench").unwrap(), [Snapshot { seq: 1, record: record.clone() }]);
        serde_json::to_string(&page).unwrap()
    });
    println!(
        "  {name}: {} fields, {} history entries, {} bytes; load {:.2} ms, merge an edit {:.2} ms, pull {:.2} ms",
        record.fields().len(),
        record.history().len(),
        json.len(),
        load.as_secs_f64() * 1e3,
        merge.as_secs_f64() * 1e3,
        pull.as_secs_f64() * 1e3,
    );
}

struct Server {
    router: axum::Router,
    db: surrealdb::Surreal<surrealdb::engine::any::Any>,
    _dir: tempfile::TempDir,
}

async fn server() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = database::connect(&DatabaseTarget::Embedded(dir.path().join("db")), "sawda", "bench").await.unwrap();
    migrations::migrate(&db, migrations::MIGRATIONS).await.unwrap();
    let cli: Cli = clap::Parser::parse_from(["sawda"]);
    let state = AppState::new(db.clone(), http::leptos_options(&cli.config, "127.0.0.1:0".parse().unwrap()));
    Server { router: http::router(state, &std::env::temp_dir()), db, _dir: dir }
}

async fn person(db: &surrealdb::Surreal<surrealdb::engine::any::Any>, phone: &str) -> (Owner, String) {
    let account = people::create(
        db,
        NewAccount {
            phone: phone.into(),
            name: "Bench".into(),
            role: Role::Entrepreneur,
            password_hash: sawda_server::accounts::passwords::hash("long-enough-1".into()).await,
            districts: vec![],
        },
    )
    .await
    .unwrap();
    let cookie = format!("sawda_session={}", sessions::start(db, &account.id).await.unwrap());
    (account.id.parse().unwrap(), cookie)
}

async fn send(router: &axum::Router, request: Request<Body>) -> Duration {
    let started = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    started.elapsed()
}

fn post(cookie: &str, request: &PushRequest) -> Request<Body> {
    Request::post("/api/v1/sync/push")
        .header("cookie", cookie)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_string(request).unwrap()))
        .unwrap()
}

/// A normal pull by Gulnar, every 20 ms while `attack` runs (bounded: 200 pulls).
async fn during(name: &str, attack: Attack) {
    let server = server().await;
    let (gulnar, her_cookie) = person(&server.db, "+998901000001").await;
    let (mallory, his_cookie) = person(&server.db, "+998901000002").await;
    let router = server.router.clone();
    let path = format!("/api/v1/sync/pull?version=3&account={gulnar}&cursor=0&limit=200");
    let attacking = tokio::spawn({
        let router = router.clone();
        async move { attack_with(router, his_cookie, mallory, attack).await }
    });
    let mut times = Vec::new();
    while !attacking.is_finished() && times.len() < 200 {
        let request = Request::get(&path).header("cookie", &her_cookie).body(Body::empty()).unwrap();
        times.push(send(&router, request).await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pushes = attacking.await.unwrap();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "  {name}: {pushes} attacking pushes; her pull p50 {:.1} ms, max {:.1} ms ({} pulls)",
        ms(times[times.len() / 2]),
        ms(*times.last().unwrap()),
        times.len()
    );
    database::close(server.db).await;
}

async fn attack_with(router: axum::Router, cookie: String, mallory: Owner, attack: Attack) -> usize {
    let mut pushes = 0;
    match attack {
        Attack::GrowRecord => {
            // 21 invented devices, each its longest texts, again and again.
            let id = RecordId::new(NOW, [5; 10]);
            for round in 0..10u64 {
                let mutations = (1..=21u8)
                    .map(|d| set(&mallory, round * 100 + u64::from(d), d, id, Kind::Product, longest_product_texts()))
                    .collect();
                send(&router, post(&cookie, &push(&mallory, mutations))).await;
                pushes += 1;
            }
        }
        Attack::WideAdPost => {
            let id = RecordId::new(NOW, [9; 10]);
            for n in 0..150u64 {
                let fields: serde_json::Map<String, Value> =
                    (0..120).map(|i| (format!("f{n}_{i}"), json!("x".repeat(300)))).collect();
                send(
                    &router,
                    post(&cookie, &push(&mallory, vec![set(&mallory, n, 1, id, Kind::AdPost, Value::Object(fields))])),
                )
                .await;
                pushes += 1;
            }
        }
    }
    pushes
}

#[derive(Clone, Copy)]
enum Attack {
    GrowRecord,
    WideAdPost,
}

#[tokio::main]
async fn main() {
    println!("The worst records the bounds allow (MAX_RECORD_BYTES = {MAX_RECORD_BYTES}):");
    report("product from 21 devices", &worst_product());
    report("any-field record, one device (were a kind to allow it)", &worst_generic(1));
    report("any-field record, 21 devices (were a kind to allow it)", &worst_generic(21));
    println!("A normal pull by another person during an attack (embedded SurrealKV):");
    during("growing one product from invented devices", Attack::GrowRecord).await;
    during("an ad post of 120 fields a push, 150 pushes", Attack::WideAdPost).await;
}
