//! `make bench`: buyers' side at the programme's scale. Seeds 10,000
//! approved storefronts and 200,000 products (names in Karakalpak, Uzbek,
//! Russian and English) into the embedded database, written as the review
//! desk writes them (`approved::write::row_of`), and prints:
//! - the market's latencies (filters only, search only, both; p50 and p95),
//!   and beside them hostile searches: `sa7x`, `kg 5`, letters joined to
//!   digits (`qurt12`), 100 characters of one-letter words, a district and a
//!   category with a long query;
//! - how long a real buyer's requests (a product page, the market, an order
//!   request) take while a flood of hostile searches and order posts comes
//!   from 200 loopback addresses (bounded in count and time);
//! - a product page's size, raw and gzip; the sitemap's build, kept;
//! - requests per second of that page from Sawda and of the same HTML saved
//!   as a file from Debian's nginx, both on loopback, loaded by `wrk` in the
//!   same run, and Sawda's as a share of nginx's.
//!
//! The seeded database is kept in `~/.cache/sawda/bench-market-v1` (outside
//! the clone): seeding takes minutes, the measures do not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use app::rules::people::District;
use app::rules::records::storefront::Category;
use sawda_server::approved::market::{self, Filters};
use sawda_server::config::{Cli, DatabaseTarget};
use sawda_server::infra::{database, migrations};
use sawda_server::{AppState, http};
use sawda_sync::Kind;
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::support::ms;

const STOREFRONTS: usize = 10_000;
const PRODUCTS_EACH: usize = 20;
const SEED_VERSION: &str = "bench-market-v1";

/// Words buyers and makers use, in the four languages.
const GOODS: [&str; 24] = [
    "asal",
    "bal",
    "мёд",
    "honey",
    "samsa",
    "somsa",
    "самса",
    "qurt",
    "құрт",
    "курт",
    "gilem",
    "kilem",
    "ковёр",
    "carpet",
    "kesa",
    "кувшин",
    "jug",
    "doppi",
    "тюбетейка",
    "skullcap",
    "non",
    "нан",
    "лепёшка",
    "bread",
];
const KINDS: [&str; 16] = [
    "qaraqalpaq",
    "Қарақалпақ",
    "oʻzbek",
    "o'zbek",
    "tugai",
    "тугай",
    "delta",
    "Аral",
    "Moynaq",
    "Мойнақ",
    "wild",
    "домашний",
    "handmade",
    "qol",
    "tábiyǵıy",
    "salt",
];
const STORIES: [&str; 4] = [
    "Biz Moynaq awılında úy islep shıǵarıw ónimlerin tayarlaymız",
    "Biz oʻz qishlogʻimizda an'anaviy mahsulotlar tayyorlaymiz",
    "Мы готовим домашние продукты в нашем селе у Арала",
    "We make village goods by hand near the Aral sea",
];

fn cache_dir() -> PathBuf {
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache").join("sawda").join(SEED_VERSION)
}

fn storefront_fields(n: usize) -> BTreeMap<String, Value> {
    let district = District::ALL[n % District::ALL.len()].id();
    let category = Category::ALL[n % Category::ALL.len()].id();
    let name = format!("{} {} {n}", KINDS[n % KINDS.len()], GOODS[(n / 7) % GOODS.len()]);
    serde_json::from_value(json!({
        "name": name, "slug": format!("shop-{n:05}"), "story": STORIES[n % 4], "district": district,
        "category": category, "telegram": format!("shop_{n:05}"), "payment": [{"method": "cash_on_delivery"}],
        "delivery": ["pickup"],
    }))
    .unwrap()
}

fn product_fields(n: usize, p: usize) -> BTreeMap<String, Value> {
    let i = n * PRODUCTS_EACH + p;
    let name = format!("{} {} {}", KINDS[(i / 3) % KINDS.len()], GOODS[i % GOODS.len()], p + 1);
    serde_json::from_value(json!({
        "storefront": format!("store{n:05}"), "name": name,
        "description": format!("{} — {}", STORIES[(i + 1) % 4], GOODS[(i * 7) % GOODS.len()]),
        "price_som": 5_000 + (i % 200) * 1_000, "unit": "1 kg", "availability": "in_stock", "position": p as f64,
    }))
    .unwrap()
}

