//! The export feed for partner systems (`docs/export.md`) over the real
//! router and database: what an item holds and what it never holds, a
//! partner paging while approvals, edits and withdrawals happen, a change
//! still being written when a page is read, tokens, and the CSV.

use std::collections::BTreeMap;
use std::time::Duration;

use app::rules::people::Role;
use axum::Router;
use axum::http::{Method, StatusCode};
use sawda_server::export::{changes, feed};
use sawda_sync::RecordId;
use serde_json::{Value, json};

use crate::public::{Shop, approved_shop, shop};
use crate::support::{self, Person, sync_phone};

const T: u64 = 1_760_000_000_000;

/// The router over the shop's database with the feed's settling time `settle`.
fn router(shop: &Shop, settle: Duration, requests_per_minute: usize) -> Router {
    let site = std::env::temp_dir();
    let mut state = support::state(shop.db.clone(), &site);
    state.export_settle = settle;
    state.export_limit =
        sawda_server::infra::rate_limit::RateLimit::new("export", requests_per_minute as u64, Duration::from_secs(60));
    sawda_server::router(state, &site)
}

async fn admin(shop: &Shop) -> Person {
    support::signed_in(&shop.db, "+998901000499", "Programme admin", Role::Admin, &[], None).await
}

async fn feed_as(router: &Router, who: &Person, query: &str) -> (StatusCode, Value) {
    support::call(router, Some(who), Method::GET, &format!("/api/v1/export/products.json{query}"), None).await
}

/// Every item from `since` on, page by page of `limit`, and where it ended.
async fn read_all(router: &Router, who: &Person, since: Option<&str>, limit: usize) -> (Vec<Value>, String) {
    let mut items = Vec::new();
    let mut since = since.map(str::to_owned);
    loop {
        let query = match &since {
            Some(since) => format!("?since={since}&limit={limit}"),
            None => format!("?limit={limit}"),
        };
        let (status, page) = feed_as(router, who, &query).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        since = Some(page["next"].as_str().unwrap().to_owned());
        if page["more"] == json!(false) {
            return (items, since.unwrap());
        }
    }
}

/// What a partner holds after applying `items` in order to `held`: id → item.
fn apply(held: &mut BTreeMap<String, Value>, items: &[Value]) {
    for item in items {
        let id = item["id"].as_str().unwrap().to_owned();
        if item["status"] == "withdrawn" {
            held.remove(&id);
        } else {
            held.insert(id, item.clone());
        }
    }
}

fn names_and_prices(held: &BTreeMap<String, Value>) -> Vec<(String, i64)> {
    let mut all: Vec<(String, i64)> =
        held.values().map(|i| (i["name"].as_str().unwrap().to_owned(), i["price_som"].as_i64().unwrap())).collect();
    all.sort();
    all
}

