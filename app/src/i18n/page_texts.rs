//! The texts of one language as a page carries them. The server writes the
//! page's language into the page (`<script type="application/json"
//! id="sawda-texts">`) and serves each language at `/texts/<code>.json`; the
//! browser reads the page's at once, and `device::language` fetches another
//! only when she switches to it (the service worker keeps all four for
//! offline use). This keeps four languages of texts out of the wasm everyone
//! downloads first.

#[cfg(not(feature = "hydrate"))]
use super::texts::TEXTS;
use super::{Key, Lang};

/// The element id of the page's texts.
pub const ELEMENT_ID: &str = "sawda-texts";

/// A language's texts as JSON: an array in `Key` order.
#[cfg(not(feature = "hydrate"))]
pub fn json(lang: Lang) -> String {
    serde_json::to_string(&TEXTS[lang as usize][..]).expect("texts are strings")
}

/// The same, safe inside a `<script>` element.
#[cfg(not(feature = "hydrate"))]
pub fn json_for_page(lang: Lang) -> String {
    json(lang).replace("</", "<\\/")
}

#[cfg(feature = "hydrate")]
mod loaded {
    use std::cell::RefCell;

    use super::{ELEMENT_ID, Key, Lang};
    use crate::i18n::texts::KEY_COUNT;

    thread_local! {
        static TABLES: RefCell<[Option<&'static [&'static str]>; 4]> = const { RefCell::new([None; 4]) };
        static READ_PAGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    }

    /// Takes in a language's texts; refuses a table of another build.
    pub fn keep(lang: Lang, json: &str) -> bool {
        let Ok(texts) = serde_json::from_str::<Vec<String>>(json) else { return false };
        if texts.len() != KEY_COUNT {
            return false;
        }
        // Kept for the page's life, at most once per language.
        let texts: Vec<&'static str> = texts.into_iter().map(|t| &*Box::leak(t.into_boxed_str())).collect();
        TABLES.with(|tables| tables.borrow_mut()[lang as usize] = Some(Box::leak(texts.into_boxed_slice())));
        true
    }

    fn read_page() {
        if READ_PAGE.with(|read| read.replace(true)) {
            return;
        }
        let Some(element) = leptos::prelude::document().get_element_by_id(ELEMENT_ID) else { return };
        let lang = element.get_attribute("data-lang").and_then(|code| Lang::from_code(&code));
        if let (Some(lang), Some(json)) = (lang, element.text_content()) {
            keep(lang, &json);
        }
    }

    pub fn is_loaded(lang: Lang) -> bool {
        read_page();
        TABLES.with(|tables| tables.borrow()[lang as usize].is_some())
    }

    pub fn get(lang: Lang, key: Key) -> &'static str {
        read_page();
        TABLES.with(|tables| tables.borrow()[lang as usize].and_then(|t| t.get(key as usize).copied()).unwrap_or(""))
    }
}

#[cfg(feature = "hydrate")]
pub use loaded::{get, is_loaded, keep};

#[cfg(not(feature = "hydrate"))]
pub fn get(lang: Lang, key: Key) -> &'static str {
    TEXTS[lang as usize][key as usize]
}
