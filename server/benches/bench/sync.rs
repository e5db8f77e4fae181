//! Prints what syncing costs: the bytes a push of 100 edited fields puts on the
//! wire against those fields' own JSON (target: at most 2x); the server time
//! and requests for a phone coming online with 1,000 queued mutations, over the
//! embedded database (target: at most 1 s and 3 requests); and a village getting
//! signal at once: N phones (50, 200, 500) each pushing 20 new products at the
//! same moment (target: no errors, p95 at most 2 s), with the server time per
//! push (p50, p95, max) and pushes per second. A report, not a test:
//! `cargo bench -p sawda-server --bench bench -- sync` (or `make bench`).

use std::time::{Duration, Instant};

use app::rules::people::Role;
use axum::body::Body;
use axum::http::Request;
use sawda_sync::protocol::Limits;
use sawda_sync::{DeviceId, Fields, Kind, PullResponse, PushResponse, Replica};
use serde_json::json;
use tower::ServiceExt;

use crate::support::{self, Embedded};

fn fields(count: usize, start: usize) -> Fields {
    (start..start + count).map(|i| (format!("field_{i}"), json!(format!("value number {i}")))).collect()
}

fn wire_size() {
    println!("Wire size of a push of 100 edited fields (JSON bytes):");
    for records in [1usize, 4, 10, 20, 100] {
        let owner = "k3xq9w2m7a".parse().unwrap();
        let mut phone = Replica::new(DeviceId::new(1_760_000_000_000, [1; 10]), owner);
        let per_record = 100 / records;
        let mut fields_json = 0;
        for r in 0..records {
            let set = fields(per_record, r * per_record);
            fields_json += serde_json::to_string(&set).unwrap().len();
            phone.create(Kind::Product, set, 1_760_000_000_000 + r as u64, [r as u8 + 2; 10]).unwrap();
        }
        let push = serde_json::to_string(&phone.push_request(Limits::DEFAULT).unwrap()).unwrap();
        println!(
            "  {records:>3} record(s): push {:>6} B, fields {:>6} B, ratio {:.2}x",
            push.len(),
            fields_json,
            push.len() as f64 / fields_json as f64
        );
    }
}

async fn coming_online() {
    let Embedded { db, dir } = Embedded::new().await;
    let gulnar = support::signed_in(&db, "+998901234567", "Gulnar", Role::Entrepreneur, &[], None).await;
    let cookie = gulnar.cookie;
    let site = std::env::temp_dir();
    let router = sawda_server::router(support::state(db.clone(), &site), &site);

    let mut phone = Replica::new(DeviceId::new(1_760_000_000_000, [1; 10]), gulnar.id.parse().unwrap());
    for i in 0..1_000u64 {
        let set: Fields =
            [("name".to_string(), json!(format!("Product {i}"))), ("price_som".to_string(), json!(25_000 + i))]
                .into_iter()
                .collect();
        let mut random = [7u8; 10];
        random[..8].copy_from_slice(&i.to_be_bytes());
        phone.create(Kind::Product, set, 1_760_000_000_000 + i, random).unwrap();
    }
    println!("A phone comes online with {} queued mutations (embedded SurrealKV):", phone.outbox().len());

    let mut server_time = Duration::ZERO;
    let (mut pushes, mut pulls) = (0, 0);
    while let Some(push) = phone.push_request(Limits::DEFAULT) {
        let request = Request::post("/api/v1/sync/push")
            .header("cookie", &cookie)
            .header("content-type", "application/json")
            .body(Body::from(serde_json::to_string(&push).unwrap()))
            .unwrap();
        let started = Instant::now();
        let response = router.clone().oneshot(request).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        server_time += started.elapsed();
        pushes += 1;
        phone.receive_push(&serde_json::from_slice::<PushResponse>(&body).unwrap());
    }
    loop {
        let pull = phone.pull_request(1000);
        let path = format!(
            "/api/v1/sync/pull?version={}&account={}&cursor={}&limit=1000",
            pull.version, pull.account, pull.cursor
        );
        let request = Request::get(path).header("cookie", &cookie).body(Body::empty()).unwrap();
        let started = Instant::now();
        let response = router.clone().oneshot(request).await.unwrap();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        server_time += started.elapsed();
        pulls += 1;
        let page: PullResponse = serde_json::from_slice(&body).unwrap();
        let more = page.more;
        phone.receive_pull(page);
        if !more {
            break;
        }
    }
    println!("  push requests: {pushes}, pull requests: {pulls}, server time: {} ms", server_time.as_millis());
    println!("  still queued after sync: {}", phone.outbox().len());
    drop(router);
    Embedded { db, dir }.close().await;
}

