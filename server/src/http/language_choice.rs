//! `GET /language/{code}?next=/path`: the language switcher without JavaScript.
//! Sets the language cookie and sends the visitor back where they were.

use app::i18n::{Key, LANGUAGE_COOKIE, Lang, choose_language, text};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const ONE_YEAR_SECONDS: u32 = 365 * 24 * 60 * 60;

#[derive(Deserialize)]
pub struct Next {
    next: Option<String>,
}

pub async fn choose(Path(code): Path<String>, Query(query): Query<Next>, headers: HeaderMap) -> Response {
    let Some(lang) = Lang::from_code(&code).filter(|lang| lang.code() == code) else {
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let current = choose_language(header(header::COOKIE), header(header::ACCEPT_LANGUAGE));
        return (StatusCode::NOT_FOUND, text(current, Key::ErrorUnknownLanguage)).into_response();
    };
    let target = query.next.as_deref().filter(|next| is_local_path(next)).unwrap_or("/");
    let cookie = format!("{LANGUAGE_COOKIE}={}; Path=/; Max-Age={ONE_YEAR_SECONDS}; SameSite=Lax", lang.code());
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(header::SET_COOKIE, HeaderValue::from_str(&cookie).expect("ASCII cookie"));
    headers.insert(header::LOCATION, HeaderValue::from_str(target).expect("checked path"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Only paths on this site: never `//host` or `/\host`, which browsers treat as other sites.
fn is_local_path(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::is_local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert!(is_local_path("/"));
        assert!(is_local_path("/studio?x=1"));
        assert!(!is_local_path("//evil.example"));
        assert!(!is_local_path("/\\evil.example"));
        assert!(!is_local_path("https://evil.example"));
        assert!(!is_local_path("/a b"));
        assert!(!is_local_path("/a\r\nSet-Cookie: x"));
        assert!(!is_local_path(""));
    }
}
