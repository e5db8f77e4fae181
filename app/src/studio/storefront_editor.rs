//! The storefront editor: every field saved on the phone as she types it,
//! once it passes the same rules the server applies; a value that does not
//! pass stays in its field with the reason under it.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::Studio;
use crate::accounts::District;
use crate::i18n::{Key, fill, text, use_language};
use crate::storefront::rules::{
    CATEGORIES, CATEGORY, DELIVERY, DELIVERY_OPTIONS, DISTRICT, INSTAGRAM, MAX_NAME_CHARS, MAX_PAYMENT_NOTE_CHARS,
    MAX_STORY_CHARS, NAME, PAYMENT, PAYMENT_METHODS, SLUG, STORY, TELEGRAM, WHATSAPP,
};
use crate::storefront::slug;

#[component]
pub fn StorefrontEditor() -> impl IntoView {
    let language = use_language();
    view! {
        <form class="form storefront-editor" on:submit=|event| event.prevent_default()>
            <h2>{language.t(Key::StorefrontHeading)}</h2>
            <TextInput field=NAME label=Key::StorefrontName hint=Key::StorefrontNameHint max=MAX_NAME_CHARS/>
            <SlugInput/>
            <TextInput field=STORY label=Key::StorefrontStory hint=Key::StorefrontStoryHint max=MAX_STORY_CHARS
                optional=true multiline=true/>
            <ChoiceInput field=DISTRICT label=Key::StorefrontDistrict
                choices=District::ALL.iter().map(|d| (d.id(), d.name_key())).collect()/>
            <ChoiceInput field=CATEGORY label=Key::StorefrontCategory
                choices=CATEGORIES.iter().map(|c| (*c, category_key(c))).collect()/>
            <fieldset class="group">
                <legend>{language.t(Key::StorefrontContacts)}</legend>
                <TextInput field=TELEGRAM label=Key::StorefrontTelegram hint=Key::StorefrontOptional max=33
                    optional=true strip_at=true/>
                <TextInput field=WHATSAPP label=Key::StorefrontWhatsapp hint=Key::StorefrontOptional max=20
                    optional=true kind="tel" inputmode="tel"/>
                <TextInput field=INSTAGRAM label=Key::StorefrontInstagram hint=Key::StorefrontOptional max=31
                    optional=true strip_at=true/>
            </fieldset>
            <PaymentInput/>
            <DeliveryInput/>
        </form>
    }
}

fn category_key(category: &str) -> Key {
    match category {
        "food" => Key::CategoryFood,
        "drinks" => Key::CategoryDrinks,
        "textiles" => Key::CategoryTextiles,
        "ceramics" => Key::CategoryCeramics,
        "wood" => Key::CategoryWood,
        "jewellery" => Key::CategoryJewellery,
        "cosmetics" => Key::CategoryCosmetics,
        _ => Key::CategoryOther,
    }
}

fn payment_key(method: &str) -> Key {
    match method {
        "cash_on_delivery" => Key::PaymentCashOnDelivery,
        "click" => Key::PaymentClick,
        "payme" => Key::PaymentPayme,
        "uzum" => Key::PaymentUzum,
        _ => Key::PaymentBankTransfer,
    }
}

fn delivery_key(option: &str) -> Key {
    match option {
        "pickup" => Key::DeliveryPickup,
        "district" => Key::DeliveryDistrict,
        "post_uzbekistan" => Key::DeliveryPostUzbekistan,
        _ => Key::DeliveryAbroad,
    }
}

/// The reason a field's typed value was not saved, in her language.
#[component]
fn FieldProblemLine(field: &'static str) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    view! {
        <p class="problem" role="alert">{move || studio.problem(field).map(|p| p.message(language.get()))}</p>
    }
}

#[component]
fn TextInput(
    field: &'static str,
    label: Key,
    hint: Key,
    max: usize,
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
    let id = format!("storefront-{}", field.replace('_', "-"));
    let save = move |typed: String| {
        let typed = if strip_at { typed.trim().trim_start_matches('@').to_owned() } else { typed };
        studio.set_storefront_text(field, typed, optional);
    };
    let input = if multiline {
        view! {
            <textarea id=id.clone() name=id.clone() rows="6" maxlength=max
                prop:value=move || studio.storefront_text(field)
                on:input=move |event| save(event_target_value(&event))></textarea>
        }
        .into_any()
    } else {
        view! {
            <input id=id.clone() name=id.clone() type=kind inputmode=inputmode maxlength=max autocomplete="off"
                prop:value=move || studio.storefront_text(field)
                on:input=move |event| save(event_target_value(&event))/>
        }
        .into_any()
    };
    view! {
        <div class="field">
            <label for=id>{language.t(label)}</label>
            {input}
            <FieldProblemLine field/>
            <p class="hint">{language.t(hint)}</p>
        </div>
    }
}

