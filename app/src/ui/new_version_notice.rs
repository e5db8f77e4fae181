//! "A new version of Sawda is ready. [Reload]": shown when the service worker
//! of a newer release has installed and waits to take over.

use leptos::prelude::*;

use crate::i18n::{Key, use_language};

#[component]
pub fn NewVersionNotice() -> impl IntoView {
    let language = use_language();
    let ready = RwSignal::new(false);
    // Only in the browser: registers the service worker and watches for updates.
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        crate::device::service_worker::register(ready);
    });
    let take_over = move |_| {
        #[cfg(feature = "hydrate")]
        crate::device::service_worker::take_over();
    };
    view! {
        <Show when=move || ready.get()>
            <div class="new-version" role="status">
                <span>{language.t(Key::NewVersionReady)}</span>
                <button class="button small" type="button" on:click=take_over>{language.t(Key::ActionReload)}</button>
            </div>
        </Show>
    }
}
