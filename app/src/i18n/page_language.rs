//! The language a page is drawn in. The server chooses it for each request
//! (the language cookie, then `Accept-Language`) and writes it into
//! `<html lang>`; the browser reads it back from there, so that hydration
//! draws exactly the same text.

use leptos::prelude::*;

use super::Lang;

/// The language the server chose for this request, handed from the shell to the app.
#[cfg(not(feature = "hydrate"))]
#[derive(Clone, Copy)]
struct ServerLanguage(Lang);

/// The language of the request being drawn, kept for [`initial_language`].
/// Runs only on the server, in the shell.
pub fn choose_for_request() -> Lang {
    let lang = request_language();
    #[cfg(not(feature = "hydrate"))]
    provide_context(ServerLanguage(lang));
    lang
}

#[cfg(feature = "ssr")]
fn request_language() -> Lang {
    use super::choose_language;
    let Some(parts) = use_context::<http::request::Parts>() else {
        return Lang::DEFAULT;
    };
    let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
    choose_language(header(http::header::COOKIE), header(http::header::ACCEPT_LANGUAGE))
}

#[cfg(not(feature = "ssr"))]
fn request_language() -> Lang {
    Lang::DEFAULT
}

/// On the server: what the shell chose. In the browser: what the server wrote into
/// `<html lang>`, so that hydration renders exactly the same text.
pub fn initial_language() -> Lang {
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
