//! Hostile input against the sync endpoints over a real SurrealDB: each
//! attempt to freeze the server or fill its disk through synced records is
//! refused with a clear code, and nothing anyone saved is lost.

use crate::support;
use crate::sync::post_push;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sawda_sync::limits::{MAX_PULL_BYTES, MAX_RECORD_BYTES, record_bytes};
use sawda_sync::protocol::PROTOCOL_VERSION;
use sawda_sync::{Action, DeviceId, Kind, Mutation, MutationId, PushRequest, Record, RecordId, hlc::Stamp};
use serde_json::{Value, json};

use support::Person;

const NOW: u64 = 1_760_000_000_000;

fn push_of(person: &Person, mutations: Vec<Mutation>) -> String {
    let request = PushRequest {
        version: PROTOCOL_VERSION,
        account: person.owner(),
        device: DeviceId::new(NOW, [1; 10]),
        mutations,
    };
    serde_json::to_string(&request).unwrap()
}

/// A mutation of `record` as if from device number `device` (anyone may invent devices).
fn set(person: &Person, n: u64, device: u8, record: RecordId, kind: Kind, fields: Value) -> Mutation {
    Mutation {
        id: MutationId::new(NOW + n, [device; 10]),
        record,
        kind,
        owner: person.owner(),
        at: Stamp::new(NOW + n, 0, DeviceId::new(NOW, [device; 10])),
        action: Action::Set(serde_json::from_value(fields).unwrap()),
    }
}

