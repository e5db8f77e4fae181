//! An ad post as a synced record: what it is made from, its texts, how its
//! card looks and whether she has published it. The same rules on the phone
//! (as she types) and on the server (on every push). Ads are hers to publish
//! without review; what the card and the counters do with these fields is
//! `rules::ads`.

use serde_json::Value;

use super::field::{self, FieldSpec, Shape};
use crate::i18n::{Key, Lang};
use crate::rules::choices::choices;
use crate::rules::problem::FieldProblem;

/// Her storefront: every ad is made from it (the server's rule: her own).
pub const STOREFRONT: &str = "storefront";
/// One of her products, when the ad is about one; none for the whole storefront.
pub const PRODUCT: &str = "product";
pub const HEADLINE: &str = "headline";
pub const BODY: &str = "body";
pub const PRICE_LINE: &str = "price_line";
pub const CALL_TO_ACTION: &str = "call_to_action";
pub const HASHTAGS: &str = "hashtags";
pub const LANGUAGE: &str = "language";
pub const TEMPLATE: &str = "template";
pub const LAYOUT: &str = "layout";
pub const THEME: &str = "theme";
/// The photo of the product or storefront the card is drawn from.
pub const PHOTO: &str = "photo";
/// The card as drawn on her phone, uploaded through the photo pipeline when
/// she publishes: the link preview's image.
pub const CARD_PHOTO: &str = "card_photo";
/// Whether she has published it (its public page exists only for an
/// approved product or storefront: the server's check).
pub const PUBLISHED: &str = "published";

pub const MAX_HEADLINE_CHARS: usize = 100;
/// Telegram's longest message; each platform's own limit is a warning (`rules::ads::count`).
pub const MAX_BODY_CHARS: usize = 4_096;
pub const MAX_PRICE_LINE_CHARS: usize = 80;
/// More than any platform shows; Instagram's own limit is a warning.
pub const MAX_HASHTAGS: usize = 30;
/// No platform documents a longest tag; 30 letters is longer than any tag buyers search for.
pub const MAX_HASHTAG_CHARS: usize = 30;

/// The languages an ad is written in, by their codes (`Lang::code`).
pub const LANGUAGES: [&str; 4] = ["kaa", "uz", "ru", "en"];

choices!(
    /// How a buyer orders from the ad.
    CallToAction {
        Telegram = "telegram" => AdCtaTelegram,
        WhatsApp = "whatsapp" => AdCtaWhatsapp,
        Call = "call" => AdCtaCall,
        Storefront = "storefront" => AdCtaStorefront,
    }
);

choices!(
    /// What the ad starts from (`rules::ads::templates`).
    Template {
        NewProduct = "new_product" => AdTemplateNewProduct,
        Offer = "offer" => AdTemplateOffer,
        Navruz = "navruz" => AdTemplateNavruz,
        RamadanEid = "ramadan_eid" => AdTemplateRamadanEid,
        NewYear = "new_year" => AdTemplateNewYear,
        Harvest = "harvest" => AdTemplateHarvest,
        MeetTheMaker = "meet_the_maker" => AdTemplateMeetTheMaker,
    }
);

choices!(
    /// Where the card puts the photo and the text.
    Layout {
        /// The photo above, the text on a plain band below.
        PhotoTop = "photo_top" => AdLayoutPhotoTop,
        /// The photo fills the card, the text on a band across it.
        PhotoFull = "photo_full" => AdLayoutPhotoFull,
        /// The photo on one half, the text on the other.
        Split = "split" => AdLayoutSplit,
    }
);

choices!(
    /// The card's colours.
    Theme {
        Melon = "melon" => AdThemeMelon,
        Aral = "aral" => AdThemeAral,
        Pomegranate = "pomegranate" => AdThemePomegranate,
        Steppe = "steppe" => AdThemeSteppe,
        Night = "night" => AdThemeNight,
    }
);

/// Every field of an ad post; any other is refused.
pub static FIELDS: [FieldSpec; 14] = [
    FieldSpec::required(STOREFRONT, Shape::Record),
    FieldSpec::optional(PRODUCT, Shape::Record).labelled(Key::AdProduct),
    FieldSpec::required(HEADLINE, Shape::Text { min: 1, max: MAX_HEADLINE_CHARS }).labelled(Key::AdHeadline),
    FieldSpec::optional(BODY, Shape::Text { min: 0, max: MAX_BODY_CHARS }).labelled(Key::AdBody),
    FieldSpec::optional(PRICE_LINE, Shape::Text { min: 0, max: MAX_PRICE_LINE_CHARS }).labelled(Key::AdPriceLine),
    FieldSpec::optional(CALL_TO_ACTION, Shape::Choice(CallToAction::IDS)).labelled(Key::AdCallToAction),
    FieldSpec::optional(HASHTAGS, Shape::Hashtags { max: MAX_HASHTAGS, tag_max: MAX_HASHTAG_CHARS })
        .labelled(Key::AdHashtags),
    FieldSpec::required(LANGUAGE, Shape::Choice(&LANGUAGES)).labelled(Key::AdLanguage),
    FieldSpec::required(TEMPLATE, Shape::Choice(Template::IDS)).labelled(Key::AdTemplate),
    FieldSpec::required(LAYOUT, Shape::Choice(Layout::IDS)).labelled(Key::AdLayout),
    FieldSpec::required(THEME, Shape::Choice(Theme::IDS)).labelled(Key::AdTheme),
    FieldSpec::optional(PHOTO, Shape::Photo).labelled(Key::AdPhoto),
    // Made by her phone when she publishes, never typed.
    FieldSpec::optional(CARD_PHOTO, Shape::Photo),
    FieldSpec::optional(PUBLISHED, Shape::Flag).labelled(Key::AdPublished),
];

