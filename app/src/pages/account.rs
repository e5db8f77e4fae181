use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::accounts::District;
use crate::api_client::{AccountView, call, spawn};
use crate::i18n::{Key, Lang, text, use_language};

/// The translated name of a district id (the id itself when unknown).
pub fn district_name(lang: Lang, id: &str) -> String {
    District::from_id(id).map_or_else(|| id.to_string(), |district| text(lang, district.name_key()).to_string())
}

pub fn role_name(lang: Lang, role: &str) -> &'static str {
    match role {
        "admin" => text(lang, Key::RoleAdmin),
        "coordinator" => text(lang, Key::RoleCoordinator),
        _ => text(lang, Key::RoleEntrepreneur),
    }
}

/// Loads the signed-in account once the page is interactive; sends to sign-in when there is none.
pub fn load_account() -> RwSignal<Option<AccountView>> {
    let language = use_language();
    let account = RwSignal::new(None);
    let navigate = use_navigate();
    Effect::new(move |_| {
        let navigate = navigate.clone();
        spawn(async move {
            match call::<AccountView>(language.get_untracked(), "GET", "/api/v1/me", None).await {
                Ok(me) => account.set(Some(me)),
                Err(problem) if problem.code == "not_signed_in" => navigate("/sign-in", Default::default()),
                Err(_) => {}
            }
        });
    });
    account
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let language = use_language();
    let account = load_account();
    let navigate = use_navigate();
    let sign_out = move |_| {
        let navigate = navigate.clone();
        spawn(async move {
            if call::<()>(language.get_untracked(), "POST", "/api/v1/auth/sign-out", None).await.is_ok() {
                navigate("/sign-in", Default::default());
            }
        });
    };
    view! {
        <section class="page narrow">
            <h1>{language.t(Key::AccountTitle)}</h1>
            {move || account.get().map(|me| {
                let lang = language.get();
                let districts = me.district.iter().chain(me.districts.iter())
                    .map(|id| district_name(lang, id)).collect::<Vec<_>>().join(", ");
                let districts_label = if me.district.is_some() { Key::AccountDistrict } else { Key::AccountDistricts };
                let manages = me.role != "entrepreneur";
                let is_admin = me.role == "admin";
                view! {
                    <dl class="facts">
                        <dt>{text(lang, Key::FormName)}</dt><dd class="account-name">{me.name.clone()}</dd>
                        <dt>{text(lang, Key::FormPhone)}</dt><dd>{me.phone.clone()}</dd>
                        <dt>{text(lang, districts_label)}</dt><dd>{districts}</dd>
                        <dt>{text(lang, Key::AccountRole)}</dt><dd class="account-role">{role_name(lang, &me.role)}</dd>
                    </dl>
                    <nav class="actions">
                        {manages.then(|| view! {
                            <a class="button" href="/invitations">{text(lang, Key::InvitationsTitle)}</a>
                            <a class="button" href="/entrepreneurs">{text(lang, Key::EntrepreneursTitle)}</a>
                        })}
                        {is_admin.then(|| view! { <a class="button" href="/coordinators">{text(lang, Key::CoordinatorsTitle)}</a> })}
                    </nav>
                }
            })}
            <button class="button secondary" type="button" on:click=sign_out>{language.t(Key::AccountSignOut)}</button>
        </section>
    }
}
