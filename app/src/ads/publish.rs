//! Publishing an ad: its own page (`/a/{id}`), whose link shows the card as
//! its preview in Telegram and WhatsApp. Hers to publish without a review,
//! but only for an approved product or storefront (the server holds the same
//! rule, `docs/api.md`); the desk can take the page down with a reason, which
//! she reads here. Below, what came through the ad: its page opened, visits
//! to the product, order requests (counted on the server, nothing personal).

use leptos::prelude::*;
use sawda_sync::{Kind, RecordId};
use serde_json::json;

use super::card::Drawn;
use super::facts::ad;
use crate::device::sync::{self, PhotoState};
use crate::i18n::{Key, use_language};
use crate::rules::records::ad_post::{CARD_PHOTO, PUBLISHED};
use crate::rules::review::ReviewState;
use crate::studio::{Studio, Target};

/// Where the listing an ad is about stands for buyers.
fn listing_is_public(studio: Studio, product: Option<RecordId>) -> bool {
    let target = match product {
        Some(record) => Target { kind: Kind::Product, record },
        None => match studio.storefront_target() {
            Some(target) => target,
            None => return false,
        },
    };
    let (review, _) = studio.review(target);
    review.public_revision.is_some() && review.state != ReviewState::Withdrawn && review.unpublished.is_none()
}

/// A number the server counted on the ad (0 before it counted any).
fn counted(record: RecordId, field: &str) -> u64 {
    sync::field(record, field).and_then(|v| v.as_u64()).unwrap_or(0)
}

/// The desk's reason, when it took the ad's page down.
fn taken_down(record: RecordId) -> Option<String> {
    let state = sync::field(record, "review_state")?;
    if state.as_str() != Some("taken_down") {
        return None;
    }
    // On an ad, the desk's `review` is its reason (`server/src/ads`).
    Some(sync::field(record, "review").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default())
}

#[component]
pub fn PublishPanel(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let drawn = expect_context::<Drawn>();
    let working = RwSignal::new(false);
    let problem = RwSignal::new(None::<Key>);
    let state = Memo::new(move |_| {
        studio.sync.revision.track();
        let ad = ad(target.record)?;
        Some((ad.published, listing_is_public(studio, ad.product), taken_down(target.record)))
    });
    let address = move || format!("{}/a/{}", super::facts::site_origin(), target.record);
    // The card as drawn now becomes a photo of hers (uploaded with her other
    // photos when there is a signal), and the ad is marked published.
    let publish = move |_| {
        #[cfg(feature = "hydrate")]
        let Some(card) = drawn.card(super::card::Size::Square) else {
            problem.set(Some(Key::AdsCardNotReady));
            return;
        };
        #[cfg(not(feature = "hydrate"))]
        let _ = drawn;
        working.set(true);
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            let kept = crate::device::photos::add(card).await.ok();
            #[cfg(not(feature = "hydrate"))]
            let kept: Option<String> = None;
            match kept {
                Some(hash) => {
                    problem.set(None);
                    studio.set(target, CARD_PHOTO, json!(hash));
                    studio.set(target, PUBLISHED, json!(true));
                }
                None => problem.set(Some(Key::AdsCardFailed)),
            }
            working.set(false);
        });
    };
    let unpublish = move |_| studio.set(target, PUBLISHED, json!(false));
    view! {
        <section class="ad-publish">
            <h2>{language.t(Key::AdsPublishHeading)}</h2>
            {move || problem.get().map(|key| view! { <p class="problem" role="alert">{language.t(key)}</p> })}
            {move || state.get().map(|(published, public, down)| {
                if let Some(reason) = down {
                    return view! {
                        <div class="notice feedback" role="status">
                            <p>{language.t(Key::AdsTakenDown)}</p>
                            <p><q>{reason}</q></p>
                        </div>
                    }.into_any();
                }
                if !public {
                    return view! { <p class="hint">{language.t(Key::AdsNeedsApproval)}</p> }.into_any();
                }
                if !published {
                    return view! {
                        <p class="hint">{language.t(Key::AdsPublishHint)}</p>
                        <button class="button" type="button" disabled=move || working.get() on:click=publish>
                            {language.t(Key::AdsPublish)}
                        </button>
                    }.into_any();
                }
                // Her photos go up after her edits: until the card is there, its page is not.
                let on_its_way = move || {
                    let card = sync::field(target.record, CARD_PHOTO).and_then(|v| v.as_str().map(str::to_owned));
                    card.and_then(|hash| studio.sync.photo_state(&hash))
                        .is_some_and(|state| matches!(state, PhotoState::OnPhone | PhotoState::Uploading(_)))
                };
                view! {
                    <Show when=on_its_way>
                        <p class="notice" role="status">{language.t(Key::AdsCardOnItsWay)}</p>
                    </Show>
                    <p>{language.t(Key::AdsPublishedAt)}" "<a class="ad-address" href=address()>{address()}</a></p>
                    <p class="actions">
                        <button class="button secondary" type="button" disabled=move || working.get() on:click=publish>
                            {language.t(Key::AdsPublishAgain)}
                        </button>
                        <button class="button secondary" type="button" on:click=unpublish>{language.t(Key::AdsUnpublish)}</button>
                    </p>
                    <table class="ad-results">
                        <caption>{language.t(Key::AdsResultsCaption)}</caption>
                        <tbody>
                            <tr><th scope="row">{language.t(Key::AdsResultsOpened)}</th><td>{move || { studio.sync.revision.track(); counted(target.record, "view_count") }}</td></tr>
                            <tr><th scope="row">{language.t(Key::AdsResultsProductVisits)}</th><td>{move || { studio.sync.revision.track(); counted(target.record, "product_visits") }}</td></tr>
                            <tr><th scope="row">{language.t(Key::AdsResultsOrders)}</th><td>{move || { studio.sync.revision.track(); counted(target.record, "order_requests") }}</td></tr>
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}
