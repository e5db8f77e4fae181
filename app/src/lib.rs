//! Sawda's web application: rendered on the server, hydrated in the browser.

pub mod accounts;
pub mod api_client;
pub mod components;
pub mod content_security_policy;
pub mod device_store;
pub mod field_problem;
pub mod i18n;
mod lazy_pages;
pub mod money;
pub mod pages;
pub mod photo_ref;
pub mod product;
pub mod record_rules;
pub mod retry_schedule;
mod shell;
pub mod storefront;
pub mod studio;
pub mod sync_status;

#[cfg(feature = "hydrate")]
mod background_sync;
#[cfg(feature = "hydrate")]
mod device_language;
#[cfg(feature = "hydrate")]
mod local_storage_slot;
#[cfg(feature = "hydrate")]
mod phone_photos;
#[cfg(feature = "hydrate")]
mod photo_uploads;
#[cfg(feature = "hydrate")]
mod remembered_account;
#[cfg(feature = "hydrate")]
mod service_worker;

pub use shell::{App, shell};

/// The browser's entry point, called by the hydration script once the wasm is loaded.
/// Hydration waits for the code of a lazily loaded page when the address needs one.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = leptos::prelude::document().body() else { return };
        leptos::mount::hydrate_from_async(body, App).await.forget();
        // A marker for people and browser tests: the page is interactive now.
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
