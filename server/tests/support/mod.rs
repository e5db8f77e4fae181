//! What the server tests share: a real SurrealDB (in memory or in a temporary
//! directory), migrated like a real start, and the real router around it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response};
use sawda_server::config::{Cli, DatabaseTarget};
use sawda_server::{AppState, database, migrations, web};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use tower::ServiceExt;

pub async fn memory_db() -> Surreal<Any> {
    database::connect(&DatabaseTarget::Memory, "sawda", "test").await.expect("in-memory database")
}

pub async fn migrated_memory_db() -> Surreal<Any> {
    let db = memory_db().await;
    migrations::migrate(&db, migrations::MIGRATIONS).await.expect("migrations apply");
    db
}

pub fn state(db: Surreal<Any>, site: &Path) -> AppState {
    let cli: Cli = clap::Parser::parse_from(["sawda", "--site", site.to_str().unwrap()]);
    let addr: SocketAddr = "127.0.0.1:3000".parse().unwrap();
    AppState::new(db, web::leptos_options(&cli.config, addr))
}

pub async fn router_with(db: Surreal<Any>, site: &Path) -> Router {
    web::router(state(db, site), site)
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
