//! The one route table. Each journey owns its pages; those loaded on demand
//! declare their lazy route next to the page (`lazy_page!`, in `lib.rs`), and `cargo leptos
//! build --split` puts their code in separate wasm chunks, so a buyer opening
//! the home page does not download the forms of sign-up, the coordinators'
//! desk or the studio and its sync.

use leptos::prelude::*;
use leptos_meta::{Meta, Title, provide_meta_context};
use leptos_router::{
    Lazy, ParamSegment, StaticSegment,
    components::{Route, Router, Routes},
};

use crate::i18n::{Key, initial_language, provide_language};
use crate::site::{HomePage, NotFoundPage, OfflinePage};
use crate::ui::{NewVersionNotice, SiteFooter, SiteHeader, title_text};
use crate::{account, ads, people, review, studio};

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let language = provide_language(initial_language());
    #[cfg(feature = "hydrate")]
    crate::device::language::keep_in_step(language);

    view! {
        <Title text=title_text(move || language.t(Key::AppName)().to_owned())/>
        <Meta name="description" content=language.t(Key::MetaDescription)/>
        <Router>
            <SiteHeader/>
            <NewVersionNotice/>
            <main id="main">
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=HomePage/>
                    <Route path=StaticSegment("studio") view={Lazy::<studio::StudioRoute>::new()}/>
                    <Route path=(StaticSegment("studio"), StaticSegment("ads")) view={Lazy::<ads::AdStudioRoute>::new()}/>
                    <Route path=StaticSegment("review") view={Lazy::<review::ReviewQueueRoute>::new()}/>
                    <Route path=(StaticSegment("review"), ParamSegment("owner"), ParamSegment("record"))
                        view={Lazy::<review::ReviewItemRoute>::new()}/>
                    <Route path=StaticSegment("offline") view=OfflinePage/>
                    <Route path=StaticSegment("sign-in") view={Lazy::<account::SignInRoute>::new()}/>
                    <Route path=StaticSegment("sign-up") view={Lazy::<account::SignUpRoute>::new()}/>
                    <Route path=StaticSegment("reset-password") view={Lazy::<account::ResetPasswordRoute>::new()}/>
                    <Route path=StaticSegment("account") view={Lazy::<account::AccountRoute>::new()}/>
                    <Route path=StaticSegment("invitations") view={Lazy::<people::InvitationsRoute>::new()}/>
                    <Route path=StaticSegment("entrepreneurs") view={Lazy::<people::EntrepreneursRoute>::new()}/>
                    <Route path=StaticSegment("coordinators") view={Lazy::<people::CoordinatorsRoute>::new()}/>
                    <Route path=StaticSegment("partner-access") view={Lazy::<people::PartnerAccessRoute>::new()}/>
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}
