use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::device::http::{AccountView, call, spawn};
use crate::i18n::{Key, Lang, fill, text, use_language};
use crate::rules::people::{District, Role};

/// The translated name of a district id (the id itself when unknown).
pub fn district_name(lang: Lang, id: &str) -> String {
    District::from_id(id).map_or_else(|| id.to_string(), |district| text(lang, district.name_key()).to_string())
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
                Ok(me) => {
                    #[cfg(feature = "hydrate")]
                    crate::device::account::remember(&me);
                    account.set(Some(me))
                }
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
    // Edits not yet on the server, counted when she asks to sign out.
    let unsent = RwSignal::new(0usize);
    let sign_out = move |anyway: bool| {
        let Some(me) = account.get_untracked() else { return };
        let navigate = navigate.clone();
        spawn(async move {
            #[cfg(feature = "hydrate")]
            {
                let waiting = crate::device::account::waiting_changes(&me).await;
                if waiting > 0 && !anyway {
                    unsent.set(waiting);
                    return;
                }
            }
            let _ = anyway;
            if call::<()>(language.get_untracked(), "POST", "/api/v1/auth/sign-out", None).await.is_ok() {
                // A shared phone: the next person must not find her work.
                #[cfg(feature = "hydrate")]
                let _ = crate::device::account::forget(&me).await;
                let _ = &me;
                navigate("/sign-in", Default::default());
            }
        });
    };
    let sign_out_anyway = sign_out.clone();
    let sign_out_plain = sign_out.clone();
    view! {
        <section class="page narrow">
            <h1>{language.t(Key::AccountTitle)}</h1>
            {move || account.get().map(|me| {
                let lang = language.get();
                let districts = me.district.iter().chain(me.districts.iter())
                    .map(|id| district_name(lang, id)).collect::<Vec<_>>().join(", ");
                let districts_label = if me.district.is_some() { Key::AccountDistrict } else { Key::AccountDistricts };
                let manages = me.role != Role::Entrepreneur;
                let is_admin = me.role == Role::Admin;
                view! {
                    <dl class="facts">
                        <dt>{text(lang, Key::FormName)}</dt><dd class="account-name">{me.name.clone()}</dd>
                        <dt>{text(lang, Key::FormPhone)}</dt><dd>{me.phone.clone()}</dd>
                        <dt>{text(lang, districts_label)}</dt><dd>{districts}</dd>
                        <dt>{text(lang, Key::AccountRole)}</dt><dd class="account-role">{text(lang, me.role.name_key())}</dd>
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
            {move || (unsent.get() > 0).then(|| {
                let sign_out_anyway = sign_out_anyway.clone();
                let count = unsent.get().to_string();
                view! {
                    <div class="warning" role="alert">
                        <p>{move || fill(text(language.get(), Key::SignOutWaitingWarning), &[("count", &count)])}</p>
                        <button class="button danger" type="button" on:click=move |_| sign_out_anyway(true)>
                            {language.t(Key::SignOutAnyway)}
                        </button>
                        <a class="button" href="/studio">{language.t(Key::SignOutStay)}</a>
                    </div>
                }
            })}
            <Show when=move || unsent.get() == 0>
                {
                    let sign_out = sign_out_plain.clone();
                    view! {
                        <button class="button secondary" type="button" on:click=move |_| sign_out(false)>
                            {language.t(Key::AccountSignOut)}
                        </button>
                    }
                }
            </Show>
        </section>
    }
}
