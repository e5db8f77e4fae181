//! A product on a storefront as a synced record: its fields and their rules,
//! the same on the phone (as she types) and on the server (on every push).

use serde_json::Value;

use super::field::{self, FieldSpec, Shape};
use crate::i18n::Key;
use crate::rules::choices::choices;
use crate::rules::latin;
use crate::rules::problem::FieldProblem;

pub const STOREFRONT: &str = "storefront";
pub const NAME: &str = "name";
pub const DESCRIPTION: &str = "description";
/// Her words in English, if she gives them: for buyers abroad and the OVOP export.
pub const NAME_EN: &str = "name_en";
pub const DESCRIPTION_EN: &str = "description_en";
pub const PRICE_SOM: &str = "price_som";
pub const PRICE_USD_CENTS: &str = "price_usd_cents";
pub const UNIT: &str = "unit";
pub const AVAILABILITY: &str = "availability";
pub const STOCK: &str = "stock";
pub const MATERIALS: &str = "materials";
pub const SHELF_LIFE: &str = "shelf_life";
pub const STORAGE: &str = "storage";
pub const HANDMADE: &str = "handmade";
pub const PHOTOS: &str = "photos";
pub const POSITION: &str = "position";

pub const MAX_PHOTOS: usize = 6;
/// A billion so'm: far above any product here, far below a number that could overflow anything.
pub const MAX_PRICE_SOM: u64 = 1_000_000_000;
pub const MAX_PRICE_USD_CENTS: u64 = 100_000_000;
pub const MAX_STOCK: u64 = 1_000_000;

choices!(
    /// Whether she can sell it now.
    Availability {
        InStock = "in_stock" => AvailabilityInStock,
        MadeToOrder = "made_to_order" => AvailabilityMadeToOrder,
        SoldOut = "sold_out" => AvailabilitySoldOut,
    }
);

/// Every field of a product; any other is refused.
pub static FIELDS: [FieldSpec; 17] = [
    FieldSpec::required(STOREFRONT, Shape::Record),
    FieldSpec::required(NAME, Shape::Text { min: 2, max: 80 }).labelled(Key::ProductName),
    FieldSpec::optional(DESCRIPTION, Shape::Text { min: 0, max: 2_000 }).labelled(Key::ProductDescription),
    FieldSpec::optional(NAME_EN, Shape::Text { min: 2, max: 80 }).labelled(Key::ProductNameEn),
    FieldSpec::optional(DESCRIPTION_EN, Shape::Text { min: 0, max: 2_000 }).labelled(Key::ProductDescriptionEn),
    FieldSpec::required(PRICE_SOM, Shape::WholeNumber { max: MAX_PRICE_SOM }).labelled(Key::ProductPriceSom),
    FieldSpec::optional(PRICE_USD_CENTS, Shape::WholeNumber { max: MAX_PRICE_USD_CENTS })
        .labelled(Key::ProductPriceUsd),
    FieldSpec::required(UNIT, Shape::Text { min: 1, max: 40 }).labelled(Key::ProductUnit),
    FieldSpec::required(AVAILABILITY, Shape::Choice(Availability::IDS)).labelled(Key::ProductAvailability),
    FieldSpec::optional(STOCK, Shape::WholeNumber { max: MAX_STOCK }).labelled(Key::ProductStock),
    FieldSpec::optional(MATERIALS, Shape::Text { min: 0, max: 500 }).labelled(Key::ProductMaterials),
    FieldSpec::optional(SHELF_LIFE, Shape::Text { min: 0, max: 80 }).labelled(Key::ProductShelfLife),
    FieldSpec::optional(STORAGE, Shape::Text { min: 0, max: 200 }).labelled(Key::ProductStorage),
    FieldSpec::optional(HANDMADE, Shape::Flag).labelled(Key::ProductHandmade),
    FieldSpec::optional(PHOTOS, Shape::Photos { max: MAX_PHOTOS }).labelled(Key::PhotosHeading),
    FieldSpec::required(POSITION, Shape::Position),
    // A fresh value asks for a review of what she has now (`rules::review`).
    FieldSpec::optional(crate::rules::review::SUBMITTED, Shape::Text { min: 1, max: 64 }),
];