/// Writes the approved rows in batches, as `published::publish` makes them.
async fn seed(db: &Surreal<Any>) {
    let started = Instant::now();
    for chunk in (0..STOREFRONTS).collect::<Vec<_>>().chunks(250) {
        let mut shops = Vec::new();
        let mut products = Vec::new();
        for &n in chunk {
            let owner = format!("account:owner{n:05}");
            let fields = storefront_fields(n);
            let (_, mut row, _) = sawda_server::approved::write::row_of(Kind::Storefront, &fields).unwrap();
            row.retain(|_, v| !v.is_null());
            row.extend([
                ("owner".into(), json!(owner)),
                ("revision".into(), json!(1)),
                ("approved_by".into(), json!("bench")),
            ]);
            let (slug, name, district, category) =
                (row["slug"].clone(), row["name"].clone(), row["district"].clone(), row["category"].clone());
            shops.push(json!({"key": [owner, format!("store{n:05}")], "row": row}));
            for p in 0..PRODUCTS_EACH {
                let fields = product_fields(n, p);
                let (_, mut row, _) = sawda_server::approved::write::row_of(Kind::Product, &fields).unwrap();
                row.retain(|_, v| !v.is_null());
                row.extend([
                    ("owner".into(), json!(owner)),
                    ("revision".into(), json!(1)),
                    ("approved_by".into(), json!("bench")),
                    ("slug".into(), json!(format!("product-{}", p + 1))),
                    ("storefront_slug".into(), slug.clone()),
                    ("storefront_name".into(), name.clone()),
                    ("district".into(), district.clone()),
                    ("category".into(), category.clone()),
                ]);
                // Approved over the last months, one product a minute or so.
                let at = chrono::Utc::now() - chrono::Duration::seconds(((n * PRODUCTS_EACH + p) * 53) as i64);
                products
                    .push(json!({"key": [owner, format!("product{n:05}{p:02}")], "row": row, "at": at.to_rfc3339()}));
            }
        }
        db.query(
            "FOR $s IN $shops { CREATE type::record('approved_storefront', $s.key) CONTENT $s.row; };
             FOR $p IN $products {
                 CREATE type::record('approved_product', $p.key)
                     CONTENT object::from_entries(array::concat(object::entries($p.row), [['approved_at', <datetime> $p.at]]));
             };",
        )
        .bind(("shops", shops))
        .bind(("products", products))
        .await
        .unwrap()
        .check()
        .unwrap();
        if chunk[0] % 2_000 == 0 {
            println!("  seeded {} storefronts, {:.0} s", chunk[0] + chunk.len(), started.elapsed().as_secs_f64());
        }
    }
    // The market's orders, as the desk writes them after each approval.
    db.query(market::market_order("true")).await.unwrap().check().unwrap();
    println!(
        "seeded {STOREFRONTS} storefronts and {} products in {:.0} s",
        STOREFRONTS * PRODUCTS_EACH,
        started.elapsed().as_secs_f64()
    );
}

async fn open() -> Surreal<Any> {
    let dir = cache_dir();
    let done = dir.join("seeded");
    let fresh = !done.exists();
    if fresh {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
    }
    let db = database::connect(&DatabaseTarget::Embedded(dir.join("db")), "sawda", "bench").await.unwrap();
    migrations::migrate(&db, migrations::MIGRATIONS).await.unwrap();
    if fresh {
        seed(&db).await;
        // Closed, so the embedded store has written everything before the mark says so.
        database::close(db, &DatabaseTarget::Embedded(dir.join("db"))).await;
        std::fs::write(&done, "").unwrap();
        return Box::pin(open()).await;
    } else {
        println!("the seeded database in {} is used again", dir.display());
    }
    db
}

fn filters(q: Option<&str>, district: Option<&str>, category: Option<&str>) -> Filters {
    Filters {
        q: q.map(str::to_owned),
        district: district.map(str::to_owned),
        category: category.map(str::to_owned),
        after: None,
        lang: None,
    }
}

