//! Hashtags suggested for an ad, in the ad's language: the goods its product
//! names (`rules::goods_words`), what her storefront sells, her district and
//! the region. She edits them; every tag kept passes the field's rule
//! (`records::field::check_hashtag`) and none is there twice in any case.

use crate::i18n::{Key, Lang, text};
use crate::rules::goods_words::{Good, goods_named};
use crate::rules::people::District;
use crate::rules::records::ad_post::{MAX_HASHTAG_CHARS, MAX_HASHTAGS};
use crate::rules::records::field::{check_hashtag, is_hashtag_letter};
use crate::rules::records::storefront::Category;

/// As many as Instagram keeps (`count::Platform::Instagram`): a suggestion is never a warning.
pub const SUGGESTED: usize = 5;

/// The tags suggested for an ad in `lang`, the most particular first: the
/// goods the product's name names, the storefront's category, her
/// district, the region.
pub fn suggest(
    lang: Lang,
    product_name: Option<&str>,
    category: Option<Category>,
    district: Option<District>,
) -> Vec<String> {
    let goods = product_name
        .into_iter()
        .flat_map(|name| name.split(|c: char| !c.is_alphanumeric() && !is_apostrophe(c)))
        .flat_map(goods_named)
        .filter_map(|good| words_of(good, lang).iter().map(|w| w.trim_start_matches('=')).next());
    let category = category.map(|c| text(lang, category_key(c)));
    let district = district.map(|d| text(lang, d.name_key()));
    let candidates = goods.chain(category).chain(district).chain([text(lang, Key::AdHashtagRegion)]);
    let mut tags = merge(&[], candidates.filter_map(clean));
    tags.truncate(SUGGESTED);
    tags
}

/// `existing` and then each of `more` not already among them (in any
/// letter case), up to the field's limit.
pub fn merge(existing: &[String], more: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut tags: Vec<String> = Vec::with_capacity(existing.len());
    for tag in existing.iter().cloned().chain(more) {
        if tags.len() < MAX_HASHTAGS && !tags.iter().any(|kept| kept.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    tags
}

/// A tag as she typed it, or a name, made a tag: without `#` and
/// apostrophes, its words joined with each next one capitalised ("Nókis
/// qalası" → "NókisQalası"); `None` when what is left is no valid tag.
pub fn clean(typed: &str) -> Option<String> {
    let mut tag = String::new();
    for (i, word) in
        typed.split(|c: char| c.is_whitespace() || c == '-' || c == '#').filter(|w| !w.is_empty()).enumerate()
    {
        let mut letters = word.chars().filter(|c| !is_apostrophe(*c));
        if i > 0 {
            tag.extend(letters.next().into_iter().flat_map(char::to_uppercase));
        }
        tag.extend(letters);
    }
    check_hashtag(&tag, MAX_HASHTAG_CHARS).ok().map(|()| tag)
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | 'ʻ' | 'ʼ' | '‘' | '’' | '`')
}

fn words_of(good: &Good, lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Kaa => good.kaa,
        Lang::Uz => good.uz,
        Lang::Ru => good.ru,
        Lang::En => good.en,
    }
}

fn category_key(category: Category) -> Key {
    match category {
        Category::Food => Key::AdHashtagFood,
        Category::Drinks => Key::AdHashtagDrinks,
        Category::Textiles => Key::AdHashtagTextiles,
        Category::Ceramics => Key::AdHashtagCeramics,
        Category::Wood => Key::AdHashtagWood,
        Category::Jewellery => Key::AdHashtagJewellery,
        Category::Cosmetics => Key::AdHashtagCosmetics,
        Category::Other => Key::AdHashtagOther,
    }
}

/// Whether a character may stand in a tag (for an editor that drops the rest as she types).
pub fn is_tag_char(c: char) -> bool {
    c == '_' || c.is_ascii_digit() || is_hashtag_letter(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(lang: Lang, name: &str) -> Vec<String> {
        suggest(lang, Some(name), Some(Category::Food), Some(District::Chimbay))
    }

    #[test]
    fn suggestions_name_the_goods_in_the_posts_language() {
        assert_eq!(tags(Lang::Kaa, "Qawın múrabbası"), ["qawın", "múrabba", "azıqawqat", "Shımbay", "Qaraqalpaqstan"]);
        assert_eq!(tags(Lang::Uz, "Qawın múrabbası"), ["qovun", "murabbo", "oziqovqat", "Chimboy", "Qoraqalpogiston"]);
        assert_eq!(tags(Lang::Ru, "Qawın múrabbası"), ["дыня", "варенье", "еда", "Чимбай", "Каракалпакстан"]);
        assert_eq!(tags(Lang::En, "Варенье из дыни"), ["jam", "melon", "food", "Chimbay", "Karakalpakstan"]);
        // Uzbek apostrophes leave the tag: a platform would end the link there.
        assert_eq!(
            suggest(Lang::Uz, Some("Órik"), None, Some(District::Turtkul)),
            ["orik", "Tortkol", "Qoraqalpogiston"]
        );
    }

    #[test]
    fn suggestions_for_the_whole_storefront_and_unknown_goods() {
        assert_eq!(
            suggest(Lang::En, None, Some(Category::Textiles), Some(District::NukusCity)),
            ["embroidery", "NukusCity", "Karakalpakstan"]
        );
        assert_eq!(suggest(Lang::Ru, Some("Ручная работа №5"), None, None), ["Каракалпакстан"]);
        // Her district in two words is one tag.
        assert_eq!(suggest(Lang::Kaa, None, None, Some(District::NukusCity)), ["NókisQalası", "Qaraqalpaqstan"]);
    }

    #[test]
    fn every_suggestion_passes_the_field_rule_and_none_repeats() {
        for lang in Lang::ALL {
            for category in Category::ALL {
                for district in District::ALL {
                    let tags = suggest(lang, Some("Qawın, bal hám shay"), Some(*category), Some(*district));
                    assert!(tags.len() <= SUGGESTED, "{tags:?}");
                    let value = serde_json::json!(tags);
                    assert_eq!(
                        crate::rules::records::ad_post::check_field("hashtags", &value),
                        Ok(()),
                        "{lang:?} {category:?} {district:?}: {tags:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn her_tags_are_cleaned_and_merged_without_repeats() {
        assert_eq!(clean("#Qawın").as_deref(), Some("Qawın"));
        assert_eq!(clean("  ##melon jam ").as_deref(), Some("melonJam"));
        assert_eq!(clean("Qoraqalpogʻiston").as_deref(), Some("Qoraqalpogiston"));
        assert_eq!(clean("qovun-murabbo").as_deref(), Some("qovunMurabbo"));
        assert_eq!(clean("#"), None);
        assert_eq!(clean("🍈"), None);
        assert_eq!(clean("2025"), None);
        let hers = vec!["Qawın".to_owned(), "sale".to_owned()];
        assert_eq!(merge(&hers, ["qawın".to_owned(), "SALE".to_owned(), "bal".to_owned()]), ["Qawın", "sale", "bal"]);
        let many = merge(&[], (0..40).map(|i| format!("t{i}")));
        assert_eq!(many.len(), MAX_HASHTAGS);
        assert!(is_tag_char('қ') && is_tag_char('_') && !is_tag_char('#') && !is_tag_char('ʻ'));
    }
}