async fn pull(router: &Router, person: &Person, cursor: u64) -> Value {
    let path = format!("/api/v1/sync/pull?version=3&account={}&cursor={cursor}&limit=1000", person.owner());
    let request = Request::get(path).header("cookie", &person.cookie).body(Body::empty()).unwrap();
    let response = support::send(router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    serde_json::from_str(&support::body_text(response).await).unwrap()
}

fn results(answer: &Value) -> Vec<Value> {
    answer["results"].as_array().unwrap().iter().map(|r| r["result"].clone()).collect()
}

fn refused_code(result: &Value) -> &str {
    result["rejected"]["code"].as_str().unwrap_or("")
}

/// A product her storefront holds, as the studio makes it.
fn product_fields(person: &support::Person, name: &str) -> Value {
    json!({"name": name, "price_som": 25_000, "unit": "jar", "availability": "in_stock", "position": 1.0,
           "storefront": app::rules::records::storefront::storefront_id(&person.owner()).to_string()})
}

#[tokio::test]
async fn a_kind_without_rules_is_refused_however_many_fields_it_has() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let mallory = support::entrepreneur(&db, "+998901000091").await;
    // The measured attack: one record of a kind without rules (review comments), 120 fields a push.
    let comment = RecordId::new(NOW, [9; 10]);
    let fields: serde_json::Map<String, Value> = (0..120).map(|i| (format!("f{i}"), json!("x".repeat(300)))).collect();
    let (status, answer) = post_push(
        &router,
        &mallory,
        push_of(&mallory, vec![set(&mallory, 1, 1, comment, Kind::ReviewComment, Value::Object(fields))]),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(refused_code(&results(&answer)[0]), "kind_not_allowed", "{answer}");
    // Order requests have rules, but only the server makes one.
    let (_, answer) = post_push(
        &router,
        &mallory,
        push_of(&mallory, vec![set(&mallory, 2, 2, comment, Kind::OrderRequest, json!({"text": "hi"}))]),
    )
    .await;
    assert_eq!(refused_code(&results(&answer)[0]), "not_owner", "{answer}");
    assert_eq!(pull(&router, &mallory, 0).await["changes"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn invented_devices_cannot_grow_a_record_past_its_bound() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let mallory = support::entrepreneur(&db, "+998901000092").await;
    let product = RecordId::new(NOW, [5; 10]);
    let (_, answer) = post_push(
        &router,
        &mallory,
        push_of(&mallory, vec![set(&mallory, 0, 0, product, Kind::Product, product_fields(&mallory, "Jam"))]),
    )
    .await;
    assert_eq!(results(&answer), [json!("applied")]);
    // Each invented device leaves its own longest description in the
    // history: 2,000 characters of 4 bytes each, 21 devices.
    let longest = "\u{10437}".repeat(2_000);
    let attack: Vec<Mutation> = (1..=21)
        .map(|d| set(&mallory, u64::from(d), d, product, Kind::Product, json!({"description": longest})))
        .collect();
    let (status, answer) = post_push(&router, &mallory, push_of(&mallory, attack)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let outcomes = results(&answer);
    let refused = outcomes.iter().filter(|r| refused_code(r) == "record_too_large").count();
    assert!(refused > 0, "{answer}");
    assert!(outcomes.iter().all(|r| *r == json!("applied") || refused_code(r) == "record_too_large"), "{answer}");
    // What is stored stays within the bound, and is the record's canonical form.
    let page = pull(&router, &mallory, 0).await;
    let record: Record = serde_json::from_value(page["changes"][0]["record"].clone()).unwrap();
    assert!(record_bytes(&record) <= MAX_RECORD_BYTES, "{} bytes", record_bytes(&record));
    assert_eq!(record.get("name"), Some(&json!("Jam")));
}

#[tokio::test]
async fn what_each_person_holds_is_counted_and_pull_pages_are_bounded_by_bytes() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = support::entrepreneur(&db, "+998901000093").await;
    let aysha = support::entrepreneur(&db, "+998901000094").await;
    // Sixty products, each with a long description: about 8 KB each.
    let long = "\u{10437}".repeat(2_000);
    let products: Vec<Mutation> = (0..60u64)
        .map(|n| {
            let mut fields = product_fields(&gulnar, &format!("Product {n}"));
            fields["description"] = json!(long);
            Mutation {
                record: RecordId::new(NOW + n, [6; 10]),
                ..set(&gulnar, n, 1, RecordId::new(NOW + n, [6; 10]), Kind::Product, fields)
            }
        })
        .collect();
    for half in products.chunks(20) {
        let (status, answer) = post_push(&router, &gulnar, push_of(&gulnar, half.to_vec())).await;
        assert_eq!(status, StatusCode::OK);
        assert!(results(&answer).iter().all(|r| *r == json!("applied")), "{answer}");
    }
    // Her holdings are kept beside her sequence number.
    let scope: Option<Value> = db
        .query("SELECT records, bytes FROM type::record('sync_scope', $owner)")
        .bind(("owner", gulnar.owner().to_string()))
        .await
        .unwrap()
        .take::<Vec<Value>>(0)
        .unwrap()
        .into_iter()
        .next();
    let scope = scope.expect("a scope row");
    assert_eq!(scope["records"], json!(60), "{scope}");
    let bytes = scope["bytes"].as_u64().unwrap();
    assert!(bytes > 60 * 8_000 && bytes < 60 * 9_000, "{bytes}");
    // Pages of at most MAX_PULL_BYTES, whatever the limit asked for, until all came.
    let (mut cursor, mut seen, mut pages) = (0, 0, 0);
    loop {
        let page = pull(&router, &gulnar, cursor).await;
        let changes = page["changes"].as_array().unwrap();
        let size: usize = changes.iter().map(|c| serde_json::to_string(&c["record"]).unwrap().len()).sum();
        assert!(size <= MAX_PULL_BYTES, "{size} bytes in one page");
        seen += changes.len();
        pages += 1;
        cursor = page["cursor"].as_u64().unwrap();
        if page["more"] == json!(false) {
            break;
        }
    }
    assert_eq!(seen, 60);
    assert!(pages >= 2, "{pages} pages");
    // Another person holds nothing of hers.
    assert_eq!(pull(&router, &aysha, 0).await["changes"], json!([]));
}
