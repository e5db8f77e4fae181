use leptos::prelude::*;

use crate::i18n::{Key, use_language};

/// A labelled input, large enough for a thumb, bound to a signal.
#[component]
pub fn FormField(
    label: Key,
    name: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<Key>,
    #[prop(default = "off")] autocomplete: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
    #[prop(default = true)] required: bool,
) -> impl IntoView {
    let language = use_language();
    let id = format!("field-{name}");
    view! {
        <div class="field">
            <label for=id.clone()>{language.t(label)}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                bind:value=value
            />
            {hint.map(|hint| view! { <p class="hint">{language.t(hint)}</p> })}
        </div>
    }
}