/// Checks one field's value. `null` clears an optional field.
pub fn check_field(name: &str, value: &Value) -> Result<(), FieldProblem> {
    field::check_in(&FIELDS, name, value)
}

/// A price in so'm as people type it (see [`parse_whole`]).
pub fn parse_som(typed: &str) -> Result<u64, FieldProblem> {
    parse_whole(typed, MAX_PRICE_SOM)
}

/// How many she has, typed as a price is.
pub fn parse_stock(typed: &str) -> Result<u64, FieldProblem> {
    parse_whole(typed, MAX_STOCK)
}

/// A whole number up to `max` as people write one: "35000", or grouped by
/// three from the right with spaces or commas ("35 000", "1,200"), the way
/// prices are shown back to her. Otherwise says what is wrong with what she
/// typed: a minus, a fraction, digits grouped wrongly, or words, when a
/// number read with its word ("150 тыс", "2 mln") is offered in digits.
pub fn parse_whole(typed: &str, max: u64) -> Result<u64, FieldProblem> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Err(FieldProblem::Required);
    }
    if typed.starts_with(['-', '\u{2212}']) && typed.chars().any(|c| c.is_ascii_digit()) {
        return Err(FieldProblem::Negative);
    }
    if typed.chars().any(latin::is_letter) {
        return Err(
            in_words(typed, max).map_or(FieldProblem::WholeNumber, |number| FieldProblem::NumberInWords { number })
        );
    }
    let (groups, last_mark) = digit_groups(typed).ok_or(FieldProblem::WholeNumber)?;
    let (first, rest) = groups.split_first().ok_or(FieldProblem::WholeNumber)?;
    if let (Some(last), Some(_)) = (rest.last(), last_mark) {
        // "2,5", "12.50": a comma or point before one or two digits is a fraction.
        if last.len() < 3 {
            return Err(FieldProblem::Fraction);
        }
    }
    if !rest.is_empty() && (first.len() > 3 || rest.iter().any(|group| group.len() != 3)) {
        return Err(FieldProblem::DigitGroups);
    }
    let n: u64 = groups.concat().parse().map_err(|_| FieldProblem::OutOfRange { min: 0, max })?;
    if n > max {
        return Err(FieldProblem::OutOfRange { min: 0, max });
    }
    Ok(n)
}

/// The runs of digits in `typed`, and the mark (comma or point) before the
/// last run if there is one; `None` when anything else is in it.
fn digit_groups(typed: &str) -> Option<(Vec<&str>, Option<char>)> {
    let mut groups = Vec::new();
    let mut last_mark = None;
    let mut rest = typed;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        groups.push(&rest[..digits]);
        rest = &rest[digits..];
        let between = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let separator = &rest[..between];
        if !separator.chars().all(|c| c.is_whitespace() || c == ',' || c == '.') {
            return None;
        }
        rest = &rest[between..];
        // A mark at the very end ("12.", half typed) stands before nothing.
        if !rest.is_empty() {
            last_mark = separator.chars().find(|c| *c == ',' || *c == '.');
        }
    }
    Some((groups, last_mark))
}

/// Words people put after a number for a thousand or a million, in the four
/// languages, and the names of the so'm (worth one).
const NUMBER_WORDS: [(&str, u64); 19] = [
    ("k", 1_000),
    ("к", 1_000),
    ("т", 1_000),
    ("тыс", 1_000),
    ("тысяч", 1_000),
    ("тысячи", 1_000),
    ("тысяча", 1_000),
    ("ming", 1_000),
    ("mıń", 1_000),
    ("min", 1_000),
    ("thousand", 1_000),
    ("mln", 1_000_000),
    ("млн", 1_000_000),
    ("million", 1_000_000),
    ("миллион", 1_000_000),
    ("сум", 1),
    ("so'm", 1),
    ("som", 1),
    ("swm", 1),
];

