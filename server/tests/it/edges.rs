//! The edges of issue 23 over the real router and database (and, for
//! connections, real sockets): her preview reads only her storefront and
//! products, pushes and submissions are limited so the append-only review log
//! stays bounded, link previews exist only for approved photos, desk inputs
//! are checked, and one address cannot hold every connection.

use crate::public::{approve, shop};
use crate::support::{self, Person, phone_of, product_fields, storefront_fields, submit, sync_phone};
use app::rules::people::Role;
use app::rules::records::storefront::storefront_id;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use sawda_sync::{Kind, RecordId};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

const T: u64 = 1_760_000_000_000;

async fn api(
    router: &axum::Router,
    who: &Person,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    support::call(router, Some(who), method, &format!("/api/v1{path}"), body).await
}

// N7 ------------------------------------------------------------------------

/// An order request a buyer sent that no longer reads (any record of hers
/// that is neither her storefront nor a product): her preview never reads it.
async fn add_unreadable_order_request(db: &Surreal<Any>, her: &Person) {
    db.query(
        "CREATE type::record('sync_record', [$owner, '01ZZZZZZZZZZZZZZZZZZZZZZZZ'])
             CONTENT { owner: $owner, kind: 'order_request', seq: 999999, body: 'not a record' }",
    )
    .bind(("owner", her.id.clone()))
    .await
    .unwrap()
    .check()
    .unwrap();
}

#[tokio::test]
async fn her_preview_reads_her_storefront_by_its_id_and_then_only_her_products() {
    let shop = shop(false).await;
    add_unreadable_order_request(&shop.db, &shop.her).await;
    let headers = [("cookie", shop.her.cookie.as_str()), ("accept-language", "en")];
    let mine = support::get(&shop.router, "/s/gulnars-biscuits", &headers).await;
    assert_eq!(mine.status(), StatusCode::OK, "her preview must not read her order requests");
    let body = support::body_text(mine).await;
    assert!(body.contains("Preview: only you see this page.") && body.contains("&lt;/script&gt;"), "{body}");
    // Any other address: the friendly 404, whoever asks.
    let other = support::get(&shop.router, "/s/nothing-here", &headers).await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

// N8 ------------------------------------------------------------------------

async fn submitted_events(db: &Surreal<Any>, her: &Person) -> i64 {
    let count: Option<i64> = db
        .query("(SELECT count() AS n FROM review_event WHERE owner = $owner AND action = 'submitted' GROUP ALL)[0].n")
        .bind(("owner", her.id.clone()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    count.unwrap_or(0)
}

#[tokio::test]
async fn a_loop_of_submissions_appends_one_review_event_per_item_and_nothing_she_wrote_is_lost() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let her = support::entrepreneur(&db, "+998901002301").await;
    let coordinator = support::signed_in(&db, "+998901002302", "Dilnoza", Role::Coordinator, &["chimbay"], None).await;
    let mut phone = phone_of(&her, 1);
    phone
        .put(storefront_id(&her.owner()), Kind::Storefront, storefront_fields("Gulnar", "gulnar"), T, [2; 10])
        .unwrap();
    let products: Vec<RecordId> = (0..5u8).map(|n| RecordId::new(T, [10 + n; 10])).collect();
    for (n, id) in products.iter().enumerate() {
        phone
            .put(*id, Kind::Product, product_fields(&her, &format!("Jam {n}"), 20_000), T + 1, [10 + n as u8; 10])
            .unwrap();
    }
    // A normal submission reaches the desk.
    for (n, id) in products.iter().enumerate() {
        submit(&mut phone, *id, T + 10, 40 + n as u8);
    }
    sync_phone(&router, &her, &mut phone).await;
    assert_eq!(submitted_events(&db, &her).await, 5);
    let (status, queue) = api(&router, &coordinator, Method::GET, "/review/queue", None).await;
    assert_eq!((status, queue["total"].clone()), (StatusCode::OK, json!(5)), "{queue}");

    // The recipe: push after push, a fresh `submitted` on every product,
    // with an edit of her own each time.
    for round in 1..=12u64 {
        for (n, id) in products.iter().enumerate() {
            let at = T + 100 * round + n as u64;
            let price = sawda_sync::Fields::from([("price_som".to_owned(), json!(20_000 + round))]);
            phone.edit(*id, price, at, [round as u8; 10]).unwrap();
            submit(&mut phone, *id, at + 1, 100 + round as u8);
        }
        sync_phone(&router, &her, &mut phone).await;
    }
    assert_eq!(submitted_events(&db, &her).await, 5, "already submitted: no new audit row");
    for id in &products {
        let record = phone.record(*id).unwrap();
        assert_eq!(record.get("price_som"), Some(&json!(20_012)), "her edits merged");
        let review = app::rules::review::Review::of(record);
        assert_eq!((review.state, review.revision), (app::rules::review::ReviewState::Submitted, 1));
        assert!(!review.submission_on_its_way(record), "taken in, not shown as waiting to be sent");
    }
    let (_, queue) = api(&router, &coordinator, Method::GET, "/review/queue", None).await;
    assert_eq!(queue["total"], 5, "still waiting once each: {queue}");

    // Her fixes of what a coordinator reviews go at once, up to five revisions a day.
    let jam = products[0];
    for round in 1..=7u64 {
        let name = sawda_sync::Fields::from([("name".to_owned(), json!(format!("Melon jam, take {round}")))]);
        phone.edit(jam, name, T + 10_000 + round * 10, [200 + round as u8; 10]).unwrap();
        submit(&mut phone, jam, T + 10_001 + round * 10, 210 + round as u8);
        sync_phone(&router, &her, &mut phone).await;
        let review = app::rules::review::Review::of(phone.record(jam).unwrap());
        assert_eq!(review.revision, (1 + round as u32).min(5), "round {round}");
    }
    assert_eq!(submitted_events(&db, &her).await, 9, "five for the jam, one for each other product");
    let record = phone.record(jam).unwrap();
    assert_eq!(record.get("name"), Some(&json!("Melon jam, take 7")), "her last name merged");
    let review = app::rules::review::Review::of(record);
    assert_eq!(review.state, app::rules::review::ReviewState::Draft, "changed since revision 5: a draft");
    assert!(!review.submission_on_its_way(record));
}

#[tokio::test]
async fn pushes_beyond_the_accounts_allowance_are_told_when_to_come_back() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let her = support::entrepreneur(&db, "+998901002311").await;
    let other = support::entrepreneur(&db, "+998901002312").await;
    let empty = |who: &Person| json!({"version": 3, "account": who.id, "device": sawda_sync::DeviceId::new(T, [1; 10]).to_string(), "mutations": []});
    let allowed = sawda_server::sync::push_limits::PUSHES_A_MINUTE;
    for n in 0..allowed {
        let (status, answer) = api(&router, &her, Method::POST, "/sync/push", Some(empty(&her))).await;
        assert_eq!(status, StatusCode::OK, "push {n}: {answer}");
    }
    let request = Request::post("/api/v1/sync/push")
        .header("cookie", &her.cookie)
        .header("content-type", "application/json")
        .body(Body::from(empty(&her).to_string()))
        .unwrap();
    let over = support::send(&router, request).await;
    assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = support::header(&over, "retry-after").parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(serde_json::from_str::<Value>(&support::body_text(over).await).unwrap()["code"], "rate_limited");
    // Another seller is not slowed by her.
    let (status, _) = api(&router, &other, Method::POST, "/sync/push", Some(empty(&other))).await;
    assert_eq!(status, StatusCode::OK);
}

// N14 -----------------------------------------------------------------------

fn a_photo(seed: u8) -> (String, Vec<u8>) {
    let image = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(400, 300, |x, y| {
        image::Rgb([(x % 251) as u8 ^ seed, (y % 241) as u8, seed])
    }));
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).unwrap();
    let bytes = out.into_inner();
    (hex::encode(Sha256::digest(&bytes)), bytes)
}

