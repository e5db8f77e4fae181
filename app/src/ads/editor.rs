//! One ad post's fields, saved on the phone as she types them once they pass
//! the rules the server checks too; its previews and its cards below them.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::card::{CardImage, Cards, Drawn};
use super::facts::{ad, product_facts, storefront_facts};
use super::list::has_texts;
use super::page::OpenAd;
use super::preview::Previews;
use super::publish::PublishPanel;
use crate::i18n::{Key, use_language};
use crate::rules::ads::hashtags::{clean, merge, suggest};
use crate::rules::records::ad_post::{
    BODY, CALL_TO_ACTION, CallToAction, HASHTAGS, HEADLINE, LAYOUT, Layout, PRICE_LINE, THEME, Theme,
};
use crate::studio::inputs::{ChoiceInput, FieldProblemLine, TextInput, Typing, field_id, label};
use crate::studio::{Studio, Target};

#[component]
pub fn AdEditor(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let open = expect_context::<OpenAd>();
    provide_context(CardImage(RwSignal::new(None)));
    provide_context(Drawn::new());
    // Her post's lines ("Order on Telegram: …") in its language, which may not be the page's.
    if let Some(lang) = ad(target.record).map(|ad| ad.lang()) {
        leptos::task::spawn_local(async move {
            has_texts(lang).await;
        });
    }
    view! {
        <p class="back">
            <button class="button secondary small" type="button" on:click=move |_| open.0.set(None)>
                {language.t(Key::AdsBackToList)}
            </button>
        </p>
        <form class="form ad-editor" on:submit=|event| event.prevent_default()>
            <TextInput target field=HEADLINE hint=Key::AdHeadlineHint/>
            <TextInput target field=PRICE_LINE hint=Key::AdPriceLineHint optional=true/>
            <TextInput target field=BODY hint=Key::AdBodyHint optional=true multiline=true/>
            <ChoiceInput target field=CALL_TO_ACTION
                choices=CallToAction::ALL.iter().map(|c| (c.id(), c.name_key())).collect()/>
            <HashtagsInput target/>
            <ChoiceInput target field=LAYOUT choices=Layout::ALL.iter().map(|l| (l.id(), l.name_key())).collect()/>
            <ChoiceInput target field=THEME choices=Theme::ALL.iter().map(|t| (t.id(), t.name_key())).collect()/>
        </form>
        <Previews target/>
        <Cards target/>
        <PublishPanel target/>
        <p>
            <button class="button danger" type="button" on:click=move |_| {
                studio.delete(target.record);
                open.0.set(None);
            }>{language.t(Key::AdsDelete)}</button>
        </p>
    }
}

/// Her hashtags as one line ("#qawın #Shımbay"), kept as a list; what she
/// types is made a tag as she goes (no `#`, no spaces), and "suggest" adds
/// those of her product, category and district she does not have yet.
#[component]
fn HashtagsInput(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let id = field_id(target, HASHTAGS);
    let typing = Typing::kept(target, HASHTAGS);
    let stored = move || studio.texts(target, HASHTAGS);
    let shown = typing.shown(move || stored().iter().map(|tag| format!("#{tag}")).collect::<Vec<_>>().join(" "));
    let save = move |typed: String| {
        typing.typed(typed.clone());
        let tags: Vec<Value> = typed
            .split(|c: char| c.is_whitespace() || c == ',' || c == '#')
            .filter(|t| !t.is_empty())
            .map(|t| Value::String(clean(t).unwrap_or_else(|| t.to_owned())))
            .collect();
        studio.set(target, HASHTAGS, Value::Array(tags));
    };
    let more = move |_| {
        let Some(ad) = ad(target.record) else { return };
        let Some(storefront) = studio.storefront.get_untracked() else { return };
        let shop = storefront_facts(storefront);
        let product = ad.product.and_then(product_facts);
        let suggested = suggest(ad.lang(), product.as_ref().map(|p| p.name.as_str()), shop.category, shop.district);
        studio.set(target, HASHTAGS, json!(merge(&ad.post.hashtags, suggested)));
    };
    view! {
        <div class="field">
            <label for=id.clone()>{language.t(label(target, HASHTAGS))}</label>
            <input id=id.clone() name=id type="text" autocomplete="off" autocapitalize="none"
                prop:value=shown on:blur=move |_| typing.left(studio.problem(target, HASHTAGS).is_some())
                on:input=move |event| save(event_target_value(&event))/>
            <FieldProblemLine target field=HASHTAGS/>
            <p class="hint">{language.t(Key::AdHashtagsHint)}</p>
            <button class="button secondary small" type="button" on:click=more>{language.t(Key::AdsSuggestHashtags)}</button>
        </div>
    }
}
