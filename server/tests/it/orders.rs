//! Buyers' order requests over the real router and database: a plain form
//! post becomes a record in her sync scope that her phone pulls and moves on;
//! bad forms change nothing; other sites, bots and floods are stopped
//! without stopping real buyers or filling her room; the buyer's details
//! reach her alone and are forgotten 180 days after the request arrived.

use crate::public::{Shop, page, shop};
use crate::support::{self, phone_of, sync_phone};
use app::rules::people::Role;
use app::rules::records::order_request as order;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use sawda_sync::{Fields, Kind, Record};
use serde_json::{Value, json};

const BUYER: &str = "Gulnara Bekmuratova";

async fn product_path(shop: &Shop) -> String {
    let slugs: Vec<String> = shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    format!("/s/gulnars-biscuits/{}", slugs[0])
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", app::ui::encode_component(k), app::ui::encode_component(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn good_form(lang: &str) -> String {
    form(&[
        ("lang", lang),
        ("name", BUYER),
        ("contact", "+998 91 234 56 78"),
        ("quantity", "3"),
        ("delivery", "Nukus, Dosnazarov street, Saturday"),
        ("message", "For a wedding, please pack them well"),
        ("website", ""),
    ])
}

/// A post of the form from a browser on the page itself (`Sec-Fetch-Site: same-origin`).
async fn post_from(router: &Router, path: &str, body: String, address: &str) -> Response<Body> {
    post_with(router, path, body, address, &[("sec-fetch-site", "same-origin")]).await
}

