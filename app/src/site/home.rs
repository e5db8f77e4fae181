use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::i18n::{Key, fill, text, use_language};
use crate::rules::money::format_som;

/// A typical OVOP product, to show a price the way buyers will see it.
const EXAMPLE_JAM_PRICE_SOM: i64 = 35_000;

#[component]
pub fn HomePage() -> impl IntoView {
    let language = use_language();
    let example = move || {
        let lang = language.get();
        fill(text(lang, Key::HomeEntrepreneursExample), &[("price", &format_som(EXAMPLE_JAM_PRICE_SOM, lang))])
    };
    let title = move || {
        let lang = language.get();
        format!("{} — {}", text(lang, Key::AppName), text(lang, Key::AppTagline))
    };
    view! {
        <Title text=title/>
        <section class="hero">
            <h1>{language.t(Key::HomeTitle)}</h1>
            <p class="lead">{language.t(Key::HomeLead)}</p>
        </section>
        <section class="audiences">
            <article class="card">
                <h2>{language.t(Key::HomeEntrepreneursTitle)}</h2>
                <p>{language.t(Key::HomeEntrepreneursBody)}</p>
                <p class="example">{example}</p>
                <A href="/studio" attr:class="button">{language.t(Key::HomeEntrepreneursAction)}</A>
            </article>
            <article class="card">
                <h2>{language.t(Key::HomeCoordinatorsTitle)}</h2>
                <p>{language.t(Key::HomeCoordinatorsBody)}</p>
                <A href="/review" attr:class="button">{language.t(Key::HomeCoordinatorsAction)}</A>
            </article>
            <article class="card">
                <h2>{language.t(Key::HomeBuyersTitle)}</h2>
                <p>{language.t(Key::HomeBuyersBody)}</p>
                <A href="/market" attr:class="button">{language.t(Key::HomeBuyersAction)}</A>
            </article>
        </section>
        <section class="note">
            <h2>{language.t(Key::HomeOfflineTitle)}</h2>
            <p>{language.t(Key::HomeOfflineBody)}</p>
        </section>
    }
}
