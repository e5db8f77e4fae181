use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::device::http::{body, call, spawn};
use crate::i18n::{Key, text, use_language};
use crate::rules::people::{District, Role};
use crate::ui::FormField;
use crate::ui::PageTitle;
use crate::ui::{district_name, load_account};
use crate::wire::{CreatedWorkshop, Invitation, InvitationState, NewWorkshop};

#[component]
pub fn InvitationsPage() -> impl IntoView {
    let language = use_language();
    let account = load_account();
    let invitations = RwSignal::new(Vec::<Invitation>::new());
    let problem = RwSignal::new(None::<String>);
    let refresh = move || {
        spawn(async move {
            match call::<Vec<Invitation>>(language.get_untracked(), "GET", "/api/v1/invitations", None).await {
                Ok(list) => invitations.set(list),
                Err(error) => problem.set(Some(error.message)),
            }
        });
    };
    Effect::new(move |_| refresh());

    let name = RwSignal::new(String::new());
    let district = RwSignal::new(String::new());
    let date = RwSignal::new(String::new());
    let seats = RwSignal::new("10".to_string());
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let body = body(&NewWorkshop {
            name: name.get_untracked(),
            district: district.get_untracked(),
            date: date.get_untracked(),
            seats: seats.get_untracked().trim().parse::<i64>().unwrap_or(0),
        });
        spawn(async move {
            match call::<CreatedWorkshop>(language.get_untracked(), "POST", "/api/v1/invitations", body).await {
                Ok(_) => {
                    problem.set(None);
                    name.set(String::new());
                    refresh();
                }
                Err(error) => problem.set(Some(error.message)),
            }
        });
    };
    let revoke = move |code: String| {
        spawn(async move {
            let path = format!("/api/v1/invitations/{code}/revoke");
            match call::<()>(language.get_untracked(), "POST", &path, None).await {
                Ok(()) => refresh(),
                Err(error) => problem.set(Some(error.message)),
            }
        });
    };
    // The districts this person may invite to.
    let districts = move || {
        account
            .get()
            .map(|me| {
                if me.role == Role::Admin {
                    District::ALL.iter().map(|d| d.id().to_string()).collect()
                } else {
                    me.districts
                }
            })
            .unwrap_or_default()
    };
    Effect::new(move |_| {
        if district.get_untracked().is_empty()
            && let Some(first) = districts().first()
        {
            district.set(first.clone());
        }
    });

    view! {
        <section class="page">
            <PageTitle page=Key::InvitationsTitle/>
            <h1>{language.t(Key::InvitationsTitle)}</h1>
            <form class="form card" on:submit=submit>
                <h2>{language.t(Key::InvitationsNew)}</h2>
                <FormField label=Key::InvitationsWorkshopName name="workshop" value=name/>
                <div class="field">
                    <label for="field-district">{language.t(Key::InvitationsDistrict)}</label>
                    <select id="field-district" name="district" on:change=move |ev| district.set(event_target_value(&ev))>
                        {move || districts().into_iter().map(|id| {
                            let selected = district.get() == id;
                            view! { <option value=id selected=selected>{district_name(language.get(), &id)}</option> }
                        }).collect_view()}
                    </select>
                </div>
                <FormField label=Key::InvitationsDate name="date" kind="date" value=date/>
                <FormField label=Key::InvitationsSeats name="seats" kind="number" value=seats inputmode="numeric"/>
                <p class="problem" role="alert">{move || problem.get()}</p>
                <button class="button" type="submit">{language.t(Key::InvitationsCreate)}</button>
            </form>
            <Show when=move || invitations.with(Vec::is_empty)>
                <p>{language.t(Key::InvitationsEmpty)}</p>
            </Show>
            <ul class="list invitations">
                {move || {
                    let lang = language.get();
                    let mut shown_workshops = Vec::new();
                    invitations.get().into_iter().map(|invitation| {
                        let first_of_workshop = !shown_workshops.contains(&invitation.workshop_id);
                        shown_workshops.push(invitation.workshop_id.clone());
                        let code = invitation.code.clone();
                        let open = invitation.state == InvitationState::Open;
                        view! {
                            <li class="invitation" data-state=invitation.state.id()>
                                <span class="code">{invitation.code.clone()}</span>
                                <span>{format!("{} · {} · {}", invitation.workshop_name, district_name(lang, &invitation.district), invitation.workshop_date)}</span>
                                <span class="state">{text(lang, invitation.state.name_key())}</span>
                                {open.then(|| view! {
                                    <button class="button secondary small" type="button" on:click=move |_| revoke(code.clone())>
                                        {text(lang, Key::InvitationsRevoke)}
                                    </button>
                                })}
                                {first_of_workshop.then(|| view! {
                                    <a class="print" rel="external" target="_blank" href=format!("/api/v1/workshops/{}/sheet", invitation.workshop_id)>
                                        {text(lang, Key::InvitationsPrint)}
                                    </a>
                                })}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </section>
    }
}
