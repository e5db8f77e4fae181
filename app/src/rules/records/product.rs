//! A product on a storefront as a synced record: its fields and their rules,
//! the same on the phone (as she types) and on the server (on every push).

use serde_json::Value;

use super::field::{self, FieldSpec, Shape, choices};
use crate::rules::problem::FieldProblem;

pub const STOREFRONT: &str = "storefront";
pub const NAME: &str = "name";
pub const DESCRIPTION: &str = "description";
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
pub static FIELDS: [FieldSpec; 15] = [
    FieldSpec::required(STOREFRONT, Shape::Record),
    FieldSpec::required(NAME, Shape::Text { min: 2, max: 80 }),
    FieldSpec::optional(DESCRIPTION, Shape::Text { min: 0, max: 2_000 }),
    FieldSpec::required(PRICE_SOM, Shape::WholeNumber { max: MAX_PRICE_SOM }),
    FieldSpec::optional(PRICE_USD_CENTS, Shape::WholeNumber { max: MAX_PRICE_USD_CENTS }),
    FieldSpec::required(UNIT, Shape::Text { min: 1, max: 40 }),
    FieldSpec::required(AVAILABILITY, Shape::Choice(Availability::IDS)),
    FieldSpec::optional(STOCK, Shape::WholeNumber { max: MAX_STOCK }),
    FieldSpec::optional(MATERIALS, Shape::Text { min: 0, max: 500 }),
    FieldSpec::optional(SHELF_LIFE, Shape::Text { min: 0, max: 80 }),
    FieldSpec::optional(STORAGE, Shape::Text { min: 0, max: 200 }),
    FieldSpec::optional(HANDMADE, Shape::Flag),
    FieldSpec::optional(PHOTOS, Shape::Photos { max: MAX_PHOTOS }),
    FieldSpec::required(POSITION, Shape::Position),
    // A fresh value asks for a review of what she has now (`rules::review`).
    FieldSpec::optional(crate::rules::review::SUBMITTED, Shape::Text { min: 1, max: 64 }),
];

/// Checks one field's value. `null` clears an optional field.
pub fn check_field(name: &str, value: &Value) -> Result<(), FieldProblem> {
    field::check_in(&FIELDS, name, value)
}

/// "25 000", "25000", "25,000" → 25000: what people type for a price in so'm.
pub fn parse_som(typed: &str) -> Result<u64, FieldProblem> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace() && *c != ',' && *c != '\u{a0}').collect();
    if digits.is_empty() {
        return Err(FieldProblem::Required);
    }
    let n: u64 = digits.parse().map_err(|_| FieldProblem::WholeNumber)?;
    if n > MAX_PRICE_SOM {
        return Err(FieldProblem::OutOfRange { min: 0, max: MAX_PRICE_SOM });
    }
    Ok(n)
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
            (PRICE_SOM, json!(25_000)),
            (PRICE_SOM, json!(0)),
            (PRICE_USD_CENTS, json!(250)),
            (PRICE_USD_CENTS, Value::Null),
            (UNIT, json!("jar, 500 g")),
            (AVAILABILITY, json!("made_to_order")),
            (STOCK, json!(12)),
            (HANDMADE, json!(true)),
            (PHOTOS, json!([photo.clone(), json!("c".repeat(64))])),
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
            (PRICE_SOM, json!(25_000.5), FieldProblem::WholeNumber),
            (PRICE_SOM, json!(-1), FieldProblem::WholeNumber),
            (PRICE_SOM, json!("25000"), FieldProblem::WrongType),
            (PRICE_SOM, json!(1_000_000_001u64), FieldProblem::OutOfRange { min: 0, max: MAX_PRICE_SOM }),
            (PRICE_SOM, Value::Null, FieldProblem::WrongType),
            (UNIT, json!(""), FieldProblem::Required),
            (AVAILABILITY, json!("maybe"), FieldProblem::NotInList),
            (STOCK, json!(2_000_000), FieldProblem::OutOfRange { min: 0, max: MAX_STOCK }),
            (HANDMADE, json!("yes"), FieldProblem::WrongType),
            (PHOTOS, json!(vec![photo.clone(); 2]), FieldProblem::Repeated),
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
        assert_eq!(parse_som("25,000"), Ok(25_000));
        assert_eq!(parse_som("25\u{a0}000"), Ok(25_000));
        assert_eq!(parse_som(""), Err(FieldProblem::Required));
        assert_eq!(parse_som("25.5"), Err(FieldProblem::WholeNumber));
        assert_eq!(parse_som("-3"), Err(FieldProblem::WholeNumber));
        assert_eq!(parse_som("99999999999999999999999"), Err(FieldProblem::WholeNumber));
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