/// The web address, with one made from the name offered while it is empty.
#[component]
fn SlugInput() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let suggestion = move || {
        let suggested = slug::suggest(&studio.storefront_text(NAME));
        (studio.storefront_text(SLUG).is_empty() && slug::check(&suggested).is_ok()).then_some(suggested)
    };
    view! {
        <div class="field">
            <label for="storefront-slug">{language.t(Key::StorefrontSlug)}</label>
            <input id="storefront-slug" name="storefront-slug" type="text" maxlength=slug::MAX_CHARS
                autocomplete="off" autocapitalize="none" spellcheck="false"
                prop:value=move || studio.storefront_text(SLUG)
                on:input=move |event| {
                    let typed = event_target_value(&event).trim().to_lowercase();
                    studio.set_storefront(SLUG, Value::String(typed));
                }/>
            {move || suggestion().map(|suggested| {
                let label = fill(text(language.get(), Key::StorefrontSlugUse), &[("slug", &suggested)]);
                view! {
                    <button class="button small secondary suggestion" type="button"
                        on:click=move |_| studio.set_storefront(SLUG, Value::String(suggested.clone()))>
                        {label}
                    </button>
                }
            })}
            <FieldProblemLine field=SLUG/>
            <p class="hint">{language.t(Key::StorefrontSlugHint)}</p>
        </div>
    }
}

#[component]
fn ChoiceInput(field: &'static str, label: Key, choices: Vec<(&'static str, Key)>) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let id = format!("storefront-{field}");
    let current = move || studio.storefront_text(field);
    view! {
        <div class="field">
            <label for=id.clone()>{language.t(label)}</label>
            <select id=id.clone() name=id
                on:change=move |event| studio.set_storefront(field, Value::String(event_target_value(&event)))>
                <option value="" disabled=true selected=move || current().is_empty()>{language.t(Key::StorefrontChoose)}</option>
                {choices.into_iter().map(|(choice, key)| view! {
                    <option value=choice selected=move || current() == choice>{language.t(key)}</option>
                }).collect_view()}
            </select>
            <FieldProblemLine field/>
        </div>
    }
}

/// The stored list of choices of `field` (delivery options).
fn chosen(studio: Studio, field: &'static str) -> Vec<String> {
    studio
        .storefront_value(field)
        .as_array()
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

#[component]
fn DeliveryInput() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let toggle = move |option: &'static str| {
        let mut options = chosen(studio, DELIVERY);
        match options.iter().position(|o| o == option) {
            Some(at) => {
                options.remove(at);
            }
            None => options.push(option.to_owned()),
        }
        studio.set_storefront(DELIVERY, json!(options));
    };
    view! {
        <fieldset class="group">
            <legend>{language.t(Key::StorefrontDelivery)}</legend>
            {DELIVERY_OPTIONS.iter().map(|option| view! {
                <label class="check">
                    <input type="checkbox" name="delivery" value=*option
                        prop:checked=move || chosen(studio, DELIVERY).iter().any(|o| o == option)
                        on:change=move |_| toggle(option)/>
                    {language.t(delivery_key(option))}
                </label>
            }).collect_view()}
            <FieldProblemLine field=DELIVERY/>
        </fieldset>
    }
}

/// The stored payment options: method and her note for each.
fn payment_options(studio: Studio) -> Vec<(String, String)> {
    studio
        .storefront_value(PAYMENT)
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
    json!(options
        .iter()
        .map(|(method, note)| if note.is_empty() {
            json!({ "method": method })
        } else {
            json!({ "method": method, "note": note })
        })
        .collect::<Vec<_>>())
}

#[component]
fn PaymentInput() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let toggle = move |method: &'static str| {
        let mut options = payment_options(studio);
        match options.iter().position(|(m, _)| m == method) {
            Some(at) => {
                options.remove(at);
            }
            None => options.push((method.to_owned(), String::new())),
        }
        studio.set_storefront(PAYMENT, payment_value(&options));
    };
    let set_note = move |method: &'static str, note: String| {
        let mut options = payment_options(studio);
        if let Some(entry) = options.iter_mut().find(|(m, _)| m == method) {
            entry.1 = note;
        }
        studio.set_storefront(PAYMENT, payment_value(&options));
    };
    view! {
        <fieldset class="group">
            <legend>{language.t(Key::StorefrontPayment)}</legend>
            <p class="hint">{language.t(Key::StorefrontPaymentHint)}</p>
            {PAYMENT_METHODS.iter().map(|method| {
                let note = move || payment_options(studio).into_iter().find(|(m, _)| m == method).map(|(_, n)| n);
                let note_id = format!("payment-note-{method}");
                view! {
                    <label class="check">
                        <input type="checkbox" name="payment" value=*method
                            prop:checked=move || note().is_some()
                            on:change=move |_| toggle(method)/>
                        {language.t(payment_key(method))}
                    </label>
                    <Show when=move || note().is_some()>
                        <div class="field sub-field">
                            <label for=note_id.clone()>{language.t(Key::StorefrontPaymentNote)}</label>
                            <input id=note_id.clone() type="text" maxlength=MAX_PAYMENT_NOTE_CHARS autocomplete="off"
                                prop:value=move || note().unwrap_or_default()
                                on:input=move |event| set_note(method, event_target_value(&event))/>
                        </div>
                    </Show>
                }
            }).collect_view()}
            <FieldProblemLine field=PAYMENT/>
        </fieldset>
    }
}
