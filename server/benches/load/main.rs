//! The load of `make cluster-check` (scripts/cluster-check.sh): phones that
//! sync as the app does (the sync crate's `Replica`, its outbox and protocol),
//! a photo each sent in two pieces, and buyers reading pages, searching the
//! market and sending order requests; then every phone's copy and every
//! acknowledged order request is checked against the server.
//!
//! `load seed --db URL --out FILE --phones N --shops S`: accounts, sessions
//! and approved storefronts, written straight into the database (before the
//! servers start, for the embedded store); `load run --url BASE --seed FILE
//! --seconds 60 --buyers B --label NAME`: the load, against loopback only.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::rules::people::Role;
use app::rules::records::storefront::storefront_id;
use app::rules::review::{Check, CheckPoint, Decision};
use axum::body::Body;
use axum::http::{Method, Request};
use sawda_server::config::DatabaseTarget;
use sawda_server::infra::{database, migrations};
use sawda_sync::protocol::{Limits, Outcome};
use sawda_sync::{DeviceId, Fields, Kind, PullResponse, PushResponse, RecordId, Replica};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Mutex;
use tower::ServiceExt;

#[path = "../../tests/it/support/builders.rs"]
#[allow(dead_code)]
mod builders;
#[path = "../../tests/it/support/records.rs"]
mod records;

const T: u64 = 1_760_000_000_000;

#[derive(Serialize, Deserialize)]
struct Seed {
    phones: Vec<Account>,
    /// Storefronts' owners, and their products' public paths.
    shops: Vec<(Account, Vec<String>)>,
}

