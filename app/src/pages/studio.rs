use leptos::prelude::*;

use crate::i18n::{Key, use_language};

#[component]
pub fn StudioPage() -> impl IntoView {
    let language = use_language();
    view! {
        <section class="page">
            <h1>{language.t(Key::StudioTitle)}</h1>
            <p>{language.t(Key::StudioBody)}</p>
        </section>
    }
}
