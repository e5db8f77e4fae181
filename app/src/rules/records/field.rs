//! What a field of a record may hold, as a table row ([`FieldSpec`]): each kind
//! of record lists its fields once, and the phone's editors, the phone's check
//! and the server's check all read that list. Choice lists are enums made by
//! `rules::choices`, each with its stored id and its translated name.

use serde_json::Value;

use super::slug;
use crate::i18n::Key;
use crate::rules::people::{District, normalise_phone};
use crate::rules::problem::{FieldProblem, check_text};

/// What values a field takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// Text of `min..=max` characters (after trimming).
    Text { min: usize, max: usize },
    /// A whole number in `0..=max`.
    WholeNumber { max: u64 },
    /// One id of a choice list.
    Choice(&'static [&'static str]),
    /// A list of ids of a choice list, each at most once.
    Choices(&'static [&'static str]),
    /// A district id.
    District,
    /// A photo's hash.
    Photo,
    /// Up to `max` photo hashes, each once; the first is the main photo.
    Photos { max: usize },
    /// `true` or `false`.
    Flag,
    /// Where a record stands in a list: any finite number, ordered ascending.
    Position,
    /// The id of another record.
    Record,
    /// A web address on Sawda (`slug`).
    Slug,
    /// A Telegram user name, without the `@`.
    Telegram,
    /// A phone number.
    Phone,
    /// Up to `max` hashtags ([`check_hashtag`], each of at most `tag_max`
    /// characters), none twice in any letter case.
    Hashtags { max: usize, tag_max: usize },
    /// An Instagram user name, without the `@`.
    Instagram,
    /// `[{"method": …, "note": …}]`: each method of the list once, with her own
    /// instructions of at most `note_max` characters.
    Payment { methods: &'static [&'static str], note_max: usize },
}

impl Shape {
    /// Whether the field holds photos: a record's photos are read from such fields.
    pub const fn holds_photos(self) -> bool {
        matches!(self, Shape::Photo | Shape::Photos { .. })
    }
}

/// One field of a kind of record.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FieldSpec {
    pub name: &'static str,
    /// What her forms call it (and the sync bar and the desk after them);
    /// `None` for a field no form shows.
    pub label: Option<Key>,
    /// `null` clears it.
    pub optional: bool,
    pub shape: Shape,
}

impl FieldSpec {
    pub const fn required(name: &'static str, shape: Shape) -> FieldSpec {
        FieldSpec { name, label: None, optional: false, shape }
    }

    pub const fn optional(name: &'static str, shape: Shape) -> FieldSpec {
        FieldSpec { name, label: None, optional: true, shape }
    }

    pub const fn labelled(self, label: Key) -> FieldSpec {
        FieldSpec { label: Some(label), ..self }
    }

    /// The most characters an editor lets her type (a leading `@` included).
    pub const fn max_typed(&self) -> usize {
        match self.shape {
            Shape::Text { max, .. } => max,
            Shape::Slug => slug::MAX_CHARS,
            Shape::Telegram => 33,
            Shape::Instagram => 31,
            Shape::Phone => 20,
            Shape::Payment { note_max, .. } => note_max,
            Shape::Hashtags { tag_max, .. } => tag_max,
            _ => 0,
        }
    }

    pub fn check(&self, value: &Value) -> Result<(), FieldProblem> {
        if self.optional && value.is_null() {
            return Ok(());
        }
        match self.shape {
            Shape::Text { min, max } => check_text(text(value)?, min, max),
            Shape::WholeNumber { max } => whole_number(value, 0, max),
            Shape::Choice(ids) => one_of(text(value)?, ids),
            Shape::Choices(ids) => distinct_choices(value, ids),
            Shape::District => District::from_id(text(value)?).map(|_| ()).ok_or(FieldProblem::NotInList),
            Shape::Photo => check_photo(value),
            Shape::Photos { max } => check_photos(value, max),
            Shape::Flag => value.as_bool().map(|_| ()).ok_or(FieldProblem::WrongType),
            Shape::Position => value.as_f64().filter(|p| p.is_finite()).map(|_| ()).ok_or(FieldProblem::WrongType),
            Shape::Record => {
                text(value)?.parse::<sawda_sync::RecordId>().map(|_| ()).map_err(|_| FieldProblem::WrongType)
            }
            Shape::Slug => slug::check(text(value)?),
            Shape::Telegram => check_telegram(text(value)?),
            Shape::Phone => normalise_phone(text(value)?).map(|_| ()).ok_or(FieldProblem::Phone),
            Shape::Instagram => check_instagram(text(value)?),
            Shape::Payment { methods, note_max } => check_payment(value, methods, note_max),
            Shape::Hashtags { max, tag_max } => check_hashtags(value, max, tag_max),
        }
    }
}

