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
                <link rel="stylesheet" href=stylesheet/>
                // Outside the hydrated body: the page's texts for the browser.
                <script type="application/json" id=crate::i18n::page_texts::ELEMENT_ID data-lang=lang.code()
                    inner_html=page_texts_json(lang)></script>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The page's language's texts, for the browser (see `i18n::page_texts`):
/// the home and offline pages, drawn without a lazy route, carry only theirs.
fn page_texts_json(lang: Lang) -> String {
    #[cfg(not(feature = "hydrate"))]
    {
        #[cfg(feature = "ssr")]
        let shell_only =
            use_context::<http::request::Parts>().is_some_and(|parts| matches!(parts.uri.path(), "/" | "/offline"));
        #[cfg(not(feature = "ssr"))]
        let shell_only = false;
        crate::i18n::page_texts::json_for_page(lang, shell_only)
    }
    #[cfg(feature = "hydrate")]
    {
        let _ = lang;
        String::new()
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
