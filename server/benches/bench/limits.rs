//! Prints what the bounds on synced records buy (`sawda_sync::limits`). A
//! report, not a test: `cargo bench -p sawda-server --bench bench -- limits`
//! (or `make bench`).
//!
//! - The worst record the bounds allow: a product whose every text field
//!   holds its longest value from 21 invented devices, grown until the server
//!   refuses; and, for a kind that would allow any field, a record of that
//!   many bytes in thousands of small fields (the shape that made loads
//!   quadratic). For each: the time to load it (parse and check), merge one
//!   edit into it, and pull it.
//! - A normal pull by another person while one person runs each attack
//!   (the record growth above, an ad post of many fields, photo uploads
//!   that are as heavy as allowed or decode huge, a flood of sign-ins from
//!   many addresses), over the embedded database: p50 and max, in ms; during
//!   the sign-in flood, also her own sign-in.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app::rules::people::Role;
use app::rules::records::SawdaRules;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sawda_server::http::site::Site;
use sawda_server::photos::Photos;
use sawda_sync::limits::{MAX_RECORD_BYTES, record_bytes};
use sawda_sync::protocol::{Epoch, PROTOCOL_VERSION, Snapshot};
use sawda_sync::server::{Loaded, plan_push, pull_page};
use sawda_sync::{
    Action, DeviceId, Kind, Mutation, MutationId, Owner, PullRequest, PushRequest, Record, RecordId, Stamp,
};
use serde_json::{Value, json};
use sha2::Digest;
use tower::ServiceExt;

use crate::support::{self, Embedded, PASSWORD, device_cookie_of, ms, sign_in_request as sign_in};

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
    let mut record = Record::new(RecordId::new(NOW, [6; 10]), Kind::Product, owner);
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
    database: Embedded,
}

async fn server() -> Server {
    let database = Embedded::new().await;
    let site = std::env::temp_dir();
    // Behind a proxy, so the sign-in flood can come from many addresses.
    let photos = std::sync::Arc::new(Photos::on_disk(&database.dir.path().join("photos")));
    let state = sawda_server::AppState { photos, ..support::state(database.db.clone(), &site) }
        .with_site(Site { trust_proxy: true, ..Default::default() });
    Server { router: sawda_server::router(state, &site), database }
}

async fn person(db: &surrealdb::Surreal<surrealdb::engine::any::Any>, phone: &str) -> (Owner, String) {
    let person = support::signed_in(db, phone, "Bench", Role::Entrepreneur, &[], None).await;
    (person.owner(), person.cookie)
}

async fn send(router: &axum::Router, request: Request<Body>) -> (Duration, StatusCode) {
    let started = Instant::now();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let _ = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (started.elapsed(), status)
}

fn post(cookie: &str, request: &PushRequest) -> Request<Body> {
    Request::post("/api/v1/sync/push")
        .header("cookie", cookie)
        .header("content-type", "application/json")
        .body(Body::from(serde_json::to_string(request).unwrap()))
        .unwrap()
}

/// p50 and max of `times`, sorted in place.
fn spread(times: &mut [Duration]) -> String {
    times.sort();
    format!("p50 {:.1} ms, max {:.1} ms", ms(times[times.len() / 2]), ms(*times.last().unwrap()))
}

