use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::device::http::{body, call, spawn};
use crate::i18n::{Key, use_language};
use crate::ui::FormField;
use crate::wire::Reset;

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let language = use_language();
    let phone = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        let body = body(&Reset {
            phone: phone.get_untracked(),
            code: code.get_untracked(),
            password: password.get_untracked(),
        });
        spawn(async move {
            let result = call::<()>(language.get_untracked(), "POST", "/api/v1/auth/reset", body).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    problem.set(None);
                    done.set(true);
                }
                Err(error) => problem.set(Some(error.message)),
            }
        });
    };
    view! {
        <section class="page narrow">
            <h1>{language.t(Key::ResetTitle)}</h1>
            <p>{language.t(Key::ResetLead)}</p>
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <form class="form" on:submit=submit>
                        <FormField label=Key::FormPhone name="phone" kind="tel" value=phone hint=Key::FormPhoneHint autocomplete="tel" inputmode="tel"/>
                        <FormField label=Key::FormResetCode name="code" value=code autocomplete="one-time-code"/>
                        <FormField label=Key::FormNewPassword name="password" kind="password" value=password hint=Key::FormPasswordHint autocomplete="new-password"/>
                        <p class="problem" role="alert">{move || problem.get()}</p>
                        <button class="button" type="submit" disabled=move || busy.get()>{language.t(Key::ResetSubmit)}</button>
                    </form>
                }
            >
                <p class="notice" role="status">{language.t(Key::ResetDone)}</p>
                <a class="button" href="/sign-in">{language.t(Key::SignInSubmit)}</a>
            </Show>
        </section>
    }
}
