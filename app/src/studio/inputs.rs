//! Form fields of the studio, bound to a field of a record on the phone:
//! each shows the stored value and saves what she types once it passes the
//! rules, or says under the field why not.

use leptos::prelude::*;
use serde_json::Value;

use super::review_panel::FieldComment;
use super::{Studio, Target};
use crate::i18n::{Key, use_language};
use crate::rules::records::field::FieldSpec;
use crate::rules::records::{label_of, spec_of};

/// What she is typing into one field, held while the field has the focus:
/// nothing the store or sync does meanwhile rewrites it under her fingers,
/// and a number is shown formatted only once she leaves the field. A value
/// the rules refuse stays as she typed it after she leaves, beside its reason
/// (and, for a field of [`Typing::kept`], when its form is opened again).
#[derive(Clone, Copy)]
pub struct Typing {
    text: RwSignal<Option<String>>,
    /// The field, and where what the rules refused is kept.
    kept: Option<(Target, &'static str, RefusedTyping)>,
}

/// What she typed into fields that the rules refused, kept while the studio
/// is open: a product closed and opened again shows "-3" with its reason,
/// not the stored value under a reason that no longer fits it.
#[derive(Clone, Copy, Default)]
pub struct RefusedTyping(RwSignal<Vec<(Target, &'static str, String)>>);

impl RefusedTyping {
    fn get(self, target: Target, field: &str) -> Option<String> {
        self.0.with_untracked(|kept| kept.iter().find(|(t, f, _)| *t == target && *f == field).map(|k| k.2.clone()))
    }

    fn set(self, target: Target, field: &'static str, typed: Option<String>) {
        self.0.update(|kept| {
            kept.retain(|(t, f, _)| !(*t == target && *f == field));
            kept.extend(typed.map(|typed| (target, field, typed)));
        });
    }
}

impl Typing {
    pub fn new() -> Self {
        Typing { text: RwSignal::new(None), kept: None }
    }

    /// For `field` of `target`: starts with what she typed there before and
    /// the rules refused, while that problem stands.
    pub fn kept(target: Target, field: &'static str) -> Self {
        let refused = expect_context::<Studio>()
            .problems
            .with_untracked(|problems| problems.iter().any(|(t, f, _)| *t == target && *f == field));
        let kept = use_context::<RefusedTyping>();
        let earlier = kept.and_then(|kept| kept.get(target, field)).filter(|_| refused);
        Typing { text: RwSignal::new(earlier), kept: kept.map(|kept| (target, field, kept)) }
    }

    /// What the field shows: her keys while she types, else the stored value.
    pub fn shown(
        self,
        stored: impl Fn() -> String + Clone + Send + Sync + 'static,
    ) -> impl Fn() -> String + Clone + Send + Sync + 'static {
        // While she types, only her own keys are tracked, not the store.
        move || self.text.get().unwrap_or_else(&stored)
    }

    pub fn typed(self, text: String) {
        self.text.set(Some(text));
    }

    /// She left the field: the stored value shows again, unless `refused`.
    pub fn left(self, refused: bool) {
        if !refused {
            self.text.set(None);
        }
        if let Some((target, field, kept)) = self.kept {
            kept.set(target, field, if refused { self.text.get_untracked() } else { None });
        }
    }
}

impl Default for Typing {
    fn default() -> Self {
        Typing::new()
    }
}

/// The element id of a field: `storefront-name`, `product-price-som`.
pub fn field_id(target: Target, field: &str) -> String {
    format!("{}-{}", target.kind.name().replace('_', "-"), field.replace('_', "-"))
}

/// What her form calls a field: the label its kind's table gives it.
pub fn label(target: Target, field: &str) -> Key {
    label_of(target.kind, field).unwrap_or_else(|| panic!("{field} has no label in its table"))
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

/// A value she typed on this phone that lost to her other phone's newer
/// edit: shown under the field, to bring back or to let go. Either is a new
/// edit from this phone, after which the offer leaves (`sync::lost_of`).
#[component]
pub fn LostValue(target: Target, field: &'static str, show: fn(&Value) -> String) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    view! {
        {move || studio.lost(target, field).map(|lost| {
            let shown = show(&lost);
            view! {
                <div class="lost-value" role="note">
                    <p>{language.t(Key::StudioLostHeading)}" "<q>{shown}</q></p>
                    <p class="actions">
                        <button class="button small secondary" type="button"
                            on:click=move |_| studio.set(target, field, lost.clone())>
                            {language.t(Key::StudioLostUse)}
                        </button>
                        <button class="button small secondary" type="button"
                            on:click=move |_| studio.set(target, field, studio.value(target, field))>
                            {language.t(Key::StudioLostKeep)}
                        </button>
                    </p>
                </div>
            }
        })}
    }
}

/// A text value as the field shows it.
pub fn shown_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[component]
pub fn TextInput(
    target: Target,
    field: &'static str,
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
    let typing = Typing::kept(target, field);
    let shown = typing.shown(move || studio.text(target, field));
    let left = move |_| typing.left(studio.problem(target, field).is_some());
    let save = move |typed: String| {
        typing.typed(typed.clone());
        let typed = if strip_at { typed.trim().trim_start_matches('@').to_owned() } else { typed };
        // An empty optional field is cleared rather than saved empty.
        let value = if optional && typed.trim().is_empty() { Value::Null } else { Value::String(typed) };
        studio.set(target, field, value);
    };
    let input = if multiline {
        view! {
            <textarea id=id.clone() name=id.clone() rows="6" maxlength=max
                prop:value=shown on:blur=left
                on:input=move |event| save(event_target_value(&event))></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=id.clone() type=kind inputmode=inputmode maxlength=max autocomplete="off"
                prop:value=shown on:blur=left
                on:input=move |event| save(event_target_value(&event))/>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{language.t(label(target, field))}</label>
            {input}
            <FieldProblemLine target field/><LostValue target field show=shown_text/><FieldComment target field/>
            <p class="hint">{language.t(hint)}</p>
        </div>
    }
}

#[component]
pub fn ChoiceInput(target: Target, field: &'static str, choices: Vec<(&'static str, Key)>) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let id = field_id(target, field);
    let current = move || studio.text(target, field);
    view! {
        <div class="field">
            <label for=id.clone()>{language.t(label(target, field))}</label>
            // The value as a property too: a record pulled after the list was
            // drawn shows its choice, not "choose…".
            <select id=id.clone() name=id prop:value=current
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