async fn upload(router: &axum::Router, who: &Person, hash: &str, bytes: Vec<u8>) {
    let request = Request::put(format!("/api/v1/photos/{hash}/upload?offset=0&total={}", bytes.len()))
        .header("cookie", &who.cookie)
        .header("content-type", "application/octet-stream")
        .body(Body::from(bytes))
        .unwrap();
    let response = support::send(router, request).await;
    assert_eq!(response.status(), StatusCode::OK, "{}", support::body_text(response).await);
}

async fn served(router: &axum::Router, hash: &str, file: &str) -> (StatusCode, String) {
    let response = support::get(router, &format!("/photos/{hash}/{file}"), &[]).await;
    (response.status(), support::header(&response, "cache-control").to_owned())
}

async fn preview_bytes(router: &axum::Router, hash: &str) -> Vec<u8> {
    let response = support::get(router, &format!("/photos/{hash}/preview.jpg"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    axum::body::to_bytes(response.into_body(), 10 << 20).await.unwrap().to_vec()
}

#[tokio::test]
async fn link_previews_are_made_only_for_approved_photos_and_withdrawn_ones_are_not_kept_for_a_year() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let her = support::entrepreneur(&db, "+998901002321").await;
    support::signed_in(&db, "+998901000409", "Admin", Role::Admin, &[], None).await;
    let (approved, approved_bytes) = a_photo(1);
    let (draft, draft_bytes) = a_photo(2);
    upload(&router, &her, &approved, approved_bytes).await;
    upload(&router, &her, &draft, draft_bytes).await;
    let mut phone = phone_of(&her, 1);
    let shop = storefront_id(&her.owner());
    phone.put(shop, Kind::Storefront, storefront_fields("Gulnar", "gulnar-photos"), T, [2; 10]).unwrap();
    let jam = RecordId::new(T, [3; 10]);
    let mut fields = product_fields(&her, "Melon jam", 30_000);
    fields.insert("photos".into(), json!([approved]));
    phone.put(jam, Kind::Product, fields, T + 1, [3; 10]).unwrap();
    submit(&mut phone, shop, T + 2, 4);
    submit(&mut phone, jam, T + 3, 5);
    sync_phone(&router, &her, &mut phone).await;

    // Submitted, not approved: no preview is made for anyone.
    assert_eq!(served(&router, &approved, "preview.jpg").await.0, StatusCode::NOT_FOUND);
    approve(&db, &her, shop, 1).await;
    approve(&db, &her, jam, 1).await;
    // The link preview: 1200 × 630, under 300 KB, made once and kept.
    let preview = preview_bytes(&router, &approved).await;
    assert!(preview.len() <= 300 * 1024, "{} bytes", preview.len());
    let shown = image::load_from_memory_with_format(&preview, image::ImageFormat::Jpeg).unwrap();
    assert_eq!((shown.width(), shown.height()), (1200, 630));
    assert_eq!(preview_bytes(&router, &approved).await, preview, "the same bytes the second time");
    assert_eq!(served(&router, &approved, "large.jpg").await.1, "public, max-age=31536000, immutable");
    // Her draft photo: her phones and the desk still get it, briefly kept; no preview.
    assert_eq!(served(&router, &draft, "preview.jpg").await.0, StatusCode::NOT_FOUND);
    let (status, cache) = served(&router, &draft, "thumb.jpg").await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, sawda_server::api::photos::NOT_PUBLIC_CACHE));

    // Withdrawn: its preview goes (even though it was made), its sizes are no longer kept for a year.
    let admin = sawda_server::accounts::people::find_for_sign_in(&db, "+998901000409").await.unwrap().unwrap().0;
    sawda_server::review::desk::withdraw(&db, &admin, &her.owner(), jam, "photos of another producer".into())
        .await
        .unwrap();
    assert_eq!(served(&router, &approved, "preview.jpg").await.0, StatusCode::NOT_FOUND);
    let (status, cache) = served(&router, &approved, "large.jpg").await;
    assert_eq!((status, cache.as_str()), (StatusCode::OK, sawda_server::api::photos::NOT_PUBLIC_CACHE));
}

