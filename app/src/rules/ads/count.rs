//! Counting a post as each platform counts it, against each platform's
//! limits, and the warnings for what often goes wrong. The limits and where
//! they come from are in `docs/ads.md`.
//!
//! Two units matter. Telegram counts a text's length in UTF-16 code units
//! (core.telegram.org/api/entities): 🍈 is 2, a flag 4, a family of four 11,
//! a Cyrillic or Karakalpak letter 1. Instagram and Facebook do not publish
//! their unit; sources disagree (code points, grapheme clusters), and UTF-16
//! is never smaller than either, so a post counted so is within their limit
//! whichever they use. Where a feed cuts a post ("more", "See more") is about
//! what the buyer sees, so it is counted in grapheme clusters: a flag, a
//! skin tone or a family is one.

use unicode_segmentation::UnicodeSegmentation;

use super::{Post, ProductFacts, StorefrontFacts};
use crate::i18n::{Key, Lang, fill, text};
use crate::rules::money::group_digits;
use crate::rules::records::ad_post::CallToAction;
use crate::rules::records::field::is_hashtag_letter;

/// Where she posts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Platform {
    Instagram,
    /// A Telegram channel post of text alone.
    Telegram,
    /// A Telegram post with the card, the text as its caption.
    TelegramCaption,
    Facebook,
}

/// A platform's limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most UTF-16 code units the text may have.
    pub max: usize,
    /// About how many characters (grapheme clusters) a feed shows before its "more".
    pub fold: Option<usize>,
    /// The most hashtags the platform keeps.
    pub max_hashtags: Option<usize>,
}

impl Platform {
    pub const ALL: [Platform; 4] =
        [Platform::Instagram, Platform::Telegram, Platform::TelegramCaption, Platform::Facebook];

    pub const fn limits(self) -> Limits {
        match self {
            // 2,200 (Meta's docs); 5 hashtags since December 2025 (30 before).
            Platform::Instagram => Limits { max: 2_200, fold: Some(125), max_hashtags: Some(5) },
            Platform::Telegram => Limits { max: 4_096, fold: None, max_hashtags: None },
            // 1,024 for everyone; Telegram Premium senders get more, buyers' channels need not.
            Platform::TelegramCaption => Limits { max: 1_024, fold: None, max_hashtags: None },
            // 63,206; the feed on a phone shows about 125 before "See more" (about 477 on a computer).
            Platform::Facebook => Limits { max: 63_206, fold: Some(125), max_hashtags: None },
        }
    }

    pub fn name_key(self) -> Key {
        match self {
            Platform::Instagram => Key::AdPlatformInstagram,
            Platform::Telegram => Key::AdPlatformTelegram,
            Platform::TelegramCaption => Key::AdPlatformTelegramCaption,
            Platform::Facebook => Key::AdPlatformFacebook,
        }
    }

    /// The text's length as this platform counts it against its limit.
    pub fn length(self, text: &str) -> usize {
        utf16_units(text)
    }
}

/// The length in UTF-16 code units, as Telegram (and JavaScript) count.
pub fn utf16_units(text: &str) -> usize {
    text.encode_utf16().count()
}

/// The characters she sees: extended grapheme clusters (Unicode UAX #29).
pub fn graphemes(text: &str) -> usize {
    text.graphemes(true).count()
}

/// The first `n` characters she sees.
pub fn first_graphemes(text: &str, n: usize) -> &str {
    let end = text.grapheme_indices(true).nth(n).map_or(text.len(), |(at, _)| at);
    &text[..end]
}

/// The hashtags a text holds as the platforms make them links: `#` then
/// letters, digits and `_` with a letter among them, not inside a word.
pub fn hashtags_in(text: &str) -> usize {
    let tag_char = |c: char| c == '_' || c.is_ascii_digit() || is_hashtag_letter(c);
    let mut count = 0;
    let mut before: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' && !before.is_some_and(tag_char) {
            let mut has_letter = false;
            while let Some(&next) = chars.peek().filter(|n| tag_char(**n)) {
                has_letter |= is_hashtag_letter(next);
                before = Some(next);
                chars.next();
            }
            count += usize::from(has_letter);
            continue;
        }
        before = Some(c);
    }
    count
}

/// Whether `text` writes the number `n`, grouped or not ("25000",
/// "25 000", "25,000", "25\u{a0}000").
pub fn mentions_number(text: &str, n: u64) -> bool {
    let wanted = n.to_string();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let mut digits = String::new();
        while i < chars.len() {
            if chars[i].is_ascii_digit() {
                digits.push(chars[i]);
                i += 1;
            } else if is_group_mark(chars[i]) && is_group_of_three(&chars[i + 1..]) {
                i += 1;
            } else {
                break;
            }
        }
        if digits == wanted {
            return true;
        }
    }
    false
}

