//! The texts of one language as a page carries them. The server writes the
//! page's language into the page (`<script type="application/json"
//! id="sawda-texts">`) and serves each language at `/texts/<code>.json`; the
//! browser reads the page's at once, and `device::language` fetches another
//! only when she switches to it (the service worker keeps all four for
//! offline use). This keeps four languages of texts out of the wasm everyone
//! downloads first.
//!
//! The home page and the offline page carry only the texts of the views
//! outside lazy routes (`SHELL_KEYS`, the rest as `null`): a lazy page fetches
//! the whole table before it is drawn, and a text missing anyway is fetched
//! with the table and drawn when it arrives, never shown as a key.

#[cfg(not(feature = "hydrate"))]
use super::texts::{SHELL_KEYS, TEXTS};
use super::{Key, Lang};

/// The element id of the page's texts.
pub const ELEMENT_ID: &str = "sawda-texts";

/// A language's texts as JSON: an array in `Key` order.
#[cfg(not(feature = "hydrate"))]
pub fn json(lang: Lang) -> String {
    serde_json::to_string(&TEXTS[lang as usize][..]).expect("texts are strings")
}

/// Only the texts of the views outside lazy routes, the others `null`.
#[cfg(not(feature = "hydrate"))]
pub fn shell_json(lang: Lang) -> String {
    let mut texts: Vec<Option<&str>> = vec![None; TEXTS[lang as usize].len()];
    for key in SHELL_KEYS {
        texts[*key as usize] = Some(TEXTS[lang as usize][*key as usize]);
    }
    serde_json::to_string(&texts).expect("texts are strings")
}

/// The page's texts (all of them, or the shell's), safe inside a `<script>` element.
#[cfg(not(feature = "hydrate"))]
pub fn json_for_page(lang: Lang, shell_only: bool) -> String {
    let json = if shell_only { shell_json(lang) } else { json(lang) };
    json.replace("</", "<\\/")
}

#[cfg(feature = "hydrate")]
mod loaded {
    use std::cell::{Cell, RefCell};

    use leptos::prelude::{ArcTrigger, Notify, Track};
    use wasm_bindgen::JsCast;

    use super::{ELEMENT_ID, Key, Lang};
    use crate::i18n::texts::KEY_COUNT;

    /// A language's texts as kept: all of them, or the shell's with gaps.
    #[derive(Clone, Copy)]
    struct Table {
        texts: &'static [Option<&'static str>],
        whole: bool,
    }

    thread_local! {
        static TABLES: RefCell<[Option<Table>; 4]> = const { RefCell::new([None; 4]) };
        static READ_PAGE: Cell<bool> = const { Cell::new(false) };
        /// Moves when a table arrives, so a view that met a missing text draws it then.
        static ARRIVED: ArcTrigger = ArcTrigger::new();
        /// Fetches a language's whole table (set by `device::language`: this module imports nothing above it).
        static FETCH: Cell<Option<fn(Lang)>> = const { Cell::new(None) };
        static ASKED: Cell<[bool; 4]> = const { Cell::new([false; 4]) };
    }

    /// Takes in a language's texts; refuses a table of another build, and
    /// never lets the shell's texts replace a whole table.
    pub fn keep(lang: Lang, json: &str) -> bool {
        let Some(texts) = parse(json) else { return false };
        if texts.len() != KEY_COUNT {
            return false;
        }
        let whole = texts.iter().all(Option::is_some);
        if !whole && is_loaded(lang) {
            return true;
        }
        // Kept for the page's life, at most twice per language (the shell's, then all).
        let texts: Vec<Option<&'static str>> =
            texts.into_iter().map(|t| t.map(|t| &*Box::leak(t.into_boxed_str()))).collect();
        let table = Table { texts: Box::leak(texts.into_boxed_slice()), whole };
        TABLES.with(|tables| tables.borrow_mut()[lang as usize] = Some(table));
        ARRIVED.with(ArcTrigger::notify);
        true
    }

    /// An array of texts and nulls, read by the browser's own JSON parser: a
    /// parser in Rust here would sit in the download every first visit pays for.
    fn parse(json: &str) -> Option<Vec<Option<String>>> {
        let array = js_sys::JSON::parse(json).ok()?.dyn_into::<js_sys::Array>().ok()?;
        array
            .iter()
            .map(|item| match item.as_string() {
                Some(text) => Some(Some(text)),
                None => item.is_null().then_some(None),
            })
            .collect()
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

    /// Whether `lang`'s whole table is here.
    pub fn is_loaded(lang: Lang) -> bool {
        read_page();
        TABLES.with(|tables| tables.borrow()[lang as usize].is_some_and(|t| t.whole))
    }

    /// Names the function that fetches a whole table when a text is missing.
    pub fn fetch_missing_with(fetch: fn(Lang)) {
        FETCH.with(|f| f.set(Some(fetch)));
    }

    /// After a fetch that failed: the next missing text asks again.
    pub fn ask_again(lang: Lang) {
        ASKED.with(|asked| {
            let mut all = asked.get();
            all[lang as usize] = false;
            asked.set(all);
        });
    }

    pub fn get(lang: Lang, key: Key) -> &'static str {
        read_page();
        let found =
            TABLES.with(|tables| tables.borrow()[lang as usize].and_then(|t| t.texts.get(key as usize).copied()));
        if let Some(Some(text)) = found {
            return text;
        }
        // Drawn empty for a moment, then again once the whole table is here.
        ARRIVED.with(ArcTrigger::track);
        let asked = ASKED.with(|asked| {
            let mut all = asked.get();
            let before = std::mem::replace(&mut all[lang as usize], true);
            asked.set(all);
            before
        });
        if !asked && let Some(fetch) = FETCH.with(Cell::get) {
            fetch(lang);
        }
        ""
    }
}

#[cfg(feature = "hydrate")]
pub use loaded::{ask_again, fetch_missing_with, get, is_loaded, keep};

#[cfg(not(feature = "hydrate"))]
pub fn get(lang: Lang, key: Key) -> &'static str {
    TEXTS[lang as usize][key as usize]
}

#[cfg(all(test, not(feature = "hydrate")))]
mod tests {
    use super::*;
    use crate::i18n::texts::SHELL_KEYS;

    #[test]
    fn the_home_page_carries_the_site_frames_texts_and_no_others() {
        for lang in Lang::ALL {
            let texts: Vec<Option<String>> = serde_json::from_str(&shell_json(lang)).unwrap();
            assert_eq!(texts.len(), Key::ALL.len());
            for key in Key::ALL {
                assert_eq!(texts[key as usize].is_some(), SHELL_KEYS.contains(&key), "{lang:?} {}", key.name());
            }
            // The header's and the home page's own words are among them.
            for key in [Key::AppName, Key::MetaDescription] {
                assert_eq!(texts[key as usize].as_deref(), Some(TEXTS[lang as usize][key as usize]));
            }
            assert!(shell_json(lang).len() * 3 < json(lang).len(), "the shell's texts are a small part of all");
        }
    }

    #[test]
    fn a_page_script_cannot_be_closed_by_a_text() {
        for shell_only in [true, false] {
            assert!(!json_for_page(Lang::En, shell_only).contains("</"));
        }
    }
}
