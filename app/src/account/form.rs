//! What the sign-in, sign-up and reset forms share so that they work before
//! the page's script has arrived (on 2G, up to a minute after the form shows):
//! each is a real `<form method="post">` the server answers by itself
//! (`server/src/http/account_forms.rs`), its fields' first values are written
//! by the server, and the script, once here, sends what is in the fields.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::server::SharedValue;
use serde::{Deserialize, Serialize};

use crate::i18n::{Key, use_language};

/// A form posted without the script that failed, as the server draws the page
/// again: why, in her language, and what she typed (never the password).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    pub problem: Option<String>,
    pub phone: String,
    pub name: String,
    pub code: String,
    pub gender: String,
}

/// The `Posted` the server was given for this page (empty for a plain visit),
/// handed to the browser with the page so that it hydrates what was drawn.
pub fn posted() -> Posted {
    SharedValue::new(|| use_context::<Posted>().unwrap_or_default()).into_inner()
}

/// What is in `field` now.
pub fn typed(field: NodeRef<Input>) -> String {
    field.get_untracked().map(|input| input.value()).unwrap_or_default()
}

/// A labelled input, large enough for a thumb, that the browser can post on
/// its own: `value` is written into the page, and nothing overwrites what
/// she typed before the script arrived (the script reads it with [`typed`]).
#[component]
pub fn Field(
    label: Key,
    name: &'static str,
    field: NodeRef<Input>,
    #[prop(optional, into)] value: String,
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
                value=value
                node_ref=field
            />
            {hint.map(|hint| view! { <p class="hint">{language.t(hint)}</p> })}
        </div>
    }
}
