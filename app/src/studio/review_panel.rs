//! The OVOP review in the studio: the state of her storefront and each
//! product with its "submit for review", the coordinator's comment next to
//! the field it is about, and the feedback section. All of it reads what the
//! phone last pulled, so it works offline.

use leptos::prelude::*;
use sawda_sync::Kind;

use super::{Studio, Target};
use crate::i18n::{Key, fill, text, use_language};
use crate::rules::review::{CheckPoint, Review, ReviewState, field_label};

/// The sentence saying where an item stands.
fn standing(review: &Review, on_its_way: bool, lang: crate::i18n::Lang) -> String {
    let who = review.decided_by.clone().unwrap_or_default();
    if on_its_way {
        return text(lang, Key::ReviewSending).to_owned();
    }
    match review.state {
        // Deleted on one phone and brought back by an edit on another: buyers no longer see it.
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

/// The state of one item and the button that submits it.
#[component]
pub fn ReviewPanel(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let review = move || studio.review(target);
    let can_submit = move || {
        let (review, on_its_way) = review();
        !on_its_way && !matches!(review.state, ReviewState::Submitted | ReviewState::Approved)
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
                <button class="button" type="button" on:click=move |_| studio.submit(target)>
                    {move || if review().0.state == ReviewState::ChangesRequested {
                        language.t(Key::ReviewResubmit)()
                    } else {
                        language.t(Key::ReviewSubmit)()
                    }}
                </button>
            </Show>
        </div>
    }
    .into_any()
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
                        <ReviewPanel target/>
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
                                    <dt>{move || field_label(target.kind, &field).map(|k| text(language.get(), k)).unwrap_or_default()}</dt>
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
