use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::sign_in::enter;
use crate::device::http::body;
use crate::i18n::{Key, use_language};
use crate::ui::FormField;
use crate::wire::SignUp;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let language = use_language();
    // The QR code on the printed slip opens this page with the code filled in.
    let code = RwSignal::new(use_query_map().get_untracked().get("code").unwrap_or_default());
    let phone = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let gender = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let gender = gender.get_untracked();
        let body = body(&SignUp {
            code: code.get_untracked(),
            phone: phone.get_untracked(),
            name: name.get_untracked(),
            password: password.get_untracked(),
            gender: (!gender.trim().is_empty()).then_some(gender),
        });
        enter(language.get_untracked(), "/api/v1/auth/sign-up", body, busy, problem, navigate.clone());
    };
    view! {
        <section class="page narrow">
            <h1>{language.t(Key::SignUpTitle)}</h1>
            <p>{language.t(Key::SignUpLead)}</p>
            <form class="form" on:submit=submit>
                <FormField label=Key::FormCode name="code" value=code autocomplete="one-time-code"/>
                <FormField label=Key::FormPhone name="phone" kind="tel" value=phone hint=Key::FormPhoneHint autocomplete="tel" inputmode="tel"/>
                <FormField label=Key::FormName name="name" value=name autocomplete="name"/>
                <FormField label=Key::FormPassword name="password" kind="password" value=password hint=Key::FormPasswordHint autocomplete="new-password"/>
                <FormField label=Key::FormGender name="gender" value=gender required=false/>
                <p class="problem" role="alert">{move || problem.get()}</p>
                <button class="button" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { language.t(Key::FormWorking)() } else { language.t(Key::SignUpSubmit)() }}
                </button>
            </form>
        </section>
    }
}
