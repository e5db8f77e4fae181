//! A storefront as a synced record: its id, its fields and their rules (the
//! same on the phone as she types and on the server on every push), and the
//! choice lists buyers filter by.

use sawda_sync::ids::{FNV_BASIS, fnv1a};
use sawda_sync::{Owner, RecordId};
use serde_json::Value;

use super::field::{self, FieldSpec, Shape};
use crate::i18n::Key;
use crate::rules::choices::choices;
use crate::rules::problem::FieldProblem;

pub const NAME: &str = "name";
pub const SLUG: &str = "slug";
pub const STORY: &str = "story";
pub const DISTRICT: &str = "district";
pub const CATEGORY: &str = "category";
pub const TELEGRAM: &str = "telegram";
pub const WHATSAPP: &str = "whatsapp";
pub const INSTAGRAM: &str = "instagram";
pub const PAYMENT: &str = "payment";
pub const DELIVERY: &str = "delivery";
pub const COVER_PHOTO: &str = "cover_photo";

choices!(
    /// What the storefront sells, as buyers filter it.
    Category {
        Food = "food" => CategoryFood,
        Drinks = "drinks" => CategoryDrinks,
        Textiles = "textiles" => CategoryTextiles,
        Ceramics = "ceramics" => CategoryCeramics,
        Wood = "wood" => CategoryWood,
        Jewellery = "jewellery" => CategoryJewellery,
        Cosmetics = "cosmetics" => CategoryCosmetics,
        Other = "other" => CategoryOther,
    }
);

choices!(
    /// How buyers may pay; Sawda only shows her instructions, it takes no payment.
    PaymentMethod {
        CashOnDelivery = "cash_on_delivery" => PaymentCashOnDelivery,
        Click = "click" => PaymentClick,
        Payme = "payme" => PaymentPayme,
        Uzum = "uzum" => PaymentUzum,
        BankTransfer = "bank_transfer" => PaymentBankTransfer,
    }
);

impl PaymentMethod {
    /// Whether buyers need her instructions to pay so (a card number, a
    /// link); cash is handed over on delivery and needs none.
    pub fn takes_instructions(self) -> bool {
        !matches!(self, PaymentMethod::CashOnDelivery)
    }
}

choices!(
    /// How her goods reach buyers.
    Delivery {
        Pickup = "pickup" => DeliveryPickup,
        District = "district" => DeliveryDistrict,
        PostUzbekistan = "post_uzbekistan" => DeliveryPostUzbekistan,
        Abroad = "abroad" => DeliveryAbroad,
    }
);

/// Every field of a storefront; any other is refused.
pub static FIELDS: [FieldSpec; 12] = [
    FieldSpec::required(NAME, Shape::Text { min: 2, max: 80 }).labelled(Key::StorefrontName),
    FieldSpec::required(SLUG, Shape::Slug).labelled(Key::StorefrontSlug),
    FieldSpec::optional(STORY, Shape::Text { min: 0, max: 2_000 }).labelled(Key::StorefrontStory),
    FieldSpec::required(DISTRICT, Shape::District).labelled(Key::StorefrontDistrict),
    FieldSpec::required(CATEGORY, Shape::Choice(Category::IDS)).labelled(Key::StorefrontCategory),
    FieldSpec::optional(TELEGRAM, Shape::Telegram).labelled(Key::StorefrontTelegram),
    FieldSpec::optional(WHATSAPP, Shape::Phone).labelled(Key::StorefrontWhatsapp),
    FieldSpec::optional(INSTAGRAM, Shape::Instagram).labelled(Key::StorefrontInstagram),
    FieldSpec::required(PAYMENT, Shape::Payment { methods: PaymentMethod::IDS, note_max: 200 })
        .labelled(Key::StorefrontPayment),
    FieldSpec::required(DELIVERY, Shape::Choices(Delivery::IDS)).labelled(Key::StorefrontDelivery),
    FieldSpec::optional(COVER_PHOTO, Shape::Photo).labelled(Key::PhotosCover),
    // A fresh value asks for a review of what she has now (`rules::review`).
    FieldSpec::optional(crate::rules::review::SUBMITTED, Shape::Text { min: 1, max: 64 }),
];

/// The spec of one of the fields above.
pub fn field(name: &str) -> &'static FieldSpec {
    field::spec(&FIELDS, name)
}

/// Checks one field's value. `null` clears an optional field.
pub fn check_field(name: &str, value: &Value) -> Result<(), FieldProblem> {
    field::check_in(&FIELDS, name, value)
}

