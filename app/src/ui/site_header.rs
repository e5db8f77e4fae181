use leptos::prelude::*;
use leptos_router::components::A;

use super::LanguageSwitcher;
use crate::i18n::{Key, use_language};

#[component]
pub fn SiteHeader() -> impl IntoView {
    let language = use_language();
    view! {
        <header class="site-header">
            <div class="site-header__top">
                <a class="brand" href="/">{language.t(Key::AppName)}</a>
                <LanguageSwitcher/>
            </div>
            <nav class="main-nav" aria-label=language.t(Key::NavLabel)>
                <A href="/studio">{language.t(Key::NavStudio)}</A>
                <A href="/review">{language.t(Key::NavReview)}</A>
                // Served by the server as plain HTML for buyers: a full page load.
                <a href="/market" rel="external">{language.t(Key::NavMarket)}</a>
                <A href="/account">{language.t(Key::NavAccount)}</A>
            </nav>
        </header>
    }
}
