//! `/studio`. Rendered on the server as "opening"; in the browser it opens the
//! signed-in person's store on this device, which works without a network.

use leptos::prelude::*;

use super::orders::OrdersSection;
use super::preview::StorefrontPreview;
use super::product_list::ProductList;
use super::review_panel::{FeedbackSection, ReviewPanel};
use super::storefront_editor::StorefrontEditor;
use super::sync_bar::SyncStatusBar;
use super::views::ViewsPanel;
use super::{Phase, Section, Studio};
use crate::device::store::StoreProblem;
use crate::device::sync::SyncStatus;
use crate::i18n::{Key, use_language};
use crate::ui::PageTitle;

#[component]
pub fn StudioPage() -> impl IntoView {
    let language = use_language();
    let studio = Studio::new();
    provide_context(studio);
    provide_context(super::inputs::RefusedTyping::default());
    let previewing = RwSignal::new(false);
    // Her session ended (or she signed out in another tab): what is on the phone is shown, read-only.
    let read_only =
        move || matches!(studio.sync.status.get(), SyncStatus::SignedOut(_) | SyncStatus::Store(StoreProblem::Removed));
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| open_store(studio, language));
    view! {
        <section class="page narrow studio">
            <PageTitle page=Key::StudioTitle/>
            <h1>{language.t(Key::StudioTitle)}</h1>
            {move || match studio.phase.get() {
                // The first screen (first_screen.js, inline in the page) writes her storefront into the empty
                // element before the app has loaded; hydration claims it and leaves its text alone.
                Phase::Opening => view! {
                    <p class="studio-opening">{language.t(Key::StudioOpening)}</p>
                    <div id="studio-first-screen"></div>
                }.into_any(),
                Phase::NoAccount => view! {
                    <p>{language.t(Key::StudioSignInFirst)}</p>
                    <a class="button" href="/sign-in">{language.t(Key::SignInTitle)}</a>
                }.into_any(),
                Phase::Open => view! {
                    // Always in view: where her changes stand, and the parts of the studio.
                    <div class="studio-top">
                        <SyncStatusBar/>
                        <nav class="studio-sections" aria-label=language.t(Key::StudioSections)>
                            <SectionTab section=Section::Storefront label=Key::StudioSectionStorefront/>
                            <SectionTab section=Section::Products label=Key::StudioSectionProducts/>
                            <SectionTab section=Section::Orders label=Key::StudioSectionOrders/>
                            <SectionTab section=Section::Feedback label=Key::StudioSectionFeedback/>
                            // Its own page, whose code and card font load when she opens it.
                            <a class="section-tab" href="/studio/ads">{language.t(Key::StudioSectionAds)}</a>
                        </nav>
                    </div>
                    {move || read_only().then(|| view! { <p class="read-only-notice">{language.t(Key::StudioReadOnly)}</p> })}
                    // Nothing to type into until her stored records are on the fields.
                    {move || (!studio.sync.loaded.get()).then(|| view! {
                        <p class="studio-opening">{language.t(Key::StudioOpening)}</p>
                    })}
                    {move || studio.storefront_target().filter(|_| studio.sync.loaded.get()).map(|target| match studio.section.get() {
                        Section::Storefront => view! {
                            <p class="lead">{language.t(Key::StudioBody)}</p>
                            {move || studio.only_here(target.record).then(|| view! {
                                <p class="notice only-here">{language.t(Key::StudioOnlyHere)}</p>
                            })}
                            <ReviewPanel target/>
                            <button class="button secondary preview-toggle" type="button" on:click=move |_| previewing.update(|p| *p = !*p)>
                                {move || if previewing.get() { language.t(Key::PreviewClose)() } else { language.t(Key::PreviewOpen)() }}
                            </button>
                            {move || if previewing.get() {
                                view! { <StorefrontPreview target/> }.into_any()
                            } else {
                                // Her data stays in view; nothing can be changed until she signs in again.
                                view! {
                                    <fieldset class="studio-work" disabled=read_only>
                                        <StorefrontEditor target/>
                                    </fieldset>
                                    <ViewsPanel/>
                                }.into_any()
                            }}
                        }.into_any(),
                        Section::Products => view! {
                            <fieldset class="studio-work" disabled=read_only><ProductList/></fieldset>
                        }.into_any(),
                        Section::Orders => view! {
                            <fieldset class="studio-work" disabled=read_only><OrdersSection/></fieldset>
                        }.into_any(),
                        Section::Feedback => view! {
                            <fieldset class="studio-work" disabled=read_only><FeedbackSection/></fieldset>
                        }.into_any(),
                    })}
                }.into_any(),
            }}
        </section>
    }
}

/// A tab of the studio; the orders tab counts new requests, the feedback tab
/// what asks something of her.
#[component]
fn SectionTab(section: Section, label: Key) -> impl IntoView {
    let language = use_language();
    let studio = expect_context::<Studio>();
    let waiting = move || {
        match section {
            Section::Feedback => Some((studio.feedback_waiting(), Key::ReviewNewFeedback)),
            Section::Orders => Some((studio.new_orders(), Key::StudioOrdersNewCount)),
            _ => None,
        }
        .filter(|(n, _)| *n > 0)
    };
    view! {
        <button type="button" class="section-tab" aria-pressed=move || (studio.section.get() == section).to_string()
            on:click=move |_| studio.section.set(section)>
            {language.t(label)}
            {move || waiting().map(|(n, label)| view! { <span class="count" aria-label=language.t(label)>{n}</span> })}
        </button>
    }
}

/// Opens the store of the person this device remembers at once (offline
/// too); asks the server who is signed in when the device does not know.
pub fn open_store(studio: Studio, language: crate::i18n::Language) {
    #[cfg(feature = "hydrate")]
    {
        use crate::device::account::{recall, recall_kept, remember};
        use crate::device::http::{call, spawn};
        use crate::wire::AccountView;

        let open_for = move |account: &AccountView| {
            // Coordinators have no storefront: their work is at the desk, not in empty forms.
            if account.role != crate::rules::people::Role::Entrepreneur {
                let _ = window().location().replace("/review");
                return;
            }
            if let Ok(owner) = account.id.parse() {
                studio.storefront.set(Some(crate::rules::records::storefront::storefront_id(&owner)));
            }
            studio.phase.set(Phase::Open);
            crate::device::sync::open(studio.sync, language, account);
        };
        // The phone may remember someone else than the person signed in now:
        // she signed in with the page's form before its script arrived, and
        // nothing on the phone saw it. The server says who it is, when it can be asked.
        let check = move |remembered: AccountView| {
            spawn(async move {
                if let Ok(now) = call::<AccountView>(language.get_untracked(), "GET", "/api/v1/me", None).await
                    && now.id != remembered.id
                {
                    remember(&now);
                    open_for(&now);
                }
            });
        };
        if let Some(account) = recall() {
            open_for(&account);
            check(account);
            return;
        }
        spawn(async move {
            if let Some(account) = recall_kept().await {
                open_for(&account);
                check(account);
                return;
            }
            match call::<AccountView>(language.get_untracked(), "GET", "/api/v1/me", None).await {
                Ok(account) => {
                    remember(&account);
                    open_for(&account);
                }
                Err(_) => studio.phase.set(Phase::NoAccount),
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (studio, language);
}
