use leptos::prelude::*;

use crate::i18n::{Key, use_language};
use crate::ui::PageTitle;

/// What the service worker shows for a page this phone has not kept, when
/// there is no connection.
#[component]
pub fn OfflinePage() -> impl IntoView {
    let language = use_language();
    view! {
        <section class="page narrow">
            <PageTitle page=Key::OfflineTitle/>
            <h1>{language.t(Key::OfflineTitle)}</h1>
            <p>{language.t(Key::OfflineBody)}</p>
            <a class="button" href="/studio">{language.t(Key::OfflineOpenStudio)}</a>
        </section>
    }
}
