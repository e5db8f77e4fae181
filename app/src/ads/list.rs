//! Her ads, and a new one started from a template: from one of her products
//! or from the whole storefront, in the language she picks, filled in from
//! what her records say.

use leptos::prelude::*;
use sawda_sync::{Fields, Kind, RecordId};
use serde_json::{Value, json};

use super::facts::{ads, photo_of, product_facts, storefront_facts};
use super::page::OpenAd;
use crate::device::sync;
use crate::i18n::{Key, Lang, text, use_language};
use crate::rules::ads::templates::fill_in;
use crate::rules::ads::{ProductFacts, StorefrontFacts};
use crate::rules::records::ad_post::{
    self, CallToAction, Layout, MAX_BODY_CHARS, MAX_HEADLINE_CHARS, MAX_PRICE_LINE_CHARS, Template, Theme,
};
use crate::rules::records::check_fields;
use crate::studio::Studio;

/// `text` cut to at most `max` characters (a template filled with a long name).
fn at_most(text: &str, max: usize) -> String {
    text.chars().take(max).collect::<String>().trim_end().to_owned()
}

/// Starts an ad from `template` in `lang`, about `product` or the whole
/// storefront; saved on the phone at once, like every edit. Its id.
fn start(studio: Studio, product: Option<RecordId>, template: Template, lang: Lang) -> Option<RecordId> {
    let storefront = studio.storefront.get_untracked()?;
    let shop = storefront_facts(storefront);
    let about = product.and_then(|id| Some((id, product_facts(id)?)));
    let photo = photo_of(product.unwrap_or(storefront));
    let fields = new_ad(storefront, about.as_ref().map(|(id, facts)| (*id, facts)), &shop, template, lang, photo);
    // What the server would refuse is never saved: a template is filled within the rules.
    check_fields(Kind::AdPost, &fields).ok()?;
    sync::create(Kind::AdPost, fields)
}

/// A new ad's fields: `template` in `lang` filled from her storefront and
/// the product, ordered the first way her storefront has a contact for.
fn new_ad(
    storefront: RecordId,
    product: Option<(RecordId, &ProductFacts)>,
    shop: &StorefrontFacts,
    template: Template,
    lang: Lang,
    photo: Option<String>,
) -> Fields {
    let filled = fill_in(template, lang, product.map(|(_, facts)| facts), shop);
    let way = [CallToAction::Telegram, CallToAction::WhatsApp, CallToAction::Storefront]
        .into_iter()
        .find(|way| shop.contact(*way).is_some());
    let mut fields = Fields::from([
        (ad_post::STOREFRONT.to_owned(), json!(storefront.to_string())),
        (ad_post::HEADLINE.to_owned(), json!(at_most(&filled.headline, MAX_HEADLINE_CHARS))),
        (ad_post::LANGUAGE.to_owned(), json!(lang.code())),
        (ad_post::TEMPLATE.to_owned(), json!(template.id())),
        (ad_post::LAYOUT.to_owned(), json!(if photo.is_some() { Layout::PhotoTop } else { Layout::Split }.id())),
        (ad_post::THEME.to_owned(), json!(Theme::ALL[0].id())),
        (ad_post::HASHTAGS.to_owned(), json!(filled.hashtags)),
    ]);
    let body = at_most(&filled.body, MAX_BODY_CHARS);
    let optional = [
        (ad_post::PRODUCT, product.map(|(id, _)| json!(id.to_string()))),
        (ad_post::BODY, (!body.is_empty()).then(|| json!(body))),
        (
            ad_post::PRICE_LINE,
            (!filled.price_line.is_empty()).then(|| json!(at_most(&filled.price_line, MAX_PRICE_LINE_CHARS))),
        ),
        (ad_post::CALL_TO_ACTION, way.map(|way| json!(way.id()))),
        (ad_post::PHOTO, photo.map(Value::String)),
    ];
    fields.extend(optional.into_iter().filter_map(|(name, value)| Some((name.to_owned(), value?))));
    fields
}

/// Whether `lang`'s texts are on this page, fetched if not: a page carries
/// only the texts of the language it is shown in.
pub async fn has_texts(lang: Lang) -> bool {
    #[cfg(feature = "hydrate")]
    {
        crate::device::language::load_texts(lang).await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = lang;
        true
    }
}

