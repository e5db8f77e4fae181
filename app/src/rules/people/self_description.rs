//! How an entrepreneur describes herself at sign-up, for the programme's
//! figures only (the share of women-led storefronts); never shown to anyone
//! else. Optional: not saying is an answer of its own, never guessed.

use crate::rules::choices::choices;

choices!(
    /// The choices the sign-up form offers.
    SelfDescription {
        Woman = "woman" => GenderWoman,
        Man = "man" => GenderMan,
        /// She describes herself otherwise.
        Another = "another" => GenderAnother,
    }
);

/// Who leads a storefront, as the programme counts it: her own words, or
/// that she did not say. An account made before the choices were offered
/// with words of its own counts as `Another`, since reading them would be guessing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LedBy {
    Said(SelfDescription),
    NotSaid,
}

impl LedBy {
    pub const ALL: [LedBy; 4] = [
        LedBy::Said(SelfDescription::Woman),
        LedBy::Said(SelfDescription::Man),
        LedBy::Said(SelfDescription::Another),
        LedBy::NotSaid,
    ];

    /// What the account keeps (`gender`).
    pub fn of(stored: Option<&str>) -> LedBy {
        match stored.map(str::trim).filter(|s| !s.is_empty()) {
            None => LedBy::NotSaid,
            Some(text) => LedBy::Said(SelfDescription::from_id(text).unwrap_or(SelfDescription::Another)),
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            LedBy::Said(said) => said.id(),
            LedBy::NotSaid => "not_said",
        }
    }

    pub fn name_key(self) -> crate::i18n::Key {
        match self {
            LedBy::Said(said) => said.name_key(),
            LedBy::NotSaid => crate::i18n::Key::GenderNotSaid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_her_own_choice_counts_as_it_and_nothing_said_is_not_said() {
        assert_eq!(LedBy::of(Some("woman")), LedBy::Said(SelfDescription::Woman));
        assert_eq!(LedBy::of(Some("man")), LedBy::Said(SelfDescription::Man));
        // Words typed before the choices existed are hers, not read as one of them.
        assert_eq!(LedBy::of(Some("Woman ")), LedBy::Said(SelfDescription::Another));
        assert_eq!(LedBy::of(Some("ayol")), LedBy::Said(SelfDescription::Another));
        assert_eq!(LedBy::of(None), LedBy::NotSaid);
        assert_eq!(LedBy::of(Some("  ")), LedBy::NotSaid);
    }
}
