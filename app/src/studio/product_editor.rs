//! One product's fields, saved on the phone as she types them once they pass
//! the server's rules. Prices are typed the way people write them ("25 000")
//! and kept as whole numbers.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::inputs::{ChoiceInput, FieldProblemLine, LostValue, TextInput, Typing, field_id, label};
use super::photo_picker::PhotoPicker;
use super::review_panel::FieldComment;
use super::{Studio, Target};
use crate::i18n::{Key, Lang, use_language};
use crate::rules::money::group_digits;
use crate::rules::problem::FieldProblem;
use crate::rules::records::product::{
    AVAILABILITY, Availability, DESCRIPTION, DESCRIPTION_EN, HANDMADE, MATERIALS, MAX_PHOTOS, NAME, NAME_EN, PHOTOS,
    PRICE_SOM, PRICE_USD_CENTS, SHELF_LIFE, STOCK, STORAGE, UNIT, parse_som, parse_stock, parse_usd_cents,
};
use crate::rules::records::storefront::CATEGORY;

#[component]
pub fn ProductEditor(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let is_food =
        move || studio.storefront_target().is_some_and(|storefront| studio.text(storefront, CATEGORY) == "food");
    view! {
        <form class="form product-editor" on:submit=|event| event.prevent_default()>
            <TextInput target field=NAME hint=Key::ProductNameHint/>
            <PhotoPicker target field=PHOTOS max=MAX_PHOTOS many=true/>
            <TextInput target field=DESCRIPTION hint=Key::ProductDescriptionHint
                optional=true multiline=true/>
            <TextInput target field=NAME_EN hint=Key::ProductEnglishHint optional=true/>
            <TextInput target field=DESCRIPTION_EN hint=Key::StorefrontOptional
                optional=true multiline=true/>
            <NumberInput target field=PRICE_SOM hint=Key::ProductPriceSomHint
                parse=parse_som show=|n, lang| group_digits(n as i64, lang)/>
            <NumberInput target field=PRICE_USD_CENTS hint=Key::StorefrontOptional
                optional=true parse=parse_usd_cents show=|cents, _| format!("{}.{:02}", cents / 100, cents % 100)/>
            <TextInput target field=UNIT hint=Key::ProductUnitHint/>
            <ChoiceInput target field=AVAILABILITY
                choices=Availability::ALL.iter().map(|a| (a.id(), a.name_key())).collect()/>
            <NumberInput target field=STOCK hint=Key::StorefrontOptional optional=true
                parse=parse_stock show=|n, lang| group_digits(n as i64, lang)/>
            <TextInput target field=MATERIALS hint=Key::StorefrontOptional optional=true/>
            <Show when=is_food>
                <TextInput target field=SHELF_LIFE hint=Key::StorefrontOptional optional=true/>
                <TextInput target field=STORAGE hint=Key::StorefrontOptional optional=true/>
            </Show>
            <label class="check">
                <input type="checkbox" name="handmade"
                    prop:checked=move || studio.value(target, HANDMADE).as_bool().unwrap_or(false)
                    on:change=move |event| studio.set(target, HANDMADE, json!(event_target_checked(&event)))/>
                {language.t(label(target, HANDMADE))}
            </label>
            <button class="button danger" type="button" on:click=move |_| studio.delete(target.record)>
                {language.t(Key::ProductsDelete)}
            </button>
        </form>
    }
    .into_any()
}

/// A number typed as text: saved as a whole number once it reads as one,
/// shown formatted ("120 000", "12.00") only once she leaves the field.
#[component]
fn NumberInput(
    target: Target,
    field: &'static str,
    hint: Key,
    #[prop(optional)] optional: bool,
    parse: fn(&str) -> Result<u64, FieldProblem>,
    show: fn(u64, Lang) -> String,
) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let id = field_id(target, field);
    let typing = Typing::kept(target, field);
    let shown =
        typing.shown(move || studio.value(target, field).as_u64().map(|n| show(n, language.get())).unwrap_or_default());
    let save = move |typed: String| {
        typing.typed(typed.clone());
        if optional && typed.trim().is_empty() {
            studio.set(target, field, Value::Null);
            return;
        }
        match parse(&typed) {
            Ok(n) => studio.set(target, field, json!(n)),
            Err(problem) => studio.refuse(target, field, problem),
        }
    };
    view! {
        <div class="field">
            <label for=id.clone()>{language.t(label(target, field))}</label>
            <input id=id.clone() name=id type="text" inputmode="decimal" autocomplete="off"
                prop:value=shown on:blur=move |_| typing.left(studio.problem(target, field).is_some())
                on:input=move |event| save(event_target_value(&event))/>
            <FieldProblemLine target field/>
            <LostValue target field show=|lost| lost.as_u64().map(|n| n.to_string()).unwrap_or_default()/>
            <FieldComment target field/>
            <p class="hint">{language.t(hint)}</p>
        </div>
    }
}
