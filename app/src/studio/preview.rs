//! "Preview as buyers see it": her storefront drawn by the same component
//! the desk and the public pages use, from what is on this phone, so it
//! works offline too.

use leptos::prelude::*;

use super::photo_picker::PhotoThumb;
use super::{Studio, Target};
use crate::i18n::{Key, use_language};
use crate::ui::{Photo, Shown, StorefrontListing};

/// Her photos from the phone's own cache: small ones as thumbnails, the
/// cover (and a product's own photos) in the 1,280 px size, so they are as
/// sharp as buyers will see them.
fn kept_photo(photo: Photo) -> AnyView {
    match photo.shown {
        Shown::Small => view! { <PhotoThumb hash=photo.hash/> }.into_any(),
        _ => view! { <KeptLarge photo/> }.into_any(),
    }
}

/// The 1,280 px size of a photo: the copy on this phone when there is one,
/// else the server's.
#[component]
fn KeptLarge(photo: Photo) -> impl IntoView {
    let Photo { hash, alt, shown } = photo;
    let source = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            let hash = hash.clone();
            crate::device::http::spawn(async move {
                let kept = crate::device::photos::kept_url(&hash, "large").await;
                source.set(Some(kept.unwrap_or_else(|| crate::device::photos::address(&hash, "large"))));
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &hash;
    });
    move || {
        source.get().map(|src| match shown {
            Shown::Cover => {
                view! { <img class="photo-cover" src=src alt=alt.clone() width="1280" height="720"/> }.into_any()
            }
            _ => view! { <span class="gallery-photo"><img src=src alt=alt.clone() width="1280" height="1280"/></span> }
                .into_any(),
        })
    }
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
