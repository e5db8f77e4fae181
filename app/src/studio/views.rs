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
                // Her products by their views over the days shown, most first.
                let studio = expect_context::<super::Studio>();
                let mut by_product: Vec<(String, u64)> = studio
                    .products()
                    .into_iter()
                    .filter_map(|p| {
                        let id = p.id.to_string();
                        views.pages.iter().find(|(page, _)| *page == id).map(|(_, n)| (p.name, *n))
                    })
                    .collect();
                by_product.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
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
                    {(!by_product.is_empty()).then(|| view! {
                        <h3>{text(lang, Key::StudioViewsProducts)}</h3>
                        <ul class="views-products">
                            {by_product.into_iter().map(|(name, n)| view! { <li>{name}": "{n}</li> }).collect_view()}
                        </ul>
                    })}
                }.into_any()
            })}
        </section>
    }
}
