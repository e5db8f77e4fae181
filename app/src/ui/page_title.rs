use leptos::prelude::*;
use leptos_meta::Title;

use crate::i18n::{Key, Lang, text, use_language};

/// The browser tab's title of a page: its own name, then Sawda, in her
/// language, so that tabs, history and screen readers tell pages apart.
#[component]
pub fn PageTitle(page: Key) -> impl IntoView {
    let language = use_language();
    view! { <Title text=move || page_title(language.get(), page)/> }
}

pub fn page_title(lang: Lang, page: Key) -> String {
    format!("{} — {}", text(lang, page), text(lang, Key::AppName))
}
