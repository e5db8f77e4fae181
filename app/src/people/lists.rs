//! Coordinators manage the entrepreneurs of their districts; admins manage coordinators.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::device::http::{body, call, spawn};
use crate::i18n::{Key, fill, text, use_language};
use crate::rules::people::District;
use crate::ui::FormField;
use crate::ui::PageTitle;
use crate::ui::{district_name, load_account};
use crate::wire::{AccountView, NewCoordinator, ResetCode};

fn load_list(path: &'static str) -> (RwSignal<Vec<AccountView>>, RwSignal<Option<String>>, impl Fn() + Copy) {
    let language = use_language();
    let people = RwSignal::new(Vec::new());
    let message = RwSignal::new(None::<String>);
    let refresh = move || {
        spawn(async move {
            match call::<Vec<AccountView>>(language.get_untracked(), "GET", path, None).await {
                Ok(list) => people.set(list),
                Err(error) => message.set(Some(error.message)),
            }
        });
    };
    Effect::new(move |_| refresh());
    (people, message, refresh)
}

#[component]
pub fn EntrepreneursPage() -> impl IntoView {
    let language = use_language();
    let _account = load_account();
    let (people, message, refresh) = load_list("/api/v1/entrepreneurs");
    let reset = move |person: AccountView| {
        spawn(async move {
            let lang = language.get_untracked();
            let path = format!("/api/v1/accounts/{}/reset-code", person.id);
            match call::<ResetCode>(lang, "POST", &path, None).await {
                Ok(issued) => message.set(Some(fill(
                    text(lang, Key::EntrepreneursResetIssued),
                    &[("name", &person.name), ("code", &issued.code), ("hours", &issued.valid_hours.to_string())],
                ))),
                Err(error) => message.set(Some(error.message)),
            }
        });
    };
    let end_sessions = move |person: AccountView| {
        spawn(async move {
            let lang = language.get_untracked();
            let path = format!("/api/v1/accounts/{}/end-sessions", person.id);
            match call::<()>(lang, "POST", &path, None).await {
                Ok(()) => {
                    message.set(Some(fill(text(lang, Key::EntrepreneursSessionsEnded), &[("name", &person.name)])));
                }
                Err(error) => message.set(Some(error.message)),
            }
            refresh();
        });
    };
    view! {
        <section class="page">
            <PageTitle page=Key::EntrepreneursTitle/>
            <h1>{language.t(Key::EntrepreneursTitle)}</h1>
            <p class="notice" role="status">{move || message.get()}</p>
            <Show when=move || people.with(Vec::is_empty)>
                <p>{language.t(Key::EntrepreneursEmpty)}</p>
            </Show>
            <ul class="list">
                {move || {
                    let lang = language.get();
                    people.get().into_iter().map(|person| {
                        let for_reset = person.clone();
                        let for_end = person.clone();
                        view! {
                            <li class="person">
                                <strong>{person.name.clone()}</strong>
                                <span>{format!("{} · {}", person.phone, person.district.as_deref().map(|d| district_name(lang, d)).unwrap_or_default())}</span>
                                <button class="button secondary small" type="button" on:click=move |_| reset(for_reset.clone())>
                                    {text(lang, Key::EntrepreneursReset)}
                                </button>
                                <button class="button secondary small" type="button" on:click=move |_| end_sessions(for_end.clone())>
                                    {text(lang, Key::EntrepreneursEndSessions)}
                                </button>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </section>
    }
}

#[component]
pub fn CoordinatorsPage() -> impl IntoView {
    let language = use_language();
    let _account = load_account();
    let (people, message, refresh) = load_list("/api/v1/coordinators");
    let phone = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let body = body(&NewCoordinator {
            phone: phone.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            districts: chosen.get_untracked(),
        });
        spawn(async move {
            match call::<AccountView>(language.get_untracked(), "POST", "/api/v1/coordinators", body).await {
                Ok(_) => {
                    message.set(None);
                    phone.set(String::new());
                    name.set(String::new());
                    password.set(String::new());
                    refresh();
                }
                Err(error) => message.set(Some(error.message)),
            }
        });
    };
    let remove = move |id: String| {
        spawn(async move {
            match call::<()>(language.get_untracked(), "DELETE", &format!("/api/v1/coordinators/{id}"), None).await {
                Ok(()) => refresh(),
                Err(error) => message.set(Some(error.message)),
            }
        });
    };
    view! {
        <section class="page">
            <PageTitle page=Key::CoordinatorsTitle/>
            <h1>{language.t(Key::CoordinatorsTitle)}</h1>
            <form class="form card" on:submit=submit>
                <h2>{language.t(Key::CoordinatorsNew)}</h2>
                <FormField label=Key::FormPhone name="phone" kind="tel" value=phone hint=Key::FormPhoneHint inputmode="tel"/>
                <FormField label=Key::FormName name="name" value=name/>
                <FormField label=Key::FormPassword name="password" kind="password" value=password hint=Key::FormPasswordHint autocomplete="new-password"/>
                <fieldset class="districts">
                    <legend>{language.t(Key::AccountDistricts)}</legend>
                    {move || {
                        let lang = language.get();
                        District::ALL.iter().map(|district| {
                            let id = district.id().to_string();
                            let checked = chosen.with(|c| c.contains(&id));
                            view! {
                                <label class="check">
                                    <input type="checkbox" value=id.clone() checked=checked on:change=move |_| {
                                        let id = id.clone();
                                        chosen.update(|c| if let Some(at) = c.iter().position(|x| *x == id) { c.remove(at); } else { c.push(id); });
                                    }/>
                                    {text(lang, district.name_key())}
                                </label>
                            }
                        }).collect_view()
                    }}
                </fieldset>
                <p class="problem" role="alert">{move || message.get()}</p>
                <button class="button" type="submit">{language.t(Key::CoordinatorsCreate)}</button>
            </form>
            <ul class="list">
                {move || {
                    let lang = language.get();
                    people.get().into_iter().map(|person| {
                        let id = person.id.clone();
                        let districts = person.districts.iter().map(|d| district_name(lang, d)).collect::<Vec<_>>().join(", ");
                        view! {
                            <li class="person">
                                <strong>{person.name.clone()}</strong>
                                <span>{format!("{} · {districts}", person.phone)}</span>
                                <button class="button secondary small" type="button" on:click=move |_| remove(id.clone())>
                                    {text(lang, Key::CoordinatorsRemove)}
                                </button>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </section>
    }
}
