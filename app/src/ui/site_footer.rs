use leptos::prelude::*;

use crate::i18n::{Key, use_language};

#[component]
pub fn SiteFooter() -> impl IntoView {
    let language = use_language();
    view! {
        <footer class="site-footer">
            <p>{language.t(Key::FooterText)}</p>
        </footer>
    }
}