/// p50 and p95 over every case, several runs each.
async fn latencies(db: &Surreal<Any>, label: &str, cases: &[Filters]) {
    let mut times = Vec::new();
    let mut found = 0;
    let mut slowest = (Duration::ZERO, String::new());
    let mut gave_up = 0;
    for _ in 0..5 {
        for case in cases {
            let started = Instant::now();
            let page = market::page(db, case).await;
            let took = started.elapsed();
            times.push(took);
            if took > slowest.0 {
                slowest = (took, format!("{:?} {:?} {:?}", case.q, case.district, case.category));
            }
            match page {
                Ok(page) => found += page.products.len(),
                Err(error) if market::timed_out(&error) => gave_up += 1,
                Err(error) => panic!("{error}"),
            }
        }
    }
    if std::env::var_os("SAWDA_BENCH_SLOWEST").is_some() {
        println!("  slowest: {:.1} ms for {}", ms(slowest.0), slowest.1);
    }
    times.sort();
    let n = times.len();
    println!(
        "market, {label}: {n} queries, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({:.1} products a page on average, {gave_up} gave up after {} ms; target p95 <= 50 ms)",
        ms(times[n / 2]),
        ms(times[n * 95 / 100]),
        ms(times[n - 1]),
        found as f64 / n as f64,
        market::TIMEOUT.as_millis()
    );
}

fn gzip_len(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut child = Command::new("gzip").arg("-6").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(bytes).unwrap();
    child.wait_with_output().unwrap().stdout.len()
}

/// Requests per second `wrk` reads for `url`: 2 threads, 32 connections, `seconds`.
fn wrk(url: &str, seconds: u32) -> f64 {
    let out = Command::new("wrk")
        .args(["-t2", "-c32", &format!("-d{seconds}s"), "-H", "Accept-Encoding: gzip", "-H", "User-Agent: wrk", url])
        .output()
        .expect("wrk (make bench installs it)");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("Requests/sec:")).unwrap_or_else(|| panic!("wrk said: {text}"));
    let errors = text.lines().find(|l| l.contains("Non-2xx") || l.contains("Socket errors"));
    if let Some(errors) = errors {
        println!("  wrk {url}: {}", errors.trim());
    }
    line.trim_start_matches("Requests/sec:").trim().parse().unwrap()
}

/// Debian's nginx serving `dir` on a loopback port, in the foreground; killed when dropped.
struct Nginx(std::process::Child, u16);

impl Drop for Nginx {
    /// SIGTERM, so the master stops its workers too (SIGKILL would leave them running).
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn nginx(dir: &Path) -> Nginx {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let conf = dir.join("nginx.conf");
    std::fs::write(
        &conf,
        format!(
            "worker_processes auto; daemon off; pid {dir}/nginx.pid; error_log {dir}/error.log;
             events {{ worker_connections 1024; }}
             http {{ access_log off; client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};
                     uwsgi_temp_path {dir}; scgi_temp_path {dir};
                     gzip on; gzip_comp_level 5; gzip_types text/html; gzip_min_length 256;
                     server {{ listen 127.0.0.1:{port}; root {dir}; location / {{ default_type text/html; }} }} }}",
            dir = dir.display()
        ),
    )
    .unwrap();
    let binary = if Path::new("/usr/sbin/nginx").exists() { "/usr/sbin/nginx" } else { "nginx" };
    let child = Command::new(binary)
        .args(["-c", conf.to_str().unwrap(), "-p", dir.to_str().unwrap()])
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx (make bench installs it)");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Nginx(child, port)
}

/// The flood: at most this many requests, for this long, this many at once.
const FLOOD_FOR: Duration = Duration::from_secs(15);
const FLOOD_TASKS: usize = 64;
const FLOOD_MOST: usize = 30_000;

/// One HTTP/1.1 request from the loopback address `from` (any 127.x.y.z is
/// this machine): the status, or 0 when the connection was refused or cut.
/// The second octet of this run's loopback addresses: the seeded database
/// keeps what earlier runs' buyers sent (open requests count per address for
/// 14 days), so each run's buyers are new to it, as real buyers are.
fn run_octet() -> u8 {
    static OCTET: std::sync::OnceLock<u8> = std::sync::OnceLock::new();
    *OCTET.get_or_init(|| {
        let minutes = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() / 60;
        10 + (minutes % 240) as u8
    })
}

