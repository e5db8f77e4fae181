//! "Preview as buyers see it": her storefront as the market will show it,
//! drawn from what is on this phone, so it works offline too.

use leptos::prelude::*;
use sawda_sync::Kind;
use serde_json::Value;

use super::photo_picker::PhotoThumb;
use super::{Studio, Target};
use crate::i18n::{Key, text, use_language};
use crate::rules::money::format_som;
use crate::rules::people::District;
use crate::rules::records::product;
use crate::rules::records::storefront;

/// Links buyers can open on a phone: Telegram, WhatsApp and Instagram.
fn contact_links(telegram: &str, whatsapp: &str, instagram: &str) -> Vec<(&'static str, String)> {
    let mut links = Vec::new();
    if !telegram.is_empty() {
        links.push(("Telegram", format!("https://t.me/{telegram}")));
    }
    let digits: String = whatsapp.chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        links.push(("WhatsApp", format!("https://wa.me/{digits}")));
    }
    if !instagram.is_empty() {
        links.push(("Instagram", format!("https://instagram.com/{instagram}")));
    }
    links
}

#[component]
pub fn StorefrontPreview(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let text_of = move |field| studio.text(target, field);
    view! {
        <article class="preview">
            <p class="hint">{language.t(Key::PreviewNote)}</p>
            {move || studio.value(target, storefront::COVER_PHOTO).as_str().map(|hash| view! {
                <PhotoThumb hash=hash.to_owned()/>
            })}
            <h2>{move || text_of(storefront::NAME)}</h2>
            <p class="preview-where">
                {move || {
                    let lang = language.get();
                    let district = District::from_id(&text_of(storefront::DISTRICT)).map(|d| text(lang, d.name_key()));
                    let category = Some(text_of(storefront::CATEGORY)).filter(|c| !c.is_empty())
                        .map(|c| text(lang, storefront::Category::from_id(&c).unwrap_or(storefront::Category::Other).name_key()));
                    [district, category].into_iter().flatten().collect::<Vec<_>>().join(" · ")
                }}
            </p>
            <p class="preview-story">{move || text_of(storefront::STORY)}</p>
            <ul class="preview-products">
                {move || studio.products().into_iter().filter(|p| !p.name.is_empty()).map(|line| {
                    let item = Target { kind: Kind::Product, record: line.id };
                    let lang = language.get();
                    let main_photo = studio.texts(item, product::PHOTOS).into_iter().next();
                    let usd = studio.value(item, product::PRICE_USD_CENTS).as_u64()
                        .map(|cents| format!(" · ${}.{:02}", cents / 100, cents % 100));
                    let handmade = studio.value(item, product::HANDMADE).as_bool() == Some(true);
                    view! {
                        <li class="preview-product">
                            {main_photo.map(|hash| view! { <PhotoThumb hash/> })}
                            <div>
                                <strong>{line.name.clone()}</strong>
                                <p>
                                    {line.price_som.map(|som| format_som(som as i64, lang)).unwrap_or_default()}
                                    {usd}
                                    {(!studio.text(item, product::UNIT).is_empty()).then(|| format!(" · {}", studio.text(item, product::UNIT)))}
                                </p>
                                <p class="hint">
                                    {text(lang, product::Availability::from_id(&line.availability).unwrap_or(product::Availability::InStock).name_key())}
                                    {handmade.then(|| format!(" · {}", text(lang, Key::ProductHandmade)))}
                                </p>
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || {
                let links = contact_links(&text_of(storefront::TELEGRAM), &text_of(storefront::WHATSAPP), &text_of(storefront::INSTAGRAM));
                (!links.is_empty()).then(|| view! {
                    <h3>{language.t(Key::PreviewContact)}</h3>
                    <p class="actions">
                        {links.into_iter().map(|(name, href)| view! {
                            <a class="button small secondary" href=href rel="noopener" target="_blank">{name}</a>
                        }).collect_view()}
                    </p>
                })
            }}
            {move || {
                let payment = studio.value(target, storefront::PAYMENT);
                let options: Vec<(String, String)> = payment.as_array().map(|items| items.iter().filter_map(|i| {
                    Some((i.get("method")?.as_str()?.to_owned(), i.get("note").and_then(Value::as_str).unwrap_or_default().to_owned()))
                }).collect()).unwrap_or_default();
                (!options.is_empty()).then(|| view! {
                    <h3>{language.t(Key::StorefrontPayment)}</h3>
                    <ul>
                        {options.into_iter().map(|(method, note)| view! {
                            <li>{move || text(language.get(), storefront::PaymentMethod::from_id(&method).unwrap_or(storefront::PaymentMethod::BankTransfer).name_key())}
                                {(!note.is_empty()).then(|| format!(": {note}"))}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
            {move || {
                let delivery = studio.texts(target, storefront::DELIVERY);
                (!delivery.is_empty()).then(|| view! {
                    <h3>{language.t(Key::StorefrontDelivery)}</h3>
                    <ul>
                        {delivery.into_iter().map(|option| view! {
                            <li>{move || text(language.get(), storefront::Delivery::from_id(&option).unwrap_or(storefront::Delivery::Abroad).name_key())}</li>
                        }).collect_view()}
                    </ul>
                })
            }}
        </article>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_become_links_buyers_can_open() {
        assert_eq!(
            contact_links("aral_honey", "+998 90 123-45-67", "aral.honey"),
            [
                ("Telegram", "https://t.me/aral_honey".to_owned()),
                ("WhatsApp", "https://wa.me/998901234567".to_owned()),
                ("Instagram", "https://instagram.com/aral.honey".to_owned()),
            ]
        );
        assert!(contact_links("", "", "").is_empty());
    }
}