#[derive(Serialize, Deserialize, Clone)]
struct Account {
    id: String,
    cookie: String,
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn number(args: &[String], name: &str, default: u64) -> u64 {
    arg(args, name).map_or(default, |v| v.parse().unwrap_or_else(|_| panic!("{name} takes a number")))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.first().map(String::as_str) {
        Some("seed") => seed(&args).await,
        Some("run") => run(&args).await,
        _ => {
            eprintln!(
                "usage: load seed --db URL --out FILE [--phones N --shops S] | load run --url BASE --seed FILE [--seconds S --buyers B --label L]"
            );
            std::process::exit(2);
        }
    }
}

fn target_of(url: &str) -> DatabaseTarget {
    if let Some(path) = url.strip_prefix("surrealkv://") {
        DatabaseTarget::Embedded(path.into())
    } else {
        assert!(url.starts_with("ws://127.0.0.1:"), "loopback only: {url}");
        let user = std::env::var("SAWDA_DB_USER").unwrap_or_else(|_| "root".into());
        let pass = std::env::var("SAWDA_DB_PASS").expect("SAWDA_DB_PASS for a database server");
        DatabaseTarget::Remote { url: url.into(), credentials: Some((user, pass)) }
    }
}

async fn seed(args: &[String]) {
    let url = arg(args, "--db").expect("--db");
    let out = arg(args, "--out").expect("--out");
    let (phones, shops) = (number(args, "--phones", 500), number(args, "--shops", 40));
    let target = target_of(&url);
    let db = database::connect(&target, "sawda", "main").await.expect("the database");
    migrations::migrate(&db, migrations::MIGRATIONS).await.expect("migrations");
    let started = Instant::now();
    let admin = builders::account(&db, "+998900000001", "Admin", Role::Admin, &[]).await;
    let site = std::env::temp_dir();
    let router = sawda_server::router(builders::state(db.clone(), &site), &site);
    let mut seed = Seed { phones: Vec::new(), shops: Vec::new() };
    for n in 0..phones {
        let person = builders::signed_in(
            &db,
            &format!("+99891{:07}", n),
            &format!("Entrepreneur {n}"),
            Role::Entrepreneur,
            &[],
            Some("nukus"),
        )
        .await;
        seed.phones.push(Account { id: person.id, cookie: person.cookie });
    }
    for s in 0..shops {
        let person =
            builders::signed_in(&db, &format!("+99892{:07}", s), "Shop", Role::Entrepreneur, &[], Some("chimbay"))
                .await;
        let owner: sawda_sync::Owner = person.id.parse().unwrap();
        let mut phone = Replica::new(DeviceId::new(T, [s as u8; 10]), owner.clone());
        let shop = storefront_id(&owner);
        let slug = format!("load-shop-{s}");
        let fields = records::storefront_fields(&format!("Shop {s}"), &slug);
        phone.put(shop, Kind::Storefront, fields, T, [1; 10]).unwrap();
        records::submit(&mut phone, shop, T + 1, 7);
        let mut records = vec![shop];
        for p in 0..3u64 {
            let record = RecordId::new(T + 10 + p, [p as u8 + 2; 10]);
            let fields = records::product_fields_of(&owner, &format!("Samsa {s}-{p}"), 9_000 + p);
            phone.put(record, Kind::Product, fields, T + 10 + p, [9; 10]).unwrap();
            records::submit(&mut phone, record, T + 20 + p, 7);
            records.push(record);
        }
        while let Some(push) = phone.push_request(Limits::DEFAULT) {
            let answer = in_process(&router, &person.cookie, Method::POST, "/api/v1/sync/push", Some(&push)).await;
            phone.receive_push(&serde_json::from_str::<PushResponse>(&answer).unwrap());
        }
        for record in records {
            let checklist = CheckPoint::ALL
                .iter()
                .map(|p| Check { point: p.id().into(), pass: true, comment: String::new() })
                .collect();
            let request = app::wire::DecisionRequest {
                revision: 1,
                decision: Decision::Approve,
                checklist,
                comments: Default::default(),
            };
            sawda_server::review::desk::decide(&db, &admin, &owner, record, request).await.expect("approved");
        }
        let page = in_process(&router, "", Method::GET, &format!("/s/{slug}"), None::<&()>).await;
        let mut paths: Vec<String> = page
            .split(&format!("href=\"/s/{slug}/"))
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .filter(|product| !product.contains('/') && !product.contains('?'))
            .map(|product| format!("/s/{slug}/{product}"))
            .collect();
        paths.dedup();
        assert!(!paths.is_empty(), "shop {s} shows its products");
        seed.shops.push((Account { id: person.id, cookie: person.cookie }, paths));
    }
    drop(router);
    database::close(db, &target).await;
    std::fs::write(&out, serde_json::to_vec(&seed).unwrap()).unwrap();
    println!("  seeded {phones} phones and {shops} approved storefronts in {:.1} s", started.elapsed().as_secs_f64());
}

async fn in_process<B: Serialize>(
    router: &axum::Router,
    cookie: &str,
    method: Method,
    path: &str,
    body: Option<&B>,
) -> String {
    let mut request = Request::builder().method(method).uri(path).header("cookie", cookie);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(serde_json::to_vec(b).unwrap()));
    let response = router.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    assert!(response.status().is_success(), "{path}: {}", response.status());
    String::from_utf8(axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap()
}

/// Times per kind of request, and what failed after its retries.
#[derive(Default)]
struct Tally {
    times: BTreeMap<&'static str, Vec<Duration>>,
    failed: BTreeMap<&'static str, u64>,
    retried: BTreeMap<&'static str, u64>,
    refused: BTreeMap<&'static str, u64>,
}

struct Load {
    client: reqwest::Client,
    base: String,
    tally: Mutex<Tally>,
    until: Instant,
}

enum Answer {
    Ok(String),
    /// A 4xx the protocol expects (a limit, a full room): not an error of the server.
    Refused,
}

impl Load {
    /// One request as the app sends it: retried after a network error or a
    /// 5xx (the phone's own backoff, shortened), for up to 60 s.
    async fn send(
        &self,
        kind: &'static str,
        method: reqwest::Method,
        path: &str,
        cookie: &str,
        body: Option<(Vec<u8>, &'static str)>,
        forwarded: Option<&str>,
    ) -> Option<Answer> {
        let gave_up = Instant::now() + Duration::from_secs(60);
        let mut wait = Duration::from_millis(250);
        loop {
            let mut request = self.client.request(method.clone(), format!("{}{path}", self.base));
            if !cookie.is_empty() {
                request = request.header("cookie", cookie);
            }
            if let Some(address) = forwarded {
                request = request.header("x-forwarded-for", address);
            }
            if let Some((bytes, kind)) = &body {
                request = request.header("content-type", *kind).body(bytes.clone());
            }
            if method == reqwest::Method::POST && kind == "order" {
                request = request.header("sec-fetch-site", "same-origin");
            }
            let started = Instant::now();
            let answer = request.send().await;
            let took = started.elapsed();
            let status = answer.as_ref().map(|a| a.status().as_u16()).unwrap_or(0);
            if status != 0 && status < 500 {
                let text = answer.unwrap().text().await.unwrap_or_default();
                let mut tally = self.tally.lock().await;
                tally.times.entry(kind).or_default().push(took);
                if status < 400 {
                    return Some(Answer::Ok(text));
                }
                *tally.refused.entry(kind).or_default() += 1;
                return Some(Answer::Refused);
            }
            *self.tally.lock().await.retried.entry(kind).or_default() += 1;
            if Instant::now() + wait > gave_up {
                *self.tally.lock().await.failed.entry(kind).or_default() += 1;
                return None;
            }
            tokio::time::sleep(wait).await;
            wait = (wait * 2).min(Duration::from_secs(4));
        }
    }

    async fn sync(&self, who: &Account, phone: &mut Replica) -> bool {
        while let Some(push) = phone.push_request(Limits::DEFAULT) {
            let body = (serde_json::to_vec(&push).unwrap(), "application/json");
            match self.send("push", reqwest::Method::POST, "/api/v1/sync/push", &who.cookie, Some(body), None).await {
                Some(Answer::Ok(text)) => {
                    let answer: PushResponse = serde_json::from_str(&text).expect("a push answer");
                    let refused = answer
                        .results
                        .iter()
                        .filter(|r| !matches!(r.result, Outcome::Applied | Outcome::Duplicate))
                        .inspect(|r| eprintln!("refused: {:?}", r.result))
                        .count();
                    if refused > 0 {
                        *self.tally.lock().await.refused.entry("mutation").or_default() += refused as u64;
                    }
                    phone.receive_push(&answer);
                }
                _ => return false,
            }
        }
        loop {
            let request = phone.pull_request(100);
            let path = format!(
                "/api/v1/sync/pull?version={}&account={}&cursor={}&limit={}",
                request.version, request.account, request.cursor, request.limit
            );
            let Some(Answer::Ok(text)) = self.send("pull", reqwest::Method::GET, &path, &who.cookie, None, None).await
            else {
                return false;
            };
            let page: PullResponse = serde_json::from_str(&text).expect("a pull answer");
            let more = page.more;
            let taken = phone.receive_pull(page);
            assert!(taken.problems.is_empty(), "{:?}", taken.problems);
            if !more && !taken.pull_again {
                return true;
            }
        }
    }

    /// A photo sent as the app sends it, in two pieces here (so they reach
    /// different servers): where the server says it is, then the rest; done
    /// when the server says it keeps it.
    async fn upload(&self, who: &Account, bytes: &[u8]) -> bool {
        use sha2::Digest;
        let hash = hex::encode(sha2::Sha256::digest(bytes));
        let path = format!("/api/v1/photos/{hash}/upload");
        for _ in 0..6 {
            let Some(Answer::Ok(text)) =
                self.send("photo progress", reqwest::Method::GET, &path, &who.cookie, None, None).await
            else {
                return false;
            };
            let progress: app::wire::UploadProgress = serde_json::from_str(&text).expect("progress");
            if progress.done {
                return true;
            }
            let at = progress.received as usize;
            let end = if at < bytes.len() / 2 { bytes.len() / 2 } else { bytes.len() };
            let piece = (bytes[at..end].to_vec(), "application/octet-stream");
            let put = format!("{path}?offset={at}&total={}", bytes.len());
            self.send("photo piece", reqwest::Method::PUT, &put, &who.cookie, Some(piece), None).await;
        }
        false
    }

    fn going(&self) -> bool {
        Instant::now() < self.until
    }
}

/// A small photo of its own for phone `n`, as a JPEG.
fn photo(n: u64) -> Vec<u8> {
    let image = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x as u64 * 7 + n) as u8, (y as u64 * 3 + n / 256) as u8, (x ^ y) as u8])
    });
    let mut bytes = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image).write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
    bytes.into_inner()
}

