use std::collections::BTreeMap;

use leptos::ev::SubmitEvent;
use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::form::{Field, posted, safe_next, typed};
use crate::device::http::{body, call, spawn};
use crate::i18n::{Key, Lang, use_language};
use crate::ui::PageTitle;
use crate::ui::encode_component;
use crate::wire::{AccountView, SignIn};

/// What a sign-in or sign-up form shows while it is sent and after a refusal:
/// busy, the problem below the form, and (sign-up) each field's problem.
#[derive(Clone, Copy)]
pub struct Shown {
    pub busy: RwSignal<bool>,
    pub problem: RwSignal<Option<String>>,
    pub fields: Option<RwSignal<BTreeMap<String, String>>>,
}

/// Sends a sign-in or a sign-up; once signed in, opens the page that sent her
/// to sign in (`next`), else the person's start page; on a refusal shows the
/// server's (translated) reason.
pub fn enter(
    lang: Lang,
    path: &'static str,
    body: Option<String>,
    next: Option<String>,
    shown: Shown,
    navigate: impl Fn(&str, leptos_router::NavigateOptions) + 'static,
) {
    let Shown { busy, problem, fields } = shown;
    busy.set(true);
    spawn(async move {
        let result = call::<AccountView>(lang, "POST", path, body).await;
        busy.set(false);
        match result {
            Ok(account) => {
                #[cfg(feature = "hydrate")]
                crate::device::account::remember(&account);
                navigate(next.as_deref().unwrap_or(account.role.home()), Default::default());
            }
            // Problems of single fields go beside them (sign-up), the rest below the form.
            Err(error) => match fields {
                Some(fields) if !error.fields.is_empty() => {
                    problem.set(None);
                    fields.set(error.fields);
                }
                _ => {
                    if let Some(fields) = fields {
                        fields.set(BTreeMap::new());
                    }
                    problem.set(Some(error.message));
                }
            },
        }
    });
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let language = use_language();
    let posted = posted();
    let (phone, password) = (NodeRef::<Input>::new(), NodeRef::<Input>::new());
    let problem = RwSignal::new(posted.problem);
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    // A page that needs her signed in sent her here (`?next=/review`): she goes back there.
    let next = use_query_map().get_untracked().get("next").filter(|next| safe_next(next).is_some());
    let action = next
        .as_deref()
        .map_or_else(|| "/sign-in".to_owned(), |next| format!("/sign-in?next={}", encode_component(next)));
    // Without the script (not loaded yet, or off) the browser posts the form itself.
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let body = body(&SignIn { phone: typed(phone), password: typed(password) });
        enter(
            language.get_untracked(),
            "/api/v1/auth/sign-in",
            body,
            next.clone(),
            Shown { busy, problem, fields: None },
            navigate.clone(),
        );
    };
    view! {
        <section class="page narrow">
            <PageTitle page=Key::SignInTitle/>
            <h1>{language.t(Key::SignInTitle)}</h1>
            <form class="form" method="post" action=action on:submit=submit>
                <Field label=Key::FormPhone name="phone" field=phone value=posted.phone kind="tel" hint=Key::FormPhoneHint autocomplete="tel" inputmode="tel"/>
                <Field label=Key::FormPassword name="password" field=password kind="password" autocomplete="current-password"/>
                <p class="problem" role="alert">{move || problem.get()}</p>
                <button class="button" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { language.t(Key::FormWorking)() } else { language.t(Key::SignInSubmit)() }}
                </button>
            </form>
            <p><a href="/sign-up">{language.t(Key::SignInJoin)}</a></p>
            <p><a href="/reset-password">{language.t(Key::SignInForgot)}</a></p>
        </section>
    }
    .into_any()
}
