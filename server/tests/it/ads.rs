//! Ad posts through the sync endpoints over a real (in-memory) SurrealDB:
//! her phone makes, edits and deletes them like everything she has, her
//! other phone gets them back, a broken one is refused field by field with a
//! clear code, an ad never reaches the review desk, and only entrepreneurs
//! write them.

use crate::support;
use crate::sync::post_push;
use app::rules::people::Role;
use app::rules::records::ad_post;
use app::rules::records::storefront::storefront_id;
use axum::http::{Method, StatusCode};
use sawda_sync::protocol::Limits;
use sawda_sync::{Fields, Kind, RecordId, Replica};
use serde_json::{Value, json};

use support::{Person, phone_of, product_fields, storefront_fields, sync_phone};

const T: u64 = 1_760_000_000_000;

/// Her storefront and one product, synced.
async fn shop_with_jam(router: &axum::Router, her: &Person) -> (Replica, RecordId) {
    let mut phone = phone_of(her, 1);
    let shop = storefront_id(&her.owner());
    phone.put(shop, Kind::Storefront, storefront_fields("Aral bal", "aral-bal"), T, [2; 10]).unwrap();
    let jam = RecordId::new(T, [3; 10]);
    phone.put(jam, Kind::Product, product_fields(her, "Qawın múrabbası", 25_000), T + 1, [3; 10]).unwrap();
    sync_phone(router, her, &mut phone).await;
    (phone, jam)
}

fn ad_fields(her: &Person, product: Option<RecordId>) -> Fields {
    serde_json::from_value(json!({
        ad_post::STOREFRONT: storefront_id(&her.owner()).to_string(),
        ad_post::PRODUCT: product.map(|p| p.to_string()),
        ad_post::HEADLINE: "Jańa ónim: Qawın múrabbası 🍈",
        ad_post::BODY: "Qawın múrabbası — Aral bal (Shımbay) dúkanınıń jańa ónimi.",
        ad_post::PRICE_LINE: "25 000 swm / banka",
        ad_post::CALL_TO_ACTION: "telegram",
        ad_post::HASHTAGS: ["qawın", "múrabba", "Shımbay"],
        ad_post::LANGUAGE: "kaa",
        ad_post::TEMPLATE: "new_product",
        ad_post::LAYOUT: "photo_top",
        ad_post::THEME: "melon",
    }))
    .unwrap()
}

/// Pushes what the phone has queued once, and returns the server's answer.
async fn push_once(router: &axum::Router, her: &Person, phone: &mut Replica) -> Value {
    let push = serde_json::to_string(&phone.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) = post_push(router, her, push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    phone.receive_push(&serde_json::from_value(answer.clone()).unwrap());
    answer
}

#[tokio::test]
async fn her_phone_makes_edits_and_deletes_an_ad_and_her_other_phone_gets_each_change() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = support::entrepreneur(&db, "+998901000401").await;
    let (mut phone, jam) = shop_with_jam(&router, &gulnar).await;

    // Made offline from her product, synced when a signal comes.
    let ad = phone.create(Kind::AdPost, ad_fields(&gulnar, Some(jam)), T + 10, [4; 10]).unwrap();
    let answer = push_once(&router, &gulnar, &mut phone).await;
    assert_eq!(answer["results"][0]["result"], "applied", "{answer}");
    let mut second = phone_of(&gulnar, 2);
    sync_phone(&router, &gulnar, &mut second).await;
    let got = second.record(ad).expect("her other phone has the ad");
    assert_eq!(got.kind(), Kind::AdPost);
    assert_eq!(got.get(ad_post::HEADLINE), Some(&json!("Jańa ónim: Qawın múrabbası 🍈")));
    assert_eq!(got.get(ad_post::PRODUCT), Some(&json!(jam.to_string())));
    assert_eq!(got.get(ad_post::HASHTAGS), Some(&json!(["qawın", "múrabba", "Shımbay"])));

    // Edited on one phone (a new headline, published), seen on the other.
    let edit = Fields::from([
        (ad_post::HEADLINE.to_owned(), json!("Arnawlı usınıs: Qawın múrabbası")),
        (ad_post::TEMPLATE.to_owned(), json!("offer")),
        (ad_post::PUBLISHED.to_owned(), json!(true)),
        (ad_post::PRODUCT.to_owned(), Value::Null),
    ]);
    second.edit(ad, edit, T + 20, [5; 10]).unwrap();
    sync_phone(&router, &gulnar, &mut second).await;
    sync_phone(&router, &gulnar, &mut phone).await;
    let got = phone.record(ad).unwrap();
    assert_eq!(got.get(ad_post::HEADLINE), Some(&json!("Arnawlı usınıs: Qawın múrabbası")));
    assert_eq!(got.get(ad_post::PUBLISHED), Some(&json!(true)));
    assert_eq!(got.get(ad_post::PRODUCT), Some(&Value::Null), "cleared: now an ad of the whole storefront");

    // Ads are not reviewed: the desk of her district has nothing waiting.
    let coordinator = support::signed_in(&db, "+998901000402", "Dilnoza", Role::Coordinator, &["chimbay"], None).await;
    let (status, queue) = support::call(&router, Some(&coordinator), Method::GET, "/api/v1/review/queue", None).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["total"], 0, "{queue}");

    // Deleted on the first phone, gone from the second.
    phone.delete(ad, T + 30, [6; 10]).unwrap();
    sync_phone(&router, &gulnar, &mut phone).await;
    sync_phone(&router, &gulnar, &mut second).await;
    assert!(second.record(ad).is_none_or(|record| record.is_deleted()), "deleted on her other phone too");
}