/// A village's pushes: the slowest 5 % of pushes answered within this (issue #26).
const VILLAGE_P95_MS: u128 = 2_000;

/// N entrepreneurs' phones, each with 20 new products, push at the same moment.
async fn village_gets_signal(phones: usize) {
    let Embedded { db, dir } = Embedded::new().await;
    let mut people_and_pushes = Vec::with_capacity(phones);
    for n in 0..phones {
        let number = format!("+99890{:07}", 1_000_000 + n);
        let person =
            support::signed_in(&db, &number, &format!("Entrepreneur {n}"), Role::Entrepreneur, &[], None).await;
        let cookie = person.cookie;
        let mut phone = Replica::new(DeviceId::new(1_760_000_000_000, [n as u8; 10]), person.id.parse().unwrap());
        for i in 0..20u64 {
            let set: Fields =
                [("name".to_string(), json!(format!("Product {i}"))), ("price_som".to_string(), json!(9_000))]
                    .into_iter()
                    .collect();
            let mut random = [0u8; 10];
            random[..4].copy_from_slice(&(n as u32).to_be_bytes());
            random[4..].copy_from_slice(&i.to_be_bytes()[2..]);
            phone.create(Kind::Product, set, 1_760_000_000_000 + i, random).unwrap();
        }
        let body = serde_json::to_string(&phone.push_request(Limits::DEFAULT).unwrap()).unwrap();
        people_and_pushes.push((cookie, body));
    }
    let site = std::env::temp_dir();
    let router = sawda_server::router(support::state(db.clone(), &site), &site);
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(phones));
    let began = Instant::now();
    let tasks: Vec<_> = people_and_pushes
        .into_iter()
        .map(|(cookie, body)| {
            let (router, start) = (router.clone(), start.clone());
            tokio::spawn(async move {
                let request = Request::post("/api/v1/sync/push")
                    .header("cookie", &cookie)
                    .header("content-type", "application/json")
                    .body(Body::from(body))
                    .unwrap();
                start.wait().await;
                let started = Instant::now();
                let response = router.oneshot(request).await.unwrap();
                let status = response.status();
                let body = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
                let applied = String::from_utf8_lossy(&body).matches(r#""result":"applied""#).count();
                (started.elapsed(), status.is_success() && applied == 20)
            })
        })
        .collect();
    let mut times = Vec::with_capacity(phones);
    let mut errors = 0;
    for task in tasks {
        let (time, ok) = task.await.unwrap();
        times.push(time);
        errors += usize::from(!ok);
    }
    let wall = began.elapsed();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1].as_millis();
    let p95 = at(0.95);
    let within = errors == 0 && p95 <= VILLAGE_P95_MS;
    println!(
        "  {phones:>3} phones x 20 new products: errors {errors}, per push p50 {} ms, p95 {p95} ms, max {} ms, {:.0} pushes/s \
         (budget: p95 <= {VILLAGE_P95_MS} ms, 0 errors: {})",
        at(0.50),
        at(1.0),
        phones as f64 / wall.as_secs_f64(),
        if within { "within" } else { "OVER" }
    );
    drop(router);
    Embedded { db, dir }.close().await;
}

pub async fn run() {
    wire_size();
    coming_online().await;
    println!("A village gets signal: N phones push at the same moment (embedded SurrealKV):");
    for phones in [50, 200, 500] {
        village_gets_signal(phones).await;
    }
}
