use crate::i18n::{Lang, text};
use crate::rules::people::District;

/// The translated name of a district id (the id itself when unknown).
pub fn district_name(lang: Lang, id: &str) -> String {
    District::from_id(id).map_or_else(|| id.to_string(), |district| text(lang, district.name_key()).to_string())
}
