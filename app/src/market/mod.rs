//! The market directory, where buyers browse approved storefronts and
//! products by district and category (its issue builds it; for now, a page
//! that says what is coming).

use leptos::prelude::*;

use crate::i18n::{Key, use_language};

#[component]
pub fn MarketPage() -> impl IntoView {
    let language = use_language();
    view! {
        <section class="page">
            <h1>{language.t(Key::MarketTitle)}</h1>
            <p>{language.t(Key::MarketBody)}</p>
        </section>
    }
}
