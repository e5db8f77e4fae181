//! What the server tests share: a real SurrealDB (in memory or in a temporary
//! directory), migrated like a real start, and the real router around it.

use std::path::Path;

use app::rules::people::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, Response, StatusCode};
use sawda_server::config::DatabaseTarget;
use sawda_server::infra::{database, migrations};
use serde_json::Value;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use tower::ServiceExt;

mod builders;
pub use builders::*;
mod records;
pub use records::*;

/// A complete product on `person`'s storefront.
pub fn product_fields(person: &Person, name: &str, price: u64) -> sawda_sync::Fields {
    product_fields_of(&person.owner(), name, price)
}

pub async fn memory_db() -> Surreal<Any> {
    database::connect(&DatabaseTarget::Memory, "sawda", "test").await.expect("in-memory database")
}

pub async fn migrated_memory_db() -> Surreal<Any> {
    let db = memory_db().await;
    migrations::migrate(&db, migrations::MIGRATIONS).await.expect("migrations apply");
    db
}

pub async fn router_with(db: Surreal<Any>, site: &Path) -> Router {
    sawda_server::router(state(db, site), site)
}

pub async fn router() -> Router {
    let site = std::env::temp_dir();
    router_with(migrated_memory_db().await, &site).await
}

pub async fn send(router: &Router, request: Request<Body>) -> Response<Body> {
    router.clone().oneshot(request).await.expect("the router answers")
}

pub async fn get(router: &Router, path: &str, headers: &[(&str, &str)]) -> Response<Body> {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    send(router, request.body(Body::empty()).unwrap()).await
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), 10 * 1024 * 1024).await.unwrap();
    String::from_utf8(bytes.to_vec()).expect("UTF-8 body")
}

pub fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
    response.headers().get(name).map(|v| v.to_str().unwrap()).unwrap_or("")
}

/// An entrepreneur of Chimbay, signed in.
pub async fn entrepreneur(db: &Surreal<Any>, phone: &str) -> Person {
    signed_in(db, phone, "Gulnar", Role::Entrepreneur, &[], Some("chimbay")).await
}

/// `method` `path` with a JSON body, as `person` (or nobody); the answer as JSON (a
/// body that is not JSON comes back as a string).
pub async fn call(
    router: &Router,
    person: Option<&Person>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method.clone()).uri(path);
    if let Some(person) = person {
        request = request.header("cookie", &person.cookie);
    }
    if method != Method::GET {
        request = request.header("content-type", "application/json");
    }
    let body = body.map_or_else(Body::empty, |body| Body::from(body.to_string()));
    let response = send(router, request.body(body).unwrap()).await;
    let status = response.status();
    let text = body_text(response).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A phone of `person`'s, as the studio keeps it.
pub fn phone_of(person: &Person, seed: u8) -> sawda_sync::Replica {
    sawda_sync::Replica::new(sawda_sync::DeviceId::new(1_760_000_000_000 + u64::from(seed), [seed; 10]), person.owner())
}

/// Sends everything the phone has queued, then pulls until it has all.
pub async fn sync_phone(router: &Router, person: &Person, phone: &mut sawda_sync::Replica) {
    use sawda_sync::protocol::Limits;
    while let Some(push) = phone.push_request(Limits::DEFAULT) {
        let body = serde_json::to_value(&push).unwrap();
        let (status, answer) = call(router, Some(person), Method::POST, "/api/v1/sync/push", Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        phone.receive_push(&serde_json::from_value(answer).unwrap());
    }
    loop {
        let path = format!("/api/v1/sync/pull?version=3&account={}&cursor={}&limit=100", person.id, phone.cursor());
        let (status, answer) = call(router, Some(person), Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let page: sawda_sync::PullResponse = serde_json::from_value(answer).unwrap();
        let more = page.more;
        assert!(phone.receive_pull(page).problems.is_empty());
        if !more {
            break;
        }
    }
}
