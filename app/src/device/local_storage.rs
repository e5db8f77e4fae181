//! Whether the browser lets the site use local storage, which keeps the
//! small things (the language, the remembered account). Runs only in the
//! browser.

/// Private modes and blocked sites throw on first touch; gloo would panic then.
pub fn available() -> bool {
    leptos::prelude::window().local_storage().ok().flatten().is_some()
}
