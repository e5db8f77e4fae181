//! What the tests and the benches build the same way: the router's state,
//! accounts signed in, the sign-in request, a decompression bomb. One copy,
//! included by the integration tests (`support.rs`) and, by path, by the
//! bench binary (`server/benches/bench/support.rs`).

use std::net::SocketAddr;
use std::path::Path;

use app::rules::people::Role;
use axum::body::Body;
use axum::http::Request;
use sawda_server::accounts::people::{self, NewAccount};
use sawda_server::accounts::{Account, passwords, sessions};
use sawda_server::config::Cli;
use sawda_server::{AppState, http};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

/// The state the router runs on, over `db`, serving the web files in `site`.
pub fn state(db: Surreal<Any>, site: &Path) -> AppState {
    let cli: Cli = clap::Parser::parse_from(["sawda", "--site", site.to_str().unwrap()]);
    let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
    AppState::new(db, http::leptos_options(&cli.config, addr), scratch_photos())
}

/// A test's own photo folder, under the temporary directory.
pub fn scratch_photos() -> sawda_server::photos::Photos {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    sawda_server::photos::Photos::on_disk(
        &std::env::temp_dir().join(format!("sawda-photos-{}-{n}", std::process::id())),
    )
}

/// The password of every test person.
pub const PASSWORD: &str = "qawın-jam-2026";

/// One argon2 hash shared by every test account: hashing is slow on purpose.
pub async fn password_hash() -> String {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_init(|| passwords::hash(PASSWORD.into())).await.clone()
}

/// An account of `role` for `phone` (a coordinator of `districts`), made in the database.
pub async fn account(db: &Surreal<Any>, phone: &str, name: &str, role: Role, districts: &[&str]) -> Account {
    let new = NewAccount {
        phone: phone.into(),
        name: name.into(),
        role,
        password_hash: password_hash().await,
        districts: districts.iter().map(|d| d.to_string()).collect(),
    };
    people::create(db, new).await.expect("the account is made")
}

/// A person with an account made in the database and a session, as a browser holds it.
pub struct Person {
    pub id: String,
    pub cookie: String,
}

impl Person {
    pub fn owner(&self) -> sawda_sync::Owner {
        self.id.parse().expect("account ids are sync owners")
    }
}

/// An account of `role` for `phone` (an entrepreneur in `district`, a coordinator in
/// `districts`), signed in.
pub async fn signed_in(
    db: &Surreal<Any>,
    phone: &str,
    name: &str,
    role: Role,
    districts: &[&str],
    district: Option<&str>,
) -> Person {
    let account = account(db, phone, name, role, districts).await;
    if let Some(district) = district {
        db.query("UPDATE type::record('account', $id) SET district = $district")
            .bind(("id", account.id.clone()))
            .bind(("district", district.to_string()))
            .await
            .unwrap()
            .check()
            .unwrap();
    }
    let token = sessions::start(db, &account.id).await.unwrap();
    Person { id: account.id, cookie: format!("sawda_session={token}") }
}

/// A sign-in from `address` (behind a trusted proxy), with the browser's `cookie` if any.
pub fn sign_in_request(address: &str, phone: &str, password: &str, cookie: Option<&str>) -> Request<Body> {
    let mut request = Request::post("/api/v1/auth/sign-in")
        .header("content-type", "application/json")
        .header("x-forwarded-for", address);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.body(Body::from(serde_json::json!({"phone": phone, "password": password}).to_string())).unwrap()
}

/// The device cookie a sign-in answer set, as `name=value`.
pub fn device_cookie_of(response: &axum::http::Response<Body>) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sawda_device="))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// A PNG of a few dozen bytes that claims 100,000 × (100,000 + `n`) pixels
/// (10 GB decoded); `n` makes each one new.
pub fn decompression_bomb(n: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }
    let mut header = Vec::new();
    header.extend_from_slice(&100_000u32.to_be_bytes());
    header.extend_from_slice(&(100_000u32 + n).to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit greyscale
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &header));
    png.extend(chunk(b"IDAT", &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]));
    png.extend(chunk(b"IEND", &[]));
    png
}
