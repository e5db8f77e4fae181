//! The line at the top of the studio that says where her changes are.

use leptos::prelude::*;

use super::Studio;
use crate::device::store::StoreProblem;
use crate::device::sync::status::{SyncStatus, refusal_message};
use crate::i18n::{Key, use_language};

#[component]
pub fn SyncStatusBar() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let reload = move |_| {
        #[cfg(feature = "hydrate")]
        let _ = window().location().reload();
    };
    view! {
        <div class="sync-status" data-tone=move || studio.sync.status.get().tone() role="status" aria-live="polite">
            <span class="sync-status-text">{move || studio.sync.status.get().message(language.get())}</span>
            {move || match studio.sync.status.get() {
                SyncStatus::NeedsReload(_) | SyncStatus::Store(StoreProblem::Unreadable) => Some(view! {
                    <button class="button small" type="button" on:click=reload>{language.t(Key::ActionReload)}</button>
                }.into_any()),
                SyncStatus::SignedOut(_) | SyncStatus::Store(StoreProblem::Removed) => Some(view! {
                    <a class="button small" href="/sign-in">{language.t(Key::SignInTitle)}</a>
                }.into_any()),
                _ => None,
            }}
        </div>
        <ul class="refusals">
            <For each=move || studio.sync.refused.get() key=|refusal| refusal.mutation.clone() let:refusal>
                {
                    let mutation = refusal.mutation.clone();
                    view! {
                        <li class="refusal" role="alert">
                            <span>{move || refusal_message(language.get(), refusal.code)}</span>
                            <button class="button small secondary" type="button"
                                on:click=move |_| studio.dismiss(mutation.clone())>
                                {language.t(Key::ActionDismiss)}
                            </button>
                        </li>
                    }
                }
            </For>
        </ul>
    }
}