/// The spec of one of the fields above.
pub fn field(name: &str) -> &'static FieldSpec {
    field::spec(&FIELDS, name)
}

/// Checks one field's value. `null` clears an optional field.
pub fn check_field(name: &str, value: &Value) -> Result<(), FieldProblem> {
    field::check_in(&FIELDS, name, value)
}

/// The language of an ad's `language` value.
pub fn language(value: &str) -> Option<Lang> {
    LANGUAGES.contains(&value).then(|| Lang::from_code(value)).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SHOP: &str = "01J1W7EGG0248H248H248H248H";

    fn good_post() -> Vec<(&'static str, Value)> {
        vec![
            (STOREFRONT, json!(SHOP)),
            (PRODUCT, json!("01J1W7EGG0248H248H248H248J")),
            (HEADLINE, json!("Jańa ónim: Qawın múrabbası")),
            (BODY, json!("Shımbaydan 🍈 jańa hasıl. Қовун мураббоси!")),
            (PRICE_LINE, json!("25 000 swm / banka")),
            (CALL_TO_ACTION, json!("telegram")),
            (HASHTAGS, json!(["qawın", "Shımbay", "Қорақалпоғистон", "melon_jam", "2025hasıl"])),
            (LANGUAGE, json!("kaa")),
            (TEMPLATE, json!("harvest")),
            (LAYOUT, json!("photo_full")),
            (THEME, json!("melon")),
            (PHOTO, json!("a".repeat(64))),
            (CARD_PHOTO, json!("b".repeat(64))),
            (PUBLISHED, json!(true)),
        ]
    }

    #[test]
    fn a_good_post_passes_every_field() {
        let post = good_post();
        assert_eq!(post.len(), FIELDS.len(), "every field is tried");
        for (field, value) in post {
            assert_eq!(check_field(field, &value), Ok(()), "{field} {value}");
        }
        // Made from the whole storefront: no product; she may clear what is optional.
        for field in [PRODUCT, BODY, PRICE_LINE, CALL_TO_ACTION, HASHTAGS, PHOTO, CARD_PHOTO, PUBLISHED] {
            assert_eq!(check_field(field, &Value::Null), Ok(()), "{field}");
        }
        assert_eq!(check_field(HASHTAGS, &json!([])), Ok(()));
    }

    #[test]
    fn bad_values_are_refused_with_the_reason() {
        let many: Vec<String> = (0..=MAX_HASHTAGS).map(|i| format!("tag{i}")).collect();
        for (field, value, problem) in [
            (STOREFRONT, json!("my shop"), FieldProblem::WrongType),
            (STOREFRONT, Value::Null, FieldProblem::WrongType),
            (PRODUCT, json!(42), FieldProblem::WrongType),
            (HEADLINE, json!("   "), FieldProblem::Required),
            (HEADLINE, json!("a".repeat(101)), FieldProblem::TooLong { max: MAX_HEADLINE_CHARS }),
            (BODY, json!("ы".repeat(4_097)), FieldProblem::TooLong { max: MAX_BODY_CHARS }),
            (PRICE_LINE, json!(25_000), FieldProblem::WrongType),
            (CALL_TO_ACTION, json!("email"), FieldProblem::NotInList),
            (HASHTAGS, json!("qawın"), FieldProblem::WrongType),
            (HASHTAGS, json!(["#qawın"]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!(["qawın múrabbası"]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!(["Qoraqalpogʻiston"]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!(["melon-jam"]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!(["2025"]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!([""]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!(["🍈"]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!(["a".repeat(31)]), FieldProblem::Hashtag { max: MAX_HASHTAG_CHARS }),
            (HASHTAGS, json!(["Qawın", "qawın"]), FieldProblem::Repeated),
            (HASHTAGS, json!(["Дыня", "ДЫНЯ"]), FieldProblem::Repeated),
            (HASHTAGS, json!(many), FieldProblem::TooManyHashtags { max: MAX_HASHTAGS }),
            (HASHTAGS, json!([1]), FieldProblem::WrongType),
            (LANGUAGE, json!("kk"), FieldProblem::NotInList),
            (LANGUAGE, json!("RU"), FieldProblem::NotInList),
            (LANGUAGE, Value::Null, FieldProblem::WrongType),
            (TEMPLATE, json!("black_friday"), FieldProblem::NotInList),
            (LAYOUT, json!("collage"), FieldProblem::NotInList),
            (THEME, json!("pink"), FieldProblem::NotInList),
            (PHOTO, json!("cat.jpg"), FieldProblem::Photo),
            (CARD_PHOTO, json!("B".repeat(64)), FieldProblem::Photo),
            (PUBLISHED, json!("yes"), FieldProblem::WrongType),
            ("review_state", json!("approved"), FieldProblem::UnknownField),
            ("submitted", json!("now"), FieldProblem::UnknownField),
        ] {
            assert_eq!(check_field(field, &value), Err(problem), "{field} {value}");
        }
    }

    #[test]
    fn the_languages_are_the_apps_languages() {
        assert_eq!(LANGUAGES.map(language), Lang::ALL.map(Some));
        assert_eq!(language("uz-Latn"), None, "a stored value is a bare code");
    }

    #[test]
    fn the_choice_lists_are_whole() {
        assert_eq!(CallToAction::ALL.len(), 4);
        assert_eq!(Template::ALL.len(), 7);
        assert!((4..=6).contains(&Theme::ALL.len()));
        assert_eq!(Layout::from_id("split"), Some(Layout::Split));
        assert_eq!(field(HASHTAGS).max_typed(), MAX_HASHTAG_CHARS);
    }
}
