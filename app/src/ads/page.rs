//! `/studio/ads`. Rendered on the server as "opening"; in the browser it opens
//! her store on this phone, like the studio, so that her ads are made and
//! edited offline.

use leptos::prelude::*;
use leptos_meta::Stylesheet;
use sawda_sync::Kind;

use super::editor::AdEditor;
use super::list::{AdList, NewAd};
use crate::i18n::{Key, use_language};
use crate::studio::{Phase, Studio, Target, open_store};
use crate::ui::PageTitle;

/// The ad open in the editor, shared by the list and the editor.
#[derive(Clone, Copy)]
pub struct OpenAd(pub RwSignal<Option<sawda_sync::RecordId>>);

#[component]
pub fn AdStudioPage() -> impl IntoView {
    let language = use_language();
    let studio = Studio::new();
    provide_context(studio);
    provide_context(crate::studio::RefusedTyping::default());
    let open = OpenAd(RwSignal::new(None));
    provide_context(open);
    Effect::new(move |_| open_store(studio, language));
    view! {
        <section class="page narrow ad-studio">
            <PageTitle page=Key::AdsTitle/>
            // Its own styles, so that no other page downloads them (kept by the service worker).
            <Stylesheet id="ads-css" href="/ads.css"/>
            <p class="back"><a href="/studio">{language.t(Key::AdsBackToStudio)}</a></p>
            <h1>{language.t(Key::AdsTitle)}</h1>
            {move || match studio.phase.get() {
                Phase::Opening => view! { <p class="studio-opening">{language.t(Key::StudioOpening)}</p> }.into_any(),
                Phase::NoAccount => view! {
                    <p>{language.t(Key::StudioSignInFirst)}</p>
                    <a class="button" href="/sign-in?next=/studio/ads">{language.t(Key::SignInTitle)}</a>
                }.into_any(),
                Phase::Open => view! {
                    <crate::studio::SyncStatusBar/>
                    {move || if !studio.sync.loaded.get() {
                        view! { <p class="studio-opening">{language.t(Key::StudioOpening)}</p> }.into_any()
                    } else if let Some(record) = open.0.get() {
                        view! { <AdEditor target=Target { kind: Kind::AdPost, record }/> }.into_any()
                    } else {
                        view! { <NewAd/><AdList/> }.into_any()
                    }}
                }.into_any(),
            }}
        </section>
    }
}