/// A phone: one photo sent in two pieces, then products made and renamed,
/// synced after each change with a pause between, until the end.
async fn phone_run(load: Arc<Load>, n: u64, who: Account) -> (bool, bool, bool) {
    let owner: sawda_sync::Owner = who.id.parse().unwrap();
    let mut phone = Replica::new(DeviceId::new(T + n, [(n % 251) as u8; 10]), owner);
    let mut random = 0u64;
    let mut next = || {
        random += 1;
        let mut bytes = [0u8; 10];
        bytes[..4].copy_from_slice(&(n as u32).to_be_bytes());
        bytes[4..].copy_from_slice(&random.to_be_bytes()[2..]);
        bytes
    };
    let mut synced = load.sync(&who, &mut phone).await;
    let mut photo_kept = false;
    let mut products = Vec::new();
    let now = || chrono::Utc::now().timestamp_millis() as u64;
    let mut edits = 0u64;
    while load.going() {
        if products.len() < 3 {
            let name = format!("Product {n}-{}", products.len());
            let fields = records::product_fields_of(phone.owner(), &name, 9_000 + n);
            let id = phone.create(Kind::Product, fields, now(), next()).unwrap();
            products.push(id);
        } else {
            edits += 1;
            let id = products[(edits % 3) as usize];
            let fields = Fields::from([("name".to_owned(), json!(format!("Product {n} renamed {edits}")))]);
            phone.edit(id, fields, now(), next()).unwrap();
        }
        synced = load.sync(&who, &mut phone).await && synced;
        // Her photo goes at a moment of its own, so uploads run all through the faults.
        if edits == n % 20 + 1 {
            photo_kept = load.upload(&who, &photo(n)).await;
        }
        tokio::time::sleep(Duration::from_millis(1_000 + (n * 37 + edits * 101) % 2_000)).await;
    }
    // The end: everything sent and taken in, then a new phone of hers pulls
    // everything, and both copies must be the same.
    let mut done = false;
    for _ in 0..10 {
        if load.sync(&who, &mut phone).await && phone.outbox().is_empty() {
            done = true;
            break;
        }
    }
    let mut fresh = Replica::new(DeviceId::new(T + n + 1_000_000, [1; 10]), phone.owner().clone());
    let same = done
        && load.sync(&who, &mut fresh).await
        && phone.records().count() == fresh.records().count()
        && phone.records().all(|record| fresh.record(record.id()) == Some(record));
    if !photo_kept {
        photo_kept = load.upload(&who, &photo(n)).await;
    }
    (synced && done, same, photo_kept)
}

