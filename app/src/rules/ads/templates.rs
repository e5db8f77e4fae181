//! The templates she starts an ad from, in the four languages, filled from
//! her product and storefront. Their texts are in `locales/*.json`
//! (`ad.template.<id>.headline`, `.body`) with `{product}`, `{product_object}`
//! (the name as a verb's object: Karakalpak and Uzbek case endings,
//! `i18n::grammar`), `{storefront}`, `{district}` and, for "meet the
//! maker", `{story}`: her OVOP story, when she wrote one.

use super::{ProductFacts, StorefrontFacts, hashtags};
use crate::i18n::grammar::product_as_object;
use crate::i18n::{Key, Lang, fill, text};
use crate::rules::money::format_som;
use crate::rules::records::ad_post::Template;

/// A template filled in: what her new ad's fields start as.
#[derive(Clone, Debug, PartialEq)]
pub struct Filled {
    pub headline: String,
    pub body: String,
    /// The price and unit in the language's grouping; empty without a price.
    pub price_line: String,
    pub hashtags: Vec<String>,
}

/// `template` in `lang`, about `product` (or, without one, the whole storefront).
pub fn fill_in(template: Template, lang: Lang, product: Option<&ProductFacts>, storefront: &StorefrontFacts) -> Filled {
    // An ad of the whole storefront names the storefront where a product's would name the product.
    let subject = product.map_or(storefront.name.trim(), |p| p.name.trim());
    let object = product_as_object(lang, subject);
    let district = storefront.district.map_or_else(|| text(lang, Key::AdRegion), |d| text(lang, d.name_key()));
    let story = storefront.story.trim();
    let (headline, body) = keys(template, !story.is_empty());
    let values = [
        ("product", subject),
        ("product_object", object.as_str()),
        ("storefront", storefront.name.trim()),
        ("district", district),
        ("story", story),
    ];
    let price_line = product
        .and_then(|p| p.price_som.filter(|price| *price > 0).map(|price| (p, price)))
        .map(|(p, price)| {
            let price = format_som(price as i64, lang);
            if p.unit.trim().is_empty() {
                price
            } else {
                fill(text(lang, Key::AdPriceLineFormat), &[("price", &price), ("unit", p.unit.trim())])
            }
        })
        .unwrap_or_default();
    Filled {
        headline: fill(text(lang, headline), &values),
        body: fill(text(lang, body), &values),
        price_line,
        hashtags: hashtags::suggest(lang, product.map(|p| p.name.as_str()), storefront.category, storefront.district),
    }
}