#[component]
pub fn NewAd() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let open = expect_context::<OpenAd>();
    let from = RwSignal::new(String::new());
    let template = RwSignal::new(Template::NewProduct);
    let lang = RwSignal::new(language.get_untracked());
    let failed = RwSignal::new(false);
    let make = move |_| {
        let (product, template, lang) =
            (from.get_untracked().parse().ok(), template.get_untracked(), lang.get_untracked());
        leptos::task::spawn_local(async move {
            // The template's words in the ad's language (kept by the service worker for offline).
            if has_texts(lang).await
                && let Some(id) = start(studio, product, template, lang)
            {
                failed.set(false);
                open.0.set(Some(id));
            } else {
                failed.set(true);
            }
        });
    };
    view! {
        <form class="form new-ad" on:submit=|event| event.prevent_default()>
            <h2>{language.t(Key::AdsNew)}</h2>
            <div class="field">
                <label for="new-ad-from">{language.t(Key::AdsFrom)}</label>
                <select id="new-ad-from" name="new-ad-from" on:change=move |event| from.set(event_target_value(&event))>
                    <option value="" selected=true>{language.t(Key::AdsWholeStorefront)}</option>
                    {move || studio.products().into_iter().map(|p| view! {
                        <option value=p.id.to_string()>{p.name}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="new-ad-template">{language.t(Key::AdTemplate)}</label>
                <select id="new-ad-template" name="new-ad-template"
                    on:change=move |event| if let Some(t) = Template::from_id(&event_target_value(&event)) { template.set(t) }>
                    {Template::ALL.iter().map(|t| view! {
                        <option value=t.id() selected=*t == Template::NewProduct>{language.t(t.name_key())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="new-ad-language">{language.t(Key::AdLanguage)}</label>
                <select id="new-ad-language" name="new-ad-language"
                    on:change=move |event| if let Some(l) = Lang::from_code(&event_target_value(&event)) { lang.set(l) }>
                    {Lang::ALL.into_iter().map(|l| view! {
                        <option value=l.code() lang=l.code() selected=l == language.get_untracked()>{text(l, Key::LanguageName)}</option>
                    }).collect_view()}
                </select>
            </div>
            <button class="button" type="button" on:click=make>{language.t(Key::AdsMake)}</button>
            <Show when=move || failed.get()>
                <p class="problem" role="alert">{language.t(Key::AdsCouldNotStart)}</p>
            </Show>
        </form>
    }
}

#[component]
pub fn AdList() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let open = expect_context::<OpenAd>();
    let mine = move || {
        studio.sync.revision.track();
        ads()
    };
    view! {
        <h2>{language.t(Key::AdsMine)}</h2>
        {move || {
            let mine = mine();
            if mine.is_empty() {
                return view! { <p class="empty">{language.t(Key::AdsNone)}</p> }.into_any();
            }
            view! {
                <ul class="ad-list">
                    {mine.into_iter().map(|ad| {
                        let id = ad.id;
                        let template = Template::from_id(&ad.template).map(|t| t.name_key());
                        view! {
                            <li>
                                <button class="ad-line" type="button" on:click=move |_| open.0.set(Some(id))>
                                    <span class="ad-headline" lang=ad.lang().code()>{ad.post.headline.clone()}</span>
                                    <span class="ad-meta">
                                        {template.map(|key| language.t(key))}" · "{text(ad.lang(), Key::LanguageName)}
                                        {ad.published.then(|| view! { " · "{language.t(Key::AdsPublishedMark)} })}
                                    </span>
                                </button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::people::District;
    use crate::rules::records::storefront::Category;

    #[test]
    fn every_template_in_every_language_starts_an_ad_the_rules_take() {
        let storefront: RecordId = "01J1W7EGG0248H248H248H248H".parse().unwrap();
        let product: RecordId = "01J1W7EGG0248H248H248H248J".parse().unwrap();
        let shop = StorefrontFacts {
            name: "Aral bal".into(),
            district: Some(District::Chimbay),
            category: Some(Category::Food),
            story: "Ájemniń bal ara baǵı Shımbayda 1998-jıldan beri.".into(),
            telegram: Some("aral_bal".into()),
            whatsapp: None,
            address: "https://sawda.uz/s/aral-bal".into(),
        };
        let jam = ProductFacts { name: "Qawın múrabbası".into(), price_som: Some(25_000), unit: "banka".into() };
        let long = ProductFacts { name: "Q".repeat(80), price_som: Some(1_000_000_000), unit: "u".repeat(40) };
        for template in Template::ALL {
            for lang in Lang::ALL {
                for about in [Some((product, &jam)), Some((product, &long)), None] {
                    let photo = Some("a".repeat(64));
                    let fields = new_ad(storefront, about, &shop, *template, lang, photo);
                    assert_eq!(check_fields(Kind::AdPost, &fields), Ok(()), "{template:?} {lang:?}: {fields:?}");
                    assert_eq!(fields[ad_post::CALL_TO_ACTION], json!("telegram"));
                }
            }
        }
    }
}
