//! Accounts end to end through the real router and a real (in-memory) SurrealDB:
//! the authorisation table, invitations, sessions, rate limits and password reset.

use crate::support;
use app::rules::people::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use sawda_server::accounts::{invitations, people, reset_codes};
use sawda_server::api;
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use support::{PASSWORD, sign_in_request};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Entrepreneur,
    EntrepreneurElsewhere,
    Coordinator,
    CoordinatorElsewhere,
    Admin,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::Entrepreneur,
    Who::EntrepreneurElsewhere,
    Who::Coordinator,
    Who::CoordinatorElsewhere,
    Who::Admin,
];

/// A fresh world: Chimbay with a coordinator and an entrepreneur, Bozatau with the
/// same, one admin, a Chimbay workshop with open codes, and a live reset code.
struct World {
    db: Surreal<Any>,
    router: Router,
    persons: Vec<(Who, support::Person)>,
    ids: Vec<(Who, String)>,
    workshop: String,
    open_codes: Vec<String>,
    reset_code: String,
    export_token: String,
}

impl World {
    async fn new() -> World {
        let db = support::migrated_memory_db().await;
        let mut persons = Vec::new();
        let mut ids = Vec::new();
        let people = [
            (Who::Admin, "+998901000001", Role::Admin, vec![], None),
            (Who::Coordinator, "+998901000002", Role::Coordinator, vec!["chimbay"], None),
            (Who::CoordinatorElsewhere, "+998901000003", Role::Coordinator, vec!["bozatau"], None),
            (Who::Entrepreneur, "+998901000004", Role::Entrepreneur, vec![], Some("chimbay")),
            (Who::EntrepreneurElsewhere, "+998901000005", Role::Entrepreneur, vec![], Some("bozatau")),
        ];
        for (who, phone, role, districts, district) in people {
            let person = support::signed_in(&db, phone, &format!("{who:?}"), role, &districts, district).await;
            ids.push((who, person.id.clone()));
            persons.push((who, person));
        }
        let coordinator = ids.iter().find(|(w, _)| *w == Who::Coordinator).unwrap().1.clone();
        let (workshop, codes) = invitations::create_workshop(
            &db,
            &coordinator,
            invitations::NewWorkshop {
                name: "Sesame biscuits".into(),
                district: "chimbay".into(),
                date: "2026-12-01".into(),
                seats: 4,
            },
        )
        .await
        .unwrap();
        let entrepreneur = ids.iter().find(|(w, _)| *w == Who::Entrepreneur).unwrap().1.clone();
        let reset_code = reset_codes::issue(&db, &entrepreneur, &coordinator).await.unwrap();
        let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
        // Her storefront submitted, her product submitted and approved (for the desk's rows).
        let her = &persons.iter().find(|(w, _)| *w == Who::Entrepreneur).unwrap().1;
        let mut phone = support::phone_of(her, 1);
        let shop = app::rules::records::storefront::storefront_id(&her.owner());
        let t = 1_760_000_000_000;
        phone
            .put(shop, sawda_sync::Kind::Storefront, support::storefront_fields("Biscuits", "biscuits"), t, [2; 10])
            .unwrap();
        let product = sawda_sync::RecordId::new(t, [3; 10]);
        phone
            .put(product, sawda_sync::Kind::Product, support::product_fields(her, "Biscuits", 25_000), t, [3; 10])
            .unwrap();
        support::submit(&mut phone, shop, t + 1, 4);
        support::submit(&mut phone, product, t + 1, 5);
        // Her published ad of the product, for the desk's take-down.
        let ad = serde_json::from_value(json!({
            "storefront": shop.to_string(), "product": product.to_string(), "headline": "Biscuits",
            "language": "en", "template": "new_product", "layout": "photo_top", "theme": "melon",
            "card_photo": "d".repeat(64), "published": true,
        }))
        .unwrap();
        phone.put(World::ad(), sawda_sync::Kind::AdPost, ad, t + 2, [6; 10]).unwrap();
        support::sync_phone(&router, her, &mut phone).await;
        let admin =
            people::find_by_id(&db, &ids.iter().find(|(w, _)| *w == Who::Admin).unwrap().1).await.unwrap().unwrap();
        let checklist = app::rules::review::CheckPoint::ALL
            .iter()
            .map(|p| app::rules::review::Check { point: p.id().into(), pass: true, comment: String::new() })
            .collect();
        let approve = app::wire::DecisionRequest {
            revision: 1,
            decision: app::rules::review::Decision::Approve,
            checklist,
            comments: Default::default(),
        };
        sawda_server::review::desk::decide(&db, &admin, &her.owner(), product, approve).await.unwrap();
        let export_token =
            sawda_server::accounts::partner_tokens::create(&db, "OVOP market", &admin.name).await.unwrap().id;
        World {
            db,
            router,
            persons,
            ids,
            workshop: workshop.id,
            open_codes: codes.into_iter().map(|c| c.code).collect(),
            reset_code,
            export_token,
        }
    }

    /// The desk's path of the entrepreneur's storefront (submitted) or product (approved).
    fn review_item(&self, product: bool) -> String {
        let owner = self.id(Who::Entrepreneur);
        let record = if product {
            sawda_sync::RecordId::new(1_760_000_000_000, [3; 10])
        } else {
            app::rules::records::storefront::storefront_id(&owner.parse().unwrap())
        };
        format!("/review/items/{owner}/{record}")
    }

    /// Her published ad's id.
    fn ad() -> sawda_sync::RecordId {
        sawda_sync::RecordId::new(1_760_000_000_000, [9; 10])
    }

    fn id(&self, who: Who) -> &str {
        &self.ids.iter().find(|(w, _)| *w == who).unwrap().1
    }

    fn token(&self, who: Who) -> Option<&str> {
        let person = &self.persons.iter().find(|(w, _)| *w == who)?.1;
        person.cookie.strip_prefix("sawda_session=")
    }