async fn post_with(
    router: &Router,
    path: &str,
    body: String,
    address: &str,
    headers: &[(&str, &str)],
) -> Response<Body> {
    let mut request = Request::post(format!("{path}/order"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", address)
        .header("user-agent", "Mozilla/5.0 (Linux; Android 10) Chrome/120.0 Mobile");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    support::send(router, request.body(Body::from(body)).unwrap()).await
}

/// The form's token as the product page of `shop` gave it `ago_ms` before now.
async fn token_from(shop: &Shop, ago_ms: u64) -> String {
    let key = sawda_server::orders::form_token::key(&shop.db).await.unwrap();
    let now = chrono::Utc::now().timestamp_millis() as u64;
    key.sign(&shop.her.id, &shop.product.to_string(), now - ago_ms)
}

/// A token from a page the buyer opened a minute ago.
async fn fresh_token(shop: &Shop) -> String {
    token_from(shop, 60_000).await
}

/// `body` with a token from a page opened a minute ago, posted from the page.
async fn post(shop: &Shop, router: &Router, path: &str, body: String, address: &str) -> Response<Body> {
    let body = format!("{body}&token={}", app::ui::encode_component(&fresh_token(shop).await));
    post_from(router, path, body, address).await
}

/// The router over the shop's database, taking the client's address from the proxy's header.
fn behind_proxy(shop: &Shop) -> Router {
    let site = std::env::temp_dir();
    let state = support::state(shop.db.clone(), &site)
        .with_site(sawda_server::http::site::Site { trust_proxy: true, ..Default::default() });
    sawda_server::router(state, &site)
}

/// What her room for products holds: (records, bytes).
async fn her_room(shop: &Shop) -> (i64, i64) {
    let mut read = shop
        .db
        .query("(SELECT VALUE records FROM $scope)[0]; (SELECT VALUE bytes FROM $scope)[0];")
        .bind(("scope", surrealdb::types::RecordId::new("sync_scope", shop.her.id.clone())))
        .await
        .unwrap();
    let records: Option<i64> = read.take(0).unwrap();
    let bytes: Option<i64> = read.take(1).unwrap();
    (records.unwrap_or(0), bytes.unwrap_or(0))
}

async fn order_records(shop: &Shop) -> Vec<Record> {
    let bodies: Vec<String> = shop
        .db
        .query("SELECT VALUE body FROM sync_record WHERE kind = 'order_request'")
        .await
        .unwrap()
        .take(0)
        .unwrap();
    bodies.iter().map(|b| serde_json::from_str(b).unwrap()).collect()
}

fn orders_on(phone: &sawda_sync::Replica) -> Vec<Record> {
    phone.records().filter(|r| r.kind() == Kind::OrderRequest).cloned().collect()
}

#[tokio::test]
async fn a_buyers_request_reaches_her_phone_and_she_moves_it_on() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let (status, product_page) = page(&router, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(product_page.contains(&format!(r#"action="{path}/order#order""#)), "a plain form: {product_page}");
    assert!(product_page.contains(r#"name="website""#) && product_page.contains(r#"class="trap""#));

    let response = post(&shop, &router, &path, good_form("ru"), "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    let confirmation = support::body_text(response).await;
    assert!(confirmation.contains("Ваша заявка отправлена"), "in the buyer's language: {confirmation}");
    assert!(confirmation.contains("+998912345678"), "what happens next names her contact");
    assert!(confirmation.contains(r#"href="http://"#) && confirmation.contains(&path));

    // Its language links lead back to the product, in that language.
    let back = support::get(&router, &format!("{path}/order?lang=kaa"), &[]).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(support::header(&back, "location"), format!("{path}?lang=kaa"));

    // Sent twice (a double tap, a reload): one request.
    let again = post(&shop, &router, &path, good_form("ru"), "5.6.7.8").await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(order_records(&shop).await.len(), 1);

    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let orders = orders_on(&shop.phone);
    assert_eq!(orders.len(), 1, "her phone has it");
    let request = &orders[0];
    assert_eq!(request.get(order::BUYER_NAME), Some(&json!(BUYER)));
    assert_eq!(request.get(order::BUYER_CONTACT), Some(&json!("+998912345678")));
    assert_eq!(request.get(order::QUANTITY), Some(&json!(3)));
    assert_eq!(request.get(order::STATUS), Some(&json!("new")));
    assert_eq!(request.get(order::PRODUCT), Some(&json!(shop.product.to_string())));
    assert_eq!(request.get(order::LANG), Some(&json!("ru")));
    assert!(request.get(order::RECEIVED_AT).and_then(Value::as_str).is_some_and(|t| t.starts_with("20")));

    // She confirms it with a note, on her phone; it syncs.
    let id = request.id();
    let edit = Fields::from([
        (order::STATUS.to_owned(), json!("confirmed")),
        (order::NOTE.to_owned(), json!("Bake on Friday")),
    ]);
    let now = chrono::Utc::now().timestamp_millis() as u64;
    shop.phone.edit(id, edit, now, [7; 10]).unwrap();
    // Her phone cannot change what the buyer wrote.
    let renamed = Fields::from([(order::BUYER_NAME.to_owned(), json!("someone else"))]);
    assert!(shop.phone.edit(id, renamed, now + 1, [8; 10]).is_err());
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let stored = order_records(&shop).await;
    assert_eq!(stored[0].get(order::STATUS), Some(&json!("confirmed")));
    assert_eq!(stored[0].get(order::NOTE), Some(&json!("Bake on Friday")));
    assert_eq!(stored[0].get(order::BUYER_NAME), Some(&json!(BUYER)));
}

#[tokio::test]
async fn bad_forms_are_answered_beside_each_field_and_change_nothing() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let hostile = r#"</textarea><script>alert(1)</script>"#;
    let bad = form(&[("lang", "en"), ("name", ""), ("contact", "call me"), ("quantity", "0"), ("message", hostile)]);
    let response = post(&shop, &router, &path, bad, "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = support::body_text(response).await;
    assert!(body.contains("Please check the marked fields."), "{body}");
    assert!(body.contains(r#"id="order-name-problem""#));
    assert!(body.contains(r#"id="order-contact-problem""#) && body.contains("Telegram name"));
    assert!(body.contains(r#"id="order-quantity-problem""#));
    assert!(!body.contains("<script>alert"), "what she typed comes back as text");
    assert!(body.contains("&lt;/textarea&gt;"), "and is kept in the form");

    let long = "я".repeat(order::MESSAGE_MAX + 1);
    let too_long = form(&[("name", BUYER), ("contact", "@gulnara_b"), ("message", &long)]);
    let response = post(&shop, &router, &path, too_long, "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(support::body_text(response).await.contains(r#"id="order-message-problem""#));

    let huge = form(&[("name", BUYER), ("contact", "@gulnara_b"), ("message", &"x".repeat(64 * 1024))]);
    let response = post(&shop, &router, &path, huge, "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "beyond the form's size: not read");

    let not_a_form = Request::post(format!("{path}/order"))
        .header("content-type", "application/json")
        .body(Body::from(r#"{"name":"x"}"#))
        .unwrap();
    assert_eq!(support::send(&router, not_a_form).await.status(), StatusCode::BAD_REQUEST);

    let response = post(&shop, &router, "/s/gulnars-biscuits/no-such-thing", good_form("en"), "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(order_records(&shop).await.is_empty(), "nothing was kept");

    // A storefront not approved takes no orders.
    let draft = crate::public::shop(false).await;
    let router = behind_proxy(&draft);
    let response = post(&draft, &router, "/s/gulnars-biscuits/anything", good_form("en"), "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(order_records(&draft).await.is_empty());
}

#[tokio::test]
async fn the_buyers_details_reach_her_alone() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    assert_eq!(post(&shop, &router, &path, good_form("en"), "5.6.7.8").await.status(), StatusCode::OK);

    // Another entrepreneur, the district's coordinator and an admin pull nothing of it.
    let db = &shop.db;
    let other = support::entrepreneur(db, "+998901000402").await;
    let coordinator = support::signed_in(db, "+998901000403", "Aziza", Role::Coordinator, &["chimbay"], None).await;
    for person in [&other, &coordinator] {
        let mut phone = phone_of(person, 9);
        sync_phone(&shop.router, person, &mut phone).await;
        assert!(orders_on(&phone).is_empty(), "{}", person.id);
    }
    // No public page, the market, the sitemap or the desk shows it.
    for path in [path.as_str(), "/s/gulnars-biscuits", "/market?q=gulnara", "/sitemap.xml"] {
        let (_, body) = page(&shop.router, path).await;
        assert!(!body.contains("Gulnara") && !body.contains("912345678"), "{path}");
    }
    let (status, queue) =
        support::call(&shop.router, Some(&coordinator), axum::http::Method::GET, "/api/v1/review/queue", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!queue.to_string().contains("Gulnara"), "{queue}");
    // Her phone has it.
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    assert_eq!(orders_on(&shop.phone).len(), 1);
}

#[tokio::test]
async fn every_buyer_is_forgotten_180_days_after_the_request_arrived_whatever_its_status() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    assert_eq!(post(&shop, &router, &path, good_form("en"), "5.6.7.8").await.status(), StatusCode::OK);
    let other = form(&[("name", "Aybek"), ("contact", "@aybek_n"), ("quantity", "1")]);
    assert_eq!(post(&shop, &router, &path, other, "5.6.7.9").await.status(), StatusCode::OK);
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let mut orders = orders_on(&shop.phone);
    orders.sort_by_key(|r| r.get(order::BUYER_NAME).map(|v| v.to_string()));
    let (aybek, gulnara) = (orders[0].id(), orders[1].id());
    // She finishes Gulnara's order; Aybek's is still on its way.
    let now = chrono::Utc::now().timestamp_millis() as u64;
    shop.phone.edit(gulnara, Fields::from([(order::STATUS.to_owned(), json!("done"))]), now, [7; 10]).unwrap();
    shop.phone.edit(aybek, Fields::from([(order::STATUS.to_owned(), json!("sent"))]), now, [8; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;

    let day = 24 * 60 * 60 * 1000;
    assert_eq!(sawda_server::orders::forget_finished(&shop.db, now + 179 * day).await.unwrap(), 0, "not yet");
    assert_eq!(sawda_server::orders::forget_finished(&shop.db, now + 181 * day).await.unwrap(), 2, "done or not");
    assert_eq!(sawda_server::orders::forget_finished(&shop.db, now + 182 * day).await.unwrap(), 0, "once");

    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let forgotten = shop.phone.record(gulnara).unwrap();
    assert_eq!(forgotten.get(order::BUYER_NAME), Some(&Value::Null));
    assert_eq!(forgotten.get(order::QUANTITY), Some(&json!(3)), "what was sold stays for her figures");
    let everything = serde_json::to_string(forgotten).unwrap();
    assert!(!everything.contains("Gulnara") && !everything.contains("912345678"), "no trace, not even in history");
    let stored = order_records(&shop).await;
    let on_server = stored.iter().find(|r| r.id() == gulnara).unwrap();
    assert!(!serde_json::to_string(on_server).unwrap().contains("Gulnara"), "nor on the server");
    let on_its_way = shop.phone.record(aybek).unwrap();
    assert_eq!(on_its_way.get(order::BUYER_NAME), Some(&Value::Null), "an order still on its way too");
    assert_eq!(on_its_way.get(order::STATUS), Some(&json!("sent")), "her own fields stay");
}

#[tokio::test]
async fn a_request_left_unanswered_goes_after_two_weeks_and_one_she_answers_meanwhile_stays() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    assert_eq!(post(&shop, &router, &path, good_form("en"), "5.6.7.8").await.status(), StatusCode::OK);
    let other = form(&[("name", "Aybek"), ("contact", "@aybek_n"), ("quantity", "1")]);
    assert_eq!(post(&shop, &router, &path, other, "5.6.7.9").await.status(), StatusCode::OK);
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let mut orders = orders_on(&shop.phone);
    orders.sort_by_key(|r| r.get(order::BUYER_NAME).map(|v| v.to_string()));
    let (aybek, gulnara) = (orders[0].id(), orders[1].id());
    let now = chrono::Utc::now().timestamp_millis() as u64;
    let day = 24 * 60 * 60 * 1000;
    assert_eq!(sawda_server::orders::expire_unanswered(&shop.db, now + 13 * day).await.unwrap(), 0, "not yet");

    // The daily job, 15 days on, reads Gulnara's request as unanswered...
    let later = now + 15 * day;
    let stored = order_records(&shop).await;
    let read = stored.iter().find(|r| r.id() == gulnara).unwrap();
    assert!(sawda_server::orders::due_to_expire(read, later));
    // ...and before it writes, her phone confirms it.
    shop.phone.edit(gulnara, Fields::from([(order::STATUS.to_owned(), json!("confirmed"))]), now + 1, [8; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let due = vec![(shop.her.owner(), gulnara)];
    assert_eq!(sawda_server::orders::expire(&shop.db, due, later).await.unwrap(), 0, "no longer waiting");
    // Aybek's, never answered, goes: deleted, its buyer forgotten, its place free.
    assert_eq!(sawda_server::orders::expire_unanswered(&shop.db, later).await.unwrap(), 1);
    assert_eq!(sawda_server::orders::expire_unanswered(&shop.db, later).await.unwrap(), 0, "once");
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    assert!(shop.phone.record(aybek).unwrap().is_deleted(), "gone from her list");
    assert!(!serde_json::to_string(shop.phone.record(aybek).unwrap()).unwrap().contains("aybek_n"));
    let kept = shop.phone.record(gulnara).unwrap();
    assert_eq!(kept.get(order::STATUS), Some(&json!("confirmed")));
    assert_eq!(kept.get(order::BUYER_CONTACT), Some(&json!("+998912345678")), "she can still reach the buyer");
    let open: Option<i64> = shop
        .db
        .query("(SELECT VALUE open_requests FROM $scope)[0]")
        .bind(("scope", surrealdb::types::RecordId::new("sync_scope", shop.her.id.clone())))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(open, Some(0), "nothing waits for her answer");
}

#[tokio::test]
async fn the_daily_job_reads_requests_a_page_at_a_time() {
    use sawda_server::sync::store::Created;
    let shop = shop(true).await;
    let storefront = sawda_server::approved::storefront(&shop.db, "gulnars-biscuits").await.unwrap().unwrap();
    let product = &storefront.products[0];
    let now = chrono::Utc::now().timestamp_millis() as u64;
    let day = 24 * 60 * 60 * 1000;
    // More than a page (200) of requests, over several ten-minute windows.
    for n in 0..450u64 {
        let request = order::OrderForm {
            name: BUYER.into(),
            contact: "@gulnara_b".into(),
            quantity: (n + 1).to_string(),
            ..Default::default()
        }
        .check()
        .unwrap();
        let at = now - 200 * day + n * 60_000;
        let received =
            sawda_server::orders::receive_at(&shop.db, &storefront, product, &request, "en", at).await.unwrap();
        assert!(matches!(received, Created::New | Created::Full), "{received:?}");
    }
    let kept = order_records(&shop).await.len();
    assert!(kept > 200, "{kept}");
    assert_eq!(sawda_server::orders::forget_finished(&shop.db, now).await.unwrap(), kept);
    assert_eq!(sawda_server::orders::expire_unanswered(&shop.db, now).await.unwrap(), kept);
    assert_eq!(sawda_server::orders::forget_finished(&shop.db, now).await.unwrap(), 0, "once");
    for record in order_records(&shop).await {
        assert!(record.is_deleted());
        assert_eq!(record.get(order::BUYER_NAME), Some(&Value::Null));
    }
}

#[tokio::test]
async fn an_order_sent_again_across_a_ten_minute_boundary_is_kept_once() {
    use sawda_server::sync::store::Created;
    let shop = shop(true).await;
    let storefront = sawda_server::approved::storefront(&shop.db, "gulnars-biscuits").await.unwrap().unwrap();
    let product = &storefront.products[0];
    let form = order::OrderForm {
        name: BUYER.into(),
        contact: "+998 91 234 56 78".into(),
        quantity: "3".into(),
        ..Default::default()
    };
    let request = form.check().unwrap();
    // 10:09:59 and 10:10:01 UTC on a December day: two windows.
    let first = chrono::DateTime::parse_from_rfc3339("2026-12-04T10:09:59Z").unwrap().timestamp_millis() as u64;
    let again = first + 2_000;
    let receive = |at| sawda_server::orders::receive_at(&shop.db, &storefront, product, &request, "en", at);
    assert_eq!(receive(first).await.unwrap(), Created::New);
    assert_eq!(receive(again).await.unwrap(), Created::AlreadyThere, "the reload is the same request");
    assert_eq!(order_records(&shop).await.len(), 1);
    // A different request in the next window is a new one.
    let other = order::OrderForm { quantity: "4".into(), ..form.clone() }.check().unwrap();
    let received = sawda_server::orders::receive_at(&shop.db, &storefront, product, &other, "en", again).await.unwrap();
    assert_eq!(received, Created::New);
    assert_eq!(order_records(&shop).await.len(), 2);
}

/// The issue's report: eight addresses, five requests each to one product,
/// two in five with the trap filled, texts padded with U+0001; then the same
/// flood with clean texts. A real buyer from a new address still gets
/// through, and nothing of it takes her room for products.
#[tokio::test]
async fn a_flood_from_eight_addresses_neither_stops_a_real_buyer_nor_fills_her_room() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let room = her_room(&shop).await;
    assert!(room.0 >= 2, "her storefront and product: {room:?}");
    let pad = "\u{1}";
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for clean in [false, true] {
        for address in 0..8 {
            for n in 0..5 {
                let (name, delivery, message) = if clean {
                    ("Zz".to_owned(), "Nukus".to_owned(), format!("flood {address} {n}"))
                } else {
                    (format!("Zz{}", pad.repeat(78)), pad.repeat(300), format!("{}{address}{n}", pad.repeat(975)))
                };
                let trap = if n == 1 || n == 3 { "http://spam.example" } else { "" };
                let body = form(&[
                    ("lang", "en"),
                    ("name", &name),
                    ("contact", &format!("+791234{clean:?}{address}{n:02}").replace("false", "0").replace("true", "1")),
                    ("quantity", "1"),
                    ("delivery", &delivery),
                    ("message", &message),
                    ("website", trap),
                ]);
                let status = post(&shop, &router, &path, body, &format!("198.51.100.{address}")).await.status();
                *statuses.entry(status.as_u16()).or_default() += 1;
            }
        }
    }
    println!("the flood was answered {statuses:?}");
    let real = post(&shop, &router, &path, good_form("en"), "203.0.113.77").await;
    assert_eq!(real.status(), StatusCode::OK, "a real buyer from a new address, after the flood ({statuses:?})");
    assert!(support::body_text(real).await.contains("Your request has been sent"));
    let kept = order_records(&shop).await;
    assert!(kept.iter().all(|r| !serde_json::to_string(r).unwrap().contains("\\u0001")), "no padded request was kept");
    assert_eq!(her_room(&shop).await, room, "buyers' requests take nothing of her room for products");
}

#[tokio::test]
async fn requests_from_other_sites_are_refused() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let (_, page) = page(&router, &path).await;
    // The site's own origin, as the page's canonical address names it.
    let canonical = page.split(r#"<link rel="canonical" href=""#).nth(1).unwrap().split('"').next().unwrap();
    let own = canonical.split("/s/").next().unwrap().to_owned();
    let body = format!("{}&token={}", good_form("en"), app::ui::encode_component(&fresh_token(&shop).await));
    for headers in [
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("sec-fetch-site", "cross-site"), ("origin", own.as_str())],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
    ] {
        let response = post_with(&router, &path, body.clone(), "5.6.7.8", &headers).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(support::header(&response, "cache-control"), "no-store");
        assert!(!support::body_text(response).await.contains("Your request has been sent"), "{headers:?}");
    }
    assert!(order_records(&shop).await.is_empty(), "nothing was kept");
    // From the page itself: with the browser's headers, or an old browser's none.
    for headers in [
        vec![("sec-fetch-site", "same-origin"), ("origin", own.as_str())],
        vec![("sec-fetch-site", "none")],
        vec![("origin", own.as_str())],
    ] {
        let body = form(&[
            ("lang", "en"),
            ("name", BUYER),
            ("contact", "@gulnara_b"),
            ("quantity", &headers.len().to_string()),
        ]);
        let body = format!("{body}&token={}", app::ui::encode_component(&fresh_token(&shop).await));
        let response = post_with(&router, &path, body, "5.6.7.8", &headers).await;
        assert_eq!(response.status(), StatusCode::OK, "{headers:?}");
    }
}

#[tokio::test]
async fn a_post_without_a_token_from_the_page_is_not_kept_and_she_keeps_what_she_typed() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    for token in ["", "1733300000000.AAAA", "garbage"] {
        let body = format!("{}&token={token}", good_form("en"));
        let response = post_from(&router, &path, body, "5.6.7.8").await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "token {token:?}");
        assert_eq!(support::header(&response, "cache-control"), "no-store");
        let page = support::body_text(response).await;
        assert!(page.contains("open the product page again"), "{page}");
        assert!(page.contains(&format!(r#"value="{BUYER}""#)), "what she typed is kept");
        assert!(!page.contains("Your request has been sent"));
    }
    assert!(order_records(&shop).await.is_empty(), "nothing was kept");
}

#[tokio::test]
async fn the_trap_is_hidden_without_the_stylesheet_and_a_buyer_caught_by_it_is_asked_to_send_again() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let (_, page) = page(&router, &path).await;
    assert!(page.contains(r#"<div class="trap" hidden"#), "hidden by the page itself: {page}");

    // Autofill put something in the field people cannot see.
    let filled = form(&[("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b"), ("website", "gulnara.example")]);
    for n in 0..10 {
        let response = post(&shop, &router, &path, filled.clone(), "9.9.9.9").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "post {n}");
        let page = support::body_text(response).await;
        assert!(!page.contains("Your request has been sent"), "not told it was sent");
        assert!(page.contains("was not sent"), "{page}");
        assert!(page.contains(&format!(r#"value="{BUYER}""#)), "what she typed is kept");
        assert!(page.contains(r#"name="website" tabindex="-1" autocomplete="off" value="""#), "the trap emptied");
    }
    assert!(order_records(&shop).await.is_empty(), "nothing was kept");
    // The trapped posts used none of what a real request from the same address may.
    let real = form(&[("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b")]);
    assert_eq!(post(&shop, &router, &path, real, "9.9.9.9").await.status(), StatusCode::OK);
    // Many invalid posts from one address: that address is held back for a while, no one else.
    let mut held = None;
    for n in 0..40 {
        let status = post(&shop, &router, &path, filled.clone(), "9.9.9.9").await.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            held = Some(n);
            break;
        }
    }
    assert!(held.is_some(), "invalid posts are limited per address");
    let other = form(&[("lang", "en"), ("name", "Aybek"), ("contact", "@aybek_n")]);
    assert_eq!(post(&shop, &router, &path, other, "9.9.9.10").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn control_and_format_characters_are_refused_and_texts_are_bounded_in_bytes() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    for (field, value) in [
        ("name", "Gul\u{1}nara"),
        ("name", "\u{202e}aranluG"),
        ("delivery", "Nukus\u{200b}\u{200b}"),
        ("message", "Hello\u{7}"),
        ("message", "Hello \u{2066}world\u{2069}"),
    ] {
        let mut pairs = vec![("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b")];
        pairs.retain(|(name, _)| *name != field);
        pairs.push((field, value));
        let response = post(&shop, &router, &path, form(&pairs), "5.6.7.8").await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{field}: {value:?}");
        let page = support::body_text(response).await;
        assert!(page.contains(&format!(r#"id="order-{field}-problem""#)), "{field}: {page}");
        assert!(page.contains("invisible"), "a clear message: {page}");
    }
    // As many characters as allowed, but emoji: too many bytes.
    let emoji = "🍯".repeat(order::MESSAGE_MAX);
    let pairs = [("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b"), ("message", emoji.as_str())];
    let response = post(&shop, &router, &path, form(&pairs), "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(support::body_text(response).await.contains(r#"id="order-message-problem""#));
    assert!(order_records(&shop).await.is_empty(), "nothing was kept");
    // Lines typed in the message (a browser sends them as CR LF) stay lines; emoji are fine.
    let pairs = [("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b"), ("message", "Two boxes\r\nThank you 🍯")];
    assert_eq!(post(&shop, &router, &path, form(&pairs), "5.6.7.8").await.status(), StatusCode::OK);
    let kept = order_records(&shop).await;
    assert_eq!(kept[0].get(order::MESSAGE), Some(&json!("Two boxes\nThank you 🍯")));
}

#[tokio::test]
async fn one_address_holds_at_most_a_few_of_her_open_requests() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let nth =
        |n: usize| form(&[("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b"), ("quantity", &n.to_string())]);
    for n in 1..=3 {
        assert_eq!(post(&shop, &router, &path, nth(n), "9.9.9.9").await.status(), StatusCode::OK, "request {n}");
    }
    let refused = post(&shop, &router, &path, nth(4), "9.9.9.9").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let page = support::body_text(refused).await;
    assert!(page.contains("waiting for the maker"), "{page}");
    assert_eq!(order_records(&shop).await.len(), 3);
    // Another address (another family behind the same village's carrier) is not held back.
    assert_eq!(post(&shop, &router, &path, nth(5), "9.9.9.10").await.status(), StatusCode::OK);
    // She answers one of the three: that address may send one more.
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let first = orders_on(&shop.phone).into_iter().find(|r| r.get(order::QUANTITY) == Some(&json!(1))).unwrap();
    let now = chrono::Utc::now().timestamp_millis() as u64;
    shop.phone.edit(first.id(), Fields::from([(order::STATUS.to_owned(), json!("confirmed"))]), now, [7; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    assert_eq!(post(&shop, &router, &path, nth(6), "9.9.9.9").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn her_open_requests_have_their_own_bound_and_she_is_told_when_buyers_were_turned_away() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let room = her_room(&shop).await;
    let storefront = sawda_server::approved::storefront(&shop.db, "gulnars-biscuits").await.unwrap().unwrap();
    let product = &storefront.products[0];
    let now = chrono::Utc::now().timestamp_millis() as u64;
    let mut n = 0u64;
    loop {
        n += 1;
        let request = order::OrderForm {
            name: BUYER.into(),
            contact: "@gulnara_b".into(),
            quantity: n.to_string(),
            ..Default::default()
        }
        .check()
        .unwrap();
        let received =
            sawda_server::orders::receive_at(&shop.db, &storefront, product, &request, "en", now).await.unwrap();
        if received != sawda_server::sync::store::Created::New {
            break;
        }
        assert!(n <= 1_000, "no bound on open requests");
    }
    let open = n - 1;
    println!("{open} open requests were taken");
    assert!((100..=1_000).contains(&open), "{open}");
    assert_eq!(her_room(&shop).await, room, "none of them takes her room for products");

    let turned_away = post(&shop, &router, &path, good_form("en"), "5.6.7.8").await;
    assert_eq!(turned_away.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = support::body_text(turned_away).await;
    assert!(page.contains("cannot take more requests right now"), "{page}");
    assert_eq!(order_records(&shop).await.len() as u64, open);

    // Her phone says so, and she frees room: one cancelled, one deleted.
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let told = shop.phone.record(shop.shop).unwrap().get("orders_turned_away").cloned();
    assert_eq!(told.as_ref().and_then(|t| t.get("count")), Some(&json!(1)), "{told:?}");
    let orders = orders_on(&shop.phone);
    assert_eq!(orders.len() as u64, open);
    let later = chrono::Utc::now().timestamp_millis() as u64;
    shop.phone
        .edit(orders[0].id(), Fields::from([(order::STATUS.to_owned(), json!("cancelled"))]), later, [7; 10])
        .unwrap();
    shop.phone.delete(orders[1].id(), later, [8; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let deleted = order_records(&shop).await.into_iter().find(|r| r.id() == orders[1].id()).unwrap();
    assert!(deleted.is_deleted());
    assert!(!serde_json::to_string(&deleted).unwrap().contains(BUYER), "a deleted request forgets its buyer");
    for address in ["5.6.7.9", "5.6.7.10"] {
        let other = form(&[("lang", "en"), ("name", "Aybek"), ("contact", "@aybek_n"), ("message", address)]);
        assert_eq!(post(&shop, &router, &path, other, address).await.status(), StatusCode::OK, "{address}");
    }
    let third = form(&[("lang", "en"), ("name", "Aziza"), ("contact", "@aziza_k")]);
    assert_eq!(post(&shop, &router, &path, third, "5.6.7.11").await.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Her own work is never held back by buyers' requests: her room holds
    // her records and the notice on her storefront (one small field), nothing more.
    let now_room = her_room(&shop).await;
    assert_eq!(now_room.0, room.0);
    assert!(now_room.1 - room.1 < 300, "{now_room:?} after {room:?}");
    let product_edit = Fields::from([("name".to_owned(), json!("Sesame biscuits"))]);
    shop.phone.edit(shop.product, product_edit, later + 1, [9; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    assert!(shop.phone.outbox().is_empty(), "her edit was taken");
    let told = order::TurnedAway::of(shop.phone.record(shop.shop).unwrap().get(order::TURNED_AWAY)).unwrap();
    assert_eq!(told.count, 2, "counted on: {told:?}");
}

#[tokio::test]
async fn the_pages_token_holds_through_the_page_cache_and_a_form_sent_at_once_is_not_kept() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    let token_of = |page: &str| {
        page.split(r#"name="token" value=""#).nth(1).and_then(|rest| rest.split('"').next()).unwrap().to_owned()
    };
    let (_, first) = page(&router, &path).await;
    let (_, kept) = page(&router, &path).await;
    let token = token_of(&first);
    assert_eq!(token_of(&kept), token, "the kept page keeps its token, and its render time");
    let key = sawda_server::orders::form_token::key(&shop.db).await.unwrap();
    let shown: u64 = token.split('.').next().unwrap().parse().unwrap();
    let check = |at| key.check(&token, &shop.her.id, &shop.product.to_string(), at);
    use sawda_server::orders::form_token::{NOT_BEFORE_MS, Token, VALID_FOR_MS};
    assert_eq!(check(shown + 60_000), Token::Good, "a minute later, from the page cache");
    assert_eq!(check(shown + VALID_FOR_MS), Token::Good, "a buyer on 2G, hours later");
    assert_eq!(check(shown + NOT_BEFORE_MS - 1), Token::TooSoon);
    // Sent the moment the page came: a bot's pace. Not kept, and she is asked to send again.
    let body = format!("{}&token={}", good_form("en"), app::ui::encode_component(&token));
    let response = post_from(&router, &path, body, "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = support::body_text(response).await;
    assert!(again.contains("was not sent") && again.contains(&format!(r#"value="{BUYER}""#)), "{again}");
    assert_eq!(token_of(&again), token, "the same form, so a second send is a person's pace");
    assert!(order_records(&shop).await.is_empty());
}