/// "150 тыс" → 150 000, "1,5 млн" → 1 500 000, "35 000 so'm" → 35 000: a
/// number followed by one of [`NUMBER_WORDS`], when it makes a whole number up to `max`.
fn in_words(typed: &str, max: u64) -> Option<u64> {
    let split = typed.find(latin::is_letter)?;
    let (number, word) = typed.split_at(split);
    let word = word
        .trim()
        .trim_end_matches('.')
        .chars()
        .map(latin::lower)
        .collect::<String>()
        .replace(['ʻ', '‘', '’', 'ʼ', '`'], "'");
    let (_, times) = NUMBER_WORDS.iter().find(|(name, _)| *name == word)?;
    let (groups, last_mark) = digit_groups(number.trim())?;
    // "1,5 млн": the mark before the last group is a decimal one when the group is not three digits.
    let (whole, fraction) = match (groups.split_last(), last_mark) {
        (Some((last, before)), Some(_)) if !before.is_empty() && last.len() != 3 => (before.concat(), *last),
        _ => (groups.concat(), ""),
    };
    let scale = 10u64.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    let digits: u64 = format!("{whole}{fraction}").parse().ok()?;
    let n = digits.checked_mul(*times)?;
    (n % scale == 0 && n / scale <= max).then(|| n / scale)
}

