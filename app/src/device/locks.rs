//! The Web Locks API (`navigator.locks`): one tab at a time does a thing,
//! across every tab of the site. Through `Reflect`, as `web-sys` has it only
//! behind its unstable flag. Runs only in the browser.

use js_sys::{Function, Object, Promise, Reflect};
use leptos::prelude::window;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};

/// Runs `work` holding the lock `name` and gives what it gave. With
/// `if_available`, a lock another tab holds is not waited for: `None`.
/// A browser without Web Locks (an old one, or a page not served over
/// HTTPS) runs `work` at once, as a single tab would.
pub async fn hold(
    name: &str,
    if_available: bool,
    work: impl Future<Output = Result<JsValue, JsValue>> + 'static,
) -> Option<Result<JsValue, JsValue>> {
    let navigator = window().navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).unwrap_or(JsValue::UNDEFINED);
    let request = (!locks.is_undefined())
        .then(|| Reflect::get(&locks, &"request".into()).ok())
        .flatten()
        .and_then(|f| f.dyn_into::<Function>().ok());
    let Some(request) = request else {
        return Some(work.await);
    };
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::from_bool(if_available));
    // The lock's promise gives what the callback's promise gives; not held: "not held".
    let mut work = Some(work);
    let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
        match work.take() {
            Some(work) if !lock.is_null() => future_to_promise(work),
            _ => Promise::resolve(&JsValue::from_str(NOT_HELD)),
        }
    });
    let promise = match request.call3(&locks, &JsValue::from_str(name), &options, &callback) {
        Ok(promise) => promise.unchecked_into::<Promise>(),
        Err(error) => return Some(Err(error)),
    };
    match JsFuture::from(promise).await {
        Ok(value) if value.as_string().as_deref() == Some(NOT_HELD) => None,
        other => Some(other),
    }
}

const NOT_HELD: &str = "sawda: lock not held";
