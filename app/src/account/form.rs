//! What the sign-in, sign-up and reset forms share so that they work before
//! the page's script has arrived (on 2G, up to a minute after the form shows):
//! each is a real `<form method="post">` the server answers by itself
//! (`server/src/http/account_forms.rs`), its fields' first values are written
//! by the server, and the script, once here, sends what is in the fields.

use std::collections::BTreeMap;

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
    /// Each field's problem, shown beside it (sign-up).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The `Posted` the server was given for this page (empty for a plain visit),
/// handed to the browser with the page so that it hydrates what was drawn.
pub fn posted() -> Posted {
    SharedValue::new(|| use_context::<Posted>().unwrap_or_default()).into_inner()
}

/// Where a sign-in sent from another page (`?next=`) may lead: a path of
/// this site only, never another site (`//host`, `/\\host`) or a script.
pub fn safe_next(next: &str) -> Option<&str> {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\");
    let plain = next.len() <= 512 && next.bytes().all(|b| b.is_ascii_graphic());
    (local && plain).then_some(next)
}

/// What is in `field` now.
pub fn typed(field: NodeRef<Input>) -> String {
    field.get_untracked().map(|input| input.value()).unwrap_or_default()
}

/// A labelled input, large enough for a thumb, that the browser can post on
/// its own: `value` is written into the page, and nothing overwrites what
/// she typed before the script arrived (the script reads it with [`typed`]).
/// Its problem in `problems` (by `name`) is drawn beside it and read with it.
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
    #[prop(optional)] problems: Option<RwSignal<BTreeMap<String, String>>>,
) -> impl IntoView {
    let language = use_language();
    let id = format!("field-{name}");
    let (hint_id, problem_id) = (format!("{id}-hint"), format!("{id}-problem"));
    let problem = move || problems.and_then(|all| all.with(|all| all.get(name).cloned()));
    let described_by = {
        let (hint_id, problem_id) = (hint_id.clone(), problem_id.clone());
        move || {
            let ids: Vec<&str> = [hint.map(|_| hint_id.as_str()), problem().map(|_| problem_id.as_str())]
                .into_iter()
                .flatten()
                .collect();
            (!ids.is_empty()).then(|| ids.join(" "))
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{language.t(label)}</label>
            <input
                id=id
                aria-invalid=move || problem().map(|_| "true")
                aria-describedby=described_by
                name=name
                type=kind
                autocomplete=autocomplete
                inputmode=inputmode
                required=required
                value=value
                node_ref=field
            />
            {hint.map(|hint| view! { <p class="hint" id=hint_id>{language.t(hint)}</p> })}
            {move || problem().map(|text| view! { <p class="problem field-problem" id=problem_id.clone()>{text}</p> })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn a_sign_in_leads_back_only_within_the_site() {
        assert_eq!(safe_next("/review"), Some("/review"));
        assert_eq!(safe_next("/review?district=nukus&kind=product"), Some("/review?district=nukus&kind=product"));
        for elsewhere in [
            "//evil.example/review",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "",
            "review",
            "/a b",
            "/\n",
        ] {
            assert_eq!(safe_next(elsewhere), None, "{elsewhere}");
        }
    }
}
