//! Said before her first edit of a listing buyers see: changing what a
//! coordinator reviews takes it back to review (buyers keep the approved
//! version meanwhile), while price, stock and availability change at once.

use leptos::prelude::*;

use super::{Studio, Target};
use crate::i18n::{Key, use_language};
use crate::rules::review::ReviewState;

/// The warning above an editor of an approved, public listing, until she says she has read it.
#[component]
pub fn PublicEditWarning(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let shown = move || {
        let (review, on_its_way) = studio.review(target);
        !on_its_way
            && review.state == ReviewState::Approved
            && review.public_revision.is_some()
            && !studio.warned.with(|read| read.contains(&target.record))
    };
    move || {
        shown().then(|| {
            view! {
                <div class="notice public-edit-warning" role="note">
                    <p>{language.t(Key::ReviewPublicEdit)}</p>
                    <button class="button small secondary" type="button"
                        on:click=move |_| studio.warned.update(|read| read.push(target.record))>
                        {language.t(Key::ReviewPublicEditOk)}
                    </button>
                </div>
            }
        })
    }
}