/// A normal pull by Gulnar, every 20 ms while `attack` runs (bounded: 400
/// pulls); during a sign-in flood she also signs in each time.
async fn during(name: &str, attack: Attack) {
    let server = server().await;
    let (gulnar, her_cookie) = person(&server.database.db, "+998901000001").await;
    let (mallory, his_cookie) = person(&server.database.db, "+998901000002").await;
    let router = server.router.clone();
    let path = format!("/api/v1/sync/pull?version=3&account={gulnar}&cursor=0&limit=200");
    // Her phone signed in before, so it is a known device (`known_devices`).
    let first = router.clone().oneshot(sign_in("10.1.1.1", "+998901000001", PASSWORD, None)).await.unwrap();
    let device = device_cookie_of(&first).expect("a device cookie");
    let prepared = attack.prepare();
    let attacking = tokio::spawn({
        let router = router.clone();
        async move { attack_with(router, his_cookie, mallory, prepared).await }
    });
    let (mut pulls, mut sign_ins, mut signed_in) = (Vec::new(), Vec::new(), 0);
    while !attacking.is_finished() && pulls.len() < 400 {
        let request = Request::get(&path).header("cookie", &her_cookie).body(Body::empty()).unwrap();
        pulls.push(send(&router, request).await.0);
        if matches!(attack, Attack::SignInFlood) {
            let (took, status) = send(&router, sign_in("10.1.1.1", "+998901000001", PASSWORD, Some(&device))).await;
            sign_ins.push(took);
            signed_in += usize::from(status == StatusCode::OK);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (requests, answers) = attacking.await.unwrap();
    let answers: Vec<String> = answers.iter().map(|(status, n)| format!("{n} × {status}")).collect();
    println!("  {name}: {requests} attacking requests, answered {}", answers.join(", "));
    println!("    her pull meanwhile: {} ({} pulls)", spread(&mut pulls), pulls.len());
    if !sign_ins.is_empty() {
        println!(
            "    her own sign-in meanwhile: {} ({signed_in} of {} signed in, the rest told to retry)",
            spread(&mut sign_ins),
            sign_ins.len()
        );
    }
    drop(server.router);
    server.database.close().await;
}

fn upload(cookie: &str, hash: &str, offset: usize, total: usize, piece: &[u8]) -> Request<Body> {
    Request::put(format!("/api/v1/photos/{hash}/upload?offset={offset}&total={total}"))
        .header("cookie", cookie)
        .header("content-type", "application/octet-stream")
        .body(Body::from(piece.to_vec()))
        .unwrap()
}

/// A photo as large as the server takes (4,000 × 3,000 px), different for each `n`.
fn heaviest_photo(n: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(4_000, 3_000, |x, y| {
        image::Rgb([((x + n) % 251) as u8, ((y * 3 + n) % 241) as u8, ((x ^ y) % 239) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image).write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

/// Sends a whole file in pieces as the phone does; the last answer's status.
async fn send_photo(router: &axum::Router, cookie: &str, bytes: &[u8]) -> (usize, StatusCode) {
    let hash = hex::encode(sha2::Sha256::digest(bytes));
    let mut status = StatusCode::OK;
    let mut requests = 0;
    for (i, piece) in bytes.chunks(256 * 1024).enumerate() {
        status = send(router, upload(cookie, &hash, i * 256 * 1024, bytes.len(), piece)).await.1;
        requests += 1;
        if status != StatusCode::OK {
            break;
        }
    }
    (requests, status)
}

/// How many requests the attack sent, and its answers (a file's last answer
/// for photos) by status.
async fn attack_with(
    router: axum::Router,
    cookie: String,
    mallory: Owner,
    attack: Prepared,
) -> (usize, BTreeMap<u16, usize>) {
    let mut pushes = 0;
    let mut answers = BTreeMap::new();
    let mut tally = |status: StatusCode| *answers.entry(status.as_u16()).or_insert(0) += 1;
    match attack {
        Prepared::Photos(files) => {
            // As many at once as one person may have under way.
            let cookie = std::sync::Arc::new(cookie);
            let mut running = tokio::task::JoinSet::new();
            for file in files {
                if running.len() == 8 {
                    let (sent, status) = running.join_next().await.unwrap().unwrap();
                    pushes += sent;
                    tally(status);
                }
                let (router, cookie) = (router.clone(), cookie.clone());
                running.spawn(async move { send_photo(&router, &cookie, &file).await });
            }
            while let Some(sent) = running.join_next().await {
                let (sent, status) = sent.unwrap();
                pushes += sent;
                tally(status);
            }
        }
        Prepared::SignInFlood => {
            // 600 guesses, 64 at a time, each from its own address and most
            // for phones that have no account (which still cost a hash).
            let mut running = tokio::task::JoinSet::<(Duration, StatusCode)>::new();
            for n in 0..600u32 {
                if running.len() == 64 {
                    tally(running.join_next().await.unwrap().unwrap().1);
                }
                let router = router.clone();
                running.spawn(async move {
                    let address = format!("198.51.{}.{}", n / 250, n % 250 + 1);
                    let phone = if n % 5 == 0 { "+998901000001".to_string() } else { format!("+9989020{n:05}") };
                    send(&router, sign_in(&address, &phone, "a-guess-123", None)).await
                });
                pushes += 1;
            }
            while let Some(answer) = running.join_next().await {
                tally(answer.unwrap().1);
            }
        }
        Prepared::GrowRecord => {
            // 21 invented devices, each its longest texts, again and again.
            let id = RecordId::new(NOW, [5; 10]);
            for round in 0..10u64 {
                let mutations = (1..=21u8)
                    .map(|d| set(&mallory, round * 100 + u64::from(d), d, id, Kind::Product, longest_product_texts()))
                    .collect();
                tally(send(&router, post(&cookie, &push(&mallory, mutations))).await.1);
                pushes += 1;
            }
        }
        Prepared::WideComment => {
            let id = RecordId::new(NOW, [9; 10]);
            for n in 0..150u64 {
                let fields: serde_json::Map<String, Value> =
                    (0..120).map(|i| (format!("f{n}_{i}"), json!("x".repeat(300)))).collect();
                let request = post(
                    &cookie,
                    &push(&mallory, vec![set(&mallory, n, 1, id, Kind::ReviewComment, Value::Object(fields))]),
                );
                tally(send(&router, request).await.1);
                pushes += 1;
            }
        }
    }
    (pushes, answers)
}

#[derive(Clone, Copy)]
enum Attack {
    GrowRecord,
    WideComment,
    HeavyPhotos,
    DecompressionBombs,
    SignInFlood,
}

/// An attack with its files made before the clock starts.
enum Prepared {
    GrowRecord,
    WideComment,
    Photos(Vec<Vec<u8>>),
    SignInFlood,
}

impl Attack {
    fn prepare(self) -> Prepared {
        match self {
            Attack::GrowRecord => Prepared::GrowRecord,
            Attack::WideComment => Prepared::WideComment,
            Attack::HeavyPhotos => Prepared::Photos((0..16).map(heaviest_photo).collect()),
            Attack::DecompressionBombs => Prepared::Photos((0..200).map(support::decompression_bomb).collect()),
            Attack::SignInFlood => Prepared::SignInFlood,
        }
    }
}

pub async fn run() {
    println!("The worst records the bounds allow (MAX_RECORD_BYTES = {MAX_RECORD_BYTES}):");
    report("product from 21 devices", &worst_product());
    report("any-field record, one device (were a kind to allow it)", &worst_generic(1));
    report("any-field record, 21 devices (were a kind to allow it)", &worst_generic(21));
    println!("A normal pull by another person during an attack (embedded SurrealKV):");
    during("growing one product from invented devices", Attack::GrowRecord).await;
    during("a review comment (a kind without rules) of 120 fields a push, 150 pushes", Attack::WideComment).await;
    during("16 photos of 4,000 x 3,000 px, 8 uploads at once", Attack::HeavyPhotos).await;
    during("200 tiny PNGs that decode to 10 GB, 8 at once", Attack::DecompressionBombs).await;
    during("600 wrong sign-ins from 600 addresses, 64 at once", Attack::SignInFlood).await;
}
