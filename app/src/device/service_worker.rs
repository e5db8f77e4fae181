//! Registers `/sw.js` (public/sw.js) and tells the page when a newer release's
//! worker is installed and waiting. Runs only in the browser.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, ServiceWorker, ServiceWorkerRegistration, ServiceWorkerState};

thread_local! {
    static REGISTRATION: std::cell::RefCell<Option<ServiceWorkerRegistration>> = const { std::cell::RefCell::new(None) };
}

/// Registers the worker; `ready` turns true when an update waits.
pub fn register(ready: RwSignal<bool>) {
    let navigator = window().navigator();
    // Browsers without service workers (or with them off) just stay online-only.
    if !js_sys::Reflect::has(&navigator, &"serviceWorker".into()).unwrap_or(false) {
        return;
    }
    let container = navigator.service_worker();
    // The page that asked for the update reloads into the new release.
    let reload = Closure::<dyn FnMut()>::new(|| {
        let _ = window().location().reload();
    });
    let had_controller = container.controller().is_some();
    if had_controller {
        container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
    }
    reload.forget();
    let promise = container.register("/sw.js");
    leptos::task::spawn_local(async move {
        let Ok(registration) = JsFuture::from(promise).await else { return };
        // A browser that blocks workers may resolve with nothing at all.
        if registration.is_undefined() || registration.is_null() {
            return;
        }
        let registration: ServiceWorkerRegistration = registration.unchecked_into();
        if registration.waiting().is_some() && had_controller {
            ready.set(true);
        }
        let watched = registration.clone();
        let found = Closure::<dyn FnMut()>::new(move || {
            let Some(installing) = watched.installing() else { return };
            let worker = installing.clone();
            let changed = Closure::<dyn FnMut()>::new(move || {
                // Installed while another worker controls the page: an update.
                if worker.state() == ServiceWorkerState::Installed && had_controller {
                    ready.set(true);
                }
            });
            installing.set_onstatechange(Some(changed.as_ref().unchecked_ref()));
            changed.forget();
        });
        registration.set_onupdatefound(Some(found.as_ref().unchecked_ref()));
        found.forget();
        REGISTRATION.with(|kept| *kept.borrow_mut() = Some(registration));
    });
}

/// Asks the waiting worker to take over; the page reloads when it has.
pub fn take_over() {
    let waiting: Option<ServiceWorker> =
        REGISTRATION.with(|kept| kept.borrow().as_ref().and_then(ServiceWorkerRegistration::waiting));
    match waiting {
        Some(worker) => {
            let _ = worker.post_message(&"take-over".into());
        }
        None => {
            let _ = window().location().reload();
        }
    }
}

/// The pages the worker keeps from the first visit so the app opens offline
/// (`OFFLINE_PAGES` in server/src/http/release.rs): the same for everyone.
const OFFLINE_PAGES: [&str; 3] = ["/", "/studio", "/offline"];

/// Signing out of a shared phone: every other page the worker kept in its
/// `sawda-…` caches leaves the phone, so the next person cannot open it
/// offline. The bundle and the texts stay. Returns how many pages went.
pub async fn forget_pages() -> Result<usize, JsValue> {
    let caches = window().caches()?;
    let names: js_sys::Array = JsFuture::from(caches.keys()).await?.unchecked_into();
    let mut removed = 0;
    for name in names.iter().filter_map(|name| name.as_string()).filter(|name| name.starts_with("sawda-")) {
        let cache: Cache = JsFuture::from(caches.open(&name)).await?.unchecked_into();
        let requests: js_sys::Array = JsFuture::from(cache.keys()).await?.unchecked_into();
        for request in requests.iter() {
            let request: web_sys::Request = request.unchecked_into();
            let path = web_sys::Url::new(&request.url())?.pathname();
            if OFFLINE_PAGES.contains(&path.as_str()) {
                continue;
            }
            let found = JsFuture::from(cache.match_with_request(&request)).await?;
            let is_page = found
                .dyn_into::<web_sys::Response>()
                .ok()
                .and_then(|response| response.headers().get("content-type").ok().flatten())
                .is_some_and(|kind| kind.starts_with("text/html"));
            if is_page {
                JsFuture::from(cache.delete_with_request(&request)).await?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}