#[tokio::test]
async fn a_broken_ad_is_refused_field_by_field_with_a_clear_code_and_nothing_bad_is_stored() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = support::entrepreneur(&db, "+998901000403").await;
    let aysulu = support::entrepreneur(&db, "+998901000404").await;
    let (mut phone, jam) = shop_with_jam(&router, &gulnar).await;

    // An old or broken app: a tag with its '#', a theme that does not exist, a review field.
    let mut fields = ad_fields(&gulnar, Some(jam));
    fields.insert(ad_post::HASHTAGS.to_owned(), json!(["#sale", "qawın"]));
    fields.insert(ad_post::THEME.to_owned(), json!("pink"));
    fields.insert("submitted".to_owned(), json!("now"));
    let ad = phone.create(Kind::AdPost, fields, T + 10, [4; 10]).unwrap();
    let answer = push_once(&router, &gulnar, &mut phone).await;
    let refused = answer["results"][0]["result"]["fields_refused"].as_array().expect("fields refused").clone();
    let by_field =
        |name: &str| refused.iter().find(|r| r["field"] == name).unwrap_or_else(|| panic!("{name}: {answer}"));
    assert_eq!(by_field("hashtags")["code"], "invalid_value", "{answer}");
    assert!(by_field("hashtags")["message"].as_str().unwrap().contains("hashtag"), "{answer}");
    assert_eq!(by_field("theme")["code"], "invalid_value", "{answer}");
    assert_eq!(by_field("submitted")["code"], "invalid_value", "{answer}");
    let mut second = phone_of(&gulnar, 2);
    sync_phone(&router, &gulnar, &mut second).await;
    let stored = second.record(ad).expect("the good fields are kept");
    assert_eq!(stored.get(ad_post::HEADLINE), Some(&json!("Jańa ónim: Qawın múrabbası 🍈")));
    for field in ["hashtags", "theme", "submitted"] {
        assert_eq!(stored.get(field), None, "{field} is not stored");
    }

    // Another entrepreneur cannot make an ad of Gulnar's storefront.
    let mut hers = phone_of(&aysulu, 3);
    let mut stolen = ad_fields(&aysulu, None);
    stolen.insert(ad_post::STOREFRONT.to_owned(), json!(storefront_id(&gulnar.owner()).to_string()));
    let theft = hers.create(Kind::AdPost, stolen, T + 40, [7; 10]).unwrap();
    let answer = push_once(&router, &aysulu, &mut hers).await;
    assert_eq!(answer["results"][0]["result"]["fields_refused"][0]["field"], "storefront", "{answer}");
    assert_eq!(answer["results"][0]["result"]["fields_refused"][0]["code"], "not_owner", "{answer}");
    let mut check = phone_of(&aysulu, 4);
    sync_phone(&router, &aysulu, &mut check).await;
    assert_eq!(check.record(theft).and_then(|r| r.get(ad_post::STOREFRONT)), None);
}

#[tokio::test]
async fn a_coordinators_push_of_an_ad_is_refused() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let coordinator = support::signed_in(&db, "+998901000405", "Oral", Role::Coordinator, &["chimbay"], None).await;
    let mut his = phone_of(&coordinator, 1);
    his.create(Kind::AdPost, ad_fields(&coordinator, None), T, [2; 10]).unwrap();
    let answer = push_once(&router, &coordinator, &mut his).await;
    assert_eq!(answer["results"][0]["result"]["rejected"]["code"], "kind_not_allowed", "{answer}");
    let (status, page) = support::call(
        &router,
        Some(&coordinator),
        Method::GET,
        &format!("/api/v1/sync/pull?version=3&account={}&cursor=0&limit=100", coordinator.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["changes"], json!([]), "nothing of his is stored");
}
