//! Sawda's web application: rendered on the server, hydrated in the browser.
//! `docs/architecture.md` is the map; in short:
//!
//! - [`rules`]: what the phone and the server agree on (no Leptos, no browser);
//! - [`device`]: the phone's half of offline-first (store, sync, photos, HTTP);
//! - [`wire`]: the bodies of `/api/v1` requests and answers, shared with the server;
//! - [`ui`]: small parts every page uses;
//! - one module per journey: [`site`], [`account`], [`people`], [`studio`],
//!   [`review`] (buyers' pages and the market are plain HTML from the server,
//!   `server/src/public/`, drawn with [`ui`]'s listing);
//! - [`routes`]: the one route table; [`shell`]: the HTML document around it.

/// A route whose page's code loads when the address is first opened: each
/// journey declares its own next to the page, and [`routes`] lists them.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                // The page's texts beyond the site's frame, fetched beside its code.
                #[cfg(feature = "hydrate")]
                crate::device::language::fetch_page_texts();
                $route
            }

            fn view(_this: Self) -> leptos::prelude::AnyView {
                use leptos::prelude::*;
                view! { <$page/> }.into_any()
            }
        }
    };
}
pub(crate) use lazy_page;

pub mod account;
pub mod ads;
pub mod content_security_policy;
pub mod device;
pub mod i18n;
pub mod people;
pub mod review;
pub mod routes;
pub mod rules;
mod shell;
pub mod site;
pub mod studio;
pub mod ui;
pub mod wire;

pub use routes::App;
pub use shell::{PAGES_WITHOUT_THE_APP, shell};

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
