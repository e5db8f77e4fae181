//! Who is signed in, for the pages that need someone: the account pages, the
//! people lists and the review desk.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use super::encode_component;
use crate::device::http::{call, spawn};
use crate::i18n::use_language;
use crate::wire::AccountView;

/// Loads the signed-in account once the page is interactive; sends to sign-in
/// when there is none, and from there back to this page.
pub fn load_account() -> RwSignal<Option<AccountView>> {
    let language = use_language();
    let account = RwSignal::new(None);
    let navigate = use_navigate();
    let location = use_location();
    Effect::new(move |_| {
        let navigate = navigate.clone();
        spawn(async move {
            match call::<AccountView>(language.get_untracked(), "GET", "/api/v1/me", None).await {
                Ok(me) => {
                    #[cfg(feature = "hydrate")]
                    crate::device::account::remember(&me);
                    super::menu_for(me.role);
                    account.set(Some(me));
                }
                Err(problem) if problem.code == "not_signed_in" => {
                    let (path, search) = (location.pathname.get_untracked(), location.search.get_untracked());
                    let here = if search.is_empty() { path } else { format!("{path}?{search}") };
                    navigate(&format!("/sign-in?next={}", encode_component(&here)), Default::default());
                }
                // No connection: the person this phone remembers, as last seen.
                Err(_) => {
                    #[cfg(feature = "hydrate")]
                    account.set(crate::device::account::recall());
                }
            }
        });
    });
    account
}