/// "12.50", "12,5", "12" → cents: a dollar price with at most two decimals.
pub fn parse_usd_cents(typed: &str) -> Result<u64, FieldProblem> {
    let typed = typed.trim().replace(',', ".");
    let (whole, fraction) = typed.split_once('.').unwrap_or((&typed, ""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || (!fraction.is_empty() && !digits(fraction)) || fraction.len() > 2 {
        return Err(FieldProblem::PriceUsd);
    }
    let dollars: u64 = whole.parse().map_err(|_| FieldProblem::PriceUsd)?;
    let cents: u64 = format!("{fraction:0<2}").parse().map_err(|_| FieldProblem::PriceUsd)?;
    let total = dollars.checked_mul(100).and_then(|d| d.checked_add(cents)).ok_or(FieldProblem::PriceUsd)?;
    if total > MAX_PRICE_USD_CENTS {
        return Err(FieldProblem::PriceUsd);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_values_pass() {
        let photo = json!("b".repeat(64));
        for (field, value) in [
            (STOREFRONT, json!("01J1W7EGG0248H248H248H248H")),
            (NAME, json!("Melon jam")),
            (NAME_EN, json!("Melon jam")),
            (NAME_EN, Value::Null),
            (DESCRIPTION_EN, json!("Sweet melon jam from Chimbay, cooked in a copper pot.")),
            (PRICE_SOM, json!(25_000)),
            (PRICE_SOM, json!(0)),
            (PRICE_USD_CENTS, json!(250)),
            (PRICE_USD_CENTS, Value::Null),
            (UNIT, json!("jar, 500 g")),
            (AVAILABILITY, json!("made_to_order")),
            (STOCK, json!(12)),
            (HANDMADE, json!(true)),
            (PHOTOS, json!([photo, json!("c".repeat(64))])),
            (POSITION, json!(1.5)),
        ] {
            assert_eq!(check_field(field, &value), Ok(()), "{field} {value}");
        }
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        let photo = json!("b".repeat(64));
        for (field, value, problem) in [
            (STOREFRONT, json!("shop"), FieldProblem::WrongType),
            (NAME_EN, json!("M"), FieldProblem::TooShort { min: 2 }),
            (NAME_EN, json!("m".repeat(81)), FieldProblem::TooLong { max: 80 }),
            (DESCRIPTION_EN, json!(7), FieldProblem::WrongType),
            (PRICE_SOM, json!(25_000.5), FieldProblem::WholeNumber),
            (PRICE_SOM, json!(-1), FieldProblem::WholeNumber),
            (PRICE_SOM, json!("25000"), FieldProblem::WrongType),
            (PRICE_SOM, json!(1_000_000_001u64), FieldProblem::OutOfRange { min: 0, max: MAX_PRICE_SOM }),
            (PRICE_SOM, Value::Null, FieldProblem::WrongType),
            (UNIT, json!(""), FieldProblem::Required),
            (AVAILABILITY, json!("maybe"), FieldProblem::NotInList),
            (STOCK, json!(2_000_000), FieldProblem::OutOfRange { min: 0, max: MAX_STOCK }),
            (HANDMADE, json!("yes"), FieldProblem::WrongType),
            (PHOTOS, json!(vec![photo; 2]), FieldProblem::Repeated),
            (
                PHOTOS,
                json!((0..7).map(|i| format!("{i:064x}")).collect::<Vec<_>>()),
                FieldProblem::TooManyPhotos { max: 6 },
            ),
            (PHOTOS, json!(["cat.jpg"]), FieldProblem::Photo),
            (POSITION, json!("first"), FieldProblem::WrongType),
            ("review_state", json!("approved"), FieldProblem::UnknownField),
        ] {
            assert_eq!(check_field(field, &value), Err(problem), "{field} {value}");
        }
    }

    #[test]
    fn prices_are_read_the_way_people_type_them() {
        assert_eq!(parse_som("25 000"), Ok(25_000));
        assert_eq!(parse_som("25000"), Ok(25_000));
        assert_eq!(parse_som("25,000"), Ok(25_000));
        assert_eq!(parse_som("25\u{a0}000"), Ok(25_000));
        assert_eq!(parse_som(" 1 200 000 "), Ok(1_200_000));
        assert_eq!(parse_som("0"), Ok(0));
        assert_eq!(parse_som(""), Err(FieldProblem::Required));
        assert_eq!(parse_som("1 000 000 001"), Err(FieldProblem::OutOfRange { min: 0, max: MAX_PRICE_SOM }));
        assert_eq!(parse_som("99999999999999999999999"), Err(FieldProblem::OutOfRange { min: 0, max: MAX_PRICE_SOM }));
        // The same rules for how many she has.
        assert_eq!(parse_stock("35 000"), Ok(35_000));
        assert_eq!(parse_stock("1,200"), Ok(1_200));
        assert_eq!(parse_stock("2 000 000"), Err(FieldProblem::OutOfRange { min: 0, max: MAX_STOCK }));
    }

    #[test]
    fn a_number_typed_wrongly_is_told_what_is_wrong_with_it() {
        for (typed, problem) in [
            ("-3", FieldProblem::Negative),
            ("−3", FieldProblem::Negative),
            ("- 3 000", FieldProblem::Negative),
            ("2,5", FieldProblem::Fraction),
            ("25.5", FieldProblem::Fraction),
            ("1 000,50", FieldProblem::Fraction),
            ("35 00", FieldProblem::DigitGroups),
            ("3500 000", FieldProblem::DigitGroups),
            ("1 2345", FieldProblem::DigitGroups),
            ("twelve", FieldProblem::WholeNumber),
            ("12 jars", FieldProblem::WholeNumber),
            ("1/2", FieldProblem::WholeNumber),
            ("+5", FieldProblem::WholeNumber),
            ("150 тыс", FieldProblem::NumberInWords { number: 150_000 }),
            ("150 тыс.", FieldProblem::NumberInWords { number: 150_000 }),
            ("150тыс", FieldProblem::NumberInWords { number: 150_000 }),
            ("150 ming", FieldProblem::NumberInWords { number: 150_000 }),
            ("150 mıń", FieldProblem::NumberInWords { number: 150_000 }),
            ("150k", FieldProblem::NumberInWords { number: 150_000 }),
            ("1,5 млн", FieldProblem::NumberInWords { number: 1_500_000 }),
            ("2 mln", FieldProblem::NumberInWords { number: 2_000_000 }),
            ("35 000 soʻm", FieldProblem::NumberInWords { number: 35_000 }),
            ("35 000 сум", FieldProblem::NumberInWords { number: 35_000 }),
            // Read with its word, still too big: only "in digits" is said.
            ("5000 mln", FieldProblem::WholeNumber),
            ("1,2345 тыс", FieldProblem::WholeNumber),
        ] {
            assert_eq!(parse_som(typed), Err(problem), "{typed}");
        }
    }

    #[test]
    fn dollar_prices_are_read_with_cents() {
        assert_eq!(parse_usd_cents("12.50"), Ok(1_250));
        assert_eq!(parse_usd_cents("12,5"), Ok(1_250));
        assert_eq!(parse_usd_cents("12"), Ok(1_200));
        assert_eq!(parse_usd_cents("0.07"), Ok(7));
        // Half typed, "12." reads as 12.00.
        assert_eq!(parse_usd_cents("12."), Ok(1_200));
        for bad in ["12.505", "", ".5", "1e3", "-1", "12 50", "99999999999999999999"] {
            assert_eq!(parse_usd_cents(bad), Err(FieldProblem::PriceUsd), "{bad}");
        }
    }
}
