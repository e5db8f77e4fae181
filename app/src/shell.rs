//! The HTML document around the app, and the language the page is drawn in.

use leptos::prelude::*;
use leptos_meta::MetaTags;

use crate::i18n::Lang;
use crate::routes::App;

/// The HTML document around the app. Runs only on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = request_language();
    #[cfg(not(feature = "hydrate"))]
    provide_context(ServerLanguage(lang));
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

/// The page's language's texts, for the browser (see `i18n::page_texts`).
fn page_texts_json(lang: Lang) -> String {
    #[cfg(not(feature = "hydrate"))]
    {
        crate::i18n::page_texts::json_for_page(lang)
    }
    #[cfg(feature = "hydrate")]
    {
        let _ = lang;
        String::new()
    }
}

/// The language the server chose for this request, handed from the shell to the app.
#[cfg(not(feature = "hydrate"))]
#[derive(Clone, Copy)]
struct ServerLanguage(Lang);

#[cfg(feature = "ssr")]
fn request_language() -> Lang {
    use crate::i18n::choose_language;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Lang::DEFAULT;
    };
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    choose_language(header(http::header::COOKIE), header(http::header::ACCEPT_LANGUAGE))
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

#[cfg(not(feature = "ssr"))]
fn request_language() -> Lang {
    Lang::DEFAULT
}

/// On the server: what the shell chose. In the browser: what the server wrote into
/// `<html lang>`, so that hydration renders exactly the same text.
pub(crate) fn initial_language() -> Lang {
    #[cfg(feature = "hydrate")]
    {
        document()
            .document_element()
            .and_then(|root| root.get_attribute("lang"))
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or(Lang::DEFAULT)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<ServerLanguage>().map_or(Lang::DEFAULT, |chosen| chosen.0)
    }
}
