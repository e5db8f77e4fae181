//! The views of her public pages by day, as the server counted them (no
//! cookie, no person, no bots). Asked for when the studio opens with a
//! signal; offline the panel says they show when she is online.

use leptos::prelude::*;

use crate::device::http::{call, spawn};
use crate::i18n::{Key, fill, text, use_language};
use crate::wire::PageViews;

#[component]
pub fn ViewsPanel() -> impl IntoView {
    let language = use_language();
    let views = RwSignal::new(None::<PageViews>);
    // Effects run only in the browser.
    Effect::new(move |_| {
        let lang = language.get_untracked();
        spawn(async move {
            if let Ok(answer) = call::<PageViews>(lang, "GET", "/api/v1/studio/views", None).await {
                views.set(Some(answer));
            }
        });
    });
    let days = crate::wire::VIEW_DAYS_SHOWN.to_string();
    view! {
        <section class="views">
            <h2>{language.t(Key::StudioViewsTitle)}</h2>
            <p class="hint">{move || {
                let shown = views.with(|v| v.as_ref().map(|v| v.days_shown.to_string())).unwrap_or(days.clone());
                fill(text(language.get(), Key::StudioViewsLead), &[("days", &shown)])
            }}</p>
            {move || views.get().map(|views| {
                let lang = language.get();
                if views.days.is_empty() {
                    return view! { <p>{text(lang, Key::StudioViewsNone)}</p> }.into_any();
                }
                let total: u64 = views.days.iter().map(|d| d.storefront + d.products).sum();
                view! {
                    <p><strong>{fill(text(lang, Key::StudioViewsTotal), &[("count", &total.to_string())])}</strong></p>
                    <table class="views-table">
                        <thead><tr>
                            <th scope="col">{text(lang, Key::StudioViewsDay)}</th>
                            <th scope="col">{text(lang, Key::StudioViewsStorefront)}</th>
                            <th scope="col">{text(lang, Key::StudioViewsProducts)}</th>
                        </tr></thead>
                        <tbody>
                            {views.days.into_iter().map(|d| view! {
                                <tr><th scope="row">{d.day}</th><td>{d.storefront}</td><td>{d.products}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            })}
        </section>
    }
}
