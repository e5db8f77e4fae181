//! Every text a person reads comes from `locales/*.json` through this module.

pub mod grammar;
mod lang;
mod negotiate;
mod page_language;
pub mod page_texts;
mod texts {
    include!(concat!(env!("OUT_DIR"), "/texts.rs"));
}

pub use lang::Lang;
pub use negotiate::{LANGUAGE_COOKIE, choose_language, language_from_accept, language_from_cookies};
pub use page_language::{choose_for_request, initial_language};
pub use texts::Key;

use leptos::prelude::*;

/// The text for `key` in `lang`.
pub fn text(lang: Lang, key: Key) -> &'static str {
    #[cfg(feature = "hydrate")]
    {
        // The switcher names every language in its own; those few are built in.
        match key {
            Key::LanguageName => return texts::LANGUAGE_LABELS[lang as usize][0],
            Key::LanguageShort => return texts::LANGUAGE_LABELS[lang as usize][1],
            _ => {}
        }
    }
    page_texts::get(lang, key)
}

/// Fills `{name}` placeholders of a text.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(template.to_string(), |text, (name, value)| text.replace(&format!("{{{name}}}"), value))
}

/// The language the page is shown in, shared by every component.
#[derive(Clone, Copy)]
pub struct Language(RwSignal<Lang>);

impl Language {
    pub fn get(self) -> Lang {
        self.0.get()
    }

    /// The language now, without re-running the caller when it changes.
    pub fn get_untracked(self) -> Lang {
        self.0.get_untracked()
    }

    pub fn set(self, lang: Lang) {
        self.0.set(lang);
    }

    /// A reactive text: re-renders when the language changes.
    pub fn t(self, key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || text(self.0.get(), key)
    }
}

pub fn provide_language(initial: Lang) -> Language {
    let language = Language(RwSignal::new(initial));
    provide_context(language);
    language
}

pub fn use_language() -> Language {
    expect_context::<Language>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_exists_in_every_language() {
        for lang in Lang::ALL {
            for key in Key::ALL {
                assert!(!text(lang, key).trim().is_empty(), "{lang:?} {}", key.name());
            }
        }
    }

    #[test]
    fn languages_really_differ() {
        assert_ne!(text(Lang::En, Key::HomeTitle), text(Lang::Ru, Key::HomeTitle));
        assert_ne!(text(Lang::Kaa, Key::HomeTitle), text(Lang::Uz, Key::HomeTitle));
        assert_eq!(text(Lang::Kaa, Key::LanguageName), "Qaraqalpaqsha");
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(fill("{a} and {b}, {a}", &[("a", "x"), ("b", "y")]), "x and y, x");
        assert_eq!(fill("none", &[("a", "x")]), "none");
    }
}
