//! Writes to the API come only from this site's own pages: a JSON content type
//! (or raw bytes for a photo's pieces; a cross-site form can send neither without
//! a CORS preflight, and there is no CORS here) and, where the browser says, a
//! same-origin fetch.

use axum::extract::Request;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

pub async fn only_same_site_writes(request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("application/octet-stream"));
    let cross_site = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|site| site == "cross-site" || site == "same-site");
    if !json || cross_site {
        return ApiError::FORBIDDEN.into_response();
    }
    next.run(request).await
}
