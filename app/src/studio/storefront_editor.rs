//! The storefront editor: every field saved on the phone as she types it,
//! once it passes the same rules the server applies; a value that does not
//! pass stays in its field with the reason under it.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::inputs::{ChoiceInput, FieldProblemLine, TextInput, Typing, label};
use super::photo_picker::PhotoPicker;
use super::review_panel::FieldComment;
use super::{Studio, Target};
use crate::i18n::{Key, fill, text, use_language};
use crate::rules::people::District;
use crate::rules::records::slug;
use crate::rules::records::storefront::{
    CATEGORY, COVER_PHOTO, Category, DELIVERY, DISTRICT, Delivery, INSTAGRAM, NAME, PAYMENT, PaymentMethod, SLUG,
    STORY, TELEGRAM, WHATSAPP, field,
};

#[component]
pub fn StorefrontEditor(target: Target) -> impl IntoView {
    let language = use_language();
    view! {
        <form class="form storefront-editor" on:submit=|event| event.prevent_default()>
            <h2>{language.t(Key::StorefrontHeading)}</h2>
            <TextInput target field=NAME hint=Key::StorefrontNameHint/>
            <SlugInput target/>
            <PhotoPicker target field=COVER_PHOTO max=1 many=false/>
            <TextInput target field=STORY hint=Key::StorefrontStoryHint
                optional=true multiline=true/>
            <ChoiceInput target field=DISTRICT
                choices=District::ALL.iter().map(|d| (d.id(), d.name_key())).collect()/>
            <ChoiceInput target field=CATEGORY
                choices=Category::ALL.iter().map(|c| (c.id(), c.name_key())).collect()/>
            <fieldset class="group">
                <legend>{language.t(Key::StorefrontContacts)}</legend>
                <TextInput target field=TELEGRAM hint=Key::StorefrontOptional
                    optional=true strip_at=true/>
                <TextInput target field=WHATSAPP hint=Key::StorefrontOptional
                    optional=true kind="tel" inputmode="tel"/>
                <TextInput target field=INSTAGRAM hint=Key::StorefrontOptional
                    optional=true strip_at=true/>
            </fieldset>
            <PaymentInput target/>
            <DeliveryInput target/>
        </form>
    }
    .into_any()
}

/// The web address, with one made from the name offered while it is empty.
#[component]
fn SlugInput(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let suggestion = move || {
        let suggested = slug::suggest(&studio.text(target, NAME));
        (studio.text(target, SLUG).is_empty() && slug::check(&suggested).is_ok()).then_some(suggested)
    };
    let typing = Typing::new();
    view! {
        <div class="field">
            <label for="storefront-slug">{language.t(label(target, SLUG))}</label>
            <input id="storefront-slug" name="storefront-slug" type="text" maxlength=slug::MAX_CHARS
                autocomplete="off" autocapitalize="none" spellcheck="false"
                prop:value=typing.shown(move || studio.text(target, SLUG))
                on:blur=move |_| typing.left(studio.problem(target, SLUG).is_some())
                on:input=move |event| {
                    let typed = event_target_value(&event);
                    typing.typed(typed.clone());
                    // An address is ASCII: other letters are refused as typed, whatever their case.
                    studio.set(target, SLUG, Value::String(typed.trim().to_ascii_lowercase()));
                }/>
            {move || suggestion().map(|suggested| {
                let label = fill(text(language.get(), Key::StorefrontSlugUse), &[("slug", &suggested)]);
                view! {
                    <button class="button small secondary suggestion" type="button"
                        on:click=move |_| studio.set(target, SLUG, Value::String(suggested.clone()))>
                        {label}
                    </button>
                }
            })}
            <FieldProblemLine target field=SLUG/><FieldComment target field=SLUG/>
            <p class="hint">{language.t(Key::StorefrontSlugHint)}</p>
        </div>
    }
}

