use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{Key, Lang, text, use_language};

/// The browser tab's title of a page: its own name, then Sawda, in her
/// language, so that tabs, history and screen readers tell pages apart.
#[component]
pub fn PageTitle(page: Key) -> impl IntoView {
    let language = use_language();
    view! { <Title text=title_text(move || page_title(language.get(), page))/> }
}

pub fn page_title(lang: Lang, page: Key) -> String {
    format!("{} — {}", text(lang, page), text(lang, Key::AppName))
}

/// A `<Title>`'s text. The server integration reads the title after the page
/// is rendered, outside the render's reactive arena, where reading a signal
/// panics (`sandboxed-arenas`: a rare HTTP 500 of a page): on the server it is
/// the text as rendered; in the browser it follows her language.
pub fn title_text(text: impl Fn() -> String + Send + Sync + 'static) -> TextProp {
    #[cfg(feature = "ssr")]
    return TextProp::from(untrack(text));
    #[cfg(not(feature = "ssr"))]
    TextProp::from(text)
}
