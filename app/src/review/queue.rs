//! `/review`: what waits for review in her districts, oldest first, with
//! filters kept in the address (so a filtered queue can be shared) and
//! counts per district.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::waited;
use crate::device::http::{call, spawn};
use crate::i18n::{Key, fill, text, use_language};
use crate::rules::people::District;
use crate::rules::records::storefront::Category;
use crate::ui::PageTitle;
use crate::ui::encode_component;
use crate::ui::{district_name, load_account};
use crate::wire::{QueuedItem, ReviewQueue};

const FILTERS: [&str; 4] = ["district", "category", "kind", "waiting_days"];

fn now_ms() -> f64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        0.0
    }
}

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let language = use_language();
    let _account = load_account();
    let query = use_query_map();
    let navigate = use_navigate();
    let items = RwSignal::new(Vec::<QueuedItem>::new());
    let counts = RwSignal::new(None::<ReviewQueue>);
    let next = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<String>);
    // An entrepreneur who followed a link here: told where her own work is.
    let not_hers = RwSignal::new(false);
    let filter = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    let search = move || {
        FILTERS
            .iter()
            .filter_map(|name| Some(format!("{name}={}", filter(name))).filter(|_| !filter(name).is_empty()))
            .collect::<Vec<_>>()
            .join("&")
    };
    let load = move |after: Option<String>| {
        let mut path = format!("/api/v1/review/queue?{}", search());
        if let Some(after) = &after {
            path.push_str(&format!("&after={}", encode_component(after)));
        }
        spawn(async move {
            match call::<ReviewQueue>(language.get_untracked(), "GET", &path, None).await {
                Ok(page) => {
                    if after.is_some() {
                        items.update(|list| list.extend(page.items.clone()));
                    } else {
                        items.set(page.items.clone());
                    }
                    next.set(page.next.clone());
                    counts.set(Some(page));
                    message.set(None);
                }
                Err(problem) if problem.code == "forbidden" => not_hers.set(true),
                Err(problem) => message.set(Some(problem.message)),
            }
        });
    };
    Effect::new(move |_| {
        query.track();
        load(None);
    });
    let set_filter = move |name: &'static str, value: String| {
        let mut pairs: Vec<(String, String)> =
            FILTERS.iter().map(|n| (n.to_string(), filter(n))).filter(|(n, v)| n != name && !v.is_empty()).collect();
        if !value.is_empty() {
            pairs.push((name.to_owned(), value));
        }
        let search: Vec<String> = pairs.into_iter().map(|(n, v)| format!("{n}={v}")).collect();
        navigate(&format!("/review?{}", search.join("&")), Default::default());
    };
    let select = move |name: &'static str, label: Key, options: Vec<(String, Key)>| {
        let set_filter = set_filter.clone();
        view! {
            <label class="field filter">
                <span>{language.t(label)}</span>
                <select name=name prop:value=move || filter(name)
                    on:change=move |event| set_filter(name, event_target_value(&event))>
                    <option value="">{language.t(Key::DeskAny)}</option>
                    {options.into_iter().map(|(id, key)| view! { <option value=id>{language.t(key)}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    view! {
        <section class="page desk">
            <PageTitle page=Key::ReviewTitle/>
            <h1>{language.t(Key::ReviewTitle)}</h1>
            {move || not_hers.get().then(|| view! { <NotHers/> })}
            <p class="lead" hidden=not_hers>{language.t(Key::ReviewBody)}</p>
            <form class="desk-filters" method="get" action="/review" hidden=not_hers>
                {select("district", Key::StorefrontDistrict, District::ALL.iter().map(|d| (d.id().to_owned(), d.name_key())).collect())}
                {select("category", Key::DeskFieldCategory, Category::ALL.iter().map(|c| (c.id().to_owned(), c.name_key())).collect())}
                {select("kind", Key::DeskKind, vec![("storefront".into(), Key::DeskKindStorefront), ("product".into(), Key::DeskKindProduct)])}
                {select("waiting_days", Key::DeskWaiting, vec![("1".into(), Key::DeskWaiting1), ("3".into(), Key::DeskWaiting3), ("7".into(), Key::DeskWaiting7)])}
            </form>
            <p class="problem" role="alert">{move || message.get()}</p>
            {move || counts.get().map(|page| view! {
                <p class="desk-counts">
                    <strong>{fill(text(language.get(), Key::DeskCount), &[("n", &page.total.to_string())])}</strong>
                    {page.by_district.into_iter().map(|c| {
                        let name = c.district.map(|d| district_name(language.get(), &d)).unwrap_or_default();
                        format!(" · {name}: {}", c.count)
                    }).collect::<String>()}
                </p>
            })}
            <Show when=move || counts.get().is_some() && items.with(Vec::is_empty)>
                <p>{language.t(Key::DeskEmpty)}</p>
            </Show>
            <ol class="desk-queue">
                <For each=move || items.get() key=|i| (i.owner.clone(), i.record.clone(), i.revision) let:item>
                    {
                        let href = format!("/review/{}/{}", item.owner, item.record);
                        let kind = if item.kind == "product" { Key::DeskKindProduct } else { Key::DeskKindStorefront };
                        let district = item.district.clone().unwrap_or_default();
                        view! {
                            <li class="desk-item">
                                <a href=href>
                                    <strong>{item.name.clone()}</strong>
                                    <span class="badge">{language.t(kind)}</span>
                                </a>
                                <p class="hint">
                                    {item.owner_name.clone()}" · "{move || district_name(language.get(), &district)}
                                    " · "{move || waited(language.get(), &item.submitted_at, now_ms())}
                                </p>
                            </li>
                        }
                    }
                </For>
            </ol>
            <Show when=move || next.get().is_some()>
                <button class="button secondary" type="button" on:click=move |_| load(next.get_untracked())>
                    {language.t(Key::DeskMore)}
                </button>
            </Show>
        </section>
    }
}

/// What an entrepreneur reads at the desk instead of a permission error.
#[component]
pub(super) fn NotHers() -> impl IntoView {
    let language = use_language();
    view! {
        <div class="desk-not-hers notice">
            <p>{language.t(Key::DeskNotHers)}</p>
            <a class="button" href="/studio">{language.t(Key::OfflineOpenStudio)}</a>
        </div>
    }
}
