/// The four languages of Sawda. The order is the order of `TEXTS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Karakalpak, Latin script: the default for anyone whose browser names none of the four.
    Kaa = 0,
    /// Uzbek, Latin script.
    Uz = 1,
    Ru = 2,
    En = 3,
}

impl Lang {
    pub const ALL: [Lang; 4] = [Lang::Kaa, Lang::Uz, Lang::Ru, Lang::En];
    pub const DEFAULT: Lang = Lang::Kaa;

    /// BCP 47 code, as used in `<html lang>`, the cookie and the device store.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Kaa => "kaa",
            Lang::Uz => "uz",
            Lang::Ru => "ru",
            Lang::En => "en",
        }
    }

    /// Reads a code or a full tag (`ru`, `RU`, `uz-Latn-UZ`); `None` for any other language.
    pub fn from_code(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?;
        Lang::ALL.into_iter().find(|lang| lang.code().eq_ignore_ascii_case(primary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
    }

    #[test]
    fn reads_full_tags_and_rejects_others() {
        assert_eq!(Lang::from_code("uz-Latn-UZ"), Some(Lang::Uz));
        assert_eq!(Lang::from_code("RU_ru"), Some(Lang::Ru));
        assert_eq!(Lang::from_code(" kaa "), Some(Lang::Kaa));
        assert_eq!(Lang::from_code("kk"), None);
        assert_eq!(Lang::from_code("english"), None);
        assert_eq!(Lang::from_code(""), None);
    }
}
