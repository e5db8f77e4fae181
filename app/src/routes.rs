//! The one route table. Each journey owns its pages; those loaded on demand
//! declare their lazy route next to the page (`lazy_page!`), and `cargo leptos
//! build --split` puts their code in separate wasm chunks, so a buyer opening
//! the home page does not download the forms of sign-up, the coordinators'
//! desk or the studio and its sync.

use leptos::prelude::*;
use leptos_meta::{Meta, Title, provide_meta_context};
use leptos_router::{
    Lazy, ParamSegment, StaticSegment,
    components::{Route, Router, Routes},
};

use crate::i18n::{Key, provide_language};
use crate::site::{HomePage, NotFoundPage, OfflinePage};
use crate::ui::{NewVersionNotice, SiteFooter, SiteHeader};
use crate::{account, people, review, studio};

/// A route whose page's code loads when the address is first opened.
macro_rules! lazy_page {
    ($route:ident, $page:ident) => {
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> leptos::prelude::AnyView {
                use leptos::prelude::*;
                view! { <$page/> }.into_any()
            }
        }
    };
}
pub(crate) use lazy_page;

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let language = provide_language(crate::shell::initial_language());
    #[cfg(feature = "hydrate")]
    crate::device::language::keep_in_step(language);

    view! {
        <Title text=language.t(Key::AppName)/>
        <Meta name="description" content=language.t(Key::MetaDescription)/>
        <Router>
            <SiteHeader/>
            <NewVersionNotice/>
            <main id="main">
                <Routes fallback=NotFoundPage>
                    <Route path=StaticSegment("") view=HomePage/>
                    <Route path=StaticSegment("studio") view={Lazy::<studio::StudioRoute>::new()}/>
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
                </Routes>
            </main>
            <SiteFooter/>
        </Router>
    }
}
