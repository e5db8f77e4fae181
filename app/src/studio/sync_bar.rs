//! The line at the top of the studio that says where her changes are.

use leptos::prelude::*;

use sawda_sync::RejectCode;
use serde_json::Value;

use super::Studio;
use crate::device::store::StoreProblem;
use crate::device::sync::status::{SyncStatus, refusal_message};
use crate::device::sync::{Refusal, megabytes};
use crate::i18n::{Key, Lang, fill, text, use_language};
use crate::rules::records::{field, fields_of, label_of};

/// What the refusal line says, in her language: which field, why, and what
/// she typed. The reason is the phone's own check of what she typed where it
/// finds one (the server may run newer rules; then a general "not valid").
fn refusal_text(lang: Lang, refusal: &Refusal) -> (String, Option<String>) {
    let (Some(kind), Some(name)) = (refusal.kind, refusal.field.as_deref()) else {
        return (refusal_message(lang, refusal.code, refusal.kept), None);
    };
    let label = label_of(kind, name).map_or_else(|| name.to_owned(), |key| text(lang, key).to_string());
    let reason = match (refusal.code, &refusal.typed) {
        (RejectCode::Taken, _) => text(lang, Key::FieldSlugTaken).to_string(),
        (_, Some(typed)) => fields_of(kind)
            .and_then(|specs| field::check_in(specs, name, typed).err())
            .map_or_else(|| text(lang, Key::SyncRefusedInvalid).to_string(), |problem| problem.message(lang)),
        (_, None) => text(lang, Key::SyncRefusedInvalid).to_string(),
    };
    let line = fill(text(lang, Key::SyncRefusedField), &[("field", &label), ("reason", &reason)]);
    let typed = refusal.typed.as_ref().map(|typed| {
        let shown = match typed {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        fill(text(lang, Key::SyncYouTyped), &[("typed", &shown)])
    });
    (line, typed)
}

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
                SyncStatus::NeedsReload(_) | SyncStatus::PhotosRefused(_) | SyncStatus::Store(StoreProblem::Unreadable) => Some(view! {
                    <button class="button small" type="button" on:click=reload>{language.t(Key::ActionReload)}</button>
                }.into_any()),
                SyncStatus::SignedOut(_) | SyncStatus::Store(StoreProblem::Removed) => Some(view! {
                    <a class="button small" href="/sign-in">{language.t(Key::SignInTitle)}</a>
                }.into_any()),
                _ => None,
            }}
        </div>
        {move || studio.sync.storage.get().filter(|s| s.nearly_full()).map(|storage| {
            let lang = language.get();
            let notice = fill(text(lang, Key::SyncStorageNearlyFull), &[
                ("percent", &storage.percent().to_string()),
                ("photos", &megabytes(storage.photos)),
                ("records", &megabytes(storage.records)),
            ]);
            view! { <p class="storage-notice" role="status">{notice}</p> }
        })}
        <ul class="refusals">
            <For each=move || studio.sync.refused.get() key=Refusal::key let:refusal>
                {
                    let (mutation, field) = (refusal.mutation.clone(), refusal.field.clone());
                    let can_put_back = refusal.typed.is_some() && field.is_some();
                    let shown = refusal.clone();
                    let put_back = {
                        let (mutation, field) = (mutation.clone(), field.unwrap_or_default());
                        move |_| studio.put_back(mutation.clone(), field.clone())
                    };
                    view! {
                        <li class="refusal" role="alert">
                            <span>{move || refusal_text(language.get(), &shown).0}</span>
                            {
                                let shown = refusal;
                                move || refusal_text(language.get(), &shown).1.map(|typed| view! {
                                    <span class="refusal-typed">{typed}</span>
                                })
                            }
                            {can_put_back.then(|| view! {
                                <button class="button small" type="button" on:click=put_back.clone()>
                                    {language.t(Key::ActionPutBack)}
                                </button>
                            })}
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
