//! Calls to the JSON API from the browser. Errors arrive already translated by the
//! server; a request that cannot reach the server becomes the "no connection" problem.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::i18n::{Key, Lang, text};
use crate::wire::Problem;

impl Problem {
    fn offline(lang: Lang) -> Problem {
        Problem {
            code: "offline".into(),
            message: text(lang, Key::ErrorOffline).into(),
            received: None,
            decided_by: None,
            decided_at: None,
            fields: Default::default(),
        }
    }
}

/// A request body: one of the `wire` types as JSON.
pub fn body<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

/// Starts an API call from an event handler or an effect (only in the browser).
/// Started under a view, it ends with the view: an answer arriving after she
/// has left the page must not set the page's signals, which are gone (that
/// panics and stops the whole app).
pub fn spawn(task: impl std::future::Future<Output = ()> + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, Ordering};
        // Not `spawn_local_scoped_with_cancellation`: that also makes the
        // effect track what the task reads, and a task that reads and then
        // sets a signal would start its effect again and again.
        let view_alive = Arc::new(AtomicBool::new(true));
        let flag = Arc::clone(&view_alive);
        leptos::prelude::on_cleanup(move || flag.store(false, Ordering::Relaxed));
        let mut task = Box::pin(task);
        leptos::task::spawn_local(std::future::poll_fn(move |cx| {
            if view_alive.load(Ordering::Relaxed) { task.as_mut().poll(cx) } else { std::task::Poll::Ready(()) }
        }));
    }
    #[cfg(not(feature = "hydrate"))]
    drop(task);
}

/// The request never got an answer: no network, or the connection broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NoAnswer;

/// `method` `path` with an optional JSON body; returns the status and the body.
#[cfg(feature = "hydrate")]
pub async fn send(lang: Lang, method: &str, path: &str, body: Option<String>) -> Result<(u16, String), NoAnswer> {
    let body = body.map(|text| wasm_bindgen::JsValue::from_str(&text));
    send_raw(lang, method, path, body, "application/json").await
}

/// `method` `path` with raw bytes (a piece of a photo).
#[cfg(feature = "hydrate")]
pub async fn send_bytes(lang: Lang, method: &str, path: &str, bytes: &[u8]) -> Result<(u16, String), NoAnswer> {
    let body = js_sys::Uint8Array::from(bytes);
    send_raw(lang, method, path, Some(body.into()), "application/octet-stream").await
}

#[cfg(feature = "hydrate")]
async fn send_raw(
    lang: Lang,
    method: &str,
    path: &str,
    body: Option<wasm_bindgen::JsValue>,
    content_type: &str,
) -> Result<(u16, String), NoAnswer> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(|_| NoAnswer)?;
    let _ = headers.set("accept-language", lang.code());
    // The server takes writes only as JSON or raw bytes (its guard against cross-site forms).
    let _ = headers.set("content-type", content_type);
    if let Some(body) = &body {
        init.set_body(body);
    }
    init.set_headers(&headers);
    // A task whose view is gone is dropped mid-way (`spawn`): its fetch is
    // aborted with it, so no answer is left half-read, holding a connection.
    let controller = web_sys::AbortController::new().map_err(|_| NoAnswer)?;
    init.set_signal(Some(&controller.signal()));
    let _abort_if_dropped = AbortOnDrop(controller);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(|_| NoAnswer)?;
    let window = leptos::prelude::window();
    let response: web_sys::Response =
        JsFuture::from(window.fetch_with_request(&request)).await.map_err(|_| NoAnswer)?.unchecked_into();
    let promise = response.text().map_err(|_| NoAnswer)?;
    // A body cut off mid-way is no answer either.
    let text = JsFuture::from(promise).await.map_err(|_| NoAnswer)?.as_string().unwrap_or_default();
    Ok((response.status(), text))
}

/// Aborts its fetch when dropped; a finished fetch is not affected.
#[cfg(feature = "hydrate")]
struct AbortOnDrop(web_sys::AbortController);

#[cfg(feature = "hydrate")]
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// `method` `path` with an optional JSON body; a 204 reads as JSON `null`.
#[cfg(feature = "hydrate")]
pub async fn call<T: DeserializeOwned>(
    lang: Lang,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, Problem> {
    let (status, text) = send(lang, method, path, body).await.map_err(|_| Problem::offline(lang))?;
    let text = if text.is_empty() { "null".to_string() } else { text };
    if (200..300).contains(&status) {
        serde_json::from_str(&text).map_err(|_| Problem::offline(lang))
    } else {
        Err(serde_json::from_str(&text).unwrap_or_else(|_| Problem::offline(lang)))
    }
}

/// On the server no event handler runs, so no API call is ever made from here.
#[cfg(not(feature = "hydrate"))]
pub async fn call<T: DeserializeOwned>(
    lang: Lang,
    _method: &str,
    _path: &str,
    _body: Option<String>,
) -> Result<T, Problem> {
    Err(Problem::offline(lang))
}
