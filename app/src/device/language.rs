//! Keeps the chosen language on the device (local storage), in the cookie the
//! server reads, and in `<html lang>`; fetches another language's texts when
//! she switches to it. Runs only in the browser, after hydration.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::device::local_storage;
use crate::i18n::{LANGUAGE_COOKIE, Lang, Language, language_from_cookies, page_texts};

const STORAGE_KEY: &str = "sawda.language";
const ONE_YEAR_SECONDS: u32 = 365 * 24 * 60 * 60;

pub fn keep_in_step(language: Language) {
    // The home page carries only its own texts; any other is fetched when first needed.
    page_texts::fetch_missing_with(|lang| {
        leptos::task::spawn_local(async move {
            if !load_texts(lang).await {
                page_texts::ask_again(lang);
            }
        });
    });
    // A cookie can be lost (cleared, expired) while the device store keeps the choice.
    Effect::new(move |previous: Option<()>| {
        let current = language.get();
        if previous.is_none()
            && cookie_language().is_none()
            && let Some(saved) = saved_language()
            && saved != current
        {
            // Setting the signal (once its texts are here) runs this effect
            // again, which then remembers it.
            leptos::task::spawn_local(async move {
                if load_texts(saved).await {
                    language.set(saved);
                }
            });
            return;
        }
        remember(current);
    });
}

/// Starts fetching the whole table of the language shown as a lazy page's
/// code is fetched (the home page carries only the site frame's texts); a
/// text drawn before it arrives is drawn again then.
pub fn fetch_page_texts() {
    if let Some(language) = use_context::<Language>() {
        let lang = language.get_untracked();
        if !page_texts::is_loaded(lang) {
            leptos::task::spawn_local(async move {
                load_texts(lang).await;
            });
        }
    }
}

/// Makes `lang`'s texts available, fetching them if this page lacks them;
/// false when they cannot be had (offline before the service worker kept them).
pub async fn load_texts(lang: Lang) -> bool {
    if page_texts::is_loaded(lang) {
        return true;
    }
    let path = format!("/texts/{}.json", lang.code());
    match crate::device::http::send(lang, "GET", &path, None).await {
        Ok((200, json)) => page_texts::keep(lang, &json),
        _ => false,
    }
}

fn saved_language() -> Option<Lang> {
    // Kept as a JSON string by earlier releases too.
    let code = js_sys::JSON::parse(&local_storage::get(STORAGE_KEY)?).ok()?.as_string()?;
    Lang::from_code(&code)
}

fn remember(lang: Lang) {
    let document = document();
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
    // Storage can be full or disabled; the cookie still carries the choice then.
    if let Ok(json) = js_sys::JSON::stringify(&lang.code().into()) {
        local_storage::set(STORAGE_KEY, &String::from(json));
    }
    if let Some(html) = document.dyn_ref::<web_sys::HtmlDocument>() {
        let _ = html.set_cookie(&format!(
            "{LANGUAGE_COOKIE}={}; Path=/; Max-Age={ONE_YEAR_SECONDS}; SameSite=Lax",
            lang.code()
        ));
    }
}

fn cookie_language() -> Option<Lang> {
    let html = document().dyn_into::<web_sys::HtmlDocument>().ok()?;
    language_from_cookies(&html.cookie().ok()?)
}
