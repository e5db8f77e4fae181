//! `GET /healthz`: for load balancers and monitoring. 200 when the database
//! answers, 503 when it does not (or not within two seconds).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::infra::migrations;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

const DATABASE_DEADLINE: Duration = Duration::from_secs(2);

pub async fn healthz(State(db): State<std::sync::Arc<Surreal<Any>>>) -> Response {
    let answer = tokio::time::timeout(DATABASE_DEADLINE, migrations::schema_version(&db)).await;
    let (status, body) = match answer {
        Ok(Ok(schema_version)) => (
            StatusCode::OK,
            json!({
                "status": "ok",
                "database": "ok",
                "schema_version": schema_version,
                "version": env!("CARGO_PKG_VERSION"),
            }),
        ),
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: database error");
            (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "unavailable", "database": "error" }))
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer in time");
            (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "unavailable", "database": "timeout" }))
        }
    };
    (status, [(header::CACHE_CONTROL, "no-store")], Json(body)).into_response()
}
