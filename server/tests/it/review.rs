//! The OVOP review end to end over the real router and database: her phone
//! submits through sync, coordinators decide at the desk, the decision
//! reaches her phone, and only approved revisions reach the public tables.

use crate::support::{self, Person, phone_of, product_fields, storefront_fields, submit, sync_phone};
use app::rules::people::Role;
use app::rules::records::storefront::storefront_id;
use axum::Router;
use axum::http::{Method, StatusCode};
use sawda_sync::{Fields, Kind, RecordId, Replica};
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

const T: u64 = 1_760_000_000_000;

struct Desk {
    db: Surreal<Any>,
    router: Router,
    gulnar: Person,
    phone: Replica,
    shop: RecordId,
    biscuits: RecordId,
    dilnoza: Person,
    aziz: Person,
    elsewhere: Person,
    admin: Person,
}

/// Gulnar (Chimbay) with a storefront and a product on her phone, synced
/// and submitted; Dilnoza and Aziz coordinate Chimbay, one more Bozatau.
async fn desk() -> Desk {
    desk_on(support::migrated_memory_db().await).await
}

async fn desk_on(db: Surreal<Any>) -> Desk {
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = support::entrepreneur(&db, "+998901000201").await;
    let dilnoza = support::signed_in(&db, "+998901000202", "Dilnoza", Role::Coordinator, &["chimbay"], None).await;
    let aziz = support::signed_in(&db, "+998901000203", "Aziz", Role::Coordinator, &["chimbay", "kungrad"], None).await;
    let elsewhere = support::signed_in(&db, "+998901000204", "Bahrom", Role::Coordinator, &["bozatau"], None).await;
    let admin = support::signed_in(&db, "+998901000205", "Admin", Role::Admin, &[], None).await;
    let mut phone = phone_of(&gulnar, 1);
    let shop = storefront_id(&gulnar.owner());
    phone.put(shop, Kind::Storefront, storefront_fields("Gulnar's biscuits", "gulnars-biscuits"), T, [2; 10]).unwrap();
    let biscuits = RecordId::new(T, [3; 10]);
    phone.put(biscuits, Kind::Product, product_fields(&gulnar, "Sesame biscuits", 25_000), T + 1, [3; 10]).unwrap();
    // Offline: she submits both, and the phone syncs later.
    submit(&mut phone, shop, T + 2, 4);
    submit(&mut phone, biscuits, T + 3, 5);
    sync_phone(&router, &gulnar, &mut phone).await;
    Desk { db, router, gulnar, phone, shop, biscuits, dilnoza, aziz, elsewhere, admin }
}

async fn call(desk: &Desk, who: &Person, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    support::call(&desk.router, Some(who), method, &format!("/api/v1{path}"), body).await
}

fn item_path(desk: &Desk, record: RecordId) -> String {
    format!("/review/items/{}/{record}", desk.gulnar.id)
}

fn checklist(pass: bool) -> Value {
    let points = ["origin", "photos", "description", "price", "packaging", "food_safety"];
    Value::Array(points.iter().map(|p| json!({"point": p, "pass": pass || *p != "description"})).collect())
}

async fn decide(desk: &Desk, who: &Person, record: RecordId, revision: u32, decision: Value) -> (StatusCode, Value) {
    let path = format!("{}/decision", item_path(desk, record));
    call(desk, who, Method::POST, &path, Some(decision_body(revision, decision))).await
}

fn decision_body(revision: u32, decision: Value) -> Value {
    match decision.as_str() {
        Some("approve") => json!({"revision": revision, "decision": "approve", "checklist": checklist(true)}),
        _ => json!({"revision": revision, "decision": "request_changes", "checklist": checklist(false),
                    "comments": decision}),
    }
}

fn review_on(phone: &Replica, record: RecordId) -> Value {
    phone.record(record).unwrap().get("review").cloned().unwrap_or(Value::Null)
}

/// Every text in the public tables, for "no unreviewed word" checks.
async fn public_text(db: &Surreal<Any>) -> String {
    let mut all = String::new();
    for table in ["approved_storefront", "approved_product", "approved_photo"] {
        let rows: Vec<surrealdb::types::Value> =
            db.query(format!("SELECT * FROM {table}")).await.unwrap().take(0).unwrap();
        for row in rows {
            all.push_str(&row.into_json_value().to_string());
        }
    }
    all
}

