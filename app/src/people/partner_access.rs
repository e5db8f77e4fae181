//! Admins give partner systems (the OVOP online market) their tokens for the
//! export feed (`docs/export.md`), see when each was last used, and revoke
//! them. A new token is shown once, here, and never again.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::device::http::{body, call, spawn};
use crate::i18n::{Key, fill, text, use_language};
use crate::ui::{FormField, PageTitle, load_account};
use crate::wire::{CreatedExportToken, ExportToken, NewExportToken};

const TOKENS: &str = "/api/v1/export/tokens";
const FEED: &str = "/api/v1/export/products.json";

/// The day of an RFC 3339 time, as the list shows it.
fn day(time: &str) -> &str {
    time.get(..10).unwrap_or(time)
}

#[component]
pub fn PartnerAccessPage() -> impl IntoView {
    let language = use_language();
    let _account = load_account();
    let tokens = RwSignal::new(Vec::<ExportToken>::new());
    let problem = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<CreatedExportToken>);
    let name = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let refresh = move || {
        spawn(async move {
            match call::<Vec<ExportToken>>(language.get_untracked(), "GET", TOKENS, None).await {
                Ok(list) => tokens.set(list),
                Err(error) => problem.set(Some(error.message)),
            }
        });
    };
    Effect::new(move |_| refresh());
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let body = body(&NewExportToken { name: name.get_untracked() });
        busy.set(true);
        spawn(async move {
            match call::<CreatedExportToken>(language.get_untracked(), "POST", TOKENS, body).await {
                Ok(made) => {
                    problem.set(None);
                    name.set(String::new());
                    created.set(Some(made));
                    refresh();
                }
                Err(error) => problem.set(Some(error.message)),
            }
            busy.set(false);
        });
    };
    let revoke = move |id: String| {
        spawn(async move {
            let path = format!("{TOKENS}/{id}/revoke");
            match call::<()>(language.get_untracked(), "POST", &path, None).await {
                Ok(()) => refresh(),
                Err(error) => problem.set(Some(error.message)),
            }
        });
    };
    let feed = move || {
        let origin = web_origin();
        fill(text(language.get(), Key::PartnersHow), &[("url", &format!("{origin}{FEED}"))])
    };
    view! {
        <section class="page">
            <PageTitle page=Key::PartnersTitle/>
            <h1>{language.t(Key::PartnersTitle)}</h1>
            <p>{language.t(Key::PartnersLead)}</p>
            <p class="hint partner-feed">{feed}</p>
            {move || created.get().map(|made| view! {
                <div class="card new-token" role="status">
                    <p>{move || fill(text(language.get(), Key::PartnersCreated), &[("name", &made.name)])}</p>
                    <p><code class="token">{made.token}</code></p>
                </div>
            })}
            <form class="form card" on:submit=submit>
                <h2>{language.t(Key::PartnersNew)}</h2>
                <FormField label=Key::PartnersName name="partner" value=name/>
                <p class="problem" role="alert">{move || problem.get()}</p>
                <button class="button" type="submit" disabled=move || busy.get()>{language.t(Key::PartnersCreate)}</button>
            </form>
            <Show when=move || tokens.with(Vec::is_empty)>
                <p>{language.t(Key::PartnersNone)}</p>
            </Show>
            <ul class="list">
                {move || {
                    let lang = language.get();
                    tokens.get().into_iter().map(|token| {
                        let id = token.id.clone();
                        let made = fill(text(lang, Key::PartnersMade), &[("date", day(&token.created_at)), ("by", &token.created_by)]);
                        let used = match &token.last_used_at {
                            Some(last) => fill(text(lang, Key::PartnersUses), &[("uses", &token.uses.to_string()), ("date", day(last))]),
                            None => text(lang, Key::PartnersUnused).to_owned(),
                        };
                        let state = match &token.revoked_at {
                            Some(revoked) => view! {
                                <span class="revoked">{fill(text(lang, Key::PartnersRevoked), &[("date", day(revoked))])}</span>
                            }.into_any(),
                            None => view! {
                                <button class="button secondary small" type="button" on:click=move |_| revoke(id.clone())>
                                    {text(lang, Key::PartnersRevoke)}
                                </button>
                            }.into_any(),
                        };
                        view! {
                            <li class="person partner-token">
                                <strong>{token.name}</strong>
                                <span>{made}</span>
                                <span>{used}</span>
                                {state}
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
        </section>
    }
}

/// This site's address, for the feed's full address (none on the server, which draws the page for anyone).
fn web_origin() -> String {
    #[cfg(feature = "hydrate")]
    return window().location().origin().unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    String::new()
}
