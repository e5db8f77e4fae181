//! Form fields of the studio, bound to a field of a record on the phone:
//! each shows the stored value and saves what she types once it passes the
//! rules, or says under the field why not.

use leptos::prelude::*;
use serde_json::Value;

use super::review_panel::FieldComment;
use super::{Studio, Target};
use crate::i18n::{Key, use_language};
use crate::rules::records::field::FieldSpec;
use crate::rules::records::spec_of;

/// The element id of a field: `storefront-name`, `product-price-som`.
pub fn field_id(target: Target, field: &str) -> String {
    format!("{}-{}", target.kind.name().replace('_', "-"), field.replace('_', "-"))
}

/// The reason a field's typed value was not saved, in her language.
#[component]
pub fn FieldProblemLine(target: Target, field: &'static str) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    view! {
        <p class="problem" role="alert">{move || studio.problem(target, field).map(|p| p.message(language.get()))}</p>
    }
}

#[component]
pub fn TextInput(
    target: Target,
    field: &'static str,
    label: Key,
    hint: Key,
    #[prop(optional)] optional: bool,
    #[prop(optional)] multiline: bool,
    /// "@name" is typed often; the name is without it.
    #[prop(optional)]
    strip_at: bool,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "text")] inputmode: &'static str,
) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let id = field_id(target, field);
    // The field's own limit: the same table the phone and the server check against.
    let max = spec_of(target.kind, field).map_or(0, FieldSpec::max_typed);
    let save = move |typed: String| {
        let typed = if strip_at { typed.trim().trim_start_matches('@').to_owned() } else { typed };
        // An empty optional field is cleared rather than saved empty.
        let value = if optional && typed.trim().is_empty() { Value::Null } else { Value::String(typed) };
        studio.set(target, field, value);
    };
    let input = if multiline {
        view! {
            <textarea id=id.clone() name=id.clone() rows="6" maxlength=max
                prop:value=move || studio.text(target, field)
                on:input=move |event| save(event_target_value(&event))></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=id.clone() type=kind inputmode=inputmode maxlength=max autocomplete="off"
                prop:value=move || studio.text(target, field)
                on:input=move |event| save(event_target_value(&event))/>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{language.t(label)}</label>
            {input}
            <FieldProblemLine target field/><FieldComment target field/>
            <p class="hint">{language.t(hint)}</p>
        </div>
    }
}

#[component]
pub fn ChoiceInput(
    target: Target,
    field: &'static str,
    label: Key,
    choices: Vec<(&'static str, Key)>,
) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let id = field_id(target, field);
    let current = move || studio.text(target, field);
    view! {
        <div class="field">
            <label for=id.clone()>{language.t(label)}</label>
            <select id=id.clone() name=id
                on:change=move |event| studio.set(target, field, Value::String(event_target_value(&event)))>
                <option value="" disabled=true selected=move || current().is_empty()>{language.t(Key::StorefrontChoose)}</option>
                {choices.into_iter().map(|(choice, key)| view! {
                    <option value=choice selected=move || current() == choice>{language.t(key)}</option>
                }).collect_view()}
            </select>
            <FieldProblemLine target field/><FieldComment target field/>
        </div>
    }
}