// N17 -----------------------------------------------------------------------

#[tokio::test]
async fn the_desk_clamps_waiting_days_and_refuses_control_characters_in_a_withdrawal_reason() {
    let shop = shop(true).await;
    let admin = support::signed_in(&shop.db, "+998901002331", "Admin", Role::Admin, &[], None).await;
    let (status, queue) = api(&shop.router, &admin, Method::GET, "/review/queue?waiting_days=4000000000", None).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["total"], 0, "nothing has waited ten years");

    let path = format!("/review/items/{}/{}/withdraw", shop.her.id, shop.product);
    let (status, answer) =
        api(&shop.router, &admin, Method::POST, &path, Some(json!({"reason": "fake\u{7}\u{1b}[2J"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["code"], "bad_feedback");
    let (status, _) = crate::public::page(&shop.router, "/s/gulnars-biscuits").await;
    assert_eq!(status, StatusCode::OK, "nothing changed: still public");
    let (status, answer) =
        api(&shop.router, &admin, Method::POST, &path, Some(json!({"reason": "Photos of\nanother producer"}))).await;
    assert_eq!(status, StatusCode::OK, "a line break is fine: {answer}");
}

// N18 -----------------------------------------------------------------------

#[tokio::test]
async fn one_address_cannot_hold_more_than_its_share_of_connections() {
    use sawda_server::http::listen::{Caps, serve};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let caps = Caps { total: 16, per_address: Some(3) };
    let server =
        tokio::spawn(serve(listener, support::router().await, std::time::Duration::from_secs(60), caps, async {
            let _ = stopped.await;
        }));
    // Three idle connections from 127.0.0.1: its share.
    let mut idle = Vec::new();
    for _ in 0..3 {
        idle.push(TcpStream::connect(addr).await.unwrap());
    }
    // The next one from the same address is closed at once, unanswered.
    let mut over = TcpStream::connect(addr).await.unwrap();
    let _ = over.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").await;
    let mut answer = Vec::new();
    let read = over.read_to_end(&mut answer).await;
    assert!(read.is_err() || answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    // The idle ones are still served; one closed frees its place.
    let mut first = idle.remove(0);
    first.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
    let mut answer = String::new();
    first.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(first);
    let mut again = loop {
        // The server notices the close on its own time: until then the place is taken.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").await.unwrap();
        let mut answer = String::new();
        if stream.read_to_string(&mut answer).await.is_ok() && !answer.is_empty() {
            break answer;
        }
        tokio::task::yield_now().await;
    };
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
    again.clear();
    stop.send(()).unwrap();
    drop(idle);
    server.await.unwrap().unwrap();
}
