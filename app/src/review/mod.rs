//! The coordinators' review desk, where submitted storefronts and products
//! are checked against the OVOP checklist (its issue builds it; for now, a
//! page that says what is coming).

use leptos::prelude::*;

use crate::i18n::{Key, use_language};

#[component]
pub fn ReviewPage() -> impl IntoView {
    let language = use_language();
    view! {
        <section class="page">
            <h1>{language.t(Key::ReviewTitle)}</h1>
            <p>{language.t(Key::ReviewBody)}</p>
        </section>
    }
}