    async fn call(&self, who: Who, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let person = self.persons.iter().find(|(w, _)| *w == who).map(|(_, p)| p);
        support::call(&self.router, person, method, &format!("/api/v1{path}"), body).await
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// 2xx
    Allowed,
    /// 401
    SignIn,
    /// 403 or 404
    Denied,
}

use Expect::{Allowed as A, Denied as D, SignIn as U};

/// What each person may do, endpoint by endpoint, in the order of `EVERYONE`:
/// anonymous, entrepreneur, entrepreneur of another district, coordinator of the
/// district, coordinator of another district, admin.
fn expectations(method: &Method, path: &str) -> Option<[Expect; 6]> {
    Some(match (method.as_str(), path) {
        ("POST", "/auth/sign-up") => [A, A, A, A, A, A],
        ("POST", "/auth/sign-in") => [A, A, A, A, A, A],
        ("POST", "/auth/sign-out") => [A, A, A, A, A, A],
        ("POST", "/auth/reset") => [A, A, A, A, A, A],
        ("GET", "/me") => [U, A, A, A, A, A],
        ("POST", "/invitations") => [U, D, D, A, D, A],
        ("GET", "/invitations") => [U, D, D, A, A, A],
        ("POST", "/invitations/{code}/revoke") => [U, D, D, A, D, A],
        ("GET", "/workshops/{id}/sheet") => [U, D, D, A, D, A],
        ("POST", "/coordinators") => [U, D, D, D, D, A],
        ("GET", "/coordinators") => [U, D, D, D, D, A],
        ("PUT", "/coordinators/{id}/districts") => [U, D, D, D, D, A],
        ("DELETE", "/coordinators/{id}") => [U, D, D, D, D, A],
        ("GET", "/entrepreneurs") => [U, D, D, A, A, A],
        ("POST", "/accounts/{id}/reset-code") => [U, D, D, A, D, A],
        ("POST", "/accounts/{id}/end-sessions") => [U, D, D, A, D, A],
        ("POST", "/sync/push") => [U, A, A, A, A, A],
        ("GET", "/sync/pull") => [U, A, A, A, A, A],
        ("GET", "/review/queue") => [U, D, D, A, A, A],
        ("GET", "/review/items/{owner}/{record}") => [U, D, D, A, D, A],
        ("POST", "/review/items/{owner}/{record}/decision") => [U, D, D, A, D, A],
        ("POST", "/review/items/{owner}/{record}/withdraw") => [U, D, D, A, D, A],
        ("POST", "/ads/{id}/take-down") => [U, D, D, A, D, A],
        ("GET", "/studio/views") => [U, A, A, D, D, D],
        ("POST", "/photos/missing") => [U, A, A, A, A, A],
        ("GET", "/photos/{hash}/upload") => [U, A, A, A, A, A],
        ("PUT", "/photos/{hash}/upload") => [U, A, A, A, A, A],
        ("GET", "/export/products.json") => [U, D, D, A, A, A],
        ("GET", "/export/products.csv") => [U, D, D, A, A, A],
        ("POST", "/export/tokens") => [U, D, D, D, D, A],
        ("GET", "/export/tokens") => [U, D, D, D, D, A],
        ("POST", "/export/tokens/{id}/revoke") => [U, D, D, D, D, A],
        _ => return None,
    })
}

/// A concrete, valid request for an endpoint in a given world.
fn request_for(world: &World, who: Who, path: &str) -> (String, Option<Value>) {
    // Sync requests name the account they are for: the caller's own.
    let account = world.ids.iter().find(|(w, _)| *w == who).map_or("nobody", |(_, id)| id.as_str());
    match path {
        "/auth/sign-up" => (
            path.into(),
            Some(
                json!({"code": world.open_codes[0], "phone": "+998917770001", "name": "Aysha", "password": "long-enough-1"}),
            ),
        ),
        "/auth/sign-in" => (path.into(), Some(json!({"phone": "+998901000004", "password": PASSWORD}))),
        "/auth/reset" => (
            path.into(),
            Some(json!({"phone": "+998901000004", "code": world.reset_code, "password": "a-new-password"})),
        ),
        "/invitations" if true => {
            (path.into(), Some(json!({"name": "Melon jam", "district": "chimbay", "date": "2026-12-05", "seats": 2})))
        }
        "/invitations/{code}/revoke" => (format!("/invitations/{}/revoke", world.open_codes[1]), None),
        "/workshops/{id}/sheet" => (format!("/workshops/{}/sheet", world.workshop), None),
        "/coordinators" => (
            path.into(),
            Some(
                json!({"phone": "+998917770002", "name": "Dilnoza", "password": "long-enough-2", "districts": ["kungrad"]}),
            ),
        ),
        "/coordinators/{id}/districts" => (
            format!("/coordinators/{}/districts", world.id(Who::CoordinatorElsewhere)),
            Some(json!({"districts": ["bozatau", "kungrad"]})),
        ),
        "/coordinators/{id}" => (format!("/coordinators/{}", world.id(Who::CoordinatorElsewhere)), None),
        "/accounts/{id}/reset-code" => (format!("/accounts/{}/reset-code", world.id(Who::Entrepreneur)), None),
        "/accounts/{id}/end-sessions" => (format!("/accounts/{}/end-sessions", world.id(Who::Entrepreneur)), None),
        "/sync/push" => {
            let device = sawda_sync::DeviceId::new(1_760_000_000_000, [1; 10]).to_string();
            let version = sawda_sync::PROTOCOL_VERSION;
            (path.into(), Some(json!({"version": version, "account": account, "device": device, "mutations": []})))
        }
        "/sync/pull" => {
            (format!("/sync/pull?version={}&account={account}&cursor=0", sawda_sync::PROTOCOL_VERSION), None)
        }
        "/photos/missing" => (path.into(), Some(json!({"hashes": ["c".repeat(64)]}))),
        "/export/tokens" => (path.into(), Some(json!({"name": "JETRO OVOP market"}))),
        "/export/tokens/{id}/revoke" => (format!("/export/tokens/{}/revoke", world.export_token), None),
        // Her storefront waits for review; her product is approved.
        "/review/items/{owner}/{record}" => (world.review_item(false), None),
        "/review/items/{owner}/{record}/decision" => {
            let checklist: Vec<Value> = ["origin", "photos", "description", "price", "packaging", "food_safety"]
                .iter()
                .map(|p| json!({"point": p, "pass": true}))
                .collect();
            let body = json!({"revision": 1, "decision": "approve", "checklist": checklist});
            (format!("{}/decision", world.review_item(false)), Some(body))
        }
        "/review/items/{owner}/{record}/withdraw" => {
            (format!("{}/withdraw", world.review_item(true)), Some(json!({"reason": "Not her photos"})))
        }
        "/ads/{id}/take-down" => (format!("/ads/{}/take-down", World::ad()), Some(json!({"reason": "Not her photo"}))),
        // A first piece of a larger photo: taken, not yet checked.
        "/photos/{hash}/upload" => (format!("/photos/{}/upload?offset=0&total=1000", "c".repeat(64)), None),
        _ => (path.into(), None),
    }
}

#[tokio::test]
async fn every_endpoint_allows_and_denies_by_role() {
    let mut failures = Vec::new();
    for (method, path, _) in api::endpoints() {
        let Some(expected) = expectations(&method, path) else {
            panic!("{method} {path} is missing from the authorisation table: add its row");
        };
        for (who, expect) in EVERYONE.into_iter().zip(expected) {
            // A fresh world per case: allowed requests change things (revoke, delete).
            let world = World::new().await;
            let (uri, body) = request_for(&world, who, path);
            let body = body.or_else(|| (method == Method::POST || method == Method::PUT).then(|| json!({})));
            let (status, answer) = world.call(who, method.clone(), &uri, body).await;
            let ok = match expect {
                Expect::Allowed => status.is_success(),
                Expect::SignIn => status == StatusCode::UNAUTHORIZED,
                Expect::Denied => status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
            };
            if !ok {
                failures.push(format!("{method} {path} as {who:?}: expected {expect:?}, got {status} {answer}"));
            }
        }
    }
    assert!(failures.is_empty(), "authorisation table violations:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn coordinators_see_only_their_districts() {
    let world = World::new().await;
    let (_, elsewhere) = world.call(Who::CoordinatorElsewhere, Method::GET, "/entrepreneurs", None).await;
    let phones: Vec<&str> = elsewhere.as_array().unwrap().iter().map(|a| a["phone"].as_str().unwrap()).collect();
    assert_eq!(phones, ["+998901000005"]);
    let (_, invitations) = world.call(Who::CoordinatorElsewhere, Method::GET, "/invitations", None).await;
    assert_eq!(invitations, json!([]), "no Chimbay codes for a Bozatau coordinator");
    let (_, own) = world.call(Who::Coordinator, Method::GET, "/invitations", None).await;
    assert_eq!(own.as_array().unwrap().len(), 4);
    assert!(own.as_array().unwrap().iter().all(|i| i["state"] == "open"));
    let (_, all) = world.call(Who::Admin, Method::GET, "/entrepreneurs", None).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn sign_up_takes_the_district_from_the_invitation_and_signs_in() {
    let world = World::new().await;
    let code = world.open_codes[2].to_lowercase().replace('-', " ");
    let (status, account) = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-up",
            Some(json!({"code": code, "phone": "90 777 00 11", "name": " Gulnar ", "password": "sesame-cookies", "gender": "woman"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    assert_eq!(account["phone"], "+998907770011");
    assert_eq!(account["name"], "Gulnar");
    assert_eq!(account["role"], "entrepreneur");
    assert_eq!(account["district"], "chimbay");
    assert!(account.get("password_hash").is_none() && account.get("gender").is_none());

    // The same request again (its answer was lost on the way): signed in, not refused.
    let (status, again) = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-up",
            Some(json!({"code": code, "phone": "90 777 00 11", "name": "Gulnar", "password": "sesame-cookies"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(again["id"], account["id"]);

    // For anyone else the code is spent.
    let (status, answer) = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-up",
            Some(json!({"code": world.open_codes[2], "phone": "+998907770012", "name": "B", "password": "sesame-cookies"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["code"], "invitation_invalid");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sign_ups_with_one_code_at_once_exactly_one_wins() {
    let world = std::sync::Arc::new(World::new().await);
    // Several rounds, each with its own code, to give the race a few chances to go wrong.
    for (round, code) in world.open_codes.clone().into_iter().enumerate() {
        let attempt = |n: usize| {
            let world = world.clone();
            let code = code.clone();
            tokio::spawn(async move {
                let phone = format!("+9989177{round:02}{n:03}");
                let body = json!({"code": code, "phone": phone, "name": "Racer", "password": "long-enough-9"});
                world.call(Who::Anonymous, Method::POST, "/auth/sign-up", Some(body)).await
            })
        };
        let (first, second) = tokio::join!(attempt(1), attempt(2));
        let (first, second) = (first.unwrap(), second.unwrap());
        let wins = [&first, &second].iter().filter(|(status, _)| *status == StatusCode::CREATED).count();
        assert_eq!(wins, 1, "round {round}: first: {first:?}, second: {second:?}");
        let loser = if first.0 == StatusCode::CREATED { &second } else { &first };
        assert_eq!(loser.1["code"], "invitation_invalid", "round {round}: {loser:?}");
        let users: Vec<i64> = world
            .db
            .query("SELECT VALUE count() FROM account WHERE invitation.code = $code GROUP ALL")
            .bind(("code", code.clone()))
            .await
            .unwrap()
            .take(0)
            .unwrap_or_default();
        assert!(users.iter().all(|n| *n <= 1), "round {round}: one account per code: {users:?}");
    }
}

#[tokio::test]
async fn expired_and_revoked_codes_are_refused() {
    let world = World::new().await;
    world
        .db
        .query("UPDATE invitation SET expires_at = time::now() - 1h WHERE code = $code")
        .bind(("code", world.open_codes[0].clone()))
        .await
        .unwrap()
        .check()
        .unwrap();
    let (status, _) =
        world.call(Who::Coordinator, Method::POST, &format!("/invitations/{}/revoke", world.open_codes[1]), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for code in &world.open_codes[..2] {
        let (status, answer) = world
            .call(
                Who::Anonymous,
                Method::POST,
                "/auth/sign-up",
                Some(json!({"code": code, "phone": "+998917772001", "name": "Late", "password": "long-enough-3"})),
            )
            .await;
        assert_eq!((status, answer["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invitation_invalid")));
    }
    let (_, list) = world.call(Who::Coordinator, Method::GET, "/invitations", None).await;
    let state_of = |code: &str| list.as_array().unwrap().iter().find(|i| i["code"] == code).unwrap()["state"].clone();
    assert_eq!(state_of(&world.open_codes[0]), "expired");
    assert_eq!(state_of(&world.open_codes[1]), "revoked");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_code_and_a_translated_message() {
    let world = World::new().await;
    let cases = [
        (json!({"code": world.open_codes[0], "phone": "12345", "name": "A", "password": "long-enough-4"}), "bad_phone"),
        (
            json!({"code": world.open_codes[0], "phone": "+998917773001", "name": "  ", "password": "long-enough-4"}),
            "bad_name",
        ),
        (
            json!({"code": world.open_codes[0], "phone": "+998917773001", "name": "A", "password": "short"}),
            "weak_password",
        ),
        (
            json!({"code": "O0O0-1111", "phone": "+998917773001", "name": "A", "password": "long-enough-4"}),
            "invitation_invalid",
        ),
        (
            json!({"code": world.open_codes[0], "phone": "+998901000004", "name": "A", "password": "long-enough-4"}),
            "phone_taken",
        ),
        (json!({"phone": "+998917773001"}), "bad_request"),
    ];
    for (body, code) in cases {
        let (status, answer) = world.call(Who::Anonymous, Method::POST, "/auth/sign-up", Some(body)).await;
        assert!(status.is_client_error(), "{code}: {status}");
        assert_eq!(answer["code"], code, "{answer}");
        assert!(!answer["message"].as_str().unwrap().is_empty());
    }
    // Nothing was created, and the code is still open.
    let (_, list) = world.call(Who::Coordinator, Method::GET, "/invitations", None).await;
    assert!(list.as_array().unwrap().iter().all(|i| i["state"] == "open"));

    // Messages follow the visitor's language.
    let request = Request::post("/api/v1/auth/sign-in")
        .header("content-type", "application/json")
        .header("accept-language", "ru")
        .body(Body::from(json!({"phone": "+998901000004", "password": "wrong-password"}).to_string()))
        .unwrap();
    let answer: Value =
        serde_json::from_str(&support::body_text(support::send(&world.router, request).await).await).unwrap();
    assert_eq!(answer["message"], app::i18n::text(app::i18n::Lang::Ru, app::i18n::Key::ErrorInvalidCredentials));
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_phone_answer_the_same() {
    let world = World::new().await;
    let wrong = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-in",
            Some(json!({"phone": "+998901000004", "password": "not-it-at-all"})),
        )
        .await;
    let unknown = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-in",
            Some(json!({"phone": "+998909999999", "password": "not-it-at-all"})),
        )
        .await;
    assert_eq!(wrong, unknown);
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_phone() {
    let world = World::new().await;
    let body = json!({"phone": "+998901000002", "password": "guessing-123"});
    for _ in 0..5 {
        let (status, _) = world.call(Who::Anonymous, Method::POST, "/auth/sign-in", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let request = Request::post("/api/v1/auth/sign-in")
        .header("content-type", "application/json")
        .body(Body::from(json!({"phone": "+998901000002", "password": PASSWORD}).to_string()))
        .unwrap();
    let response = support::send(&world.router, request).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    assert!(!support::header(&response, "retry-after").is_empty());
    let answer: Value = serde_json::from_str(&support::body_text(response).await).unwrap();
    assert_eq!(answer["code"], "rate_limited");
    // Another phone is not affected.
    let (status, _) = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-in",
            Some(json!({"phone": "+998901000004", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn sessions_expire_renew_and_end() {
    let world = World::new().await;
    // Renewal: a session last renewed two days ago is extended and its cookie re-sent.
    world
        .db
        .query("UPDATE session SET renewed_at = time::now() - 2d, expires_at = time::now() + 1d")
        .await
        .unwrap()
        .check()
        .unwrap();
    let token = world.token(Who::Entrepreneur).unwrap();
    let request =
        Request::get("/api/v1/me").header("cookie", format!("sawda_session={token}")).body(Body::empty()).unwrap();
    let response = support::send(&world.router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(support::header(&response, "set-cookie").contains("Max-Age=7776000"));
    let days_left: Vec<i64> = world
        .db
        .query("SELECT VALUE duration::days(expires_at - time::now()) FROM session WHERE account = type::record('account', $id)")
        .bind(("id", world.id(Who::Entrepreneur).to_string()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert!(days_left.iter().all(|d| *d >= 89), "{days_left:?}");

    // Expiry: past its time a session signs nobody in.
    world.db.query("UPDATE session SET expires_at = time::now() - 1s").await.unwrap().check().unwrap();
    assert_eq!(world.call(Who::Entrepreneur, Method::GET, "/me", None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_out_ends_the_session_on_the_server() {
    let world = World::new().await;
    assert_eq!(world.call(Who::Entrepreneur, Method::GET, "/me", None).await.0, StatusCode::OK);
    assert_eq!(world.call(Who::Entrepreneur, Method::POST, "/auth/sign-out", None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(world.call(Who::Entrepreneur, Method::GET, "/me", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(world.call(Who::Coordinator, Method::GET, "/me", None).await.0, StatusCode::OK, "others stay signed in");
}

/// The `set-cookie` lines of `response` that start with `name=`.
fn cookies_named<'r>(response: &'r axum::response::Response, name: &str) -> Vec<&'r str> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .filter(|c| c.starts_with(&prefix))
        .collect()
}

#[tokio::test]
async fn every_session_names_its_person_to_the_page_and_sign_out_clears_it() {
    let world = World::new().await;
    let who = app::wire::SIGNED_IN_COOKIE;
    // A form posted before the script signs her in: the page's scripts learn who from this cookie.
    let response =
        post_form(&world.router, "/sign-in", &[("phone", "90 100 00 04"), ("password", PASSWORD)], &[]).await;
    let id = world.id(Who::Entrepreneur).to_string();
    let named = cookies_named(&response, who);
    assert_eq!(named.len(), 1, "{named:?}");
    assert!(named[0].starts_with(&format!("{who}={id}; Path=/; Max-Age=7776000")), "{named:?}");
    assert!(!named[0].contains("HttpOnly"), "the page's scripts read it: {named:?}");
    // The script's sign-in too.
    let request = Request::post("/api/v1/auth/sign-in")
        .header("content-type", "application/json")
        .body(Body::from(json!({"phone": "+998901000004", "password": PASSWORD}).to_string()))
        .unwrap();
    let response = support::send(&world.router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(cookies_named(&response, who)[0].starts_with(&format!("{who}={id};")));
    // A renewed session renews it (sessions of the previous release get it this way).
    world.db.query("UPDATE session SET renewed_at = time::now() - 2d").await.unwrap().check().unwrap();
    let token = world.token(Who::Entrepreneur).unwrap();
    let me = Request::get("/api/v1/me").header("cookie", format!("sawda_session={token}")).body(Body::empty()).unwrap();
    let response = support::send(&world.router, me).await;
    assert!(cookies_named(&response, who)[0].starts_with(&format!("{who}={id}; Path=/; Max-Age=7776000")));
    // Signing out clears it with the session.
    let out = Request::post("/api/v1/auth/sign-out")
        .header("cookie", format!("sawda_session={token}"))
        .header("content-type", "application/json")
        .body(Body::empty())
        .unwrap();
    let response = support::send(&world.router, out).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(cookies_named(&response, who), [format!("{who}=; Path=/; Max-Age=0; SameSite=Lax")]);
    assert!(cookies_named(&response, "sawda_session")[0].contains("Max-Age=0"));
}

#[tokio::test]
async fn a_coordinator_can_end_all_sessions_of_an_entrepreneur() {
    let world = World::new().await;
    let path = format!("/accounts/{}/end-sessions", world.id(Who::Entrepreneur));
    assert_eq!(world.call(Who::Coordinator, Method::POST, &path, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(world.call(Who::Entrepreneur, Method::GET, "/me", None).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reset_code_sets_a_new_password_once() {
    let world = World::new().await;
    let path = format!("/accounts/{}/reset-code", world.id(Who::Entrepreneur));
    let (status, issued) = world.call(Who::Coordinator, Method::POST, &path, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let code = issued["code"].as_str().unwrap().to_string();
    let body = json!({"phone": "+998901000004", "code": code, "password": "brand-new-pass"});
    assert_eq!(
        world.call(Who::Anonymous, Method::POST, "/auth/reset", Some(body.clone())).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, again) = world.call(Who::Anonymous, Method::POST, "/auth/reset", Some(body)).await;
    assert_eq!((status, again["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reset_code_invalid")));
    // The old sessions are over; the new password works, the old one does not.
    assert_eq!(world.call(Who::Entrepreneur, Method::GET, "/me", None).await.0, StatusCode::UNAUTHORIZED);
    let new = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-in",
            Some(json!({"phone": "+998901000004", "password": "brand-new-pass"})),
        )
        .await;
    assert_eq!(new.0, StatusCode::OK);
    let old = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-in",
            Some(json!({"phone": "+998901000004", "password": PASSWORD})),
        )
        .await;
    assert_eq!(old.0, StatusCode::UNAUTHORIZED);
    // The code issued when the world was made was replaced by the newer one.
    let stale = json!({"phone": "+998901000004", "code": world.reset_code, "password": "yet-another-pass"});
    assert_eq!(
        world.call(Who::Anonymous, Method::POST, "/auth/reset", Some(stale)).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn the_printable_sheet_has_a_slip_and_a_qr_code_per_open_code() {
    let world = World::new().await;
    let (status, html) =
        world.call(Who::Coordinator, Method::GET, &format!("/workshops/{}/sheet", world.workshop), None).await;
    assert_eq!(status, StatusCode::OK);
    let html = html.as_str().unwrap();
    assert_eq!(html.matches("class=\"slip\"").count(), 4);
    assert_eq!(html.matches("<svg").count(), 4);
    for code in &world.open_codes {
        assert!(html.contains(code.as_str()), "{code}");
        assert!(html.contains(&format!("/sign-up?code={code}")));
    }
}

#[tokio::test]
async fn oversized_api_bodies_are_refused_cleanly() {
    let world = World::new().await;
    let big = json!({"phone": "+998901000004", "password": "x".repeat(64 * 1024)});
    let (status, answer) = world.call(Who::Anonymous, Method::POST, "/auth/sign-in", Some(big)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer["code"], "too_large");
}

#[tokio::test]
async fn unknown_api_paths_answer_in_json() {
    let world = World::new().await;
    let (status, answer) = world.call(Who::Anonymous, Method::GET, "/no-such-thing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(answer["code"], "not_found");
}

#[tokio::test]
async fn writes_from_other_sites_are_refused() {
    let world = World::new().await;
    let token = world.token(Who::Coordinator).unwrap();
    let path = format!("/api/v1/invitations/{}/revoke", world.open_codes[0]);
    // A cross-site HTML form can send neither a JSON content type nor a same-origin fetch.
    let form = Request::post(&path)
        .header("cookie", format!("sawda_session={token}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::empty())
        .unwrap();
    assert_eq!(support::send(&world.router, form).await.status(), StatusCode::FORBIDDEN);
    let cross = Request::post(&path)
        .header("cookie", format!("sawda_session={token}"))
        .header("content-type", "application/json")
        .header("sec-fetch-site", "cross-site")
        .body(Body::empty())
        .unwrap();
    assert_eq!(support::send(&world.router, cross).await.status(), StatusCode::FORBIDDEN);
    let (_, list) = world.call(Who::Coordinator, Method::GET, "/invitations", None).await;
    assert!(list.as_array().unwrap().iter().all(|i| i["state"] == "open"), "nothing was revoked");
}

#[tokio::test]
async fn a_workshop_behind_one_address_is_not_locked_out_by_its_own_successes() {
    let db = support::migrated_memory_db().await;
    let router = behind_a_proxy(db.clone()).await;
    // Six women at one workshop, one address, sixty sign-ins: more than the
    // 50 failures an address may have.
    let phones: Vec<String> = (0..6).map(|n| format!("+99890100007{n}")).collect();
    for phone in &phones {
        support::entrepreneur(&db, phone).await;
    }
    for round in 0..10 {
        for phone in &phones {
            let status = sign_in_from(&router, "198.51.100.7", phone, support::PASSWORD).await;
            assert_eq!(status, StatusCode::OK, "round {round}, {phone}");
        }
    }
}

#[tokio::test]
async fn strangers_guessing_from_everywhere_do_not_lock_out_her_phone() {
    let db = support::migrated_memory_db().await;
    let router = behind_a_proxy(db.clone()).await;
    support::entrepreneur(&db, "+998901000091").await;
    // She signed in on her phone once: it is known from then on.
    let device = device_cookie(&router, "10.20.30.40", "+998901000091", support::PASSWORD, None).await;
    let device = device.expect("a device cookie on her first sign-in");
    // 100 strangers' guesses from 100 addresses use up her number's shared allowance.
    for n in 0..100 {
        let status = sign_in_from(&router, &format!("203.0.113.{n}"), "+998901000091", "guessing-123").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
    }
    assert_eq!(
        sign_in_from(&router, "203.0.113.200", "+998901000091", "guessing-123").await,
        StatusCode::TOO_MANY_REQUESTS,
        "a new device is slowed"
    );
    assert_eq!(
        sign_in_from(&router, "10.20.30.41", "+998901000091", support::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "even with the right password, from a device not seen before"
    );
    // Her own phone, from whatever address it has today, signs in.
    let again = device_cookie(&router, "100.64.7.7", "+998901000091", support::PASSWORD, Some(&device)).await;
    assert_eq!(again, None, "a known device keeps its cookie");
    // Its cookie is no master key: it is tied to her account, and to five failures of its own.
    for _ in 0..5 {
        let status = sign_in_with_cookie(&router, "100.64.7.7", "+998901000091", "typo-in-it-1", &device).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let status = sign_in_with_cookie(&router, "100.64.7.7", "+998901000091", support::PASSWORD, &device).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

async fn sign_in_with_cookie(
    router: &axum::Router,
    address: &str,
    phone: &str,
    password: &str,
    cookie: &str,
) -> StatusCode {
    support::send(router, sign_in_request(address, phone, password, Some(cookie))).await.status()
}

/// Signs in (it must succeed); the device cookie it set, as `name=value`.
async fn device_cookie(
    router: &axum::Router,
    address: &str,
    phone: &str,
    password: &str,
    cookie: Option<&str>,
) -> Option<String> {
    let response = support::send(router, sign_in_request(address, phone, password, cookie)).await;
    assert_eq!(response.status(), StatusCode::OK);
    support::device_cookie_of(&response)
}

#[tokio::test]
async fn successful_sign_ins_of_one_account_are_limited_too() {
    let db = support::migrated_memory_db().await;
    let router = behind_a_proxy(db.clone()).await;
    support::entrepreneur(&db, "+998901000081").await;
    support::entrepreneur(&db, "+998901000082").await;
    let before = sessions_of(&db, "+998901000081").await;
    // Someone with her password signs in again and again, from many addresses.
    for n in 0..20 {
        let status = sign_in_from(&router, &format!("203.0.113.{n}"), "+998901000081", support::PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "sign-in {n}");
    }
    assert_eq!(
        sign_in_from(&router, "203.0.113.99", "+998901000081", support::PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The sessions already started keep working, and another account is untouched.
    assert_eq!(sign_in_from(&router, "203.0.113.99", "+998901000082", support::PASSWORD).await, StatusCode::OK);
    assert_eq!(sessions_of(&db, "+998901000081").await, before + 20, "the refused sign-in started no session");
}

async fn sessions_of(db: &surrealdb::Surreal<surrealdb::engine::any::Any>, phone: &str) -> usize {
    let count: Option<usize> = db
        .query("RETURN count(SELECT id FROM session WHERE account.phone = $phone)")
        .bind(("phone", phone.to_owned()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    count.unwrap_or(0)
}

/// A router behind a trusted proxy, so tests can speak from several addresses.
async fn behind_a_proxy(db: surrealdb::Surreal<surrealdb::engine::any::Any>) -> axum::Router {
    let site = std::env::temp_dir();
    let state =
        support::state(db, &site).with_site(sawda_server::http::site::Site { trust_proxy: true, ..Default::default() });
    sawda_server::router(state, &site)
}

async fn sign_in_from(router: &axum::Router, address: &str, phone: &str, password: &str) -> StatusCode {
    support::send(router, sign_in_request(address, phone, password, None)).await.status()
}

#[tokio::test]
async fn a_strangers_failures_do_not_lock_her_out() {
    let db = support::migrated_memory_db().await;
    let router = behind_a_proxy(db.clone()).await;
    support::entrepreneur(&db, "+998901000061").await;
    // Her phone number is on her storefront: a stranger tries it until refused.
    for _ in 0..5 {
        assert_eq!(
            sign_in_from(&router, "203.0.113.9", "+998901000061", "guessing-123").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        sign_in_from(&router, "203.0.113.9", "+998901000061", "guessing-123").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // From her own phone's address, her password works.
    assert_eq!(sign_in_from(&router, "10.20.30.40", "+998901000061", support::PASSWORD).await, StatusCode::OK);
    // And the stranger's failures kept her from no reset either.
    let request = Request::post("/api/v1/auth/reset")
        .header("content-type", "application/json")
        .header("x-forwarded-for", "10.20.30.40")
        .body(Body::from(
            json!({"phone": "+998901000061", "code": "ABCD-EFGH", "password": "a-new-password-1"}).to_string(),
        ))
        .unwrap();
    assert_eq!(
        support::send(&router, request).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong code, not a limit"
    );
}

#[tokio::test]
async fn parallel_guesses_are_counted_before_any_is_checked() {
    let db = support::migrated_memory_db().await;
    let router = behind_a_proxy(db.clone()).await;
    support::entrepreneur(&db, "+998901000062").await;
    let guesses: Vec<_> = (0..20)
        .map(|i| {
            let router = router.clone();
            tokio::spawn(async move {
                sign_in_from(&router, "198.51.100.7", "+998901000062", &format!("guess-{i}-xyz")).await
            })
        })
        .collect();
    let mut checked = 0;
    for guess in guesses {
        match guess.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {}
            other => panic!("{other}"),
        }
    }
    assert!(checked <= 5, "{checked} guesses were checked, past the limit of 5");
}

#[tokio::test]
async fn the_daily_job_purges_expired_sessions_codes_and_invitations() {
    let db = support::migrated_memory_db().await;
    let person = support::entrepreneur(&db, "+998901000063").await;
    db.query(
        "UPDATE session SET expires_at = time::now() - 1d;
         CREATE reset_code SET account = type::record('account', $account), created_by = type::record('account', $account),
             code_hash = 'x', expires_at = time::now() - 1h;",
    )
    .bind(("account", person.id.clone()))
    .await
    .unwrap()
    .check()
    .unwrap();
    let purged = sawda_server::accounts::purge_expired(&db).await.unwrap();
    assert_eq!((purged.sessions, purged.reset_codes), (1, 1));
    // The expired session no longer signs anyone in.
    let response = support::get(
        &support::router_with(db.clone(), &std::env::temp_dir()).await,
        "/api/v1/me",
        &[("cookie", &person.cookie)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sawda_server::accounts::purge_expired(&db).await.unwrap(), Default::default());
}

#[tokio::test]
async fn over_https_the_session_cookie_is_host_only() {
    let db = support::migrated_memory_db().await;
    let site = std::env::temp_dir();
    let state = support::state(db.clone(), &site).with_site(sawda_server::http::site::Site {
        public_url: Some("https://sawda.example".into()),
        ..Default::default()
    });
    let router = sawda_server::router(state, &site);
    support::entrepreneur(&db, "+998901000064").await;
    let request = Request::post("/api/v1/auth/sign-in")
        .header("content-type", "application/json")
        .body(Body::from(json!({"phone": "+998901000064", "password": support::PASSWORD}).to_string()))
        .unwrap();
    let response = support::send(&router, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "strict-transport-security"), "max-age=31536000");
    let set = support::header(&response, "set-cookie").to_string();
    assert!(
        set.starts_with("__Host-sawda_session=") && set.contains("; Path=/;") && set.ends_with("; Secure"),
        "{set}"
    );
    let token = set.split(';').next().unwrap().to_string();
    // That cookie signs her in; a plain one (tossed in by a sibling subdomain) is not read.
    let me = |cookie: String| {
        let router = router.clone();
        async move {
            let request = Request::get("/api/v1/me").header("cookie", cookie).body(Body::empty()).unwrap();
            support::send(&router, request).await.status()
        }
    };
    assert_eq!(me(token.clone()).await, StatusCode::OK);
    let plain = token.replacen("__Host-", "", 1);
    assert_eq!(me(plain).await, StatusCode::UNAUTHORIZED);
}

// The sign-in, sign-up and reset forms before the script: a tap on 2G before
// the page's script has loaded sends the form as the browser sends it.

/// The first `<tag …>` whose attributes contain `has`, as the server wrote it.
fn tag_with<'a>(html: &'a str, tag: &str, has: &str) -> &'a str {
    let open = format!("<{tag} ");
    html.match_indices(&open)
        .map(|(at, _)| &html[at..at + html[at..].find('>').expect("a closed tag") + 1])
        .find(|found| found.contains(has))
        .unwrap_or_else(|| panic!("no <{tag}> with {has} in the page"))
}

/// Posts `fields` as a browser posts a form of this site's own page; `extra`
/// headers replace the browser's (an empty value leaves that header out).
async fn post_form(
    router: &Router,
    path: &str,
    fields: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> axum::response::Response {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{}={}", app::ui::encode_component(k), app::ui::encode_component(v)))
        .collect::<Vec<_>>()
        .join("&");
    let browser = [
        ("host", "sawda.test"),
        ("origin", "http://sawda.test"),
        ("sec-fetch-site", "same-origin"),
        ("content-type", "application/x-www-form-urlencoded"),
    ];
    let mut request = Request::post(path);
    for (name, value) in browser.iter().filter(|(name, _)| !extra.iter().any(|(n, _)| n == name)).chain(extra) {
        if !value.is_empty() {
            request = request.header(*name, *value);
        }
    }
    support::send(router, request.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn the_account_forms_post_to_the_server_and_the_link_fills_the_code() {
    let router = support::router().await;
    for (path, action, fields) in [
        ("/sign-in", "/sign-in", &["phone", "password"][..]),
        ("/sign-up?code=K7MP-3QXR", "/sign-up", &["code", "phone", "name", "password", "gender"][..]),
        ("/reset-password", "/reset-password", &["phone", "code", "password"][..]),
    ] {
        let html = support::body_text(support::get(&router, path, &[]).await).await;
        let form = tag_with(&html, "form", "class=\"form\"");
        assert!(form.contains(r#"method="post""#) && form.contains(&format!(r#"action="{action}""#)), "{path}: {form}");
        for name in fields {
            tag_with(&html, "input", &format!(r#"name="{name}""#));
        }
    }
    // The code from the QR link is in the field from the first byte, not filled in by the script.
    let html = support::body_text(support::get(&router, "/sign-up?code=K7MP-3QXR", &[]).await).await;
    let code = tag_with(&html, "input", r#"name="code""#);
    assert!(code.contains(r#"value="K7MP-3QXR""#), "{code}");
    // A made-up link cannot step out of the attribute.
    let html = support::body_text(support::get(&router, "/sign-up?code=%22%3E%3Cscript%3E", &[]).await).await;
    assert!(!html.contains(r#""><script>"#));
}

#[tokio::test]
async fn a_form_sign_in_sets_the_session_and_goes_where_the_script_goes() {
    let world = World::new().await;
    let response =
        post_form(&world.router, "/sign-in", &[("phone", "90 100 00 04"), ("password", PASSWORD)], &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(support::header(&response, "location"), "/studio");
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("sawda_session="))
        .expect("a session cookie");
    let me = Request::get("/api/v1/me").header("cookie", session).body(Body::empty()).unwrap();
    let me = support::send(&world.router, me).await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = serde_json::from_str(&support::body_text(me).await).unwrap();
    assert_eq!(me["phone"], "+998901000004");
    // A coordinator goes to her account page, as after the script's sign-in.
    let response =
        post_form(&world.router, "/sign-in", &[("phone", "+998901000002"), ("password", PASSWORD)], &[]).await;
    assert_eq!((response.status(), support::header(&response, "location")), (StatusCode::SEE_OTHER, "/account"));
}

#[tokio::test]
async fn a_wrong_password_on_the_form_shows_the_page_again_with_her_phone() {
    let world = World::new().await;
    let response = post_form(
        &world.router,
        "/sign-in",
        &[("phone", "90 100 00 04"), ("password", "not-my-pass-1")],
        &[("cookie", "sawda_lang=ru")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    assert!(support::header(&response, "content-type").starts_with("text/html"));
    assert!(support::header(&response, "set-cookie").is_empty());
    let html = support::body_text(response).await;
    assert!(html.contains(r#"<html lang="ru""#));
    assert!(html.contains(app::i18n::text(app::i18n::Lang::Ru, app::i18n::Key::ErrorInvalidCredentials)), "{html}");
    assert!(tag_with(&html, "input", r#"name="phone""#).contains(r#"value="90 100 00 04""#));
    assert!(!html.contains("not-my-pass-1"), "the password is never written back");
    // The JSON sign-in and the form count against the one limit of her phone.
    for _ in 0..4 {
        let wrong = json!({"phone": "+998901000004", "password": "guessing-123"});
        assert_eq!(
            world.call(Who::Anonymous, Method::POST, "/auth/sign-in", Some(wrong)).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let response =
        post_form(&world.router, "/sign-in", &[("phone", "+998901000004"), ("password", PASSWORD)], &[]).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(!support::header(&response, "retry-after").is_empty());
}

#[tokio::test]
async fn a_form_sign_up_keeps_what_she_typed_on_an_error_and_signs_her_in() {
    let world = World::new().await;
    let code = world.open_codes[1].clone();
    let typed = [
        ("code", code.as_str()),
        ("phone", "12345"),
        ("name", "Gulnar"),
        ("password", "sesame-cookies"),
        ("gender", ""),
    ];
    let response = post_form(&world.router, "/sign-up", &typed, &[("cookie", "sawda_lang=ru")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    let html = support::body_text(response).await;
    assert!(html.contains(app::i18n::text(app::i18n::Lang::Ru, app::i18n::Key::ErrorBadPhone)));
    for (name, value) in [("code", code.as_str()), ("phone", "12345"), ("name", "Gulnar")] {
        let input = tag_with(&html, "input", &format!(r#"name="{name}""#));
        assert!(input.contains(&format!(r#"value="{value}""#)), "{input}");
    }
    assert!(!html.contains("sesame-cookies"));

    let typed = [
        ("code", code.as_str()),
        ("phone", "90 777 00 21"),
        ("name", "Gulnar"),
        ("password", "sesame-cookies"),
        ("gender", ""),
    ];
    let response = post_form(&world.router, "/sign-up", &typed, &[]).await;
    assert_eq!((response.status(), support::header(&response, "location")), (StatusCode::SEE_OTHER, "/studio"));
    assert!(support::header(&response, "set-cookie").contains("sawda_session="));
    let (_, mine) = world.call(Who::Coordinator, Method::GET, "/entrepreneurs", None).await;
    assert!(mine.as_array().unwrap().iter().any(|e| e["phone"] == "+998907770021"), "{mine}");
}

#[tokio::test]
async fn a_form_reset_sets_the_new_password_and_says_so() {
    let world = World::new().await;
    let wrong = [("phone", "+998901000004"), ("code", "AAAA-AAAA"), ("password", "brand-new-pass")];
    let response = post_form(&world.router, "/reset-password", &wrong, &[]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = support::body_text(response).await;
    assert!(tag_with(&html, "input", r#"name="phone""#).contains(r#"value="+998901000004""#));
    assert!(!html.contains("brand-new-pass"));

    let right = [("phone", "+998901000004"), ("code", world.reset_code.as_str()), ("password", "brand-new-pass")];
    let response = post_form(&world.router, "/reset-password", &right, &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let done = support::header(&response, "location").to_string();
    assert!(done.starts_with("/reset-password?"), "{done}");
    let html = support::body_text(support::get(&world.router, &done, &[("cookie", "sawda_lang=en")]).await).await;
    assert!(html.contains(app::i18n::text(app::i18n::Lang::En, app::i18n::Key::ResetDone)));
    let new = json!({"phone": "+998901000004", "password": "brand-new-pass"});
    assert_eq!(world.call(Who::Anonymous, Method::POST, "/auth/sign-in", Some(new)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn account_forms_posted_from_other_sites_are_refused() {
    let world = World::new().await;
    let fields = [("phone", "+998901000004"), ("password", PASSWORD)];
    for headers in [
        &[("sec-fetch-site", "cross-site")][..],
        &[("sec-fetch-site", "same-site")][..],
        // A browser that does not send Sec-Fetch-Site still names the page's origin.
        &[("sec-fetch-site", ""), ("origin", "http://evil.example")][..],
        &[("sec-fetch-site", ""), ("origin", "null")][..],
    ] {
        let response = post_form(&world.router, "/sign-in", &fields, headers).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{headers:?}");
        assert!(support::header(&response, "set-cookie").is_empty(), "{headers:?}");
    }
}

#[tokio::test]
async fn sign_up_says_every_fields_problem_at_once_a_wrong_code_with_a_weak_password() {
    let world = World::new().await;
    let (status, answer) = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-up",
            Some(json!({"code": "KKKK-2222", "phone": "+998917774001", "name": "Ayjamal", "password": "short"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The first problem for programs that read one; every field's for the page.
    assert_eq!(answer["code"], "invitation_invalid", "{answer}");
    let fields = answer["fields"].as_object().expect("problems field by field");
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["code", "password"], "{answer}");
    assert!(fields.values().all(|message| !message.as_str().unwrap().is_empty()));

    // A bad phone too: the code's shape is still checked, its use is not looked up.
    let (_, answer) = world
        .call(
            Who::Anonymous,
            Method::POST,
            "/auth/sign-up",
            Some(json!({"code": "nope", "phone": "12345", "name": " ", "password": "short"})),
        )
        .await;
    let fields = answer["fields"].as_object().unwrap();
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["code", "name", "password", "phone"], "{answer}");
    // Nothing was created.
    let (_, list) = world.call(Who::Coordinator, Method::GET, "/invitations", None).await;
    assert!(list.as_array().unwrap().iter().all(|i| i["state"] == "open"));
}