#[tokio::test]
async fn an_item_holds_the_product_its_storefront_and_public_contacts_and_nothing_personal() {
    let shop = shop(true).await;
    let router = router(&shop, Duration::ZERO, 60);
    let admin = admin(&shop).await;
    let (status, page) = feed_as(&router, &admin, "").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["version"], 1);
    assert_eq!(page["more"], false);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    let item = &items[0];
    assert_eq!(item["status"], "approved");
    assert_eq!(item["id"], changes::id_of(&shop.her.id, &shop.product.to_string()));
    assert_eq!(item["name"], r#"</script><script>alert(1)</script> "quoted""#);
    assert_eq!(item["name_en"], "Teatime <b>treats</b>");
    assert_eq!(item["description"], "Sesame, flour, butter");
    assert_eq!(item["description_en"], "Baked in Chimbay, the old family way.");
    assert_eq!((item["price_som"].clone(), item["price_usd"].clone()), (json!(25_000), Value::Null));
    assert_eq!((item["unit"].clone(), item["shelf_life"].clone()), (json!("box of 12"), json!("2 weeks")));
    assert_eq!((item["storage"].clone(), item["handmade"].clone()), (json!("dry and cool"), json!(false)));
    assert_eq!((item["district"].clone(), item["category"].clone()), (json!("chimbay"), json!("food")));
    let photo = item["photos"][0].as_str().unwrap();
    assert!(photo.starts_with("http") && photo.ends_with(&format!("/photos/{}/large.jpg", "a".repeat(64))), "{photo}");
    let url = item["url"].as_str().unwrap();
    assert!(url.starts_with("http") && url.contains("/s/gulnars-biscuits/"), "{url}");
    let storefront = &item["storefront"];
    assert_eq!(storefront["address"], "gulnars-biscuits");
    assert_eq!(storefront["name"], "Gulnar's biscuits");
    assert_eq!(storefront["telegram"], "gulnar_bakes");
    assert!(storefront["whatsapp"].as_str().is_some_and(|w| w.starts_with("+998")), "{storefront}");
    assert!(item["approved_at"].as_str().is_some() && item["changed_at"].as_str().is_some());
    // Her account, its phone and its id, and anything of buyers, are not in it.
    let text = page.to_string();
    for personal in [shop.her.id.as_str(), "+998901000401", "owner", "order"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
}

#[tokio::test]
async fn a_partner_paging_while_approvals_edits_and_withdrawals_happen_ends_exactly_in_step() {
    let mut shop = shop(true).await;
    approved_shop(
        &shop,
        "+998901000421",
        "aral-honey",
        "moynaq",
        "food",
        &[("Aral honey", "From the delta"), ("Wax candle", "Beeswax"), ("Honey cake", "Layered")],
    )
    .await;
    let router = router(&shop, Duration::ZERO, 1000);
    let admin = admin(&shop).await;
    let honey_person = sawda_server::accounts::people::find_for_sign_in(&shop.db, "+998901000421").await.unwrap();
    let honey = honey_person.unwrap().0.id;
    // approved_shop's product records, in its order.
    let honey_products: Vec<RecordId> = (0..3u8).map(|n| RecordId::new(T + 10 + u64::from(n), [50 + n; 10])).collect();

    // Page one of a first read, two items.
    let (status, first) = feed_as(&router, &admin, "?limit=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((first["items"].as_array().unwrap().len(), first["more"].clone()), (2, json!(true)));
    let mut seen: Vec<Value> = first["items"].as_array().unwrap().clone();
    let mut held = BTreeMap::new();
    apply(&mut held, &seen);

    // Between pages: her price changes (its product is on page one), a coordinator
    // withdraws a honey product, and a new storefront's product is approved.
    let fields = sawda_sync::Fields::from([("price_som".to_owned(), json!(27_500))]);
    shop.phone.edit(shop.product, fields, T + 100, [90; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let withdrawn = honey_products[1];
    let path = format!("/api/v1/review/items/{honey}/{withdrawn}/withdraw");
    let (status, answer) =
        support::call(&router, Some(&admin), Method::POST, &path, Some(json!({"reason": "Not her candles"}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    approved_shop(&shop, "+998901000422", "felt-house", "nukus", "textiles", &[("Felt slippers", "Warm")]).await;

    let (rest, next) = read_all(&router, &admin, first["next"].as_str(), 2).await;
    seen.extend(rest.iter().cloned());
    apply(&mut held, &rest);
    // Once caught up, a later poll finds nothing new, and the cursor stays.
    let (again, later) = read_all(&router, &admin, Some(&next), 2).await;
    assert!(again.is_empty(), "{again:?}");
    assert!(later >= next);

    // The partner holds exactly what buyers can see, as the test seeded and changed it.
    let mut expected = vec![
        ("Aral honey".to_owned(), 10_000),
        ("Felt slippers".to_owned(), 10_000),
        ("Honey cake".to_owned(), 10_002),
        (r#"</script><script>alert(1)</script> "quoted""#.to_owned(), 27_500),
    ];
    expected.sort();
    assert_eq!(names_and_prices(&held), expected);
    // Each change was handed out once after it happened: the new price once,
    // the withdrawal once, the new product once.
    let id = |owner: &str, record: RecordId| changes::id_of(owner, &record.to_string());
    let after_first = &seen[2..];
    let count = |id: &str, status: &str| after_first.iter().filter(|i| i["id"] == id && i["status"] == status).count();
    assert_eq!(count(&id(&shop.her.id, shop.product), "approved"), 1, "{after_first:?}");
    assert_eq!(count(&id(&honey, withdrawn), "withdrawn"), 1, "{after_first:?}");
    let felt = held.values().find(|i| i["name"] == "Felt slippers").unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(count(&felt, "approved"), 1);

    // Her storefront taken off: every product of hers leaves the feed; approved again, they come back.
    let (nothing, _) = read_all(&router, &admin, Some(&later), 10).await;
    assert!(nothing.is_empty(), "{nothing:?}");
    let shop_record = app::rules::records::storefront::storefront_id(&honey.parse::<sawda_sync::Owner>().unwrap());
    let path = format!("/api/v1/review/items/{honey}/{shop_record}/withdraw");
    let (status, answer) =
        support::call(&router, Some(&admin), Method::POST, &path, Some(json!({"reason": "Closed for winter"}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let (gone, _) = read_all(&router, &admin, Some(&later), 10).await;
    apply(&mut held, &gone);
    assert_eq!(
        names_and_prices(&held),
        expected.iter().filter(|(name, _)| !name.contains("oney")).cloned().collect::<Vec<_>>(),
        "the honey storefront's products are withdrawn: {gone:?}"
    );
}

/// Reads the feed from `after` to its settled end with `settle`.
async fn catch_up(db: &Db, after: Option<&feed::Cursor>, settle: Duration) -> (Vec<feed::Item>, feed::Cursor) {
    let mut items = Vec::new();
    let mut after = after.cloned();
    loop {
        let page = feed::page(db, after.as_ref(), 100, settle, "http://sawda.test").await.unwrap();
        items.extend(page.items);
        after = Some(page.next);
        if !page.more {
            return (items, after.unwrap());
        }
    }
}

type Db = surrealdb::Surreal<surrealdb::engine::any::Any>;

/// Moves `record` of `owner` to the feed's end, as a change's transaction does.
fn stamp_query(owner: &str, record: &str) -> (String, [(&'static str, String); 2]) {
    (
        format!("LET $at = time::now(); {}", changes::stamp("$record")),
        [("owner", owner.to_owned()), ("record", record.to_owned())],
    )
}

/// A change whose transaction is still open while a later one commits and the
/// feed is read: whether the partner is handed it in the end, with `settle`.
async fn slow_change_is_seen(shop: &Shop, slow: (&str, &str), quick: (&str, &str), settle: Duration) -> bool {
    let db = &shop.db;
    let (_, start) = catch_up(db, None, settle).await;
    let transaction = db.clone().begin().await.unwrap();
    let (query, binds) = stamp_query(slow.0, slow.1);
    let mut open = transaction.query(query);
    for bind in binds {
        open = open.bind(bind);
    }
    open.await.unwrap().check().unwrap();
    tokio::time::sleep(Duration::from_millis(5)).await;
    let (query, binds) = stamp_query(quick.0, quick.1);
    let mut committed = db.query(query);
    for bind in binds {
        committed = committed.bind(bind);
    }
    committed.await.unwrap().check().unwrap();
    let (mut handed, cursor) = catch_up(db, Some(&start), settle).await;
    transaction.commit().await.unwrap();
    tokio::time::sleep(settle + Duration::from_millis(200)).await;
    let (later, _) = catch_up(db, Some(&cursor), settle).await;
    handed.extend(later);
    let slow_id = changes::id_of(slow.0, slow.1);
    handed.iter().any(|item| match item {
        feed::Item::Approved(product) => product.id == slow_id,
        feed::Item::Withdrawn { id, .. } => *id == slow_id,
    })
}

#[tokio::test]
async fn a_change_still_being_written_when_a_page_is_read_is_handed_out_after_it_settles() {
    let shop = shop(true).await;
    approved_shop(&shop, "+998901000431", "melon-house", "chimbay", "food", &[("Dried melon", "Sweet")]).await;
    let melon = sawda_server::accounts::people::find_for_sign_in(&shop.db, "+998901000431").await.unwrap();
    let melon = melon.unwrap().0.id;
    let hers = (shop.her.id.as_str(), shop.product.to_string());
    let melons = (melon.as_str(), RecordId::new(T + 10, [50; 10]).to_string());
    // Without settling, the page read while her change was being written moves
    // the cursor past it, and it is never handed out: what the settling time is for.
    assert!(!slow_change_is_seen(&shop, (hers.0, &hers.1), (melons.0, &melons.1), Duration::ZERO).await);
    assert!(slow_change_is_seen(&shop, (hers.0, &hers.1), (melons.0, &melons.1), Duration::from_secs(2)).await);
}

#[tokio::test]
async fn the_feed_is_read_from_an_index_never_scanned() {
    let shop = shop(true).await;
    let mut response = shop
        .db
        .query(
            "EXPLAIN SELECT owner, record, changed_at, position FROM export_change
             WHERE position > '' AND position < '9' ORDER BY position LIMIT 201",
        )
        .await
        .unwrap();
    let plan: surrealdb::types::Value = response.take(0).unwrap();
    let plan = format!("{plan:?}");
    assert!(plan.contains("export_change_position"), "{plan}");
    assert!(!plan.contains("TableScan"), "{plan}");
}

#[tokio::test]
async fn tokens_are_shown_once_kept_hashed_revoked_at_once_limited_and_every_use_logged() {
    let shop = shop(true).await;
    let router = router(&shop, Duration::ZERO, 3);
    let admin = admin(&shop).await;
    let (status, made) =
        support::call(&router, Some(&admin), Method::POST, "/api/v1/export/tokens", Some(json!({"name": " "}))).await;
    assert_eq!((status, made["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("bad_token_name")));
    let body = json!({"name": "JETRO OVOP market"});
    let (status, made) = support::call(&router, Some(&admin), Method::POST, "/api/v1/export/tokens", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let token = made["token"].as_str().unwrap().to_owned();
    let id = made["id"].as_str().unwrap().to_owned();
    // Only its digest is kept.
    let kept: Vec<Value> = shop.db.query("SELECT * FROM export_token").await.unwrap().take(0).unwrap();
    assert!(!serde_json::to_string(&kept).unwrap().contains(&token));

    let read = |token: Option<String>, path: &'static str| {
        let router = router.clone();
        async move {
            let mut request = axum::http::Request::get(format!("/api/v1/export/{path}"));
            if let Some(token) = token {
                request = request.header("authorization", format!("Bearer {token}"));
            }
            let response = support::send(&router, request.body(axum::body::Body::empty()).unwrap()).await;
            let status = response.status();
            (status, support::body_text(response).await)
        }
    };
    let (status, body) = read(Some(token.clone()), "products.json").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["items"].as_array().unwrap().len(), 1);
    let (status, body) = read(Some(token.clone()), "products.csv?limit=5").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Wrong, missing and malformed: refused, each with its reason.
    for (wrong, code) in [
        (Some(format!("{token}x")), "bad_token"),
        (Some("sawda_export_0000".into()), "bad_token"),
        (Some(String::new()), "bad_token"),
        (None, "not_signed_in"),
    ] {
        let (status, body) = read(wrong.clone(), "products.json").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        assert!(body.contains(code), "{wrong:?}: {body}");
    }
    // A bad cursor or limit is refused clearly, and counted as a use.
    let (status, body) = read(Some(token.clone()), "products.json?since=v1.123").await;
    assert_eq!((status, body.contains("bad_cursor")), (StatusCode::BAD_REQUEST, true), "{body}");
    // Three requests a minute in this test: the fourth waits.
    let (status, body) = read(Some(token.clone()), "products.json").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    let (_, list) = support::call(&router, Some(&admin), Method::GET, "/api/v1/export/tokens", None).await;
    let listed = &list.as_array().unwrap()[0];
    assert_eq!((listed["name"].clone(), listed["uses"].clone()), (json!("JETRO OVOP market"), json!(4)));
    assert!(listed["last_used_at"].is_string() && listed.get("token").is_none() && listed.get("token_hash").is_none());
    let uses: Vec<(String, i64, i64)> = shop
        .db
        .query("SELECT VALUE [path, items, status] FROM export_use WHERE token = $id ORDER BY at")
        .bind(("id", id.clone()))
        .await
        .unwrap()
        .take::<Vec<(String, i64, i64)>>(0)
        .unwrap();
    assert_eq!(
        uses,
        [
            ("products.json".into(), 1, 200),
            ("products.csv".into(), 1, 200),
            ("products.json".into(), 0, 400),
            ("products.json".into(), 0, 429)
        ]
    );

    let revoke = format!("/api/v1/export/tokens/{id}/revoke");
    let (status, _) = support::call(&router, Some(&admin), Method::POST, &revoke, None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = read(Some(token), "products.json").await;
    assert_eq!((status, body.contains("bad_token")), (StatusCode::UNAUTHORIZED, true), "revoked at once: {body}");
    let (status, _) =
        support::call(&router, Some(&admin), Method::POST, "/api/v1/export/tokens/nope/revoke", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// Reads a CSV document as RFC 4180 says, written here apart from the server's writer.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the document ends with CRLF");
    rows
}

#[tokio::test]
async fn the_csv_opens_in_spreadsheets_with_commas_quotes_newlines_and_formulas_kept_as_text() {
    let mut shop = shop(true).await;
    let router = router(&shop, Duration::ZERO, 60);
    let admin = admin(&shop).await;
    let name = r#"=HYPERLINK("http://evil"), "best" jam"#;
    let description = "+1 line one,\nline two";
    let fields = sawda_sync::Fields::from([
        ("name".to_owned(), json!(name)),
        ("description".to_owned(), json!(description)),
        ("materials".to_owned(), json!("@SUM(A1)")),
    ]);
    shop.phone.edit(shop.product, fields, T + 100, [91; 10]).unwrap();
    crate::support::submit(&mut shop.phone, shop.product, T + 101, 92);
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    crate::public::approve(&shop.db, &shop.her, shop.product, 2).await;

    let request = axum::http::Request::get("/api/v1/export/products.csv")
        .header("cookie", &admin.cookie)
        .body(axum::body::Body::empty())
        .unwrap();
    let response = support::send(&router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "content-type"), "text/csv; charset=utf-8");
    assert!(support::header(&response, "content-disposition").starts_with("attachment;"));
    assert!(support::header(&response, "sawda-export-next").starts_with("v1."));
    assert_eq!(support::header(&response, "sawda-export-more"), "false");
    let text = support::body_text(response).await;
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark first");
    let rows = parse_csv(text);
    assert_eq!(rows[0], sawda_server::export::csv::COLUMNS);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let row: BTreeMap<&str, &str> =
        rows[0].iter().map(String::as_str).zip(rows[1].iter().map(String::as_str)).collect();
    assert_eq!(row["name"], format!("'{name}"), "a formula is text");
    assert_eq!(row["description"], format!("'{description}"));
    assert_eq!((row["status"], row["price_som"], row["version"]), ("approved", "25000", "1"));
    assert_eq!(row["storefront_name"], "Gulnar's biscuits");
    assert!(row["photos"].ends_with("/large.jpg"));
}
