use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::device::http::{call, spawn};
use crate::i18n::{Key, fill, text, use_language};
use crate::rules::people::Role;
use crate::ui::{PageTitle, district_name, load_account};

#[component]
pub fn AccountPage() -> impl IntoView {
    let language = use_language();
    let account = load_account();
    let navigate = use_navigate();
    // Edits and photos not yet on the server, counted when she asks to sign out.
    let unsent = RwSignal::new((0usize, 0usize));
    // Why signing out did not happen (no connection), in her language.
    let failed = RwSignal::new(None::<String>);
    let sign_out = move |anyway: bool| {
        let Some(me) = account.get_untracked() else { return };
        let navigate = navigate.clone();
        failed.set(None);
        spawn(async move {
            #[cfg(feature = "hydrate")]
            {
                let waiting = crate::device::account::waiting_changes(&me).await;
                let photos = crate::device::account::waiting_photos(&me).await;
                if (waiting > 0 || photos > 0) && !anyway {
                    unsent.set((waiting, photos));
                    return;
                }
            }
            let _ = anyway;
            let signed_out = call::<()>(language.get_untracked(), "POST", "/api/v1/auth/sign-out", None).await;
            // A session that had already ended is signed out as well.
            let signed_out = signed_out.or_else(|p| if p.code == "not_signed_in" { Ok(()) } else { Err(p) });
            match signed_out {
                Ok(()) => {
                    // A shared phone: the next person must not find her work.
                    #[cfg(feature = "hydrate")]
                    let _ = crate::device::account::forget(&me).await;
                    let _ = &me;
                    navigate("/sign-in", Default::default());
                }
                // Still signed in on the server: nothing leaves the phone.
                Err(problem) if problem.code == "offline" => {
                    unsent.set((0, 0));
                    failed.set(Some(text(language.get_untracked(), Key::SignOutOffline).to_string()));
                }
                Err(problem) => failed.set(Some(problem.message)),
            }
        });
    };
    let sign_out_anyway = sign_out.clone();
    let sign_out_plain = sign_out.clone();
    view! {
        <section class="page narrow">
            <PageTitle page=Key::AccountTitle/>
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
                            <a class="button" href="/review">{text(lang, Key::ReviewTitle)}</a>
                            <a class="button" href="/invitations">{text(lang, Key::InvitationsTitle)}</a>
                            <a class="button" href="/entrepreneurs">{text(lang, Key::EntrepreneursTitle)}</a>
                        })}
                        {is_admin.then(|| view! {
                            <a class="button" href="/coordinators">{text(lang, Key::CoordinatorsTitle)}</a>
                            <a class="button" href="/partner-access">{text(lang, Key::PartnersTitle)}</a>
                        })}
                    </nav>
                }.into_any()
            })}
            {move || failed.get().map(|message| view! { <p class="problem sign-out-problem" role="alert">{message}</p> })}
            {move || (unsent.get() != (0, 0)).then(|| {
                let sign_out_anyway = sign_out_anyway.clone();
                let (count, photos) = unsent.get();
                let (count, photos) = (count.to_string(), photos.to_string());
                view! {
                    <div class="warning" role="alert">
                        <p>
                            {(count != "0").then(|| view! { <span>{move || fill(text(language.get(), Key::SignOutChangesWaiting), &[("count", &count)])}" "</span> })}
                            {(photos != "0").then(|| view! { <span>{move || fill(text(language.get(), Key::SignOutPhotosWaiting), &[("count", &photos)])}" "</span> })}
                            {language.t(Key::SignOutWaitingWarning)}
                        </p>
                        <button class="button danger" type="button" on:click=move |_| sign_out_anyway(true)>
                            {language.t(Key::SignOutAnyway)}
                        </button>
                        <a class="button" href="/studio">{language.t(Key::SignOutStay)}</a>
                    </div>
                }.into_any()
            })}
            <Show when=move || unsent.get() == (0, 0)>
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
