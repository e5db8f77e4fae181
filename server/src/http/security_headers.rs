//! Headers every response carries: what the browser may load and run, and how
//! pages that depend on the visitor's language may be cached.

use app::content_security_policy::content_security_policy;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;

pub async fn add(mut response: Response) -> Response {
    let is_page = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    let headers = response.headers_mut();
    // Pages set their own policy with a per-response nonce; the rest get the strict one.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        let policy = HeaderValue::from_str(&content_security_policy(None)).expect("ASCII policy");
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    let fixed = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (header::HeaderName::from_static("permissions-policy"), "geolocation=(), microphone=(), payment=()"),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if is_page {
        // The same address renders in four languages, chosen by cookie or browser.
        vary_also(headers, &["Cookie", "Accept-Language"]);
        headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-cache"));
    }
    response
}

/// Adds `names` to `Vary`, keeping what the handler put there: a page from
/// the page cache is gzipped already, and a shared cache that is not told it
/// varies by `Accept-Encoding` would hand those bytes to any client.
fn vary_also(headers: &mut HeaderMap, names: &[&str]) {
    let mut all: Vec<String> = Vec::new();
    let given = headers.get_all(header::VARY).iter().filter_map(|value| value.to_str().ok());
    for name in given.flat_map(|value| value.split(',')).map(str::trim).chain(names.iter().copied()) {
        if !name.is_empty() && !all.iter().any(|seen| seen.eq_ignore_ascii_case(name)) {
            all.push(name.to_owned());
        }
    }
    if let Ok(value) = HeaderValue::from_str(&all.join(", ")) {
        headers.insert(header::VARY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vary_keeps_what_was_there_and_names_each_header_once() {
        let mut headers = HeaderMap::new();
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding, accept-language, cookie"));
        vary_also(&mut headers, &["Cookie", "Accept-Language"]);
        assert_eq!(headers.get_all(header::VARY).iter().count(), 1);
        assert_eq!(headers[header::VARY], "accept-encoding, accept-language, cookie");
        let mut empty = HeaderMap::new();
        vary_also(&mut empty, &["Cookie", "Accept-Language"]);
        assert_eq!(empty[header::VARY], "Cookie, Accept-Language");
    }
}