/// The headline's and the body's keys.
fn keys(template: Template, has_story: bool) -> (Key, Key) {
    match template {
        Template::NewProduct => (Key::AdTemplateNewProductHeadline, Key::AdTemplateNewProductBody),
        Template::Offer => (Key::AdTemplateOfferHeadline, Key::AdTemplateOfferBody),
        Template::Navruz => (Key::AdTemplateNavruzHeadline, Key::AdTemplateNavruzBody),
        Template::RamadanEid => (Key::AdTemplateRamadanEidHeadline, Key::AdTemplateRamadanEidBody),
        Template::NewYear => (Key::AdTemplateNewYearHeadline, Key::AdTemplateNewYearBody),
        Template::Harvest => (Key::AdTemplateHarvestHeadline, Key::AdTemplateHarvestBody),
        Template::MeetTheMaker if has_story => (Key::AdTemplateMeetTheMakerHeadline, Key::AdTemplateMeetTheMakerStory),
        Template::MeetTheMaker => (Key::AdTemplateMeetTheMakerHeadline, Key::AdTemplateMeetTheMakerBody),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ads::Post;
    use crate::rules::ads::count::{Warning, warnings};
    use crate::rules::ads::tests::aral_honey;
    use crate::rules::records::ad_post::{CallToAction, MAX_BODY_CHARS, MAX_HEADLINE_CHARS, MAX_PRICE_LINE_CHARS};

    fn jam() -> ProductFacts {
        ProductFacts { name: "Qawın múrabbası".into(), price_som: Some(1_250_000), unit: "banka, 500 g".into() }
    }

    fn all_text(filled: &Filled) -> String {
        format!("{}\n{}\n{}", filled.headline, filled.price_line, filled.body)
    }

    #[test]
    fn every_template_is_filled_in_every_language() {
        for lang in Lang::ALL {
            for template in Template::ALL {
                let filled = fill_in(*template, lang, Some(&jam()), &aral_honey());
                let all = all_text(&filled);
                assert!(!all.contains('{') && !all.contains('}'), "{lang:?} {template:?}: {all}");
                assert!(
                    all.contains("Aral bal") || *template != Template::MeetTheMaker,
                    "{lang:?} {template:?}: {all}"
                );
                assert!(filled.price_line.contains(&crate::rules::money::group_digits(1_250_000, lang)), "{all}");
                assert!(filled.price_line.contains("banka, 500 g"), "{all}");
                assert!(filled.headline.chars().count() <= MAX_HEADLINE_CHARS, "{all}");
                assert!(
                    filled.body.chars().count() <= MAX_BODY_CHARS
                        && filled.price_line.chars().count() <= MAX_PRICE_LINE_CHARS
                );
                if *template != Template::MeetTheMaker {
                    assert!(all.contains("Qawın múrabbası"), "{lang:?} {template:?}: the product's name in {all}");
                }
                // A template as filled starts a post with no warning but the way to order she
                // has yet to choose: the name and the price come before the feeds' cut.
                let post = Post {
                    headline: filled.headline.clone(),
                    body: filled.body.clone(),
                    price_line: filled.price_line.clone(),
                    call_to_action: None,
                    hashtags: filled.hashtags.clone(),
                    lang: Some(lang),
                };
                if *template != Template::MeetTheMaker {
                    assert_eq!(
                        warnings(&post, Some(&jam()), &aral_honey()),
                        [Warning::NoWayToOrder],
                        "{lang:?} {template:?}: {all}"
                    );
                }
                let ordered = Post { call_to_action: Some(CallToAction::Telegram), ..post };
                assert!(!warnings(&ordered, Some(&jam()), &aral_honey()).contains(&Warning::NoPrice));
            }
        }
    }

    #[test]
    fn prices_are_grouped_as_each_language_writes_them() {
        let line = |lang| fill_in(Template::Offer, lang, Some(&jam()), &aral_honey()).price_line;
        assert_eq!(line(Lang::Kaa), "1\u{a0}250\u{a0}000 swm / banka, 500 g");
        assert_eq!(line(Lang::Uz), "1\u{a0}250\u{a0}000 soʻm / banka, 500 g");
        assert_eq!(line(Lang::Ru), "1\u{a0}250\u{a0}000 сум / banka, 500 g");
        assert_eq!(line(Lang::En), "1,250,000 so'm / banka, 500 g");
        let no_unit = ProductFacts { unit: " ".into(), ..jam() };
        assert_eq!(fill_in(Template::Offer, Lang::En, Some(&no_unit), &aral_honey()).price_line, "1,250,000 so'm");
        let no_price = ProductFacts { price_som: None, ..jam() };
        assert_eq!(fill_in(Template::Offer, Lang::En, Some(&no_price), &aral_honey()).price_line, "");
    }

    #[test]
    fn her_product_is_named_with_its_case_ending() {
        // Karakalpak: "múrabbası" takes -n; Uzbek: -ni after any letter.
        let kaa = fill_in(Template::NewProduct, Lang::Kaa, Some(&jam()), &aral_honey());
        assert!(kaa.body.contains("Qawın múrabbasın "), "{}", kaa.body);
        let tea = ProductFacts { name: "Miya shayı".into(), ..jam() };
        let kaa = fill_in(Template::NewYear, Lang::Kaa, Some(&tea), &aral_honey());
        assert!(kaa.body.contains("Miya shayın "), "{}", kaa.body);
        let uz =
            fill_in(Template::Harvest, Lang::Uz, Some(&ProductFacts { name: "Qovun".into(), ..jam() }), &aral_honey());
        assert!(uz.body.contains("Qovunni "), "{}", uz.body);
        // A name whose ending cannot be told is said another way, never with a wrong ending.
        let cyrillic = ProductFacts { name: "Мёд".into(), ..jam() };
        let kaa = fill_in(Template::NewProduct, Lang::Kaa, Some(&cyrillic), &aral_honey());
        assert!(kaa.body.contains("«Мёд» ónimin"), "{}", kaa.body);
    }

    #[test]
    fn meet_the_maker_tells_her_story_when_she_has_one() {
        for lang in Lang::ALL {
            let filled = fill_in(Template::MeetTheMaker, lang, None, &aral_honey());
            assert!(filled.body.contains("Ájemniń bal ara baǵı"), "{lang:?}: {}", filled.body);
            assert!(filled.headline.contains("Aral bal"), "{lang:?}: {}", filled.headline);
            let untold = StorefrontFacts { story: "  ".into(), ..aral_honey() };
            let filled = fill_in(Template::MeetTheMaker, lang, None, &untold);
            assert!(filled.body.contains("Aral bal") && !filled.body.contains('{'), "{lang:?}: {}", filled.body);
            assert_eq!(filled.price_line, "", "the whole storefront has no one price");
        }
        let district =
            fill_in(Template::MeetTheMaker, Lang::Ru, None, &StorefrontFacts { story: String::new(), ..aral_honey() });
        assert!(district.body.contains("Чимбай"), "{}", district.body);
    }
}
