//! "Preview as buyers see it": her storefront drawn by the same component
//! the desk and the public pages use, from what is on this phone, so it
//! works offline too.

use leptos::prelude::*;

use super::photo_picker::PhotoThumb;
use super::{Studio, Target};
use crate::i18n::{Key, use_language};
use crate::ui::StorefrontListing;

/// Her photos from the phone's own cache.
fn kept_photo(hash: String) -> AnyView {
    view! { <PhotoThumb hash/> }.into_any()
}

#[component]
pub fn StorefrontPreview(target: Target) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    view! {
        <div class="preview">
            <p class="hint">{language.t(Key::PreviewNote)}</p>
            {move || {
                let products = studio.products().iter().map(|line| studio.content(line.id)).collect();
                view! { <StorefrontListing storefront=studio.content(target.record) products photo=kept_photo/> }
            }}
        </div>
    }
    .into_any()
}
