//! The OVOP review in the studio: the state of her storefront and each
//! product with its "submit for review", the coordinator's comment next to
//! the field it is about, and the feedback section. All of it reads what the
//! phone last pulled, so it works offline.

use leptos::prelude::*;
use sawda_sync::{Kind, RecordId};

use super::public_edit_warning::PublicEditWarning;
use super::{Studio, Target};
use crate::i18n::{Key, Lang, fill, text, use_language};
use crate::rules::records::label_of;
use crate::rules::review::{CheckPoint, Review, ReviewState};

/// Fields named as her form names them, for a sentence.
fn field_names(kind: Kind, fields: &[&str], lang: Lang) -> String {
    fields
        .iter()
        .map(|field| label_of(kind, field).map_or_else(|| (*field).to_owned(), |key| text(lang, key).to_owned()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The sentence saying where an item stands.
fn standing(review: &Review, on_its_way: bool, lang: crate::i18n::Lang) -> String {
    let who = review.decided_by.clone().unwrap_or_default();
    if on_its_way {
        return text(lang, Key::ReviewSending).to_owned();
    }
    match review.state {
        // Deleted on one phone and brought back by an edit on another: buyers no longer see it.
        // The server did not take a submission of it: required fields were empty.
        ReviewState::Draft if !review.missing.is_empty() => text(lang, Key::ReviewNoteRefusedMissing).to_owned(),
        ReviewState::Draft if review.unpublished.is_some() => text(lang, Key::ReviewNoteUnpublished).to_owned(),
        ReviewState::Draft if review.public_revision.is_some() => text(lang, Key::ReviewNoteChanged).to_owned(),
        ReviewState::Draft => text(lang, Key::ReviewNoteDraft).to_owned(),
        ReviewState::Submitted => text(lang, Key::ReviewNoteSubmitted).to_owned(),
        ReviewState::Approved => text(lang, Key::ReviewNoteApproved).to_owned(),
        ReviewState::ChangesRequested => fill(text(lang, Key::ReviewNoteChanges), &[("name", &who)]),
        ReviewState::Withdrawn => fill(
            text(lang, Key::ReviewNoteWithdrawn),
            &[("name", &who), ("reason", review.reason.as_deref().unwrap_or_default())],
        ),
    }
}

/// The state of one item and the button that submits it, which waits until
/// what the kind's rules require is filled in. A storefront offers her
/// products with it: those ready are ticked, those not ready say what they lack.
#[component]
pub fn ReviewPanel(target: Target, #[prop(optional)] in_feedback: bool) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let review = move || studio.review(target);
    let can_submit = move || {
        let (review, on_its_way) = review();
        !on_its_way && !matches!(review.state, ReviewState::Submitted | ReviewState::Approved)
    };
    let missing = move || studio.missing(target);
    let offer = target.kind == Kind::Storefront && !in_feedback;
    // Products she unticked: the others that are ready go with the storefront.
    let left_out = RwSignal::new(Vec::<RecordId>::new());
    let send = move |_| {
        if offer {
            for product in offered(studio) {
                if product.missing.is_empty() && !left_out.with_untracked(|l| l.contains(&product.target.record)) {
                    studio.submit(product.target);
                }
            }
        }
        studio.submit(target);
    };
    view! {
        <div class="review-panel" data-state=move || review().0.state.id()>
            <span class="badge">{move || {
                let (review, on_its_way) = review();
                let state = if on_its_way { ReviewState::Submitted } else { review.state };
                text(language.get(), state.name_key())
            }}</span>
            <p class="review-standing">{move || { let (r, w) = review(); standing(&r, w, language.get()) }}</p>
            <Show when=can_submit>
                {move || {
                    let missing = missing();
                    (!missing.is_empty()).then(|| view! {
                        <p class="review-missing" role="status">{move || fill(
                            text(language.get(), Key::ReviewMissing),
                            &[("fields", &field_names(target.kind, &missing, language.get()))],
                        )}</p>
                    })
                }}
                {offer.then(|| view! { <ProductsOffered left_out/> })}
                <button class="button" type="button" disabled=move || !missing().is_empty() on:click=send>
                    {move || if review().0.state == ReviewState::ChangesRequested {
                        language.t(Key::ReviewResubmit)()
                    } else {
                        language.t(Key::ReviewSubmit)()
                    }}
                </button>
            </Show>
        </div>
        {(!in_feedback).then(|| view! { <PublicEditWarning target/> })}
    }
    .into_any()
}

/// A product as the storefront's submission offers it.
#[derive(Clone, PartialEq)]
struct Offered {
    target: Target,
    name: String,
    /// Under review or approved already (or on its way): nothing to send.
    standing: Option<ReviewState>,
    missing: Vec<&'static str>,
}

fn offered(studio: Studio) -> Vec<Offered> {
    studio
        .products()
        .into_iter()
        .map(|p| {
            let target = Target { kind: Kind::Product, record: p.id };
            let (review, on_its_way) = studio.review(target);
            let standing = if on_its_way {
                Some(ReviewState::Submitted)
            } else {
                matches!(review.state, ReviewState::Submitted | ReviewState::Approved).then_some(review.state)
            };
            Offered { target, name: p.name, standing, missing: studio.missing(target) }
        })
        .collect()
}

/// Her products, to send with her storefront.
#[component]
fn ProductsOffered(left_out: RwSignal<Vec<RecordId>>) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let products = Memo::new(move |_| offered(studio));
    view! {
        <fieldset class="review-products">
            <legend>{language.t(Key::ReviewWithProducts)}</legend>
            {move || products.with(Vec::is_empty).then(|| view! { <p class="hint">{language.t(Key::ReviewNoProducts)}</p> })}
            <ul>
                {move || products.get().into_iter().map(|product| {
                        let record = product.target.record;
                        let name = if product.name.trim().is_empty() { "—".to_owned() } else { product.name.clone() };
                        match (product.standing, product.missing.is_empty()) {
                            (Some(state), _) => view! {
                                <li data-ready="sent">{name}" "<span class="badge" data-state=state.id()>{language.t(state.name_key())}</span></li>
                            }.into_any(),
                            (None, true) => view! {
                                <li data-ready="yes"><label class="choice">
                                    <input type="checkbox" name="with-product" value=record.to_string()
                                        prop:checked=move || !left_out.with(|l| l.contains(&record))
                                        on:change=move |event| {
                                            let on = event_target_checked(&event);
                                            left_out.update(|l| { l.retain(|r| *r != record); if !on { l.push(record); } });
                                        }/>
                                    {name}
                                </label></li>
                            }.into_any(),
                            (None, false) => {
                                let missing = product.missing.clone();
                                view! {
                                    <li data-ready="no"><label class="choice">
                                        <input type="checkbox" name="with-product" value=record.to_string() disabled=true/>
                                        {name}
                                    </label>
                                    " "<span class="hint">{move || fill(
                                        text(language.get(), Key::ReviewProductNotReady),
                                        &[("fields", &field_names(Kind::Product, &missing, language.get()))],
                                    )}</span></li>
                                }.into_any()
                            }
                        }
                }).collect_view()}
            </ul>
        </fieldset>
    }
}

/// The coordinator's comment on this field, while changes are asked for.
#[component]
pub fn FieldComment(target: Target, field: &'static str) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let comment = move || {
        let (review, _) = studio.review(target);
        (review.state == ReviewState::ChangesRequested).then(|| review.comments.get(field).cloned()).flatten()
    };
    move || {
        comment().map(|comment| {
            view! {
                <p class="review-comment"><strong>{language.t(Key::ReviewCommentFrom)}</strong>" "{comment}</p>
            }
        })
    }
}

/// Every decision on her storefront and products, with the checklist and
/// the comments, and one tap to send it again.
#[component]
pub fn FeedbackSection() -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let items = move || {
        let mut items: Vec<(Target, String)> = studio
            .storefront_target()
            .map(|t| (t, text(language.get(), Key::StudioSectionStorefront).to_owned()))
            .into_iter()
            .collect();
        items.extend(studio.products().into_iter().map(|p| (Target { kind: Kind::Product, record: p.id }, p.name)));
        items.into_iter().filter(|(t, _)| studio.review(*t).0.decided_at.is_some()).collect::<Vec<_>>()
    };
    view! {
        <section class="feedback">
            <h2>{language.t(Key::StudioSectionFeedback)}</h2>
            <Show when=move || items().is_empty()>
                <p>{language.t(Key::ReviewFeedbackNone)}</p>
            </Show>
            {move || items().into_iter().map(|(target, name)| {
                let (review, _) = studio.review(target);
                let comments: Vec<(String, String)> = review.comments.clone().into_iter().collect();
                let checklist = review.checklist.clone();
                view! {
                    <article class="feedback-item" data-state=review.state.id()>
                        <h3>{name}</h3>
                        <ReviewPanel target in_feedback=true/>
                        <ul class="checklist">
                            {checklist.into_iter().map(|check| {
                                let point = CheckPoint::from_id(&check.point);
                                view! {
                                    <li data-pass=check.pass.to_string()>
                                        <span>{move || point.map(|p| text(language.get(), p.name_key())).unwrap_or_default()}</span>
                                        " "<strong>{move || if check.pass { language.t(Key::ReviewCheckPass)() } else { language.t(Key::ReviewCheckNeedsWork)() }}</strong>
                                        {(!check.comment.is_empty()).then(|| view! { <p>{check.comment.clone()}</p> })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {(!comments.is_empty()).then(|| view! {
                            <dl class="field-comments">
                                {comments.into_iter().map(|(field, comment)| view! {
                                    <dt>{move || label_of(target.kind, &field).map(|k| text(language.get(), k)).unwrap_or_default()}</dt>
                                    <dd>{comment}</dd>
                                }).collect_view()}
                            </dl>
                        })}
                    </article>
                }
            }).collect_view()}
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn a_revived_draft_says_buyers_no_longer_see_it() {
        let revived =
            Review { state: ReviewState::Draft, unpublished: Some("2026-12-04T10:00:00Z".into()), ..Review::default() };
        assert_eq!(standing(&revived, false, Lang::En), text(Lang::En, Key::ReviewNoteUnpublished));
        let draft = Review { state: ReviewState::Draft, ..Review::default() };
        assert_eq!(standing(&draft, false, Lang::En), text(Lang::En, Key::ReviewNoteDraft));
    }
}
