//! Buyers' order requests over the real router and database: a plain form
//! post becomes a record in her sync scope that her phone pulls and moves on;
//! bad forms change nothing; bots and floods are stopped; the buyer's details
//! reach her alone and are forgotten 180 days after the order ends.

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

async fn post_from(router: &Router, path: &str, body: String, address: &str) -> Response<Body> {
    let request = Request::post(format!("{path}/order"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", address)
        .header("user-agent", "Mozilla/5.0 (Linux; Android 10) Chrome/120.0 Mobile")
        .body(Body::from(body))
        .unwrap();
    support::send(router, request).await
}

/// The router over the shop's database, taking the client's address from the proxy's header.
fn behind_proxy(shop: &Shop) -> Router {
    let site = std::env::temp_dir();
    let state = support::state(shop.db.clone(), &site)
        .with_site(sawda_server::http::site::Site { public_url: None, trust_proxy: true });
    sawda_server::http::router(state, &site)
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

    let response = post_from(&router, &path, good_form("ru"), "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    let confirmation = support::body_text(response).await;
    assert!(confirmation.contains("Ваша заявка отправлена"), "in the buyer's language: {confirmation}");
    assert!(confirmation.contains("+998912345678"), "what happens next names her contact");
    assert!(confirmation.contains(&format!(r#"href="http://"#)) && confirmation.contains(&path));

    // Its language links lead back to the product, in that language.
    let back = support::get(&router, &format!("{path}/order?lang=kaa"), &[]).await;
    assert_eq!(back.status(), StatusCode::SEE_OTHER);
    assert_eq!(support::header(&back, "location"), format!("{path}?lang=kaa"));

    // Sent twice (a double tap, a reload): one request.
    let again = post_from(&router, &path, good_form("ru"), "5.6.7.8").await;
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
    let response = post_from(&router, &path, bad, "5.6.7.8").await;
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
    let response = post_from(&router, &path, too_long, "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(support::body_text(response).await.contains(r#"id="order-message-problem""#));

    let huge = form(&[("name", BUYER), ("contact", "@gulnara_b"), ("message", &"x".repeat(64 * 1024))]);
    let response = post_from(&router, &path, huge, "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "beyond the form's size: not read");

    let not_a_form = Request::post(format!("{path}/order"))
        .header("content-type", "application/json")
        .body(Body::from(r#"{"name":"x"}"#))
        .unwrap();
    assert_eq!(support::send(&router, not_a_form).await.status(), StatusCode::BAD_REQUEST);

    let response = post_from(&router, "/s/gulnars-biscuits/no-such-thing", good_form("en"), "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(order_records(&shop).await.is_empty(), "nothing was kept");

    // A storefront not approved takes no orders.
    let draft = crate::public::shop(false).await;
    let router = behind_proxy(&draft);
    let response = post_from(&router, "/s/gulnars-biscuits/anything", good_form("en"), "5.6.7.8").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(order_records(&draft).await.is_empty());
}

#[tokio::test]
async fn bots_and_floods_are_stopped_per_address_and_per_storefront() {
    let shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    // The hidden field filled in: told what a person is told, nothing kept.
    let bot = form(&[("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b"), ("website", "http://spam.example")]);
    let response = post_from(&router, &path, bot, "9.9.9.9").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(support::body_text(response).await.contains("Your request has been sent"));
    assert!(order_records(&shop).await.is_empty());

    // One address: 5 requests in 10 minutes (the bot's counted), then a clear refusal.
    let nth =
        |n: usize| form(&[("lang", "en"), ("name", BUYER), ("contact", "@gulnara_b"), ("quantity", &n.to_string())]);
    for n in 1..=4 {
        assert_eq!(post_from(&router, &path, nth(n), "9.9.9.9").await.status(), StatusCode::OK, "request {n}");
    }
    let refused = post_from(&router, &path, nth(5), "9.9.9.9").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(support::body_text(refused).await.contains("Too many requests just now"));
    assert_eq!(order_records(&shop).await.len(), 4);

    // One storefront: 30 an hour from any number of addresses (the bot's counted here too).
    for n in 0..25 {
        let status = post_from(&router, &path, nth(100 + n), &format!("10.1.0.{n}")).await.status();
        assert_eq!(status, StatusCode::OK, "address {n}");
    }
    let refused = post_from(&router, &path, nth(200), "10.2.0.1").await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "the storefront's allowance is used up");
    assert_eq!(order_records(&shop).await.len(), 29);
}

#[tokio::test]
async fn the_buyers_details_reach_her_alone() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    assert_eq!(post_from(&router, &path, good_form("en"), "5.6.7.8").await.status(), StatusCode::OK);

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
async fn the_buyer_is_forgotten_180_days_after_the_order_ends() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    assert_eq!(post_from(&router, &path, good_form("en"), "5.6.7.8").await.status(), StatusCode::OK);
    let other = form(&[("name", "Aybek"), ("contact", "@aybek_n"), ("quantity", "1")]);
    assert_eq!(post_from(&router, &path, other, "5.6.7.9").await.status(), StatusCode::OK);
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
    assert_eq!(sawda_server::orders::forget_finished(&shop.db, now + 181 * day).await.unwrap(), 1);
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
    let kept = shop.phone.record(aybek).unwrap();
    assert_eq!(kept.get(order::BUYER_NAME), Some(&json!("Aybek")), "an order on its way keeps its buyer");
}

#[tokio::test]
async fn an_order_she_reopens_while_the_daily_job_runs_keeps_its_buyer() {
    let mut shop = shop(true).await;
    let router = behind_proxy(&shop);
    let path = product_path(&shop).await;
    assert_eq!(post_from(&router, &path, good_form("en"), "5.6.7.8").await.status(), StatusCode::OK);
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let id = orders_on(&shop.phone)[0].id();
    let now = chrono::Utc::now().timestamp_millis() as u64;
    shop.phone.edit(id, Fields::from([(order::STATUS.to_owned(), json!("done"))]), now, [7; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;

    // The daily job, 181 days on, finds it due...
    let later = now + 181 * 24 * 60 * 60 * 1000;
    let due = sawda_server::orders::due_to_be_forgotten(&shop.db, later).await.unwrap();
    assert_eq!(due.len(), 1);
    // ...and before it writes, her phone sends the order back to "confirmed".
    shop.phone.edit(id, Fields::from([(order::STATUS.to_owned(), json!("confirmed"))]), now + 1, [8; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    assert_eq!(sawda_server::orders::forget(&shop.db, due, later).await.unwrap(), 0, "no longer due");

    let stored = order_records(&shop).await;
    assert_eq!(stored[0].get(order::STATUS), Some(&json!("confirmed")));
    assert_eq!(stored[0].get(order::BUYER_CONTACT), Some(&json!("+998912345678")), "she can still reach the buyer");
    assert_eq!(stored[0].get(order::BUYER_NAME), Some(&json!(BUYER)));
}

#[tokio::test]
async fn an_order_sent_again_across_a_ten_minute_boundary_is_kept_once() {
    use sawda_server::sync::store::Created;
    let shop = shop(true).await;
    let storefront = sawda_server::public::approved::storefront(&shop.db, "gulnars-biscuits").await.unwrap().unwrap();
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