/// Three digits and no fourth: a thousands group after its mark.
fn is_group_of_three(rest: &[char]) -> bool {
    rest.len() >= 3 && rest[..3].iter().all(char::is_ascii_digit) && !rest.get(3).is_some_and(char::is_ascii_digit)
}

fn is_group_mark(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | ',' | '.')
}

/// A post's length on a platform, against its limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Count {
    pub platform: Platform,
    pub used: usize,
    pub max: usize,
}

/// The post's counters, one per platform.
pub fn counts(text: &str) -> Vec<Count> {
    Platform::ALL
        .into_iter()
        .map(|platform| Count { platform, used: platform.length(text), max: platform.limits().max })
        .collect()
}

/// What often goes wrong in a post.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warning {
    /// Made from a product, and neither a price line nor its price.
    NoPrice,
    /// No way to order chosen.
    NoWayToOrder,
    /// The way to order chosen, and her storefront lacks its contact.
    NoContact(CallToAction),
    /// The product's name is not in what the feed shows before its "more".
    NameAfterFold {
        platform: Platform,
        fold: usize,
    },
    /// The price is in the post, but not before the feed's "more".
    PriceAfterFold {
        platform: Platform,
        fold: usize,
    },
    TooManyHashtags {
        platform: Platform,
        count: usize,
        max: usize,
    },
    OverLimit {
        platform: Platform,
        count: usize,
        max: usize,
    },
}

impl Warning {
    pub fn key(self) -> Key {
        match self {
            Warning::NoPrice => Key::AdWarningNoPrice,
            Warning::NoWayToOrder => Key::AdWarningNoWayToOrder,
            Warning::NoContact(_) => Key::AdWarningNoContact,
            Warning::NameAfterFold { .. } => Key::AdWarningNameAfterFold,
            Warning::PriceAfterFold { .. } => Key::AdWarningPriceAfterFold,
            Warning::TooManyHashtags { .. } => Key::AdWarningTooManyHashtags,
            Warning::OverLimit { .. } => Key::AdWarningOverLimit,
        }
    }

    /// The platform it is about, if one.
    pub fn platform(self) -> Option<Platform> {
        match self {
            Warning::NameAfterFold { platform, .. }
            | Warning::PriceAfterFold { platform, .. }
            | Warning::TooManyHashtags { platform, .. }
            | Warning::OverLimit { platform, .. } => Some(platform),
            Warning::NoPrice | Warning::NoWayToOrder | Warning::NoContact(_) => None,
        }
    }

    pub fn message(self, lang: Lang) -> String {
        let number = |n: usize| group_digits(n as i64, lang);
        let platform = self.platform().map(|p| text(lang, p.name_key())).unwrap_or_default();
        let values: Vec<(&str, String)> = match self {
            Warning::NoPrice | Warning::NoWayToOrder => Vec::new(),
            Warning::NoContact(way) => vec![("way", text(lang, way.name_key()).to_owned())],
            Warning::NameAfterFold { fold, .. } | Warning::PriceAfterFold { fold, .. } => vec![("fold", number(fold))],
            Warning::TooManyHashtags { count, max, .. } => vec![("count", number(count)), ("max", number(max))],
            Warning::OverLimit { count, max, .. } => {
                vec![("count", number(count)), ("max", number(max)), ("over", number(count.saturating_sub(max)))]
            }
        };
        let mut pairs: Vec<(&str, &str)> = values.iter().map(|(name, value)| (*name, value.as_str())).collect();
        pairs.push(("platform", platform));
        fill(text(lang, self.key()), &pairs)
    }
}