/// A buyer: the market, a storefront, a product page, and now and then an
/// order request from it (after the seconds a person takes to fill it in).
async fn buyer_run(load: Arc<Load>, n: u64, shops: Arc<Vec<(Account, Vec<String>)>>) -> Vec<(usize, String)> {
    let address = format!("10.{}.{}.{}", n / 65_536 % 256, n / 256 % 256, n % 256 + 1);
    let mut sent = Vec::new();
    let mut visit = n;
    let searches = ["samsa", "Самса", "sesame", "shop", "nan"];
    while load.going() {
        visit += 7;
        let (_, paths) = &shops[visit as usize % shops.len()];
        let q = searches[visit as usize % searches.len()];
        let q: String = q.bytes().map(|b| format!("%{b:02X}")).collect();
        load.send("market", reqwest::Method::GET, &format!("/market?q={q}"), "", None, Some(&address)).await;
        let slug = paths[0].split('/').nth(2).unwrap().to_string();
        load.send("storefront page", reqwest::Method::GET, &format!("/s/{slug}"), "", None, Some(&address)).await;
        let path = &paths[visit as usize % paths.len()];
        let Some(Answer::Ok(page)) =
            load.send("product page", reqwest::Method::GET, path, "", None, Some(&address)).await
        else {
            continue;
        };
        if visit.is_multiple_of(3)
            && sent.len() < 2
            && let Some(token) = page.split("name=\"token\" value=\"").nth(1).and_then(|rest| rest.split('"').next())
        {
            tokio::time::sleep(Duration::from_millis(2_500)).await;
            let name = format!("Buyer {n} visit {visit}");
            let form = format!(
                "lang=en&name={}&contact=%2B99893{:07}&quantity=1&delivery=&message=&website=&token={}",
                name.replace(' ', "+"),
                n,
                token.replace("&amp;", "&").bytes().map(|b| format!("%{b:02X}")).collect::<String>()
            );
            let body = (form.into_bytes(), "application/x-www-form-urlencoded");
            let order = format!("{path}/order");
            if let Some(Answer::Ok(_)) =
                load.send("order", reqwest::Method::POST, &order, "", Some(body), Some(&address)).await
            {
                sent.push((visit as usize % shops.len(), name));
            }
        }
        tokio::time::sleep(Duration::from_millis(500 + (visit * 53) % 1_500)).await;
    }
    sent
}

