//! Pages drawn on the server with no script (buyers' pages, the programme's
//! figures): the page's language, and a view rendered to plain HTML.

use app::i18n::{Lang, choose_language};
use axum::http::{HeaderMap, header};
use leptos::prelude::*;

/// `?lang=ru` picks the language (the hreflang alternates), else the
/// language cookie, else the browser's.
pub fn language(asked: Option<&str>, headers: &HeaderMap) -> Lang {
    asked.and_then(Lang::from_code).unwrap_or_else(|| {
        let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
        choose_language(header(header::COOKIE), header(header::ACCEPT_LANGUAGE))
    })
}

/// Renders a view to HTML with the language in context. Leptos marks where
/// text nodes and lists meet with `<!>` for hydration: these pages are
/// never hydrated, and it is not valid HTML, so it goes. Text and attribute
/// values are escaped (no `<`), so every `<!>` is such a marker.
pub fn render<V: RenderHtml + 'static>(lang: Lang, view: impl FnOnce() -> V) -> String {
    let owner = Owner::new();
    owner.with(|| {
        app::i18n::provide_language(lang);
        view().to_html().replace("<!>", "")
    })
}

/// Text made safe for XML (the sitemap, SVG) and HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