async fn approved_product(db: &Surreal<Any>, desk: &Desk) -> Option<Value> {
    let row: Option<surrealdb::types::Value> = db
        .query("SELECT * OMIT id FROM type::record('approved_product', [$owner, $record])")
        .bind(("owner", desk.gulnar.id.clone()))
        .bind(("record", desk.biscuits.to_string()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    row.map(|v| v.into_json_value()).filter(|v| !v.is_null())
}

#[tokio::test]
async fn a_submission_made_offline_is_stamped_on_arrival_and_waits_in_her_districts_queue() {
    let desk = desk().await;
    let review = review_on(&desk.phone, desk.biscuits);
    assert_eq!(review["state"], "submitted", "{review}");
    assert_eq!(review["revision"], 1);
    assert!(review["submitted_at"].as_str().unwrap().starts_with("20"), "stamped by the server: {review}");

    let (status, queue) = call(&desk, &desk.dilnoza, Method::GET, "/review/queue", None).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["total"], 2);
    let names: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Gulnar's biscuits", "Sesame biscuits"], "oldest first");
    assert_eq!(queue["items"][1]["category"], "food", "a product takes its storefront's category");
    assert_eq!(queue["by_district"], json!([{"district": "chimbay", "count": 2}]));
    // Filters.
    let (_, products) = call(&desk, &desk.dilnoza, Method::GET, "/review/queue?kind=product", None).await;
    assert_eq!(products["total"], 1);
    let (_, textiles) = call(&desk, &desk.dilnoza, Method::GET, "/review/queue?category=textiles", None).await;
    assert_eq!(textiles["total"], 0);
    let (_, old) = call(&desk, &desk.dilnoza, Method::GET, "/review/queue?waiting_days=3", None).await;
    assert_eq!(old["total"], 0, "nothing has waited three days");
    // Other districts see none of it; an admin sees all.
    let (_, bozatau) = call(&desk, &desk.elsewhere, Method::GET, "/review/queue", None).await;
    assert_eq!(bozatau["total"], 0);
    let (status, _) = call(&desk, &desk.elsewhere, Method::GET, &item_path(&desk, desk.biscuits), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, all) = call(&desk, &desk.admin, Method::GET, "/review/queue", None).await;
    assert_eq!(all["total"], 2);
    let (status, _) = call(&desk, &desk.gulnar, Method::GET, "/review/queue", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_queue_pages_by_keyset_and_holds_while_items_arrive() {
    let desk = desk().await;
    // Four more entrepreneurs submit their storefronts, one after another.
    for n in 0..4u8 {
        let person = support::entrepreneur(&desk.db, &format!("+99890100030{n}")).await;
        let mut phone = phone_of(&person, 10 + n);
        let shop = storefront_id(&person.owner());
        let slug = format!("shop-number-{n}");
        phone.put(shop, Kind::Storefront, storefront_fields(&format!("Shop {n}"), &slug), T, [n + 1; 10]).unwrap();
        submit(&mut phone, shop, T + 1, 9);
        sync_phone(&desk.router, &person, &mut phone).await;
    }
    let mut seen = Vec::new();
    let mut path = "/review/queue?limit=2".to_owned();
    loop {
        let (status, page) = call(&desk, &desk.dilnoza, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page["total"].as_u64().unwrap() >= 6, "{page}");
        seen.extend(page["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap().to_owned()));
        if seen.len() == 2 {
            // A new submission while she pages: it comes last, nothing is skipped or doubled.
            let late = support::entrepreneur(&desk.db, "+998901000399").await;
            let mut phone = phone_of(&late, 30);
            let shop = storefront_id(&late.owner());
            phone.put(shop, Kind::Storefront, storefront_fields("Late shop", "late-shop"), T, [30; 10]).unwrap();
            submit(&mut phone, shop, T + 1, 31);
            sync_phone(&desk.router, &late, &mut phone).await;
        }
        match page["next"].as_str() {
            Some(next) => path = format!("/review/queue?limit=2&after={}", urlencode(next)),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(seen.last().unwrap(), "Late shop");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 7);
    let (status, _) = call(&desk, &desk.dilnoza, Method::GET, "/review/queue?after=garbage", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn only_approved_words_reach_the_public_tables_and_prices_go_at_once() {
    let mut desk = desk().await;
    assert_eq!(approved_product(&desk.db, &desk).await, None, "nothing public before approval");
    let (status, item) = call(&desk, &desk.dilnoza, Method::GET, &item_path(&desk, desk.biscuits), None).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    assert_eq!(item["submitted"]["name"], "Sesame biscuits");
    assert!(item["changes"].as_array().unwrap().iter().any(|c| c["field"] == "name" && c.get("before").is_none()));
    assert_eq!(item["storefront"]["name"], "Gulnar's biscuits", "the preview shows her storefront");

    let (status, decided) = decide(&desk, &desk.dilnoza, desk.biscuits, 1, json!("approve")).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let public = approved_product(&desk.db, &desk).await.expect("approved");
    assert_eq!((public["name"].clone(), public["price_som"].clone()), (json!("Sesame biscuits"), json!(25_000)));
    assert_eq!(public["revision"], 1);

    // She edits the approved product: a new name waits for review, the price goes at once.
    let edit: Fields =
        serde_json::from_value(json!({"name": "UNREVIEWED biscuits", "price_som": 27_000, "availability": "sold_out"}))
            .unwrap();
    desk.phone.edit(desk.biscuits, edit, T + 10, [6; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let public = approved_product(&desk.db, &desk).await.unwrap();
    assert_eq!(public["name"], "Sesame biscuits");
    assert_eq!((public["price_som"].clone(), public["availability"].clone()), (json!(27_000), json!("sold_out")));
    assert!(!public_text(&desk.db).await.contains("UNREVIEWED"));
    assert_eq!(review_on(&desk.phone, desk.biscuits)["state"], "draft");
    assert_eq!(review_on(&desk.phone, desk.biscuits)["public_revision"], 1, "buyers keep the approved one");

    // Submitted again: the coordinator sees what changed, asks for changes on the name.
    submit(&mut desk.phone, desk.biscuits, T + 11, 7);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let (_, item) = call(&desk, &desk.aziz, Method::GET, &item_path(&desk, desk.biscuits), None).await;
    let changes = item["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "only reviewed fields, only what changed: {changes:?}");
    assert_eq!(changes[0], json!({"field": "name", "before": "Sesame biscuits", "after": "UNREVIEWED biscuits"}));
    let comments = json!({"name": "Say what is in them instead of shouting"});
    let (status, _) = decide(&desk, &desk.aziz, desk.biscuits, 2, comments).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!public_text(&desk.db).await.contains("UNREVIEWED"), "changes requested publish nothing");

    // Her phone has the decision and the comment next to the field.
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let review = review_on(&desk.phone, desk.biscuits);
    assert_eq!(review["state"], "changes_requested");
    assert_eq!(review["decided_by"], "Aziz");
    assert_eq!(review["comments"]["name"], "Say what is in them instead of shouting");
    assert_eq!(review["checklist"].as_array().unwrap().len(), 6);

    // Fixed and resubmitted in one tap; approved: the new name is public.
    let fix: Fields = serde_json::from_value(json!({"name": "Sesame and butter biscuits"})).unwrap();
    desk.phone.edit(desk.biscuits, fix, T + 20, [8; 10]).unwrap();
    submit(&mut desk.phone, desk.biscuits, T + 21, 9);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let (status, _) = decide(&desk, &desk.dilnoza, desk.biscuits, 3, json!("approve")).await;
    assert_eq!(status, StatusCode::OK);
    let public = approved_product(&desk.db, &desk).await.unwrap();
    assert_eq!((public["name"].clone(), public["revision"].clone()), (json!("Sesame and butter biscuits"), json!(3)));
    assert_eq!(public["price_som"], 27_000, "the price she set meanwhile");
}

#[tokio::test]
async fn two_coordinators_deciding_at_once_make_exactly_one_decision() {
    let desk = desk().await;
    let approve = decide(&desk, &desk.dilnoza, desk.biscuits, 1, json!("approve"));
    let changes = decide(&desk, &desk.aziz, desk.biscuits, 1, json!({"description": "Which flour?"}));
    let ((first, a), (second, b)) = tokio::join!(approve, changes);
    let mut statuses = [first, second];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT], "{a} {b}");
    let (winner, loser) = if first == StatusCode::OK { ("Dilnoza", &b) } else { ("Aziz", &a) };
    assert_eq!(loser["code"], "already_decided");
    assert_eq!(loser["decided_by"], winner, "told who decided: {loser}");
    let (_, item) = call(&desk, &desk.admin, Method::GET, &item_path(&desk, desk.biscuits), None).await;
    let decisions: Vec<&Value> =
        item["log"].as_array().unwrap().iter().filter(|e| e["action"] != "submitted").collect();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0]["by_name"], winner);
    // And a second try later is refused the same way.
    let (status, again) = decide(&desk, &desk.dilnoza, desk.biscuits, 1, json!("approve")).await;
    assert_eq!((status, again["code"].clone()), (StatusCode::CONFLICT, json!("already_decided")));
}

#[tokio::test]
async fn a_decision_needs_the_whole_checklist_and_changes_say_what() {
    let desk = desk().await;
    let path = format!("{}/decision", item_path(&desk, desk.shop));
    let partial = json!({"revision": 1, "decision": "approve", "checklist": [{"point": "origin", "pass": true}]});
    let (status, answer) = call(&desk, &desk.dilnoza, Method::POST, &path, Some(partial)).await;
    assert_eq!((status, answer["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("bad_feedback")));
    let silent = json!({"revision": 1, "decision": "request_changes", "checklist": checklist(true)});
    let (status, _) = call(&desk, &desk.dilnoza, Method::POST, &path, Some(silent)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, answer) = call(&desk, &desk.dilnoza, Method::POST, &path, Some(json!({"revision": "one"}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    // Nothing changed: still waiting, nothing in the log but the submission.
    let (_, item) = call(&desk, &desk.dilnoza, Method::GET, &item_path(&desk, desk.shop), None).await;
    assert_eq!(item["review"]["state"], "submitted");
    assert_eq!(item["log"].as_array().unwrap().len(), 1);
    // A revision other than the one submitted is not decided unseen.
    let (status, answer) = decide(&desk, &desk.dilnoza, desk.shop, 2, json!("approve")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
}

#[tokio::test]
async fn withdrawing_takes_it_off_the_public_side_at_once_and_deleting_too() {
    let mut desk = desk().await;
    decide(&desk, &desk.dilnoza, desk.biscuits, 1, json!("approve")).await;
    decide(&desk, &desk.dilnoza, desk.shop, 1, json!("approve")).await;
    assert!(approved_product(&desk.db, &desk).await.is_some());
    let path = format!("{}/withdraw", item_path(&desk, desk.biscuits));
    let (status, _) = call(&desk, &desk.dilnoza, Method::POST, &path, Some(json!({"reason": " "}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is needed");
    let reason = json!({"reason": "The photos are of another producer's biscuits"});
    let (status, answer) = call(&desk, &desk.dilnoza, Method::POST, &path, Some(reason.clone())).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(approved_product(&desk.db, &desk).await, None);
    let (status, _) = call(&desk, &desk.dilnoza, Method::POST, &path, Some(reason)).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing public to withdraw any more");
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let review = review_on(&desk.phone, desk.biscuits);
    assert_eq!(
        (review["state"].clone(), review["reason"].clone()),
        (json!("withdrawn"), json!("The photos are of another producer's biscuits"))
    );

    // Her storefront is public until she deletes it.
    let photos: Option<i64> =
        desk.db.query("RETURN count(SELECT id FROM approved_storefront)").await.unwrap().take(0).unwrap();
    assert_eq!(photos, Some(1));
    desk.phone.delete(desk.shop, T + 30, [10; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let left: Option<i64> =
        desk.db.query("RETURN count(SELECT id FROM approved_storefront)").await.unwrap().take(0).unwrap();
    assert_eq!(left, Some(0));
}

#[tokio::test]
async fn the_review_log_cannot_be_changed_or_removed_by_anyone() {
    let desk = desk().await;
    decide(&desk, &desk.dilnoza, desk.biscuits, 1, json!({"description": "Which flour?"})).await;
    let count = || async {
        let n: Option<i64> = desk.db.query("RETURN count(SELECT id FROM review_event)").await.unwrap().take(0).unwrap();
        n.unwrap()
    };
    assert_eq!(count().await, 3, "two submissions and a decision");
    // Even the database's root, as the server connects, cannot rewrite or remove it.
    for attack in [
        "UPDATE review_event SET by_name = 'someone else'",
        "UPDATE review_event SET comments = NONE",
        "DELETE review_event",
        "DELETE review_event WHERE action = 'changes_requested'",
    ] {
        let outcome = desk.db.query(attack).await.unwrap().check();
        assert!(outcome.is_err(), "{attack} must fail");
    }
    assert_eq!(count().await, 3);
    let names: Vec<String> = desk.db.query("SELECT VALUE by_name FROM review_event").await.unwrap().take(0).unwrap();
    assert!(!names.iter().any(|n| n == "someone else"), "{names:?}");
    // The log reads back in full.
    let (_, item) = call(&desk, &desk.dilnoza, Method::GET, &item_path(&desk, desk.biscuits), None).await;
    let log = item["log"].as_array().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1]["action"], "changes_requested");
    assert_eq!(log[1]["comments"]["description"], "Which flour?");
}

#[tokio::test]
async fn phones_cannot_set_their_own_review() {
    let mut desk = desk().await;
    let forged: Fields = serde_json::from_value(json!({"review": {"state": "approved", "revision": 1}})).unwrap();
    assert!(
        desk.phone.edit(desk.biscuits, forged.clone(), T + 40, [11; 10]).is_err(),
        "the phone's own rules refuse it"
    );
    // A push forged by hand is refused by the server, and nothing is public.
    let mut other = phone_of(&desk.gulnar, 20);
    other
        .put(desk.biscuits, Kind::Product, serde_json::from_value(json!({"stock": 3})).unwrap(), T + 41, [13; 10])
        .unwrap();
    let mut push = serde_json::to_value(other.push_request(sawda_sync::protocol::Limits::DEFAULT).unwrap()).unwrap();
    let fields = push["mutations"][0]["set"].as_object_mut().expect("a mutation with fields");
    fields.insert("review".into(), json!({"state": "approved", "revision": 1, "public_revision": 1}));
    let (status, answer) = call(&desk, &desk.gulnar, Method::POST, "/sync/push", Some(push)).await;
    assert!(status == StatusCode::OK || status.is_client_error(), "{status} {answer}");
    assert_ne!(answer["results"][0]["result"], "applied", "{answer}");
    assert_eq!(approved_product(&desk.db, &desk).await, None);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    assert_eq!(review_on(&desk.phone, desk.biscuits)["state"], "submitted");
}

#[tokio::test]
async fn photos_buyers_still_see_are_kept_after_she_replaces_them() {
    let mut desk = desk().await;
    let (old, new) = ("a".repeat(64), "b".repeat(64));
    let photos: Fields = serde_json::from_value(json!({"photos": [old]})).unwrap();
    desk.phone.edit(desk.biscuits, photos, T + 5, [14; 10]).unwrap();
    submit(&mut desk.phone, desk.biscuits, T + 6, 15);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let (status, answer) = decide(&desk, &desk.dilnoza, desk.biscuits, 2, json!("approve")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let replaced: Fields = serde_json::from_value(json!({"photos": [new]})).unwrap();
    desk.phone.edit(desk.biscuits, replaced, T + 7, [16; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let in_use = sawda_server::sync::store::photos_in_use(&desk.db).await.unwrap();
    assert!(in_use.contains(&old), "the approved revision's photo stays");
    assert!(in_use.contains(&new), "her draft's photo too");
}

/// Now, for stamps that must come after the server's own (a deletion, an edit after it).
fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis() as u64
}

/// The review the server holds on one of her records, and whether the record is deleted.
async fn stored_review(desk: &Desk, record: RecordId) -> (Value, bool) {
    let stored = sawda_server::sync::store::record(&desk.db, &desk.gulnar.owner(), record).await.unwrap().unwrap();
    (stored.get("review").cloned().unwrap_or(Value::Null), stored.is_deleted())
}

/// Her second phone, with everything the first one has.
/// Her storefront and biscuits approved, and her second phone synced with them.
async fn approved_on_two_phones() -> (Desk, Replica) {
    let desk = desk().await;
    decide(&desk, &desk.dilnoza, desk.shop, 1, json!("approve")).await;
    decide(&desk, &desk.dilnoza, desk.biscuits, 1, json!("approve")).await;
    let other = second_phone(&desk).await;
    (desk, other)
}

async fn second_phone(desk: &Desk) -> Replica {
    let mut other = phone_of(&desk.gulnar, 40);
    sync_phone(&desk.router, &desk.gulnar, &mut other).await;
    assert!(other.record(desk.biscuits).is_some_and(|r| !r.is_deleted()));
    other
}

/// The product's page as buyers open it: its status.
async fn product_page(desk: &Desk) -> StatusCode {
    let slugs: Vec<String> = desk.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    let slug = slugs.first().cloned().unwrap_or_else(|| "sesame-biscuits".into());
    support::get(&desk.router, &format!("/s/gulnars-biscuits/{slug}"), &[]).await.status()
}

/// Deleted on her first phone: off the public side, and her review says so.
async fn delete_on_first_phone(desk: &mut Desk, at: u64) {
    desk.phone.delete(desk.biscuits, at, [41; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let (review, deleted) = stored_review(desk, desk.biscuits).await;
    assert!(deleted);
    assert!(!["approved", "submitted"].contains(&review["state"].as_str().unwrap_or("")), "{review}");
    assert_eq!(review.get("public_revision"), None, "nothing of it is public: {review}");
    assert_eq!(approved_product(&desk.db, desk).await, None);
}

/// After a revival: a draft she can submit, nothing public, and once she
/// submits, the desk has it again and approving it makes it public.
async fn submit_again_and_approve(desk: &Desk, other: &mut Replica, revision: u32) {
    sync_phone(&desk.router, &desk.gulnar, other).await;
    let review = review_on(other, desk.biscuits);
    assert_eq!(review["state"], "draft", "a draft she can submit: {review}");
    assert_eq!(review.get("public_revision"), None, "it does not say buyers see it: {review}");
    assert!(review["unpublished"].is_string(), "it says it was unpublished: {review}");
    assert_eq!(product_page(desk).await, StatusCode::NOT_FOUND, "not public until reviewed again");

    submit(other, desk.biscuits, now_ms() + 3_000, 42);
    sync_phone(&desk.router, &desk.gulnar, other).await;
    assert_eq!(review_on(other, desk.biscuits)["state"], "submitted");
    let (_, queue) = call(desk, &desk.dilnoza, Method::GET, "/review/queue?kind=product", None).await;
    let listed: Vec<&Value> = queue["items"].as_array().unwrap().iter().collect();
    assert!(listed.iter().any(|i| i["record"] == desk.biscuits.to_string()), "the desk has it again: {queue}");
    let (status, answer) = decide(desk, &desk.dilnoza, desk.biscuits, revision, json!("approve")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(product_page(desk).await, StatusCode::OK);
}

#[tokio::test]
async fn a_listing_revived_by_a_price_edit_from_her_other_phone_is_a_draft_she_can_submit() {
    let (mut desk, mut other) = approved_on_two_phones().await;
    assert_eq!(product_page(&desk).await, StatusCode::OK);
    let now = now_ms();
    delete_on_first_phone(&mut desk, now).await;
    // Her other phone, which never saw the deletion, moves the price later.
    other
        .edit(desk.biscuits, serde_json::from_value(json!({"price_som": 26_000})).unwrap(), now + 1_000, [43; 10])
        .unwrap();
    submit_again_and_approve(&desk, &mut other, 2).await;
    assert_eq!(approved_product(&desk.db, &desk).await.unwrap()["price_som"], 26_000);
}

#[tokio::test]
async fn a_listing_revived_by_its_position_availability_or_stock_is_a_draft_too() {
    for edit in [json!({"position": 7.5}), json!({"availability": "sold_out"}), json!({"stock": 4})] {
        let (mut desk, mut other) = approved_on_two_phones().await;
        let now = now_ms();
        delete_on_first_phone(&mut desk, now).await;
        other.edit(desk.biscuits, serde_json::from_value(edit.clone()).unwrap(), now + 1_000, [44; 10]).unwrap();
        sync_phone(&desk.router, &desk.gulnar, &mut other).await;
        let review = review_on(&other, desk.biscuits);
        assert_eq!(
            (review["state"].clone(), review.get("public_revision")),
            (json!("draft"), None),
            "{edit}: {review}"
        );
    }
}

#[tokio::test]
async fn a_listing_revived_by_a_reviewed_field_does_not_say_buyers_see_an_approved_version() {
    let (mut desk, mut other) = approved_on_two_phones().await;
    let now = now_ms();
    delete_on_first_phone(&mut desk, now).await;
    let name: Fields = serde_json::from_value(json!({"name": "Sesame and honey biscuits"})).unwrap();
    other.edit(desk.biscuits, name, now + 1_000, [45; 10]).unwrap();
    submit_again_and_approve(&desk, &mut other, 2).await;
    assert_eq!(approved_product(&desk.db, &desk).await.unwrap()["name"], "Sesame and honey biscuits");
}

#[tokio::test]
async fn a_submitted_listing_deleted_and_revived_can_be_submitted_and_reaches_the_desk_again() {
    // Submitted, never decided: the desk's queue has it until she deletes it.
    let mut desk = desk().await;
    decide(&desk, &desk.dilnoza, desk.shop, 1, json!("approve")).await;
    let mut other = second_phone(&desk).await;
    let now = now_ms();
    delete_on_first_phone(&mut desk, now).await;
    let (_, queue) = call(&desk, &desk.dilnoza, Method::GET, "/review/queue?kind=product", None).await;
    assert_eq!(queue["total"], 0, "out of the queue while deleted: {queue}");
    other.edit(desk.biscuits, serde_json::from_value(json!({"stock": 9})).unwrap(), now + 1_000, [46; 10]).unwrap();
    submit_again_and_approve(&desk, &mut other, 2).await;
}

#[tokio::test]
async fn the_photos_of_a_deleted_listing_are_kept_so_a_revival_brings_them_back() {
    let mut desk = desk().await;
    let photo = "c".repeat(64);
    let photos: Fields = serde_json::from_value(json!({"photos": [photo]})).unwrap();
    desk.phone.edit(desk.biscuits, photos, T + 5, [47; 10]).unwrap();
    submit(&mut desk.phone, desk.biscuits, T + 6, 48);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    decide(&desk, &desk.dilnoza, desk.shop, 1, json!("approve")).await;
    let (status, answer) = decide(&desk, &desk.dilnoza, desk.biscuits, 2, json!("approve")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let mut other = second_phone(&desk).await;
    let now = now_ms();
    desk.phone.delete(desk.biscuits, now, [41; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    assert_eq!(approved_product(&desk.db, &desk).await, None, "off the public side");
    let in_use = sawda_server::sync::store::photos_in_use(&desk.db).await.unwrap();
    assert!(in_use.contains(&photo), "a deleted listing may come back: its photo is not swept");
    other
        .edit(desk.biscuits, serde_json::from_value(json!({"price_som": 26_000})).unwrap(), now + 1_000, [49; 10])
        .unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut other).await;
    let in_use = sawda_server::sync::store::photos_in_use(&desk.db).await.unwrap();
    assert!(in_use.contains(&photo), "back with its photo");
}

#[tokio::test]
async fn a_revival_that_arrives_before_the_deletion_leaves_it_public_and_approved() {
    let (mut desk, mut other) = approved_on_two_phones().await;
    let now = now_ms();
    // Deleted first on one phone, edited later on the other; the edit reaches the server first.
    desk.phone.delete(desk.biscuits, now, [50; 10]).unwrap();
    other
        .edit(desk.biscuits, serde_json::from_value(json!({"price_som": 26_000})).unwrap(), now + 1_000, [51; 10])
        .unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut other).await;
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    sync_phone(&desk.router, &desk.gulnar, &mut other).await;
    // The later edit wins over the deletion: live, approved and public, all three agreeing.
    let (review, deleted) = stored_review(&desk, desk.biscuits).await;
    assert!(!deleted);
    assert_eq!((review["state"].clone(), review["public_revision"].clone()), (json!("approved"), json!(1)), "{review}");
    assert_eq!(product_page(&desk).await, StatusCode::OK);
    assert_eq!(approved_product(&desk.db, &desk).await.unwrap()["price_som"], 26_000);
    for phone in [&desk.phone, &other] {
        assert!(phone.record(desk.biscuits).is_some_and(|r| !r.is_deleted()));
        assert_eq!(review_on(phone, desk.biscuits)["state"], "approved");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_decisions_at_once_on_one_sellers_products_all_go_through() {
    // On disk, as served.
    let dir = tempfile::tempdir().unwrap();
    let target = sawda_server::config::DatabaseTarget::Embedded(dir.path().join("db"));
    let db = sawda_server::infra::database::connect(&target, "sawda", "desk").await.unwrap();
    sawda_server::infra::migrations::migrate(&db, sawda_server::infra::migrations::MIGRATIONS).await.unwrap();
    let mut desk = desk_on(db).await;
    decide(&desk, &desk.dilnoza, desk.shop, 1, json!("approve")).await;
    let mut products = vec![desk.biscuits];
    for n in 0..23u8 {
        let record = RecordId::new(T + 100 + u64::from(n), [100 + n; 10]);
        let fields = product_fields(&desk.gulnar, &format!("Biscuits no. {n}"), 20_000 + u64::from(n));
        desk.phone.put(record, Kind::Product, fields, T + 100 + u64::from(n), [100 + n; 10]).unwrap();
        submit(&mut desk.phone, record, T + 200 + u64::from(n), 150 + n);
        products.push(record);
    }
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    // A seller with many products approved already, as when a script seeded 1,250.
    desk.db
        .query(
            "FOR $i IN array::range(0, 400) {
                 CREATE type::record('approved_product', [$owner, string::concat('seeded', <string> $i)]) CONTENT {
                     owner: $owner, storefront: $shop, revision: 1, approved_by: 'Admin',
                     name: string::concat('Seeded ', <string> $i), slug: string::concat('seeded-', <string> $i),
                     unit: 'kg', handmade: false, price_som: 1000, availability: 'in_stock', position: 1.0,
                     storefront_slug: 'gulnars-biscuits', district: 'chimbay', category: 'food'
                 };
             };",
        )
        .bind(("owner", desk.gulnar.id.clone()))
        .bind(("shop", desk.shop.to_string()))
        .await
        .unwrap()
        .check()
        .unwrap();
    // Twelve at a time, as a coordinator's script or coordinators clicking through her products.
    let mut failures = Vec::new();
    for round in products.chunks(12) {
        let tasks: Vec<_> = round
            .iter()
            .map(|record| {
                let router = desk.router.clone();
                let coordinator = Person { id: desk.dilnoza.id.clone(), cookie: desk.dilnoza.cookie.clone() };
                let path = format!("/api/v1/review/items/{}/{record}/decision", desk.gulnar.id);
                tokio::spawn(async move {
                    let body = decision_body(1, json!("approve"));
                    support::call(&router, Some(&coordinator), Method::POST, &path, Some(body)).await
                })
            })
            .collect();
        for task in tasks {
            let (status, answer) = task.await.unwrap();
            if status != StatusCode::OK {
                failures.push(format!("{status} {answer}"));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {} failed: {failures:?}", failures.len(), products.len());
    let approved: Option<i64> =
        desk.db.query("RETURN count(SELECT id FROM approved_product)").await.unwrap().take(0).unwrap();
    assert_eq!(approved, Some(products.len() as i64 + 400));
}

#[tokio::test]
async fn a_decision_the_database_refuses_gets_a_clear_answer_and_changes_nothing() {
    let desk = desk().await;
    // Another storefront's approved row at her address, as a copy restored by hand might leave.
    desk.db
        .query(
            "CREATE approved_storefront:['someone', '01J1W7EGG0248H248H248H248H'] CONTENT {
                 owner: 'someone', revision: 1, approved_by: 'Admin', slug: 'gulnars-biscuits', name: 'Elsewhere',
                 district: 'chimbay', category: 'food', payment_methods: [], payment_notes: [], delivery: []
             }",
        )
        .await
        .unwrap()
        .check()
        .unwrap();
    let path = format!("{}/decision", item_path(&desk, desk.shop));
    let body = decision_body(1, json!("approve"));
    let response = support::send(
        &desk.router,
        axum::http::Request::post(format!("/api/v1{path}"))
            .header("cookie", &desk.dilnoza.cookie)
            .header("content-type", "application/json")
            .header("accept-language", "ru")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap(),
    )
    .await;
    let status = response.status();
    let answer: Value = serde_json::from_str(&support::body_text(response).await).unwrap();
    assert_eq!((status, answer["code"].clone()), (StatusCode::CONFLICT, json!("decision_refused")), "{answer}");
    assert!(answer["message"].as_str().unwrap().contains("решение"), "in her language: {answer}");
    let (_, item) = call(&desk, &desk.dilnoza, Method::GET, &item_path(&desk, desk.shop), None).await;
    assert_eq!(item["review"]["state"], "submitted", "nothing changed");
    assert_eq!(item["log"].as_array().unwrap().len(), 1);
}

/// Issue 24, point 2: a fresh account's blank storefront was taken and
/// reached the queue with an empty title. The server takes no submission
/// of a record missing what its kind's rules require, and tells her phone
/// which fields.
#[tokio::test]
async fn a_blank_storefront_or_an_unfinished_product_is_not_taken_for_review() {
    let desk = desk().await;
    let zamira = support::entrepreneur(&desk.db, "+998901000290").await;
    let mut phone = phone_of(&zamira, 7);
    let shop = storefront_id(&zamira.owner());
    let address: Fields = serde_json::from_value(json!({"slug": "zamira-shop"})).unwrap();
    phone.put(shop, Kind::Storefront, address, T, [2; 10]).unwrap();
    let jam = RecordId::new(T + 1, [4; 10]);
    let unfinished: Fields = serde_json::from_value(json!({
        "storefront": shop.to_string(), "name": "Melon jam", "position": 1.0,
    }))
    .unwrap();
    phone.put(jam, Kind::Product, unfinished, T + 1, [4; 10]).unwrap();
    submit(&mut phone, shop, T + 2, 1);
    submit(&mut phone, jam, T + 3, 2);
    sync_phone(&desk.router, &zamira, &mut phone).await;

    let shop_review = review_on(&phone, shop);
    assert_eq!(shop_review["state"], "draft", "{shop_review}");
    assert_eq!(shop_review["missing"], json!(["name", "district", "category", "payment", "delivery"]));
    let jam_review = review_on(&phone, jam);
    assert_eq!(jam_review["missing"], json!(["price_som", "unit", "availability"]), "{jam_review}");
    assert!(
        !app::rules::review::Review::of(phone.record(shop).unwrap()).submission_on_its_way(phone.record(shop).unwrap()),
        "the server took her mark in: her phone no longer says it is on its way"
    );
    let (_, queue) = call(&desk, &desk.admin, Method::GET, "/review/queue", None).await;
    let names: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Gulnar's biscuits", "Sesame biscuits"], "only the complete ones wait");

    // Filled in and sent again: taken, and the note of what was missing is gone.
    phone.edit(shop, storefront_fields("Zamira's jams", "zamira-shop"), T + 4, [5; 10]).unwrap();
    submit(&mut phone, shop, T + 5, 3);
    sync_phone(&desk.router, &zamira, &mut phone).await;
    let shop_review = review_on(&phone, shop);
    assert_eq!(shop_review["state"], "submitted", "{shop_review}");
    assert!(shop_review.get("missing").is_none(), "{shop_review}");
}

/// Issue 24, point 1: the desk saw a storefront without its products.
#[tokio::test]
async fn a_storefront_on_the_desk_comes_with_her_products_and_where_each_stands() {
    let mut desk = desk().await;
    let honey = RecordId::new(T + 5, [6; 10]);
    desk.phone.put(honey, Kind::Product, product_fields(&desk.gulnar, "Aral honey", 40_000), T + 5, [6; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let (status, item) = call(&desk, &desk.dilnoza, Method::GET, &item_path(&desk, desk.shop), None).await;
    assert_eq!(status, StatusCode::OK, "{item}");
    let products: Vec<(String, String, String)> = item["products"]
        .as_array()
        .unwrap_or_else(|| panic!("no products on the desk: {item}"))
        .iter()
        .map(|p| {
            (
                p["record"].as_str().unwrap().into(),
                p["state"].as_str().unwrap().into(),
                p["content"]["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        products,
        [
            (desk.biscuits.to_string(), "submitted".into(), "Sesame biscuits".into()),
            (honey.to_string(), "draft".into(), "Aral honey".into()),
        ]
    );
}

/// Issue 24, point 5: typing the approved text back left it a draft.
#[tokio::test]
async fn an_approved_listing_edited_back_to_its_approved_content_is_approved_again() {
    let mut desk = desk().await;
    let (status, _) = decide(&desk, &desk.dilnoza, desk.biscuits, 1, json!("approve")).await;
    assert_eq!(status, StatusCode::OK);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let rename = |name: &str| -> Fields { serde_json::from_value(json!({"name": name})).unwrap() };
    desk.phone.edit(desk.biscuits, rename("Sesame biscuits, fresh"), T + 10, [6; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    assert_eq!(review_on(&desk.phone, desk.biscuits)["state"], "draft");
    desk.phone.edit(desk.biscuits, rename("Sesame biscuits"), T + 11, [7; 10]).unwrap();
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let review = review_on(&desk.phone, desk.biscuits);
    assert_eq!((review["state"].clone(), review["public_revision"].clone()), (json!("approved"), json!(1)), "{review}");
    // Sent for review with the old text: approved at once, nothing waits at the desk.
    desk.phone.edit(desk.biscuits, rename("Sesame biscuits!"), T + 12, [8; 10]).unwrap();
    desk.phone.edit(desk.biscuits, rename("Sesame biscuits"), T + 13, [9; 10]).unwrap();
    submit(&mut desk.phone, desk.biscuits, T + 14, 10);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    assert_eq!(review_on(&desk.phone, desk.biscuits)["state"], "approved");
    let (_, queue) = call(&desk, &desk.dilnoza, Method::GET, "/review/queue?kind=product", None).await;
    assert_eq!(queue["total"], 0, "{queue}");
    assert_eq!(approved_product(&desk.db, &desk).await.unwrap()["name"], "Sesame biscuits");
}

/// Issue 26: four coordinators deciding at once on one seller's items (her
/// storefront and three products, two of them named alike) all go through,
/// and the approved rows are as one after another would leave them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_coordinators_deciding_at_once_on_one_sellers_items_all_go_through() {
    // On disk, as served.
    let dir = tempfile::tempdir().unwrap();
    let target = sawda_server::config::DatabaseTarget::Embedded(dir.path().join("db"));
    let db = sawda_server::infra::database::connect(&target, "sawda", "desk").await.unwrap();
    sawda_server::infra::migrations::migrate(&db, sawda_server::infra::migrations::MIGRATIONS).await.unwrap();
    let mut desk = desk_on(db).await;
    let mut items = vec![desk.shop, desk.biscuits];
    for n in 0..2u8 {
        let record = RecordId::new(T + 10 + u64::from(n), [40 + n; 10]);
        let fields = product_fields(&desk.gulnar, "Melon jam", 30_000);
        desk.phone.put(record, Kind::Product, fields, T + 10 + u64::from(n), [40 + n; 10]).unwrap();
        submit(&mut desk.phone, record, T + 20 + u64::from(n), 50 + n);
        items.push(record);
    }
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let fifth = support::signed_in(&desk.db, "+998901000206", "Nodira", Role::Coordinator, &["chimbay"], None).await;
    let coordinators = [&desk.dilnoza, &desk.aziz, &desk.admin, &fifth];
    let tasks: Vec<_> = items
        .iter()
        .zip(coordinators)
        .map(|(record, coordinator)| {
            let router = desk.router.clone();
            let coordinator = Person { id: coordinator.id.clone(), cookie: coordinator.cookie.clone() };
            let path = format!("/api/v1/review/items/{}/{record}/decision", desk.gulnar.id);
            let body = decision_body(1, json!("approve"));
            tokio::spawn(
                async move { support::call(&router, Some(&coordinator), Method::POST, &path, Some(body)).await },
            )
        })
        .collect();
    for task in tasks {
        let (status, answer) = task.await.unwrap();
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let rows = approved_products(&desk).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    let mut slugs: Vec<&str> = rows.iter().map(|r| r["slug"].as_str().unwrap()).collect();
    slugs.sort();
    assert_eq!(slugs, ["melon-jam", "melon-jam-2", "sesame-biscuits"], "two of one name, two addresses");
    for row in &rows {
        // Whichever came first, each product takes her storefront's fields and its market places.
        assert_eq!(row["storefront_name"], "Gulnar's biscuits", "{row}");
        assert_eq!(row["storefront_slug"], "gulnars-biscuits", "{row}");
        assert_eq!((row["district"].as_str(), row["category"].as_str()), (Some("chimbay"), Some("food")), "{row}");
        assert!(row["market_all"].as_str().is_some_and(|m| m.ends_with(row["id"].as_str().unwrap())), "{row}");
    }

    // She renames her storefront: its approval still moves all her products.
    let name: Fields = serde_json::from_value(json!({"name": "Gulnar's sweets"})).unwrap();
    desk.phone.edit(desk.shop, name, T + 30, [60; 10]).unwrap();
    submit(&mut desk.phone, desk.shop, T + 31, 61);
    sync_phone(&desk.router, &desk.gulnar, &mut desk.phone).await;
    let (status, answer) = decide(&desk, &desk.dilnoza, desk.shop, 2, json!("approve")).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let rows = approved_products(&desk).await;
    assert!(rows.iter().all(|r| r["storefront_name"] == "Gulnar's sweets"), "{rows:?}");
}

/// Her approved products, their id as text.
async fn approved_products(desk: &Desk) -> Vec<Value> {
    let rows: Vec<surrealdb::types::Value> = desk
        .db
        .query("SELECT *, <string> id AS id FROM approved_product WHERE owner = $owner")
        .bind(("owner", desk.gulnar.id.clone()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    rows.into_iter().map(|r| r.into_json_value()).collect()
}