/// The spec of `name` in a kind's table; `None` for a field the kind does not have.
pub fn find(fields: &'static [FieldSpec], name: &str) -> Option<&'static FieldSpec> {
    fields.iter().find(|spec| spec.name == name)
}

/// Checks `value` for the field `name` of a kind with the table `fields`.
pub fn check_in(fields: &'static [FieldSpec], name: &str, value: &Value) -> Result<(), FieldProblem> {
    find(fields, name).ok_or(FieldProblem::UnknownField)?.check(value)
}

/// The spec of a field a kind is known to have (for editors and views).
pub fn spec(fields: &'static [FieldSpec], name: &str) -> &'static FieldSpec {
    find(fields, name).unwrap_or_else(|| panic!("no field {name} in this kind"))
}

/// How a record points at a photo: by the SHA-256 of the photo's bytes, in
/// 64 lower-case hex digits.
pub const HASH_HEX_LEN: usize = 64;

pub fn is_photo_hash(text: &str) -> bool {
    text.len() == HASH_HEX_LEN && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub fn check_photo(value: &Value) -> Result<(), FieldProblem> {
    match value.as_str() {
        Some(text) if is_photo_hash(text) => Ok(()),
        Some(_) => Err(FieldProblem::Photo),
        None => Err(FieldProblem::WrongType),
    }
}

fn text(value: &Value) -> Result<&str, FieldProblem> {
    value.as_str().ok_or(FieldProblem::WrongType)
}

fn one_of(value: &str, choices: &[&str]) -> Result<(), FieldProblem> {
    if choices.contains(&value) { Ok(()) } else { Err(FieldProblem::NotInList) }
}

fn whole_number(value: &Value, min: u64, max: u64) -> Result<(), FieldProblem> {
    let n = value.as_u64().ok_or(match value {
        Value::Number(_) => FieldProblem::WholeNumber,
        _ => FieldProblem::WrongType,
    })?;
    if (min..=max).contains(&n) { Ok(()) } else { Err(FieldProblem::OutOfRange { min, max }) }
}

fn distinct_choices(value: &Value, choices: &[&str]) -> Result<(), FieldProblem> {
    let items = value.as_array().ok_or(FieldProblem::WrongType)?;
    let mut seen = Vec::new();
    for item in items {
        let choice = text(item)?;
        one_of(choice, choices)?;
        if seen.contains(&choice) {
            return Err(FieldProblem::Repeated);
        }
        seen.push(choice);
    }
    Ok(())
}

fn check_photos(value: &Value, max: usize) -> Result<(), FieldProblem> {
    let photos = value.as_array().ok_or(FieldProblem::WrongType)?;
    if photos.len() > max {
        return Err(FieldProblem::TooManyPhotos { max });
    }
    for (i, photo) in photos.iter().enumerate() {
        check_photo(photo)?;
        if photos[..i].contains(photo) {
            return Err(FieldProblem::Repeated);
        }
    }
    Ok(())
}

fn check_payment(value: &Value, methods: &[&str], note_max: usize) -> Result<(), FieldProblem> {
    let items = value.as_array().ok_or(FieldProblem::WrongType)?;
    let mut seen = Vec::new();
    for item in items {
        let entry = item.as_object().ok_or(FieldProblem::WrongType)?;
        if entry.keys().any(|k| k != "method" && k != "note") {
            return Err(FieldProblem::WrongType);
        }
        let method = text(entry.get("method").unwrap_or(&Value::Null))?;
        one_of(method, methods)?;
        if seen.contains(&method) {
            return Err(FieldProblem::Repeated);
        }
        seen.push(method);
        if let Some(note) = entry.get("note") {
            check_text(text(note)?, 0, note_max)?;
        }
    }
    Ok(())
}

fn check_hashtags(value: &Value, max: usize, tag_max: usize) -> Result<(), FieldProblem> {
    let tags = value.as_array().ok_or(FieldProblem::WrongType)?;
    if tags.len() > max {
        return Err(FieldProblem::TooManyHashtags { max });
    }
    let mut seen: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = text(tag)?;
        check_hashtag(tag, tag_max)?;
        // #Qawın and #qawın are one tag to a buyer who taps it.
        let folded = tag.to_lowercase();
        if seen.contains(&folded) {
            return Err(FieldProblem::Repeated);
        }
        seen.push(folded);
    }
    Ok(())
}

/// One hashtag as stored, without its `#`: 1 to `max` of letters of the
/// four languages' alphabets (Latin with Karakalpak's and Uzbek's letters,
/// Cyrillic), digits and `_`, with at least one letter. A space, a `#`, an
/// apostrophe or a hyphen would end the tag where Instagram, Telegram and
/// Facebook make it a link, so the rest of it would be plain text.
pub fn check_hashtag(tag: &str, max: usize) -> Result<(), FieldProblem> {
    let length = tag.chars().count();
    let ok = (1..=max).contains(&length)
        && tag.chars().all(|c| c == '_' || c.is_ascii_digit() || is_hashtag_letter(c))
        && tag.chars().any(is_hashtag_letter);
    if ok { Ok(()) } else { Err(FieldProblem::Hashtag { max }) }
}

/// A letter of the Latin alphabets of Karakalpak, Uzbek and English, or of
/// the Cyrillic alphabets of Russian, Uzbek and Karakalpak.
pub fn is_hashtag_letter(c: char) -> bool {
    c.is_ascii_alphabetic()
        || matches!(c, 'á' | 'Á' | 'ó' | 'Ó' | 'ú' | 'Ú' | 'ı' | 'İ' | 'í' | 'Í' | 'ǵ' | 'Ǵ' | 'ń' | 'Ń')
        || (('\u{0400}'..='\u{04FF}').contains(&c) && c.is_alphabetic())
}

/// Telegram's rules: 5–32 of Latin letters, digits and `_`, starting with a
/// letter. A leading `@` is not part of the name (the editor drops it).
pub fn check_telegram(name: &str) -> Result<(), FieldProblem> {
    let ok = (5..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok { Ok(()) } else { Err(FieldProblem::Telegram) }
}

/// Instagram's rules: 1–30 of Latin letters, digits, `.` and `_`, not
/// starting or ending with a dot nor with two dots in a row.
pub fn check_instagram(name: &str) -> Result<(), FieldProblem> {
    let ok = (1..=30).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_')
        && !name.starts_with('.')
        && !name.ends_with('.')
        && !name.contains("..");
    if ok { Ok(()) } else { Err(FieldProblem::Instagram) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::choices::choices;
    use serde_json::json;

    choices!(
        /// A test list.
        Colour { Red = "red" => CategoryFood, Blue = "blue" => CategoryOther }
    );

    #[test]
    fn a_choice_list_knows_its_ids_and_names() {
        assert_eq!(Colour::IDS, &["red", "blue"]);
        assert_eq!(Colour::from_id("blue"), Some(Colour::Blue));
        assert_eq!(Colour::from_id("green"), None);
        assert_eq!(Colour::Red.id(), "red");
        assert_eq!(Colour::ALL.len(), 2);
        assert_eq!(Colour::Red.name_key(), crate::i18n::Key::CategoryFood);
    }

    #[test]
    fn a_table_refuses_fields_it_does_not_list() {
        static FIELDS: [FieldSpec; 2] = [
            FieldSpec::required("name", Shape::Text { min: 2, max: 5 }),
            FieldSpec::optional("colour", Shape::Choice(Colour::IDS)),
        ];
        assert_eq!(check_in(&FIELDS, "name", &json!("Aral")), Ok(()));
        assert_eq!(check_in(&FIELDS, "name", &Value::Null), Err(FieldProblem::WrongType));
        assert_eq!(check_in(&FIELDS, "colour", &Value::Null), Ok(()));
        assert_eq!(check_in(&FIELDS, "colour", &json!("green")), Err(FieldProblem::NotInList));
        assert_eq!(check_in(&FIELDS, "price", &json!(1)), Err(FieldProblem::UnknownField));
        assert_eq!(spec(&FIELDS, "name").max_typed(), 5);
    }

    #[test]
    fn only_a_sha256_in_lower_case_hex_names_a_photo() {
        assert!(is_photo_hash(&"0123456789abcdef".repeat(4)));
        assert!(!is_photo_hash(&"0123456789ABCDEF".repeat(4)));
        assert!(!is_photo_hash(&"0".repeat(63)));
        assert!(!is_photo_hash("../../etc/passwd"));
        assert_eq!(check_photo(&json!(1)), Err(FieldProblem::WrongType));
        assert_eq!(check_photo(&json!("x")), Err(FieldProblem::Photo));
    }
}
