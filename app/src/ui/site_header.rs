use leptos::prelude::*;
use leptos_router::components::A;

use super::{LanguageLinks, LanguageSwitcher};
use crate::i18n::{Key, use_language};
use crate::rules::people::Role;

// The role the menu is drawn for, in the browser only (one page, one person).
#[cfg(feature = "hydrate")]
thread_local! {
    static MENU_ROLE: ArcRwSignal<Option<Role>> = ArcRwSignal::new(None);
}

/// A page learnt from the server who is signed in (she may have signed in
/// with the form before the script came, so the phone did not know): the
/// menu follows.
pub fn menu_for(role: Role) {
    #[cfg(feature = "hydrate")]
    MENU_ROLE.with(|menu| menu.set(Some(role)));
    #[cfg(not(feature = "hydrate"))]
    let _ = role;
}

#[component]
pub fn SiteHeader() -> impl IntoView {
    let language = use_language();
    // Who this phone remembers: an entrepreneur is offered her studio, a
    // coordinator her desk, never the other's. The server draws the page for
    // anyone (phones keep it for offline), so it shows the studio until the
    // script knows; each page opened asks again (she may have signed in or out).
    #[cfg(feature = "hydrate")]
    let role: Signal<Option<Role>> = {
        let role = MENU_ROLE.with(Clone::clone);
        let location = leptos_router::hooks::use_location();
        let remembered = role.clone();
        Effect::new(move |_| {
            location.pathname.track();
            remembered.set(crate::device::account::recall().map(|account| account.role));
        });
        role.into()
    };
    // A page drawn without the app is drawn for whoever is signed in: the
    // server provides her role (never on the app's pages, which phones keep).
    #[cfg(not(feature = "hydrate"))]
    let role = Signal::<Option<Role>>::stored(use_context::<Role>());
    let reviews = move || matches!(role.get(), Some(Role::Coordinator | Role::Admin));
    view! {
        <header class="site-header">
            // The first stop of the keyboard: past the menu to the page itself.
            // The browser follows it (not the router), so the keyboard goes on from there.
            <a class="skip-link" href="#main" rel="external">{language.t(Key::NavSkip)}</a>
            <div class="site-header__top">
                <a class="brand" href="/">{language.t(Key::AppName)}</a>
                <LanguageSwitcher/>
            </div>
            <nav class="main-nav" aria-label=language.t(Key::NavLabel)>
                <Show when=reviews fallback=move || view! { <A href="/studio">{language.t(Key::NavStudio)}</A> }>
                    <A href="/review">{language.t(Key::NavReview)}</A>
                </Show>
                // Served by the server as plain HTML for buyers: a full page load.
                <a href="/market" rel="external">{language.t(Key::NavMarket)}</a>
                <A href="/account">{language.t(Key::NavAccount)}</A>
            </nav>
        </header>
    }
}

/// The header of pages drawn on the server with no script (buyers' pages):
/// the same frame, its languages as plain links, and the market its only
/// place (buyers have no studio or account).
#[component]
pub fn PlainSiteHeader() -> impl IntoView {
    let language = use_language();
    view! {
        <header class="site-header">
            <div class="site-header__top">
                <a class="brand" href="/">{language.t(Key::AppName)}</a>
                <LanguageLinks/>
            </div>
            <nav class="main-nav">
                <a href="/market">{language.t(Key::NavMarket)}</a>
            </nav>
        </header>
    }
}
