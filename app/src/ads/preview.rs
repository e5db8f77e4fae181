//! The post as each platform shows it while she types: Instagram's feed
//! (the card, then the caption cut at "more"), a Telegram channel (the card
//! with the text as its caption) and a Facebook post ("See more"); each
//! platform's counter, counted as that platform counts; and the warnings for
//! what often goes wrong (`rules::ads::count`).

use leptos::prelude::*;

use super::card::CardImage;
use super::facts::{ad, product_facts, storefront_facts};
use crate::i18n::{Key, use_language};
use crate::rules::ads::count::{Platform, counts, first_graphemes, graphemes, warnings};
use crate::studio::{Studio, Target};

#[component]
pub fn Previews(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let image = expect_context::<CardImage>();
    let shown = RwSignal::new(Platform::Instagram);
    // Everything below is read again when any of her records changes.
    let facts = Memo::new(move |_| {
        studio.sync.revision.track();
        let ad = ad(target.record)?;
        let shop = storefront_facts(studio.storefront.get()?);
        let product = ad.product.and_then(product_facts);
        let text = ad.post.text(&shop);
        let found = warnings(&ad.post, product.as_ref(), &shop);
        Some((text, found, shop.name, ad.lang()))
    });
    let text = move || facts.get().map(|f| f.0).unwrap_or_default();
    let name = move || facts.get().map(|f| f.2).unwrap_or_default();
    let lang = move || facts.get().map_or("", |f| f.3.code());
    // What the feed shows before its "more", and whether it cuts.
    let folded = move |platform: Platform| {
        let text = text();
        match platform.limits().fold {
            Some(fold) if graphemes(&text) > fold => (first_graphemes(&text, fold).to_owned(), true),
            _ => (text, false),
        }
    };
    let picture =
        move || image.0.get().map(|src| view! { <img class="preview-card" src=src alt=language.t(Key::AdsCardAlt)/> });
    view! {
        <section class="ad-previews">
            <h2>{language.t(Key::AdsPreviewHeading)}</h2>
            <ul class="ad-warnings">
                {move || facts.get().map(|f| f.1).unwrap_or_default().into_iter().map(|warning| view! {
                    <li class="notice" role="status">{move || warning.message(language.get())}</li>
                }).collect_view()}
            </ul>
            <table class="ad-counters">
                <caption>{language.t(Key::AdsCountersCaption)}</caption>
                <tbody>
                    {move || counts(&text()).into_iter().map(|count| {
                        let over = count.used > count.max;
                        view! {
                        <tr class:over=over>
                            <th scope="row">{language.t(count.platform.name_key())}</th>
                            <td>{count.used}" / "{count.max}</td>
                        </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <div class="platform-tabs" role="group" aria-label=language.t(Key::AdsPreviewHeading)>
                {[Platform::Instagram, Platform::TelegramCaption, Platform::Facebook].into_iter().map(|platform| view! {
                    <button type="button" class="section-tab" aria-pressed=move || (shown.get() == platform).to_string()
                        on:click=move |_| shown.set(platform)>{language.t(platform.name_key())}</button>
                }).collect_view()}
            </div>
            {move || {
                let platform = shown.get();
                let (start, cut) = folded(platform);
                let more = match platform {
                    Platform::Facebook => Key::AdsSeeMore,
                    _ => Key::AdsMore,
                };
                view! {
                    <article class=format!("platform-preview {}", platform_class(platform)) lang=lang()>
                        <header class="platform-account"><span class="avatar" aria-hidden="true"></span>{name()}</header>
                        {(platform != Platform::Facebook).then(picture)}
                        <p class="platform-text">
                            {start}
                            {cut.then(|| view! { "… "<span class="more">{language.t(more)}</span> })}
                        </p>
                        {(platform == Platform::Facebook).then(picture)}
                    </article>
                }
            }}
        </section>
    }
}

fn platform_class(platform: Platform) -> &'static str {
    match platform {
        Platform::Instagram => "instagram",
        Platform::Telegram | Platform::TelegramCaption => "telegram",
        Platform::Facebook => "facebook",
    }
}