/// The warnings for a post made from `product` (none for the whole
/// storefront) on `storefront`, in the order she should see them.
pub fn warnings(post: &Post, product: Option<&ProductFacts>, storefront: &StorefrontFacts) -> Vec<Warning> {
    let text = post.text(storefront);
    let mut found = Vec::new();
    let price = product.and_then(|p| p.price_som).filter(|price| *price > 0);
    let price_line = post.price_line.trim();
    let shows_price = |part: &str| {
        (!price_line.is_empty() && part.contains(price_line)) || price.is_some_and(|price| mentions_number(part, price))
    };
    if product.is_some() && !shows_price(&text) {
        found.push(Warning::NoPrice);
    }
    match post.call_to_action {
        None => found.push(Warning::NoWayToOrder),
        Some(way) if storefront.contact(way).is_none() => found.push(Warning::NoContact(way)),
        Some(_) => {}
    }
    let name = product.map(|p| p.name.trim().to_lowercase()).filter(|name| !name.is_empty());
    for platform in Platform::ALL {
        let limits = platform.limits();
        if let Some(fold) = limits.fold {
            let seen = first_graphemes(&text, fold);
            if name.as_ref().is_some_and(|name| !seen.to_lowercase().contains(name.as_str())) {
                found.push(Warning::NameAfterFold { platform, fold });
            }
            if shows_price(&text) && !shows_price(seen) {
                found.push(Warning::PriceAfterFold { platform, fold });
            }
        }
        let tags = hashtags_in(&text);
        if let Some(max) = limits.max_hashtags.filter(|max| tags > *max) {
            found.push(Warning::TooManyHashtags { platform, count: tags, max });
        }
        let count = platform.length(&text);
        if count > limits.max {
            found.push(Warning::OverLimit { platform, count, max: limits.max });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::ads::tests::aral_honey;

    const FAMILY: &str = "👨\u{200d}👩\u{200d}👧\u{200d}👦";
    const FLAG: &str = "🇺🇿";
    const WAVE_DARK: &str = "👋🏿";
    const RAINBOW_FLAG: &str = "🏳\u{fe0f}\u{200d}🌈";

    #[test]
    fn telegram_counts_utf16_units_and_she_sees_graphemes() {
        for (text, units, seen) in [
            ("Qawın", 5, 5),
            ("Қовун мураббоси", 15, 15),
            ("Дыня", 4, 4),
            ("🍈", 2, 1),
            (FLAG, 4, 1),
            (WAVE_DARK, 4, 1),
            (FAMILY, 11, 1),
            (RAINBOW_FLAG, 6, 1),
            ("❤\u{fe0f}", 2, 1),
            ("1\u{fe0f}\u{20e3}", 3, 1),
            // A Russian stress mark typed as a combining accent: one letter seen, two units.
            ("за\u{301}мок", 6, 5),
        ] {
            assert_eq!(utf16_units(text), units, "{text}");
            assert_eq!(Platform::Telegram.length(text), units, "{text}");
            assert_eq!(graphemes(text), seen, "{text}");
        }
    }

    #[test]
    fn a_text_at_each_limit_fits_and_one_more_does_not() {
        for platform in Platform::ALL {
            let max = platform.limits().max;
            // Cyrillic: one unit a letter; an emoji: two.
            let letters = "ы".repeat(max);
            assert_eq!(counts(&letters).iter().find(|c| c.platform == platform).unwrap().used, max);
            let emoji_over = format!("{}🍈", "ы".repeat(max - 1));
            let count = counts(&emoji_over).into_iter().find(|c| c.platform == platform).unwrap();
            assert_eq!((count.used, count.max), (max + 1, max), "{platform:?}");
        }
        // 512 flags are 512 characters she sees and exactly Telegram's caption.
        let flags = FLAG.repeat(256);
        assert_eq!((graphemes(&flags), Platform::TelegramCaption.length(&flags)), (256, 1_024));
    }

    #[test]
    fn the_fold_cuts_between_characters_she_sees() {
        let text = format!("{FAMILY}{FLAG}abc");
        assert_eq!(first_graphemes(&text, 1), FAMILY);
        assert_eq!(first_graphemes(&text, 2), format!("{FAMILY}{FLAG}"));
        assert_eq!(first_graphemes(&text, 99), text);
        assert_eq!(first_graphemes("Қовун", 2), "Қо");
    }

    #[test]
    fn hashtags_are_counted_as_links() {
        assert_eq!(hashtags_in("#qawın #Дыня #melon_jam"), 3);
        assert_eq!(hashtags_in("#2025 #1"), 0, "digits alone are no tag");
        assert_eq!(hashtags_in("a#b # ## #"), 0);
        assert_eq!(hashtags_in("Jańa!#qawın\n#bal"), 2);
        assert_eq!(hashtags_in("#Qaraqalpaqstan#Shımbay"), 1, "a # inside a tag does not start one");
    }

    #[test]
    fn a_price_is_found_however_it_is_grouped() {
        for text in ["25000 swm", "Bahası: 25 000", "25\u{a0}000 soʻm", "$ 25,000", "25.000"] {
            assert!(mentions_number(text, 25_000), "{text}");
        }
        for text in ["250 000", "2500", "25 00 0x", "2 5000", "25 0000"] {
            assert!(!mentions_number(text, 25_000), "{text}");
        }
    }

    fn jam() -> ProductFacts {
        ProductFacts { name: "Qawın múrabbası".into(), price_som: Some(25_000), unit: "banka".into() }
    }

    fn post() -> Post {
        Post {
            headline: "Qawın múrabbası 🍈".into(),
            body: "Jańa hasıl.".into(),
            price_line: "25 000 swm / banka".into(),
            call_to_action: Some(CallToAction::Telegram),
            hashtags: vec!["qawın".into(), "Shımbay".into()],
            lang: Some(Lang::Kaa),
        }
    }

    #[test]
    fn a_good_post_has_no_warnings() {
        assert_eq!(warnings(&post(), Some(&jam()), &aral_honey()), []);
        // The price in the body instead of a price line still counts.
        let in_body = Post { price_line: String::new(), body: "Bahası 25 000 swm.".into(), ..post() };
        assert_eq!(warnings(&in_body, Some(&jam()), &aral_honey()), []);
    }

    #[test]
    fn a_post_without_price_or_way_to_order_is_warned() {
        let bare = Post { price_line: String::new(), call_to_action: None, ..post() };
        assert_eq!(warnings(&bare, Some(&jam()), &aral_honey()), [Warning::NoPrice, Warning::NoWayToOrder]);
        // The whole storefront has no one price.
        assert_eq!(warnings(&bare, None, &aral_honey()), [Warning::NoWayToOrder]);
        let no_telegram = StorefrontFacts { telegram: None, ..aral_honey() };
        assert_eq!(warnings(&post(), Some(&jam()), &no_telegram), [Warning::NoContact(CallToAction::Telegram)]);
    }

    #[test]
    fn key_words_after_the_feeds_cut_are_warned() {
        // A long headline pushes the name and the price past 125 characters she sees.
        let long = Post { headline: format!("{}{}", "🇺🇿".repeat(130), " Qawın múrabbası"), ..post() };
        let found = warnings(&long, Some(&jam()), &aral_honey());
        for platform in [Platform::Instagram, Platform::Facebook] {
            assert!(found.contains(&Warning::NameAfterFold { platform, fold: 125 }), "{found:?}");
            assert!(found.contains(&Warning::PriceAfterFold { platform, fold: 125 }), "{found:?}");
        }
        assert!(!found.iter().any(|w| w.platform() == Some(Platform::Telegram)), "Telegram shows the whole post");
        // 80 flags are 320 UTF-16 units but 80 characters she sees: the name and the price still show.
        let flags = Post { headline: format!("{} Qawın múrabbası", "🇺🇿".repeat(80)), ..post() };
        assert_eq!(warnings(&flags, Some(&jam()), &aral_honey()), []);
    }

    #[test]
    fn too_many_hashtags_and_too_long_are_warned_per_platform() {
        let tags = Post { hashtags: (1..=6).map(|i| format!("tag{i}")).collect(), ..post() };
        assert_eq!(
            warnings(&tags, Some(&jam()), &aral_honey()),
            [Warning::TooManyHashtags { platform: Platform::Instagram, count: 6, max: 5 }]
        );
        // Tags typed in the body count too.
        let typed = Post { body: "#bal #asal #мёд #honey".into(), ..post() };
        assert!(matches!(
            warnings(&typed, Some(&jam()), &aral_honey())[..],
            [Warning::TooManyHashtags { count: 6, .. }]
        ));
        let long = Post { body: "ы".repeat(1_100), ..post() };
        let found = warnings(&long, Some(&jam()), &aral_honey());
        let over: Vec<Platform> =
            found.iter().filter(|w| matches!(w, Warning::OverLimit { .. })).map(|w| w.platform().unwrap()).collect();
        assert_eq!(over, [Platform::TelegramCaption], "{found:?}");
    }

    #[test]
    fn every_warning_reads_in_every_language() {
        let all = [
            Warning::NoPrice,
            Warning::NoWayToOrder,
            Warning::NoContact(CallToAction::WhatsApp),
            Warning::NameAfterFold { platform: Platform::Instagram, fold: 125 },
            Warning::PriceAfterFold { platform: Platform::Facebook, fold: 125 },
            Warning::TooManyHashtags { platform: Platform::Instagram, count: 6, max: 5 },
            Warning::OverLimit { platform: Platform::TelegramCaption, count: 1_100, max: 1_024 },
        ];
        for lang in Lang::ALL {
            for warning in all {
                let message = warning.message(lang);
                assert!(!message.contains('{'), "{lang:?} {warning:?}: {message}");
            }
        }
        let over =
            Warning::OverLimit { platform: Platform::TelegramCaption, count: 1_100, max: 1_024 }.message(Lang::En);
        assert!(over.contains("1,100") && over.contains("1,024") && over.contains("76"), "{over}");
        assert!(Warning::NoContact(CallToAction::WhatsApp).message(Lang::Ru).contains("WhatsApp"));
    }
}