/// The id of `owner`'s storefront, the same on every device: two phones that
/// start the storefront offline start one record, whose fields then merge.
/// (A second storefront, when there is one, gets an ordinary new id.)
pub fn storefront_id(owner: &Owner) -> RecordId {
    let text = owner.to_string();
    let mut bytes = [0u8; 10];
    let (a, b) = (fnv1a(FNV_BASIS, text.as_bytes()), fnv1a(0x6c62_272e_07bb_0142, text.as_bytes()));
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes()[..2]);
    // Time 0 marks an id derived rather than made at a moment.
    RecordId::new(0, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn good_values_pass() {
        for (field, value) in [
            (NAME, json!("Aral honey")),
            (SLUG, json!("aral-honey")),
            (STORY, json!("Wild flowers of the delta.")),
            (STORY, json!("")),
            (STORY, Value::Null),
            (DISTRICT, json!("moynaq")),
            (CATEGORY, json!("food")),
            (TELEGRAM, json!("aral_honey")),
            (TELEGRAM, Value::Null),
            (WHATSAPP, json!("+998 90 123 45 67")),
            (INSTAGRAM, json!("aral.honey_2026")),
            (PAYMENT, json!([{"method": "click", "note": "Click: 90 123 45 67"}, {"method": "cash_on_delivery"}])),
            (PAYMENT, json!([])),
            (DELIVERY, json!(["pickup", "post_uzbekistan"])),
            (COVER_PHOTO, json!("a".repeat(64))),
        ] {
            assert_eq!(check_field(field, &value), Ok(()), "{field} {value}");
        }
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        for (field, value, problem) in [
            (NAME, json!("A"), FieldProblem::TooShort { min: 2 }),
            (NAME, json!("   "), FieldProblem::Required),
            (NAME, json!("x".repeat(81)), FieldProblem::TooLong { max: 80 }),
            (NAME, json!(12), FieldProblem::WrongType),
            (NAME, Value::Null, FieldProblem::WrongType),
            (SLUG, json!("Aral Honey"), FieldProblem::SlugCharacters),
            (STORY, json!("x".repeat(2_001)), FieldProblem::TooLong { max: 2_000 }),
            (DISTRICT, json!("tashkent"), FieldProblem::NotInList),
            (CATEGORY, json!("cars"), FieldProblem::NotInList),
            (TELEGRAM, json!("@aral_honey"), FieldProblem::Telegram),
            (TELEGRAM, json!("abc"), FieldProblem::Telegram),
            (TELEGRAM, json!("1aral"), FieldProblem::Telegram),
            (WHATSAPP, json!("12345"), FieldProblem::Phone),
            (INSTAGRAM, json!(".aral"), FieldProblem::Instagram),
            (INSTAGRAM, json!("aral..honey"), FieldProblem::Instagram),
            (INSTAGRAM, json!("aral honey"), FieldProblem::Instagram),
            (PAYMENT, json!([{"method": "bitcoin"}]), FieldProblem::NotInList),
            (PAYMENT, json!([{"method": "click"}, {"method": "click"}]), FieldProblem::Repeated),
            (PAYMENT, json!([{"method": "click", "link": "x"}]), FieldProblem::WrongType),
            (PAYMENT, json!([{"method": "click", "note": "x".repeat(201)}]), FieldProblem::TooLong { max: 200 }),
            (PAYMENT, json!("click"), FieldProblem::WrongType),
            (DELIVERY, json!(["pickup", "pickup"]), FieldProblem::Repeated),
            (DELIVERY, json!(["teleport"]), FieldProblem::NotInList),
            (COVER_PHOTO, json!("not-a-hash"), FieldProblem::Photo),
            ("price", json!(1), FieldProblem::UnknownField),
        ] {
            assert_eq!(check_field(field, &value), Err(problem), "{field} {value}");
        }
    }

    #[test]
    fn each_person_has_one_stable_storefront_id() {
        let amina: Owner = "amina01".parse().unwrap();
        let bahadir: Owner = "bahadir02".parse().unwrap();
        assert_eq!(storefront_id(&amina), storefront_id(&amina));
        assert_ne!(storefront_id(&amina), storefront_id(&bahadir));
        // Fixed for good: stored records and other phones depend on it.
        assert_eq!(storefront_id(&amina).to_string(), storefront_id(&"amina01".parse().unwrap()).to_string());
        assert_eq!(storefront_id(&amina).ulid().unix_ms(), 0);
    }
}
