//! The HTML document around the app.

use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::i18n::Lang;
use crate::routes::App;

/// The HTML document around the app. Runs only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = crate::i18n::choose_for_request();
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    let runs_app = !request_path_is(&PAGES_WITHOUT_THE_APP);
    #[cfg(feature = "ssr")]
    if runs_app {
        provide_split_manifest(&options);
    }
    // The bundle's folder is named by this release (see the server's `release`).
    let stylesheet = format!("/{}/sawda.css", options.site_pkg_dir);
    view! {
        <!DOCTYPE html>
        <html lang=lang.code()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="theme-color" content="#0b5d4b"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                // Before the stylesheet: an inline script waits for the
                // stylesheets above it, and this one starts the store's read.
                {first_screen()}
                <link rel="stylesheet" href=stylesheet/>
                {if runs_app {
                    view! {
                        // Outside the hydrated body: the page's texts for the browser.
                        <script type="application/json" id=crate::i18n::page_texts::ELEMENT_ID data-lang=lang.code()
                            inner_html=page_texts_json(lang)></script>
                        <HydrationScripts options/>
                    }
                    .into_any()
                } else {
                    without_the_app(lang).into_any()
                }}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Pages that work fully as the server draws them, so a first visit downloads
/// no app: the home page and the account forms, which the server answers
/// itself (`server/src/http/account_forms.rs`). On a 50 KB/s link the app's
/// first module alone takes three seconds; these pages are usable as soon as
/// they are on screen, and the app arrives for the service worker meanwhile.
/// Opened from within the app (a tap, not a page load), they are the app's.
pub const PAGES_WITHOUT_THE_APP: [&str; 4] = ["/", "/sign-in", "/sign-up", "/reset-password"];

/// What a page without the app runs (`without_the_app.js`): the service worker
/// registers once the page has loaded, so the release is kept for offline
/// use while she reads or types; the language follows the device; a form is
/// sent without leaving the page, so a refusal keeps what she typed.
fn without_the_app(lang: Lang) -> impl IntoView {
    let nonce = leptos::nonce::use_nonce().map(|nonce| nonce.to_string());
    let offline = crate::i18n::text(lang, crate::i18n::Key::ErrorOffline);
    view! { <script nonce=nonce data-offline=offline inner_html=include_str!("without_the_app.js")></script> }
}

/// The studio's first screen, drawn from the phone's store before the app has
/// loaded (`first_screen.js`). Inline, early in the head: it starts reading
/// the store while the page is still being parsed, with no file to fetch.
fn first_screen() -> impl IntoView {
    let studio = request_path_is(&["/studio"]);
    let nonce = leptos::nonce::use_nonce().map(|nonce| nonce.to_string());
    studio.then(|| view! { <script nonce=nonce inner_html=include_str!("first_screen.js")></script> })
}

/// Whether the page being drawn on the server is one of `paths` (never in the browser).
fn request_path_is(paths: &[&str]) -> bool {
    #[cfg(feature = "ssr")]
    return use_context::<http::request::Parts>().is_some_and(|parts| paths.contains(&parts.uri.path()));
    #[cfg(not(feature = "ssr"))]
    {
        let _ = paths;
        false
    }
}

/// The page's language's texts, for the browser (see `i18n::page_texts`):
/// the home and offline pages, drawn without a lazy route, carry only theirs.
fn page_texts_json(lang: Lang) -> String {
    #[cfg(not(feature = "hydrate"))]
    {
        crate::i18n::page_texts::json_for_page(lang, request_path_is(&["/", "/offline"]))
    }
    #[cfg(feature = "hydrate")]
    {
        let _ = lang;
        String::new()
    }
}

/// The split's manifest (which chunks each lazy page needs), so the page of a
/// lazy route preloads its chunks beside the first module instead of after it
/// (one round trip per few chunks on a 400 ms link). Leptos reads it only at
/// `<site>/<site_pkg_dir>/`, and this server names the bundle's folder by
/// release (`/pkg/<release>/`, served from `<site>/pkg/`); so it is given here.
#[cfg(feature = "ssr")]
fn provide_split_manifest(options: &LeptosOptions) {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    use leptos::WasmSplitManifest;

    static READ: OnceLock<Mutex<HashMap<String, Option<WasmSplitManifest>>>> = OnceLock::new();
    let mut read = READ.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let manifest = read.entry(format!("{}|{}", options.site_root, options.site_pkg_dir)).or_insert_with(|| {
        let path = std::path::Path::new(&*options.site_root).join("pkg").join("__wasm_split_manifest.json");
        let chunks: HashMap<String, Vec<String>> = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
        let split_js = "__wasm_split.______________________.js".to_owned();
        Some(WasmSplitManifest(ArcStoredValue::new((format!("/{}", options.site_pkg_dir), chunks, split_js))))
    });
    if let Some(manifest) = manifest {
        provide_context(manifest.clone());
    }
}

/// The page's policy names the nonce leptos_axum made for this response's scripts.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    use crate::content_security_policy::content_security_policy;
    let Some(response) = use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    let nonce = leptos::nonce::use_nonce();
    let policy = content_security_policy(nonce.as_deref());
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}