async fn raw(from: std::net::Ipv4Addr, to: std::net::SocketAddr, request: &[u8]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let attempt = async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(std::net::SocketAddr::new(from.into(), 0))?;
        let mut stream = socket.connect(to).await?;
        stream.write_all(request).await?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(answer)
    };
    match tokio::time::timeout(Duration::from_secs(30), attempt).await {
        Ok(Ok(answer)) => String::from_utf8_lossy(&answer[..answer.len().min(12)])
            .get(9..12)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

/// Hostile searches (each with its own cursor, so no kept page serves it)
/// and order posts to one storefront, from 200 addresses: how many were
/// sent, and the answers by status. The posts go to shop-00007's first
/// product with `token`, a good form token of it, as a script that read the
/// page has (the buyers order elsewhere: 200 addresses fill a storefront's
/// 300 open requests for good, which is measured by the tests, not here).
async fn flood(
    to: std::net::SocketAddr,
    seconds: Duration,
    tasks: usize,
    most: usize,
    token: String,
) -> (usize, BTreeMap<u16, usize>) {
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let until = Instant::now() + seconds;
    let mut running = tokio::task::JoinSet::new();
    for task in 0..tasks {
        let sent = sent.clone();
        let token = token.clone();
        running.spawn(async move {
            let mut answers: BTreeMap<u16, usize> = BTreeMap::new();
            loop {
                let n = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= most || Instant::now() >= until {
                    return answers;
                }
                let from = std::net::Ipv4Addr::new(127, run_octet(), 1 + (n % 200 / 100) as u8, 2 + (n % 100) as u8);
                let request = if n.is_multiple_of(2) {
                    let q = ["sa7x", "kg+5", "sa+mo+qa+ko+ba+to+de", "samsa+qurt+honey+kilem+doppi+bread"][n / 2 % 4];
                    let filter = ["", "&district=chimbay&category=food", "&category=textiles"][n / 8 % 3];
                    format!(
                        "GET /market?q={q}{filter}&after=1%7C{:013} HTTP/1.1\r\nHost: {to}\r\nConnection: close\r\n\r\n",
                        (n as u64 * 7_919_000_003) % 10_000_000_000_000
                    )
                } else {
                    let body = format!(
                        "lang=en&name=Buyer+{task}&contact=%2B9989012{n:05}&quantity=1&delivery=&message=hello&website=&token={token}"
                    );
                    format!(
                        "POST /s/shop-00007/product-1/order HTTP/1.1\r\nHost: {to}\r\nOrigin: http://{to}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                };
                *answers.entry(raw(from, to, request.as_bytes()).await).or_default() += 1;
            }
        });
    }
    let mut answers = BTreeMap::new();
    while let Some(done) = running.join_next().await {
        for (status, count) in done.unwrap() {
            *answers.entry(status).or_default() += count;
        }
    }
    (sent.load(std::sync::atomic::Ordering::Relaxed).min(most), answers)
}

/// What a real buyer's requests took, by kind, and the statuses she got.
#[derive(Default)]
struct Shopping {
    times: BTreeMap<&'static str, Vec<Duration>>,
    statuses: BTreeMap<&'static str, BTreeMap<String, usize>>,
}

impl Shopping {
    fn print(&self, label: &str) {
        for (kind, times) in &self.times {
            let mut times = times.clone();
            times.sort();
            let n = times.len();
            println!(
                "{label}, {kind}: {n} requests, p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms, answers {:?}",
                ms(times[n / 2]),
                ms(times[n * 95 / 100]),
                ms(times[n - 1]),
                self.statuses[kind]
            );
        }
    }
}

/// `curl` as a browser from 127.0.0.1: the status and the time curl measured.
fn curl(args: &[&str]) -> (String, Duration) {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code} %{time_total}", "-A", "Mozilla/5.0 bench", "-m", "30"])
        .args(args)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, seconds) = text.split_once(' ').unwrap_or(("000", "0"));
    (status.to_owned(), Duration::from_secs_f64(seconds.parse().unwrap_or(0.0)))
}

/// The order form's fields as the product page at `url` gives them (with
/// whatever hidden fields it carries), filled in as a buyer would.
fn order_form(url: &str) -> (String, Vec<(String, String)>) {
    let page = Command::new("curl").args(["-s", "-A", "Mozilla/5.0 bench", url]).output().unwrap().stdout;
    let page = String::from_utf8_lossy(&page);
    let form = page.split("<form class=\"stack order-form\"").nth(1).unwrap_or_default();
    let action = form.split("action=\"").nth(1).and_then(|a| a.split(['"', '#']).next()).unwrap_or_default().to_owned();
    let attribute = |tag: &str, name: &str| {
        tag.split(&format!(" {name}=\"")).nth(1).and_then(|v| v.split('"').next()).map(|v| v.replace("&amp;", "&"))
    };
    let fields = form
        .split("<input")
        .skip(1)
        .filter_map(|tag| {
            let name = attribute(tag, "name")?;
            let value = match name.as_str() {
                "name" => "Zulfiya".to_owned(),
                "contact" => "+998901234567".to_owned(),
                _ => attribute(tag, "value").unwrap_or_default(),
            };
            Some((name, value))
        })
        .chain([("message".to_owned(), "Two jars, please".to_owned())])
        .collect();
    (action, fields)
}

/// A buyer for `seconds`: a product page, a market search, an order request
/// (with one of `forms`, shown to her at least two seconds before; each from
/// an address of its own, 127.R.3.x, apart from the flood's), again and again.
async fn buyer(
    addr: std::net::SocketAddr,
    seconds: Duration,
    words: &[&'static str],
    forms: &[(String, Vec<(String, String)>)],
) -> Shopping {
    let words: Vec<&'static str> = words.to_vec();
    let forms = forms.to_vec();
    tokio::task::spawn_blocking(move || {
        let mut shopping = Shopping::default();
        let mut note = |kind: &'static str, (status, took): (String, Duration)| {
            shopping.times.entry(kind).or_default().push(took);
            *shopping.statuses.entry(kind).or_default().entry(status).or_default() += 1;
        };
        let until = Instant::now() + seconds;
        let mut n = 0;
        while Instant::now() < until {
            let shop = (n * 37 + 11) % STOREFRONTS;
            note(
                "a product page",
                curl(&[&format!("http://{addr}/s/shop-{shop:05}/product-{}", 1 + n % PRODUCTS_EACH)]),
            );
            let district = District::ALL[n % District::ALL.len()].id();
            let q = app::ui::encode_component(words[n % words.len()]);
            note("a market search", curl(&[&format!("http://{addr}/market?q={q}&district={district}")]));
            let (action, fields) = forms[n % forms.len()].clone();
            let mut args: Vec<String> =
                vec!["-H".into(), format!("Origin: http://{addr}"), "-H".into(), "Sec-Fetch-Site: same-origin".into()];
            for (name, value) in fields {
                args.extend(["--data-urlencode".into(), format!("{name}={value}")]);
            }
            // A buyer the storefront has not heard from before, as in a chat shared by many.
            args.extend(["--interface".into(), format!("127.{}.3.{}", run_octet(), 1 + n % 250)]);
            args.push(format!("http://{addr}{action}"));
            let kind = if action.starts_with("/s/shop-04242/") {
                "an order request to shop-04242"
            } else {
                "an order request elsewhere"
            };
            note(kind, curl(&args.iter().map(String::as_str).collect::<Vec<_>>()));
            n += 1;
        }
        shopping
    })
    .await
    .unwrap()
}

pub async fn run() {
    let db = open().await;
    let count: Option<i64> =
        db.query("(SELECT count() FROM approved_product GROUP ALL)[0].count").await.unwrap().take(0).unwrap();
    println!("approved products in the market: {}", count.unwrap_or(0));

    let districts: Vec<&str> = District::ALL.iter().map(|d| d.id()).collect();
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.id()).collect();
    let by_filters: Vec<Filters> = (0..12)
        .map(|i| match i % 3 {
            0 => filters(None, Some(districts[i % districts.len()]), None),
            1 => filters(None, None, Some(categories[i % categories.len()])),
            _ => filters(None, Some(districts[i % districts.len()]), Some(categories[(i / 3) % categories.len()])),
        })
        .collect();
    let words =
        ["asal", "самса", "Қарақалпақ", "o'zbek", "kilem", "tug", "mo", "honey", "курт", "doppi", "bread", "tábiyǵıy"];
    let by_words: Vec<Filters> = words.iter().map(|q| filters(Some(q), None, None)).collect();
    let both: Vec<Filters> = words
        .iter()
        .enumerate()
        .map(|(i, q)| match i % 3 {
            0 => filters(Some(q), Some(districts[i % districts.len()]), None),
            1 => filters(Some(q), None, Some(categories[i % categories.len()])),
            _ => filters(Some(q), Some(districts[i % districts.len()]), Some(categories[i % categories.len()])),
        })
        .collect();
    latencies(&db, "no filter (the first page)", &[filters(None, None, None)]).await;
    latencies(&db, "filters only", &by_filters).await;
    latencies(&db, "search only", &by_words).await;
    latencies(&db, "search and filters", &both).await;

    // Hostile searches, each alone, with a district and with a category.
    let anywhere = |q: &str| -> Vec<Filters> {
        (0..4)
            .flat_map(|i| {
                [
                    filters(Some(q), None, None),
                    filters(Some(q), Some(districts[(i * 5) % districts.len()]), None),
                    filters(Some(q), None, Some(categories[i % categories.len()])),
                ]
            })
            .collect()
    };
    let one_letters: String =
        "a b c d e f g h i j k l m n o p q r s t u v w x y z ".repeat(4).chars().take(100).collect();
    let two_letters: String = "sa mo qa ko ba to de ha wi ".repeat(10).chars().take(100).collect();
    let long: String =
        "samsa qurt honey kilem doppi bread asal bal non salt wild delta tugai ".repeat(2).chars().take(100).collect();
    latencies(&db, "hostile: sa7x", &anywhere("sa7x")).await;
    latencies(&db, "hostile: kg 5", &anywhere("kg 5")).await;
    // Goods' words widened to the good's other words (`app::rules::goods_words`):
    // two and three goods at once are the most full-text branches a read makes.
    let widened: Vec<Filters> = ["asal non", "gilem doppi", "honey carpet bread", "мёд qaraqalpaq", "qovn"]
        .iter()
        .flat_map(|q| anywhere(q))
        .collect();
    latencies(&db, "goods' words widened (asal non, gilem doppi, honey carpet bread, мёд qaraqalpaq, qovn)", &widened)
        .await;
    // A word whose letters the index holds but whose whole the text never has:
    // before the words were cut as the index cuts them, each read every product (3 to 4.5 s).
    let joined: Vec<Filters> = ["qurt12", "bal10", "asal11", "samsa12"].iter().flat_map(|q| anywhere(q)).collect();
    latencies(&db, "hostile: letters joined to digits (qurt12, bal10, asal11, samsa12)", &joined).await;
    latencies(&db, "hostile: 100 characters of one-letter words", &anywhere(&one_letters)).await;
    latencies(&db, "hostile: 100 characters of two-letter words", &anywhere(&two_letters)).await;
    let pairs: Vec<Filters> = (0..12)
        .map(|i| filters(Some(&long), Some(districts[i % districts.len()]), Some(categories[i % categories.len()])))
        .collect();
    latencies(&db, "hostile: a district and a category with a long query", &pairs).await;

    // The product page, from the real router on a loopback port.
    let cli: Cli = clap::Parser::parse_from(["sawda"]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = AppState::new(db.clone(), http::leptos_options(&cli.config, addr), crate::support::scratch_photos());
    let router = sawda_server::router(state, &cli.config.site);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let caps = http::listen::Caps { total: 1024, per_address: Some(http::listen::PER_ADDRESS) };
    let server = tokio::spawn(http::listen::serve(listener, router, Duration::from_secs(10), caps, async {
        let _ = stopped.await;
    }));
    let url = format!("http://{addr}/s/shop-04242/product-7?lang=kaa");
    let client = |gzip: bool| {
        let mut c = Command::new("curl");
        c.args(["-s", "-A", "Mozilla/5.0 bench"]);
        if gzip {
            c.args(["-H", "Accept-Encoding: gzip"]);
        }
        c
    };
    let page = client(false).arg(&url).output().unwrap().stdout;
    assert!(String::from_utf8_lossy(&page).contains("product-7"), "the page: {}", String::from_utf8_lossy(&page));
    let over_the_wire = client(true).arg(&url).output().unwrap().stdout.len();
    println!(
        "product page: {} B raw, {} B gzip as served (gzip -6 of the same: {} B; budget 30,000 B compressed)",
        page.len(),
        over_the_wire,
        gzip_len(&page)
    );

    // The sitemap: its first request builds every page, the next ones are kept.
    let (status, built) = curl(&["-H", "Accept-Encoding: gzip", &format!("http://{addr}/sitemap.xml")]);
    let (_, kept) = curl(&["-H", "Accept-Encoding: gzip", &format!("http://{addr}/sitemap.xml")]);
    let index = Command::new("curl").args(["-s", &format!("http://{addr}/sitemap.xml")]).output().unwrap().stdout;
    let pages = String::from_utf8_lossy(&index).matches("<sitemap>").count();
    let page = Command::new("curl")
        .args(["-s", "-H", "Accept-Encoding: gzip", &format!("http://{addr}/sitemap/2.xml")])
        .output()
        .unwrap()
        .stdout;
    println!(
        "sitemap: {status}, {pages} pages, built in {:.0} ms, then {:.1} ms while kept; a page is {} B gzipped",
        ms(built),
        ms(kept),
        page.len()
    );

    // A real buyer, alone and then while a flood runs.
    // Order forms as buyers are shown them (a form is good from two seconds after): every
    // other one of shop-04242, the rest of others (each buyer's request stays open in the
    // seeded database, and a storefront holds only so many).
    let forms: Vec<(String, Vec<(String, String)>)> = (0..60)
        .map(|i| {
            let shop = if i % 2 == 0 { 4242 } else { (4242 + i * 97) % STOREFRONTS };
            order_form(&format!("http://{addr}/s/shop-{shop:05}/product-{}", 1 + i % PRODUCTS_EACH))
        })
        .collect();
    let (_, flooded) = order_form(&format!("http://{addr}/s/shop-00007/product-1"));
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let quiet = buyer(addr, Duration::from_secs(5), &words, &forms).await;
    quiet.print("a real buyer, no flood");
    // Shown more than two seconds ago.
    let token = flooded.iter().find(|(name, _)| name == "token").map(|(_, v)| v.clone()).unwrap_or_default();
    let flooding = tokio::spawn(flood(addr, FLOOD_FOR, FLOOD_TASKS, FLOOD_MOST, token));
    let during = buyer(addr, FLOOD_FOR - Duration::from_secs(1), &words, &forms).await;
    let (sent, answers) = flooding.await.unwrap();
    during.print("a real buyer during the flood");
    println!(
        "  the flood: {sent} requests in {} s from 200 loopback addresses, {FLOOD_TASKS} at once (half hostile market searches, half order posts with a good token to shop-00007); answers {answers:?}",
        FLOOD_FOR.as_secs()
    );

    if Command::new("wrk").arg("--version").output().is_err() || !Path::new("/usr/sbin/nginx").exists() {
        println!("wrk or nginx is missing (make bench installs them): Sawda against nginx is not measured");
        let _ = stop.send(());
        let _ = server.await;
        database::close(db, &DatabaseTarget::Embedded(cache_dir().join("db"))).await;
        return;
    }
    // The same HTML as a file from nginx, and both under one load tool.
    let files = tempfile::tempdir().unwrap();
    std::fs::write(files.path().join("page.html"), &page).unwrap();
    let nginx = nginx(files.path());
    let seconds = 10;
    let static_rps = tokio::task::spawn_blocking({
        let url = format!("http://127.0.0.1:{}/page.html", nginx.1);
        move || wrk(&url, seconds)
    })
    .await
    .unwrap();
    let sawda_rps = tokio::task::spawn_blocking({
        let url = url.clone();
        move || wrk(&url, seconds)
    })
    .await
    .unwrap();
    drop(nginx);
    println!(
        "requests per second, wrk -t2 -c32 -d{seconds}s, gzip: nginx (the saved page) {static_rps:.0}, Sawda {sawda_rps:.0}: Sawda is {:.2} of nginx (target >= 0.5)",
        sawda_rps / static_rps
    );
    let _ = stop.send(());
    let _ = server.await;
    database::close(db, &DatabaseTarget::Embedded(cache_dir().join("db"))).await;
}
