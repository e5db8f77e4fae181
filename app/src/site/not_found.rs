use leptos::prelude::*;

use crate::i18n::{Key, use_language};
use crate::ui::PageTitle;

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    let language = use_language();
    view! {
        <section class="page">
            <PageTitle page=Key::NotFoundTitle/>
            <h1>{language.t(Key::NotFoundTitle)}</h1>
            <p>{language.t(Key::NotFoundBody)}</p>
            <a class="button" href="/">{language.t(Key::NotFoundAction)}</a>
        </section>
    }
}
