use leptos::prelude::*;
use leptos_router::hooks::use_location;

use super::url::encode_path;
use crate::i18n::{Key, Lang, text, use_language};

/// Four buttons, one per language. Without JavaScript each is a link that asks
/// the server to set the language cookie and come back here; once the page is
/// interactive a tap switches the language in place, with no reload.
#[component]
pub fn LanguageSwitcher() -> impl IntoView {
    let language = use_language();
    let location = use_location();
    // Set when a tap found no connection and no kept texts for that language.
    let unavailable = RwSignal::new(false);
    let options = Lang::ALL.map(|option| {
        let href = move || format!("/language/{}?next={}", option.code(), encode_path(&location.pathname.get()));
        view! {
            <a
                href=href
                rel="external nofollow"
                hreflang=option.code()
                lang=option.code()
                title=text(option, Key::LanguageName)
                aria-current=move || (language.get() == option).then_some("true")
                on:click=move |event| {
                    event.prevent_default();
                    switch_to(language, option, unavailable);
                }
            >
                {text(option, Key::LanguageShort)}
            </a>
        }
    });
    view! {
        <nav class="language-switcher" aria-label=language.t(Key::LanguageLabel)>
            {options.into_iter().collect_view()}
        </nav>
        <p class="language-offline" role="status" hidden=move || !unavailable.get()>
            {language.t(Key::LanguageOffline)}
        </p>
    }
}

/// The four languages on a page drawn without script (buyers' pages): each a
/// link to the same page in that language (`?lang=`, which the server reads
/// before the cookie), the current one marked.
#[component]
pub fn LanguageLinks() -> impl IntoView {
    let current = use_language().get_untracked();
    let links = Lang::ALL.map(|option| {
        view! {
            <a
                href=format!("?lang={}", option.code())
                hreflang=option.code()
                lang=option.code()
                title=text(option, Key::LanguageName)
                aria-current=(option == current).then_some("true")
            >
                {text(option, Key::LanguageShort)}
            </a>
        }
    });
    view! { <nav class="language-switcher">{links.into_iter().collect_view()}</nav> }
}

/// Switches in place once the language's texts are here. Without them and
/// online, the link's own way through the server is taken; offline (the
/// service worker has not kept them yet) she stays where she is and is told,
/// rather than sent to the browser's error page.
fn switch_to(language: crate::i18n::Language, option: Lang, unavailable: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if crate::device::language::load_texts(option).await {
            unavailable.set(false);
            language.set(option);
        } else if !window().navigator().on_line() {
            unavailable.set(true);
        } else {
            let next = encode_path(&window().location().pathname().unwrap_or_default());
            let _ = window().location().set_href(&format!("/language/{}?next={next}", option.code()));
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (language, option, unavailable);
}

#[cfg(test)]
mod tests {
    use super::encode_path;

    #[test]
    fn encodes_everything_but_plain_path_characters() {
        assert_eq!(encode_path("/studio"), "/studio");
        assert_eq!(encode_path("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
        assert_eq!(encode_path("/dúkan"), "/d%C3%BAkan");
    }
}
