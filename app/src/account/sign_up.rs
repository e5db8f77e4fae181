use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::form::{Field, posted, typed};
use super::sign_in::{Shown, enter};
use crate::device::http::body;
use crate::i18n::{Key, use_language};
use crate::rules::people::SelfDescription;
use crate::ui::PageTitle;
use crate::wire::SignUp;

#[component]
pub fn SignUpPage() -> impl IntoView {
    let language = use_language();
    let posted = posted();
    // The QR code on the printed slip opens this page with the code in its address.
    let from_link = use_query_map().get_untracked().get("code").unwrap_or_default();
    let first_code = if posted.code.is_empty() { from_link.clone() } else { posted.code };
    let [code, phone, name, password] = std::array::from_fn(|_| NodeRef::<Input>::new());
    // Her answer: not saying (empty), or one of the choices.
    let answers: Vec<(&'static str, Key)> = std::iter::once(("", Key::FormGenderNone))
        .chain(SelfDescription::ALL.iter().map(|choice| (choice.id(), choice.name_key())))
        .collect();
    let gender: [NodeRef<Input>; 4] = std::array::from_fn(|_| NodeRef::new());
    let posted_gender = posted.gender.clone();
    // Each field's problem beside it; the general ones (too many tries) below the form.
    let fields = RwSignal::new(posted.fields.clone());
    let problem = RwSignal::new(posted.problem.filter(|_| posted.fields.is_empty()));
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    // A copy of this page kept by the service worker (on a slow network) was
    // drawn without the link's code: it goes in once the script is here.
    Effect::new(move |_| {
        if let Some(field) = code.get()
            && field.value().is_empty()
        {
            field.set_value(&from_link);
        }
    });
    // Without the script (not loaded yet, or off) the browser posts the form itself.
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let gender = gender
            .iter()
            .find_map(|answer| answer.get_untracked().filter(|input| input.checked()).map(|input| input.value()))
            .unwrap_or_default();
        let body = body(&SignUp {
            code: typed(code),
            phone: typed(phone),
            name: typed(name),
            password: typed(password),
            gender: (!gender.trim().is_empty()).then_some(gender),
        });
        enter(
            language.get_untracked(),
            "/api/v1/auth/sign-up",
            body,
            None,
            Shown { busy, problem, fields: Some(fields) },
            navigate.clone(),
        );
    };
    view! {
        <section class="page narrow">
            <PageTitle page=Key::SignUpTitle/>
            <h1>{language.t(Key::SignUpTitle)}</h1>
            <p>{language.t(Key::SignUpLead)}</p>
            <form class="form" method="post" action="/sign-up" on:submit=submit>
                <Field label=Key::FormCode name="code" field=code value=first_code autocomplete="one-time-code" problems=fields/>
                <Field label=Key::FormPhone name="phone" field=phone value=posted.phone kind="tel" hint=Key::FormPhoneHint autocomplete="tel" inputmode="tel" problems=fields/>
                <Field label=Key::FormName name="name" field=name value=posted.name autocomplete="name" problems=fields/>
                <Field label=Key::FormPassword name="password" field=password kind="password" hint=Key::FormPasswordHint autocomplete="new-password" problems=fields/>
                <fieldset class="field choices">
                    <legend>{language.t(Key::FormGender)}</legend>
                    {answers
                        .iter()
                        .zip(gender.iter())
                        .map(|((id, key), answer)| {
                            view! {
                                <label class="choice">
                                    <input type="radio" name="gender" value=*id checked=posted_gender == *id node_ref=*answer/>
                                    {language.t(*key)}
                                </label>
                            }
                        })
                        .collect_view()}
                    {move || fields.with(|f| f.get("gender").cloned()).map(|text| view! { <p class="problem field-problem">{text}</p> })}
                </fieldset>
                <p class="problem" role="alert">{move || problem.get()}</p>
                <button class="button" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { language.t(Key::FormWorking)() } else { language.t(Key::SignUpSubmit)() }}
                </button>
            </form>
        </section>
    }
    .into_any()
}
