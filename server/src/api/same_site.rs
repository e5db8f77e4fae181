//! Writes to the API come only from this site's own pages: a JSON content type
//! (or raw bytes for a photo's pieces; a cross-site form can send neither without
//! a CORS preflight, and there is no CORS here) and, where the browser says, a
//! same-origin fetch.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, Uri, header};
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
    if !json || browser_says_another_site(headers) == Some(true) {
        return ApiError::FORBIDDEN.into_response();
    }
    next.run(request).await
}

/// Whether the browser says the request comes from another site's page (or a
/// sibling subdomain's); `None` from a browser too old to say.
fn browser_says_another_site(headers: &HeaderMap) -> Option<bool> {
    let site = headers.get("sec-fetch-site")?.to_str().ok()?;
    Some(site == "cross-site" || site == "same-site")
}

/// Whether a page's form (sign-in, sign-up, reset) was posted from another
/// site: any page on the web can post a form here without a preflight, and
/// would sign her into its own account or spend her limits. The browser says
/// so (`Sec-Fetch-Site`), or, when too old to say, names the page's origin,
/// which must be the address the form was sent to or `ours` (the configured
/// public address, which a proxy may not pass on as `Host`). A request with
/// neither header comes from no browser, and so from no other site's page.
pub fn form_from_another_site(headers: &HeaderMap, uri: &Uri, ours: &str) -> bool {
    if let Some(says) = browser_says_another_site(headers) {
        return says;
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return false };
    let Ok(origin) = origin.to_str() else { return true };
    let sent_to = headers.get(header::HOST).and_then(|v| v.to_str().ok()).or(uri.authority().map(|a| a.as_str()));
    // "null" (a sandboxed or privacy-bound page) has no host to match.
    let from = origin.split_once("://").map(|(_, host)| host);
    origin != ours && (from.is_none() || from != sent_to)
}