#[component]
fn DeliveryInput(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let toggle = move |option: &'static str| {
        let mut options = studio.texts(target, DELIVERY);
        match options.iter().position(|o| o == option) {
            Some(at) => {
                options.remove(at);
            }
            None => options.push(option.to_owned()),
        }
        studio.set(target, DELIVERY, json!(options));
    };
    view! {
        <fieldset class="group">
            <legend>{language.t(label(target, DELIVERY))}</legend>
            {Delivery::ALL.iter().map(|option| view! {
                <label class="check">
                    <input type="checkbox" name="delivery" value=option.id()
                        prop:checked=move || studio.texts(target, DELIVERY).iter().any(|o| o == option.id())
                        on:change=move |_| toggle(option.id())/>
                    {language.t(option.name_key())}
                </label>
            }).collect_view()}
            <FieldProblemLine target field=DELIVERY/><FieldComment target field=DELIVERY/>
        </fieldset>
    }
}

/// The stored payment options: method and her note for each.
fn payment_options(studio: Studio, target: Target) -> Vec<(String, String)> {
    studio
        .value(target, PAYMENT)
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| {
                    let method = item.get("method")?.as_str()?.to_owned();
                    let note = item.get("note").and_then(Value::as_str).unwrap_or_default().to_owned();
                    Some((method, note))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn payment_value(options: &[(String, String)]) -> Value {
    json!(
        options
            .iter()
            .map(|(method, note)| if note.is_empty() {
                json!({ "method": method })
            } else {
                json!({ "method": method, "note": note })
            })
            .collect::<Vec<_>>()
    )
}

#[component]
fn PaymentInput(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let toggle = move |method: &'static str| {
        let mut options = payment_options(studio, target);
        match options.iter().position(|(m, _)| m == method) {
            Some(at) => {
                options.remove(at);
            }
            None => options.push((method.to_owned(), String::new())),
        }
        studio.set(target, PAYMENT, payment_value(&options));
    };
    let set_note = move |method: &'static str, note: String| {
        let mut options = payment_options(studio, target);
        if let Some(entry) = options.iter_mut().find(|(m, _)| m == method) {
            entry.1 = note;
        }
        studio.set(target, PAYMENT, payment_value(&options));
    };
    view! {
        <fieldset class="group">
            <legend>{language.t(label(target, PAYMENT))}</legend>
            <p class="hint">{language.t(Key::StorefrontPaymentHint)}</p>
            {PaymentMethod::ALL.iter().map(|choice| {
                let (method, name, instructions) = (choice.id(), choice.name_key(), choice.takes_instructions());
                let note = move || payment_options(studio, target).into_iter().find(|(m, _)| m == method).map(|(_, n)| n);
                let note_id = format!("payment-note-{method}");
                let typing = Typing::new();
                view! {
                    <label class="check">
                        <input type="checkbox" name="payment" value=method
                            prop:checked=move || note().is_some()
                            on:change=move |_| toggle(method)/>
                        {language.t(name)}
                    </label>
                    // Cash asks for nothing more; a note kept from before stays, to be cleared.
                    <Show when=move || note().is_some_and(|note| instructions || !note.is_empty())>
                        <div class="field sub-field">
                            <label for=note_id.clone()>{language.t(Key::StorefrontPaymentNote)}</label>
                            <input id=note_id.clone() type="text" maxlength=field(PAYMENT).max_typed() autocomplete="off"
                                prop:value=typing.shown(move || note().unwrap_or_default())
                                on:blur=move |_| typing.left(studio.problem(target, PAYMENT).is_some())
                                on:input=move |event| {
                                    let typed = event_target_value(&event);
                                    typing.typed(typed.clone());
                                    set_note(method, typed);
                                }/>
                        </div>
                    </Show>
                }
            }).collect_view()}
            <FieldProblemLine target field=PAYMENT/><FieldComment target field=PAYMENT/>
        </fieldset>
    }
}
