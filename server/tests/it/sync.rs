//! The sync endpoints over a real (in-memory) SurrealDB, driven by the protocol's
//! own device replica: pushes apply once, pulls bring edits to another phone, and
//! nobody reaches records that are not theirs.

use crate::support;
use app::rules::records::storefront::storefront_id;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use sawda_sync::protocol::Limits;
use sawda_sync::{Fields, Kind, RecordId, Replica};
use serde_json::{Value, json};

// The phones and their sync are the support's, as in every other module.
use support::{Person, phone_of, sync_phone as sync};

async fn person(db: &surrealdb::Surreal<surrealdb::engine::any::Any>, phone: &str) -> Person {
    support::entrepreneur(db, phone).await
}

/// Her storefront, started on `phone` with its id derived from her account (as the studio does).
fn start_storefront(phone: &mut Replica, set: Fields, now_ms: u64, random: [u8; 10]) -> RecordId {
    let id = storefront_id(phone.owner());
    phone.put(id, Kind::Storefront, set, now_ms, random).unwrap();
    id
}

fn fields(pairs: &[(&str, Value)]) -> Fields {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

pub(crate) async fn post_push(router: &Router, person: &Person, body: String) -> (StatusCode, Value) {
    let request = Request::post("/api/v1/sync/push")
        .header("cookie", &person.cookie)
        .header("content-type", "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = support::send(router, request).await;
    let status = response.status();
    (status, serde_json::from_str(&support::body_text(response).await).unwrap())
}

async fn get_pull(router: &Router, person: &Person, cursor: u64) -> (StatusCode, Value) {
    pull_as(router, person, &person.owner().to_string(), cursor).await
}

async fn pull_as(router: &Router, person: &Person, account: &str, cursor: u64) -> (StatusCode, Value) {
    let request = Request::get(format!("/api/v1/sync/pull?version=3&account={account}&cursor={cursor}&limit=100"))
        .header("cookie", &person.cookie)
        .body(Body::empty())
        .unwrap();
    let response = support::send(router, request).await;
    let status = response.status();
    (status, serde_json::from_str(&support::body_text(response).await).unwrap())
}

#[tokio::test]
async fn a_retried_push_applies_once_and_another_phone_receives_it() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000010").await;
    let mut phone = phone_of(&gulnar, 1);
    let shop = start_storefront(
        &mut phone,
        fields(&[("name", json!("Sesame biscuits")), ("district", json!("chimbay"))]),
        1_760_000_000_100,
        [2; 10],
    );
    phone.edit(shop, fields(&[("story", json!("Baked in Chimbay"))]), 1_760_000_000_200, [3; 10]).unwrap();

    let push = serde_json::to_string(&phone.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, first) = post_push(&router, &gulnar, push.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert!(first["results"].as_array().unwrap().iter().all(|r| r["result"] == "applied"), "{first}");
    // The same request again, as after a lost answer: nothing applies twice.
    let (_, second) = post_push(&router, &gulnar, push).await;
    assert!(second["results"].as_array().unwrap().iter().all(|r| r["result"] == "duplicate"), "{second}");
    phone.receive_push(&serde_json::from_value(first).unwrap());

    // Her second phone gets everything.
    let mut other_phone = phone_of(&gulnar, 9);
    sync(&router, &gulnar, &mut other_phone).await;
    sync(&router, &gulnar, &mut phone).await;
    assert_eq!(other_phone.record(shop), phone.record(shop));
    assert_eq!(other_phone.record(shop).unwrap().get("story"), Some(&json!("Baked in Chimbay")));

    // Different fields edited on both phones offline: both edits survive.
    phone.edit(shop, fields(&[("name", json!("Gulnar's sesame biscuits"))]), 1_760_000_001_000, [4; 10]).unwrap();
    other_phone
        .edit(shop, fields(&[("story", json!("From my grandmother's recipe"))]), 1_760_000_001_001, [5; 10])
        .unwrap();
    sync(&router, &gulnar, &mut phone).await;
    sync(&router, &gulnar, &mut other_phone).await;
    sync(&router, &gulnar, &mut phone).await;
    assert_eq!(phone.record(shop), other_phone.record(shop));
    let record = phone.record(shop).unwrap();
    assert_eq!(record.get("name"), Some(&json!("Gulnar's sesame biscuits")));
    assert_eq!(record.get("story"), Some(&json!("From my grandmother's recipe")));
}

#[tokio::test]
async fn nobody_reads_or_changes_records_that_are_not_theirs() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000011").await;
    let aysha = person(&db, "+998901000012").await;
    let mut hers = phone_of(&gulnar, 1);
    let shop = start_storefront(&mut hers, fields(&[("name", json!("Melon jam"))]), 1_760_000_000_100, [2; 10]);
    sync(&router, &gulnar, &mut hers).await;

    let (_, page) = get_pull(&router, &aysha, 0).await;
    assert_eq!(page["changes"], json!([]), "another entrepreneur sees nothing of hers");

    // Aysha's phone sends an edit of Gulnar's storefront beside one of her own.
    let mut intruder = phone_of(&aysha, 7);
    let own = intruder
        .create(Kind::Product, fields(&[("name", json!("Liquorice tea"))]), 1_760_000_000_300, [8; 10])
        .unwrap();
    let mut push = intruder.push_request(Limits::DEFAULT).unwrap();
    let mut forged = push.mutations[0].clone();
    forged.record = shop;
    forged.kind = Kind::Storefront;
    forged.id = sawda_sync::MutationId::new(1_760_000_000_400, [9; 10]);
    push.mutations.insert(0, forged);
    let (status, answer) = post_push(&router, &aysha, serde_json::to_string(&push).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let results = answer["results"].as_array().unwrap();
    assert!(results[0]["result"].get("rejected").is_some(), "{answer}");
    assert_eq!(results[1]["result"], "applied", "a rejected mutation never blocks the rest: {answer}");

    sync(&router, &gulnar, &mut hers).await;
    assert_eq!(hers.record(shop).unwrap().get("name"), Some(&json!("Melon jam")), "her storefront is untouched");
    let mut second = phone_of(&aysha, 3);
    sync(&router, &aysha, &mut second).await;
    assert!(second.record(own).is_some());
    assert!(second.record(shop).is_none());
}

#[tokio::test]
async fn nobody_can_start_another_persons_storefront_before_she_does() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000015").await;
    let aysha = person(&db, "+998901000016").await;
    // Aysha knows Gulnar's account id (coordinators' lists show ids) and so her
    // storefront's id, and tries to make that record her own first.
    let mut squatter = phone_of(&aysha, 4);
    let hers = storefront_id(&gulnar.owner());
    squatter.put(hers, Kind::Storefront, fields(&[("name", json!("Mine now"))]), 1_760_000_000_100, [2; 10]).unwrap();
    // And a second storefront of her own under a made-up id.
    squatter.create(Kind::Storefront, fields(&[("name", json!("Second shop"))]), 1_760_000_000_200, [3; 10]).unwrap();
    let push = serde_json::to_string(&squatter.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) = post_push(&router, &aysha, push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for result in answer["results"].as_array().unwrap() {
        assert_eq!(result["result"]["rejected"]["code"], "not_owner", "{answer}");
    }
    // Gulnar's own storefront then starts as usual.
    let mut phone = phone_of(&gulnar, 5);
    start_storefront(&mut phone, fields(&[("name", json!("Melon jam"))]), 1_760_000_000_300, [4; 10]);
    sync(&router, &gulnar, &mut phone).await;
    assert!(phone.outbox().refused().is_empty(), "{:?}", phone.outbox().refused());
    let mut other = phone_of(&gulnar, 6);
    sync(&router, &gulnar, &mut other).await;
    assert_eq!(other.record(hers).unwrap().get("name"), Some(&json!("Melon jam")));
}

#[tokio::test]
async fn a_record_id_someone_else_used_first_is_still_hers_to_use() {
    // Review finding L1: records were keyed by their id alone, so whoever
    // pushed an id first owned it, and `not_owner` told others it existed.
    // Records are now keyed by owner and id: each person's ids are her own.
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000017").await;
    let aysha = person(&db, "+998901000018").await;
    // Gulnar's phone has made a product whose id Aysha learnt (say, from a
    // phone shown around before it synced); Aysha pushes that id first.
    let mut hers = phone_of(&gulnar, 8);
    let product =
        hers.create(Kind::Product, fields(&[("name", json!("Melon jam"))]), 1_760_000_000_500, [5; 10]).unwrap();
    let mut squatter = phone_of(&aysha, 9);
    squatter.put(product, Kind::Product, fields(&[("name", json!("Not hers"))]), 1_760_000_000_600, [6; 10]).unwrap();
    sync(&router, &aysha, &mut squatter).await;
    assert!(squatter.outbox().refused().is_empty(), "{:?}", squatter.outbox().refused());

    sync(&router, &gulnar, &mut hers).await;
    assert!(hers.outbox().refused().is_empty(), "her product is not refused: {:?}", hers.outbox().refused());
    let mut other = phone_of(&gulnar, 10);
    sync(&router, &gulnar, &mut other).await;
    assert_eq!(other.record(product).unwrap().get("name"), Some(&json!("Melon jam")));
    let mut his_other = phone_of(&aysha, 11);
    sync(&router, &aysha, &mut his_other).await;
    assert_eq!(his_other.record(product).unwrap().get("name"), Some(&json!("Not hers")), "each sees only her own");
}

#[tokio::test]
async fn products_go_on_their_owners_storefront_and_only_entrepreneurs_keep_them() {
    // Review finding L2: a product could name anyone's storefront, and every
    // role could write every kind.
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000019").await;
    let aysha = person(&db, "+998901000020").await;
    let mut intruder = phone_of(&aysha, 12);
    let injected = intruder
        .create(
            Kind::Product,
            fields(&[("name", json!("Cheap copy")), ("storefront", json!(storefront_id(&gulnar.owner()).to_string()))]),
            1_760_000_000_700,
            [7; 10],
        )
        .unwrap();
    let push = serde_json::to_string(&intruder.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (_, answer) = post_push(&router, &aysha, push).await;
    let result = &answer["results"][0]["result"];
    assert_eq!(result["fields_refused"][0]["code"], "not_owner", "{answer}");
    assert_eq!(result["fields_refused"][0]["field"], "storefront", "{answer}");
    let mut second = phone_of(&aysha, 13);
    sync(&router, &aysha, &mut second).await;
    assert_eq!(second.record(injected).unwrap().get("storefront"), None, "the field is not stored");

    let coordinator =
        support::signed_in(&db, "+998901000021", "Oral", app::rules::people::Role::Coordinator, &["chimbay"], None)
            .await;
    let mut his = phone_of(&coordinator, 14);
    start_storefront(&mut his, fields(&[("name", json!("Desk shop"))]), 1_760_000_000_800, [8; 10]);
    his.create(Kind::Product, fields(&[("name", json!("Desk tea"))]), 1_760_000_000_900, [9; 10]).unwrap();
    let push = serde_json::to_string(&his.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) = post_push(&router, &coordinator, push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    for result in answer["results"].as_array().unwrap() {
        assert_eq!(result["result"]["rejected"]["code"], "kind_not_allowed", "{answer}");
    }
    let (_, page) = get_pull(&router, &coordinator, 0).await;
    assert_eq!(page["changes"], json!([]), "nothing of his is stored");
}

#[tokio::test]
async fn a_deleted_storefront_frees_its_address() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000017").await;
    let aysulu = person(&db, "+998901000018").await;
    let mut hers = phone_of(&gulnar, 1);
    let shop = start_storefront(
        &mut hers,
        fields(&[("name", json!("Aral honey")), ("slug", json!("aral-honey"))]),
        1_760_000_000_100,
        [2; 10],
    );
    sync(&router, &gulnar, &mut hers).await;
    hers.delete(shop, 1_760_000_000_200, [3; 10]).unwrap();
    sync(&router, &gulnar, &mut hers).await;
    assert!(hers.outbox().refused().is_empty());

    let mut other = phone_of(&aysulu, 2);
    start_storefront(
        &mut other,
        fields(&[("name", json!("Honey of Aral")), ("slug", json!("aral-honey"))]),
        1_760_000_000_300,
        [4; 10],
    );
    sync(&router, &aysulu, &mut other).await;
    assert!(other.outbox().refused().is_empty(), "the address is free again: {:?}", other.outbox().refused());

    // Gulnar brings hers back with a newer edit: it would claim "aral-honey"
    // again, so it is refused with the reason (not a server error, retried for ever).
    hers.edit(shop, fields(&[("name", json!("Aral honey again"))]), 1_760_000_000_400, [5; 10]).unwrap();
    let push = serde_json::to_string(&hers.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) = post_push(&router, &gulnar, push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["result"]["rejected"]["code"], "taken", "{answer}");
    // With a new address in the same edit, it comes back.
    hers.receive_push(&serde_json::from_value(answer).unwrap());
    hers.edit(
        shop,
        fields(&[("name", json!("Aral honey again")), ("slug", json!("aral-honey-2"))]),
        1_760_000_000_500,
        [6; 10],
    )
    .unwrap();
    sync(&router, &gulnar, &mut hers).await;
    assert!(!hers.record(shop).unwrap().is_deleted());
    assert_eq!(hers.record(shop).unwrap().get("slug"), Some(&json!("aral-honey-2")));
}

#[tokio::test]
async fn old_apps_are_told_to_reload_and_bad_input_changes_nothing() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000013").await;
    let (status, answer) =
        post_push(&router, &gulnar, json!({"version": 2, "device": "x", "mutations": []}).to_string()).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["error"], "version_mismatch");
    let old_pull = Request::get("/api/v1/sync/pull?version=2&cursor=0")
        .header("cookie", &gulnar.cookie)
        .body(Body::empty())
        .unwrap();
    let response = support::send(&router, old_pull).await;
    assert_eq!(response.status(), StatusCode::CONFLICT, "an old app's pull is told to reload, not refused as bad");
    let (status, answer) = post_push(&router, &gulnar, "{not json".into()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(answer["error"], "bad_request");
    let (status, _) = get_pull(&router, &gulnar, 0).await;
    assert_eq!(status, StatusCode::OK);
    let (_, page) = get_pull(&router, &gulnar, 0).await;
    assert_eq!(page["changes"], json!([]));
}

#[tokio::test]
async fn old_applied_ids_are_forgotten_and_a_very_late_retry_changes_nothing() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000011").await;
    let mut phone = phone_of(&gulnar, 1);
    let shop = start_storefront(&mut phone, fields(&[("name", json!("Qawın"))]), 1_760_000_000_100, [2; 10]);
    let push = serde_json::to_string(&phone.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (_, first) = post_push(&router, &gulnar, push.clone()).await;
    assert_eq!(first["results"][0]["result"], "applied");
    let (_, before) = get_pull(&router, &gulnar, 0).await;

    // Young ids stay; one made to look 200 days old is forgotten.
    assert_eq!(sawda_server::sync::store::forget_applied(&db, 180).await.unwrap(), 0);
    db.query("DELETE sync_applied; CREATE sync_applied:old SET applied_at = time::now() - 200d, hash = '0';")
        .await
        .unwrap()
        .check()
        .unwrap();
    assert_eq!(sawda_server::sync::store::forget_applied(&db, 180).await.unwrap(), 1);

    // The phone's answer was lost long ago and it retries now: applied again,
    // and the record and its change sequence stay as they were.
    let (_, late) = post_push(&router, &gulnar, push).await;
    assert_eq!(late["results"][0]["result"], "applied");
    let (_, after) = get_pull(&router, &gulnar, 0).await;
    assert_eq!(after, before);
    phone.receive_push(&serde_json::from_value(late).unwrap());
    assert!(phone.outbox().is_empty());
    assert!(phone.record(shop).is_some());
}

#[tokio::test]
async fn edits_that_break_the_rules_are_refused_per_field_and_change_nothing() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000012").await;
    let mut phone = phone_of(&gulnar, 1);
    // An old or broken app would queue these; the server checks them again.
    let jam = phone
        .create(
            Kind::Product,
            fields(&[("name", json!("Melon jam")), ("price_som", json!(25_000.5))]),
            1_760_000_000_100,
            [2; 10],
        )
        .unwrap();
    start_storefront(
        &mut phone,
        fields(&[("name", json!("Aral")), ("telegram", json!("@x"))]),
        1_760_000_000_200,
        [3; 10],
    );
    phone
        .create(Kind::Product, fields(&[("name", json!("Qurt")), ("colour", json!("red"))]), 1_760_000_000_300, [4; 10])
        .unwrap();
    let good = phone
        .create(
            Kind::Product,
            fields(&[("name", json!("Qurt")), ("price_som", json!(8_000))]),
            1_760_000_000_400,
            [5; 10],
        )
        .unwrap();
    let push = serde_json::to_string(&phone.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) = post_push(&router, &gulnar, push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let results = answer["results"].as_array().unwrap();
    // Each bad field is refused by name; the good fields of the same edit apply.
    let refused: Vec<(&str, &str)> = results[..3]
        .iter()
        .map(|r| {
            let field = &r["result"]["fields_refused"][0];
            (field["field"].as_str().unwrap(), field["code"].as_str().unwrap())
        })
        .collect();
    assert_eq!(refused, [("price_som", "invalid_value"), ("telegram", "invalid_value"), ("colour", "invalid_value")]);
    assert_eq!(results[3]["result"], "applied");
    phone.receive_push(&serde_json::from_value(answer).unwrap());
    let kept = phone.record(jam).expect("the product stays, without the bad price");
    assert_eq!((kept.get("name"), kept.get("price_som")), (Some(&json!("Melon jam")), None));
    assert_eq!(phone.outbox().refused().len(), 3);
    let (_, pulled) = get_pull(&router, &gulnar, 0).await;
    let on_server: Vec<&str> =
        pulled["changes"].as_array().unwrap().iter().map(|c| c["record"]["id"].as_str().unwrap()).collect();
    assert_eq!(on_server.len(), 4, "every record, each without its bad field");
    assert!(on_server.contains(&good.to_string().as_str()));
    sync(&router, &gulnar, &mut phone).await;
    assert_eq!(phone.record(jam).unwrap().get("price_som"), None);
}

#[tokio::test]
async fn a_request_for_another_account_is_refused_whole() {
    // A shared phone: Amina's tab still holds her queue while Bahadir is signed in.
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let amina = person(&db, "+998901000021").await;
    let bahadir = person(&db, "+998901000022").await;
    let mut hers = phone_of(&amina, 1);
    start_storefront(&mut hers, fields(&[("name", json!("Aral honey"))]), 1_760_000_000_100, [2; 10]);
    let push = serde_json::to_string(&hers.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) = post_push(&router, &bahadir, push.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["error"], "wrong_account");
    let (status, answer) = pull_as(&router, &bahadir, &amina.owner().to_string(), 0).await;
    assert_eq!((status, &answer["error"]), (StatusCode::FORBIDDEN, &json!("wrong_account")));
    // Nothing happened: her queue goes through once she is signed in again.
    let (_, page) = get_pull(&router, &bahadir, 0).await;
    assert_eq!(page["changes"], json!([]));
    let (status, answer) = post_push(&router, &amina, push).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["results"][0]["result"], "applied", "{answer}");
}

#[tokio::test]
async fn a_mutation_id_belongs_to_its_owner() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let amina = person(&db, "+998901000023").await;
    let bahadir = person(&db, "+998901000024").await;
    let mut hers = phone_of(&amina, 1);
    start_storefront(&mut hers, fields(&[("name", json!("Aral honey"))]), 1_760_000_000_100, [2; 10]);
    let push = hers.push_request(Limits::DEFAULT).unwrap();
    // Bahadir read her queued ids on the shared phone and uses one first.
    let mut his = phone_of(&bahadir, 2);
    start_storefront(&mut his, fields(&[("name", json!("Tea"))]), 1_760_000_000_200, [3; 10]);
    let mut squat = his.push_request(Limits::DEFAULT).unwrap();
    squat.mutations[0].id = push.mutations[0].id;
    let (_, answer) = post_push(&router, &bahadir, serde_json::to_string(&squat).unwrap()).await;
    assert_eq!(answer["results"][0]["result"], "applied");
    // Her edit is applied, not answered "duplicate" and dropped.
    let (_, answer) = post_push(&router, &amina, serde_json::to_string(&push).unwrap()).await;
    assert_eq!(answer["results"][0]["result"], "applied", "{answer}");
    // Her own id with other content is refused.
    let mut reused = push.clone();
    reused.mutations[0].action = sawda_sync::Action::Set(fields(&[("name", json!("Something else"))]));
    let (_, answer) = post_push(&router, &amina, serde_json::to_string(&reused).unwrap()).await;
    assert_eq!(answer["results"][0]["result"]["rejected"]["code"], "id_reused", "{answer}");
    hers.receive_push(
        &serde_json::from_value(post_push(&router, &amina, serde_json::to_string(&push).unwrap()).await.1).unwrap(),
    );
    let mut other = phone_of(&amina, 3);
    sync(&router, &amina, &mut other).await;
    assert_eq!(other.record(storefront_id(&amina.owner())).unwrap().get("name"), Some(&json!("Aral honey")));
}