async fn run(args: &[String]) {
    let base = arg(args, "--url").expect("--url");
    assert!(base.starts_with("http://127.0.0.1:"), "loopback only: {base}");
    let seed: Seed = serde_json::from_slice(&std::fs::read(arg(args, "--seed").expect("--seed")).unwrap()).unwrap();
    let seconds = number(args, "--seconds", 60);
    let buyers = number(args, "--buyers", 100);
    let label = arg(args, "--label").unwrap_or_else(|| base.clone());
    let client =
        reqwest::Client::builder().pool_max_idle_per_host(64).timeout(Duration::from_secs(40)).build().unwrap();
    let load =
        Arc::new(Load { client, base, tally: Mutex::default(), until: Instant::now() + Duration::from_secs(seconds) });
    let began = Instant::now();
    let phones: Vec<_> = seed
        .phones
        .iter()
        .cloned()
        .enumerate()
        .map(|(n, who)| tokio::spawn(phone_run(load.clone(), n as u64, who)))
        .collect();
    let shops = Arc::new(seed.shops);
    let buyer_tasks: Vec<_> = (0..buyers).map(|n| tokio::spawn(buyer_run(load.clone(), n, shops.clone()))).collect();
    let (mut unsynced, mut different, mut photos_missing) = (0, 0, 0);
    for phone in phones {
        let (synced, same, photo_kept) = phone.await.unwrap();
        unsynced += usize::from(!synced);
        different += usize::from(!same);
        photos_missing += usize::from(!photo_kept);
    }
    let mut sent = Vec::new();
    for buyer in buyer_tasks {
        sent.extend(buyer.await.unwrap());
    }
    let wall = began.elapsed();
    // Every order request acknowledged is in its storefront owner's records.
    let mut lost_orders = 0;
    for (shop, (owner, _)) in shops.iter().enumerate() {
        let mut phone = Replica::new(DeviceId::new(T + 9_000_000 + shop as u64, [3; 10]), owner.id.parse().unwrap());
        assert!(load.sync(owner, &mut phone).await, "the storefront's owner syncs");
        let names: Vec<String> = phone
            .records()
            .filter(|record| record.kind() == Kind::OrderRequest)
            .filter_map(|record| record.fields().get("buyer_name").and_then(|v| v.value.as_str()).map(str::to_owned))
            .collect();
        lost_orders += sent.iter().filter(|(s, name)| *s == shop && !names.contains(name)).count();
    }
    let tally = load.tally.lock().await;
    let requests: usize = tally.times.values().map(Vec::len).sum();
    println!(
        "  {label}: {} phones and {buyers} buyers for {seconds} s: {requests} requests answered in {:.0} s, {:.0} requests/s",
        seed.phones.len(),
        wall.as_secs_f64(),
        requests as f64 / wall.as_secs_f64()
    );
    for (kind, times) in &tally.times {
        let mut times = times.clone();
        times.sort();
        let at =
            |q: f64| times[((times.len() as f64 * q).ceil() as usize).clamp(1, times.len()) - 1].as_secs_f64() * 1e3;
        println!(
            "    {kind:<16} {:>6} answered  p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms  retried {:>4}  refused {:>4}  failed {:>3}",
            times.len(),
            at(0.50),
            at(0.95),
            at(0.99),
            tally.retried.get(kind).copied().unwrap_or(0),
            tally.refused.get(kind).copied().unwrap_or(0),
            tally.failed.get(kind).copied().unwrap_or(0),
        );
    }
    let mutations_refused = tally.refused.get("mutation").copied().unwrap_or(0) as usize;
    println!("    mutations the server refused: {mutations_refused}");
    println!(
        "    phones whose sync failed after retries: {unsynced}; copies unlike the server's: {different}; \
         photos not kept: {photos_missing}; order requests acknowledged: {}, missing: {lost_orders}",
        sent.len()
    );
    if unsynced + different + lost_orders + photos_missing + mutations_refused > 0 {
        std::process::exit(1);
    }
}
