use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::form::{Field, posted, typed};
use crate::device::http::{body, call, spawn};
use crate::i18n::{Key, use_language};
use crate::ui::PageTitle;
use crate::wire::Reset;

/// Where the form posted without the script leads once the password is changed.
pub const RESET_DONE: &str = "/reset-password?done";

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let language = use_language();
    let posted = posted();
    let [phone, code, password] = std::array::from_fn(|_| NodeRef::<Input>::new());
    let problem = RwSignal::new(posted.problem);
    let done = RwSignal::new(use_query_map().get_untracked().get("done").is_some());
    let busy = RwSignal::new(false);
    // Without the script (not loaded yet, or off) the browser posts the form itself.
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        let body = body(&Reset { phone: typed(phone), code: typed(code), password: typed(password) });
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
    let (first_phone, first_code) = (posted.phone, posted.code);
    view! {
        <section class="page narrow">
            <PageTitle page=Key::ResetTitle/>
            <h1>{language.t(Key::ResetTitle)}</h1>
            <p>{language.t(Key::ResetLead)}</p>
            <Show
                when=move || done.get()
                fallback=move || view! {
                    <form class="form" method="post" action="/reset-password" on:submit=submit>
                        <Field label=Key::FormPhone name="phone" field=phone value=first_phone.clone() kind="tel" hint=Key::FormPhoneHint autocomplete="tel" inputmode="tel"/>
                        <Field label=Key::FormResetCode name="code" field=code value=first_code.clone() autocomplete="one-time-code"/>
                        <Field label=Key::FormNewPassword name="password" field=password kind="password" hint=Key::FormPasswordHint autocomplete="new-password"/>
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
    .into_any()
}