#[tokio::test]
async fn sequences_count_per_owner_and_a_new_epoch_starts_phones_again() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let amina = person(&db, "+998901000025").await;
    let bahadir = person(&db, "+998901000026").await;
    let mut hers = phone_of(&amina, 1);
    let mut his = phone_of(&bahadir, 2);
    for n in 0..3u8 {
        hers.create(Kind::Product, fields(&[("name", json!(format!("jam {n}")))]), 1_760_000_000_100, [10 + n; 10])
            .unwrap();
        his.create(Kind::Product, fields(&[("name", json!(format!("tea {n}")))]), 1_760_000_000_100, [20 + n; 10])
            .unwrap();
    }
    sync(&router, &amina, &mut hers).await;
    sync(&router, &bahadir, &mut his).await;
    let (_, page) = get_pull(&router, &amina, 0).await;
    let seqs: Vec<u64> = page["changes"].as_array().unwrap().iter().map(|c| c["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3], "her own sequence, whoever else pushed");
    let epoch = page["epoch"].as_str().unwrap().to_owned();

    // The database is restored from a backup made before her last product.
    let last = hers.records().max_by_key(|r| r.id()).unwrap().id();
    db.query("DELETE type::record('sync_record', [$owner, $id]); DELETE sync_change:[$owner, 3]; UPSERT type::record('sync_scope', $owner) SET seq = 2;")
        .bind(("id", last.to_string()))
        .bind(("owner", amina.owner().to_string()))
        .await
        .unwrap()
        .check()
        .unwrap();
    let new = sawda_server::sync::store::new_epoch(&db).await.unwrap();
    assert!(new.as_str() > epoch.as_str());
    // Her phone finds the new epoch, starts again and sends what only it holds.
    let (_, page) = get_pull(&router, &amina, hers.cursor()).await;
    let taken = hers.receive_pull(serde_json::from_value(page).unwrap());
    assert!(taken.pull_again);
    sync(&router, &amina, &mut hers).await;
    let mut fresh = phone_of(&amina, 3);
    sync(&router, &amina, &mut fresh).await;
    assert_eq!(fresh.records().count(), 3);
    assert_eq!(fresh.record(last), hers.record(last));
}

#[tokio::test]
async fn a_storefront_address_belongs_to_one_storefront() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = person(&db, "+998901000013").await;
    let aysulu = person(&db, "+998901000014").await;
    let mut hers = phone_of(&gulnar, 1);
    let mut other = phone_of(&aysulu, 2);
    let shop = start_storefront(
        &mut hers,
        fields(&[("name", json!("Aral honey")), ("slug", json!("aral-honey"))]),
        1_760_000_000_100,
        [2; 10],
    );
    sync(&router, &gulnar, &mut hers).await;
    assert!(hers.outbox().refused().is_empty());

    // Another person asks for the same address: refused as taken, and her
    // storefront keeps its own.
    start_storefront(
        &mut other,
        fields(&[("name", json!("Honey of Aral")), ("slug", json!("aral-honey"))]),
        1_760_000_000_200,
        [3; 10],
    );
    let push = serde_json::to_string(&other.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (_, answer) = post_push(&router, &aysulu, push).await;
    let refused = &answer["results"][0]["result"]["fields_refused"];
    assert_eq!(refused, &json!([{"field": "slug", "code": "taken", "message": refused[0]["message"]}]), "{answer}");
    // Only the address: her name is on the server, the address is hers to change.
    other.receive_push(&serde_json::from_value(answer).unwrap());
    sync(&router, &aysulu, &mut other).await;
    let her_shop = other.record(storefront_id(&aysulu.owner())).unwrap();
    assert_eq!((her_shop.get("name"), her_shop.get("slug")), (Some(&json!("Honey of Aral")), None));
    assert_eq!(
        other.outbox().refused()[0].mutation.action,
        sawda_sync::Action::Set(fields(&[("slug", json!("aral-honey"))]))
    );

    // The owner may set it again, and moving to another address frees it.
    hers.edit(
        shop,
        fields(&[("slug", json!("aral-honey")), ("story", json!("Since 1990"))]),
        1_760_000_000_300,
        [4; 10],
    )
    .unwrap();
    sync(&router, &gulnar, &mut hers).await;
    hers.edit(shop, fields(&[("slug", json!("aral-delta-honey"))]), 1_760_000_000_400, [5; 10]).unwrap();
    sync(&router, &gulnar, &mut hers).await;
    assert!(hers.outbox().refused().is_empty());
    let mut again = phone_of(&aysulu, 3);
    start_storefront(
        &mut again,
        fields(&[("name", json!("Honey of Aral")), ("slug", json!("aral-honey"))]),
        1_760_000_000_500,
        [6; 10],
    );
    sync(&router, &aysulu, &mut again).await;
    assert!(again.outbox().refused().is_empty(), "{:?}", again.outbox().refused());
    // And the first phone puts the refused address back: now it is free.
    let refused = other.outbox().refused()[0].mutation.id;
    other.put_back(refused, "slug", 1_760_000_000_600, [7; 10]).unwrap();
    sync(&router, &aysulu, &mut other).await;
    assert!(other.outbox().refused().is_empty());
    assert_eq!(other.record(storefront_id(&aysulu.owner())).unwrap().get("slug"), Some(&json!("aral-honey")));
}

/// Review finding H2, the notes' recipe end to end: a copy of the database is
/// made, a buyer orders and she confirms the order on her phone; the copy is
/// put back and given a new epoch. Her phone gives the request back: the
/// order is there again with the buyer's contact and her status, also on a
/// phone she signs in on afterwards.
#[tokio::test]
async fn a_buyers_request_comes_back_after_a_restore_from_a_copy() {
    use app::rules::records::order_request as order;
    let mut shop = crate::public::shop(true).await;
    let site = std::env::temp_dir();
    let behind_proxy = |db: &surrealdb::Surreal<surrealdb::engine::any::Any>| {
        let state = support::state(db.clone(), &site)
            .with_site(sawda_server::http::site::Site { trust_proxy: true, ..Default::default() });
        sawda_server::router(state, &site)
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("sawda.surql");
    shop.db.export(&copy).await.unwrap();

    let slugs: Vec<String> = shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    // The form's token, as a product page opened a minute ago gave it.
    let key = sawda_server::orders::form_token::key(&shop.db).await.unwrap();
    let shown = chrono::Utc::now().timestamp_millis() as u64 - 60_000;
    let token = key.sign(&shop.her.id, &shop.product.to_string(), shown);
    let request = Request::post(format!("/s/gulnars-biscuits/{}/order", slugs[0]))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-for", "5.6.7.8")
        .body(Body::from(format!(
            "name=Gulnara&contact=%2B998901234567&quantity=1&delivery=&message=&lang=en&website=&token={token}"
        )))
        .unwrap();
    let response = support::send(&behind_proxy(&shop.db), request).await;
    assert_eq!(response.status(), StatusCode::OK, "the buyer is told it was sent");
    support::sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let id = shop.phone.records().find(|r| r.kind() == Kind::OrderRequest).expect("her phone has it").id();
    let confirmed = fields(&[(order::STATUS, json!("confirmed"))]);
    shop.phone.edit(id, confirmed, chrono::Utc::now().timestamp_millis() as u64, [7; 10]).unwrap();
    support::sync_phone(&shop.router, &shop.her, &mut shop.phone).await;

    // The copy is put back, under a new epoch.
    let restored = support::memory_db().await;
    restored.import(&copy).await.unwrap();
    sawda_server::sync::store::new_epoch(&restored).await.unwrap();
    assert_eq!(sawda_server::sync::store::record(&restored, &shop.her.owner(), id).await.unwrap(), None);
    let router = behind_proxy(&restored);
    // Her phone finds the new epoch, then sends what it holds and pulls again.
    for _ in 0..2 {
        support::sync_phone(&router, &shop.her, &mut shop.phone).await;
    }
    let on_phone = shop.phone.record(id).expect("still on her phone");
    let on_server = sawda_server::sync::store::record(&restored, &shop.her.owner(), id)
        .await
        .unwrap()
        .expect("the order exists again on the server");
    assert_eq!(&on_server, on_phone);
    assert_eq!(on_server.get(order::BUYER_NAME), Some(&json!("Gulnara")));
    assert_eq!(on_server.get(order::BUYER_CONTACT), Some(&json!("+998901234567")));
    assert_eq!(on_server.get(order::STATUS), Some(&json!("confirmed")));
    assert!(shop.phone.outbox().refused().is_empty(), "{:?}", shop.phone.outbox().refused());
    assert!(!shop.phone.is_only_here(id));
    let mut other = support::phone_of(&shop.her, 9);
    support::sync_phone(&router, &shop.her, &mut other).await;
    assert_eq!(other.record(id), Some(&on_server), "and on her other phone");
}
