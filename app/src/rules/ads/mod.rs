//! The ad studio's rules, shared by the phone and the server: the post's text
//! as it goes out ([`Post::text`]), counted as each platform counts it
//! (`count`), hashtags suggested from what she sells and where (`hashtags`),
//! and the templates she starts from (`templates`). Plain Rust; the ad
//! studio's pages and card drawing are elsewhere.

pub mod count;
pub mod hashtags;
pub mod templates;

use sawda_sync::Record;
use serde_json::Value;

use crate::i18n::{Key, Lang, fill, text};
use crate::rules::people::{District, normalise_phone};
use crate::rules::records::ad_post::CallToAction;
use crate::rules::records::product;
use crate::rules::records::storefront::{self, Category};

/// What an ad says about a product.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProductFacts {
    pub name: String,
    pub price_som: Option<u64>,
    pub unit: String,
}

impl ProductFacts {
    pub fn of(record: &Record) -> ProductFacts {
        ProductFacts {
            name: text_of(record, product::NAME),
            price_som: record.get(product::PRICE_SOM).and_then(Value::as_u64),
            unit: text_of(record, product::UNIT),
        }
    }
}

/// What an ad says about her storefront, and how buyers reach her.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StorefrontFacts {
    pub name: String,
    pub district: Option<District>,
    pub category: Option<Category>,
    /// Her OVOP story, if she wrote one.
    pub story: String,
    pub telegram: Option<String>,
    /// Her WhatsApp number, also the number buyers call.
    pub whatsapp: Option<String>,
    /// Her storefront's public address (`https://…/s/{slug}`): the page
    /// knows the site's origin, the rules do not.
    pub address: String,
}

impl StorefrontFacts {
    pub fn of(record: &Record, address: String) -> StorefrontFacts {
        let choice = |name| record.get(name).and_then(Value::as_str).map(str::to_owned);
        StorefrontFacts {
            name: text_of(record, storefront::NAME),
            district: choice(storefront::DISTRICT).and_then(|id| District::from_id(&id)),
            category: choice(storefront::CATEGORY).and_then(|id| Category::from_id(&id)),
            story: text_of(record, storefront::STORY),
            telegram: choice(storefront::TELEGRAM).filter(|name| !name.trim().is_empty()),
            whatsapp: choice(storefront::WHATSAPP).filter(|phone| !phone.trim().is_empty()),
            address,
        }
    }

    /// The contact a way of ordering shows: `None` when her storefront lacks it.
    pub fn contact(&self, way: CallToAction) -> Option<String> {
        match way {
            CallToAction::Telegram => {
                self.telegram.as_ref().map(|name| format!("https://t.me/{}", name.trim_start_matches('@')))
            }
            CallToAction::WhatsApp => {
                let phone = normalise_phone(self.whatsapp.as_deref()?)?;
                Some(format!("https://wa.me/{}", phone.trim_start_matches('+')))
            }
            CallToAction::Call => self.whatsapp.as_deref().and_then(normalise_phone).map(|phone| spaced_phone(&phone)),
            CallToAction::Storefront => (!self.address.is_empty()).then(|| self.address.clone()),
        }
    }
}

fn text_of(record: &Record, name: &str) -> String {
    record.get(name).and_then(Value::as_str).unwrap_or_default().trim().to_owned()
}

/// `+998901234567` → `+998 90 123 45 67`, as numbers are read out here.
fn spaced_phone(phone: &str) -> String {
    let national = &phone[4..];
    format!("+998 {} {} {} {}", &national[..2], &national[2..5], &national[5..7], &national[7..])
}

/// An ad post's parts, as its fields hold them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Post {
    pub headline: String,
    pub body: String,
    pub price_line: String,
    pub call_to_action: Option<CallToAction>,
    pub hashtags: Vec<String>,
    pub lang: Option<Lang>,
}

impl Post {
    /// The text she posts: the headline and the price first (what shows
    /// before a feed's "more"), then the body, how to order, the hashtags.
    /// A way of ordering whose contact her storefront lacks is left out
    /// (`count::Warning::NoContact` says so).
    pub fn text(&self, storefront: &StorefrontFacts) -> String {
        let lang = self.lang.unwrap_or(Lang::DEFAULT);
        let order = self.call_to_action.and_then(|way| {
            storefront.contact(way).map(|contact| fill(text(lang, order_key(way)), &[("contact", &contact)]))
        });
        let tags = self.hashtags.iter().map(|tag| format!("#{tag}")).collect::<Vec<_>>().join(" ");
        let top =
            [self.headline.trim(), self.price_line.trim()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
        [top.join("\n"), self.body.trim().to_owned(), order.unwrap_or_default(), tags]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

/// The post's line for a way of ordering, with `{contact}`.
fn order_key(way: CallToAction) -> Key {
    match way {
        CallToAction::Telegram => Key::AdOrderTelegram,
        CallToAction::WhatsApp => Key::AdOrderWhatsapp,
        CallToAction::Call => Key::AdOrderCall,
        CallToAction::Storefront => Key::AdOrderStorefront,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn aral_honey() -> StorefrontFacts {
        StorefrontFacts {
            name: "Aral bal".into(),
            district: Some(District::Chimbay),
            category: Some(Category::Food),
            story: "Ájemniń bal ara baǵı Shımbayda 1998-jıldan beri.".into(),
            telegram: Some("aral_bal".into()),
            whatsapp: Some("+998901234567".into()),
            address: "https://sawda.uz/s/aral-bal".into(),
        }
    }

    #[test]
    fn each_way_of_ordering_has_its_contact() {
        let shop = aral_honey();
        assert_eq!(shop.contact(CallToAction::Telegram).as_deref(), Some("https://t.me/aral_bal"));
        assert_eq!(shop.contact(CallToAction::WhatsApp).as_deref(), Some("https://wa.me/998901234567"));
        assert_eq!(shop.contact(CallToAction::Call).as_deref(), Some("+998 90 123 45 67"));
        assert_eq!(shop.contact(CallToAction::Storefront).as_deref(), Some("https://sawda.uz/s/aral-bal"));
        let bare = StorefrontFacts { telegram: None, whatsapp: Some("12".into()), ..shop };
        assert_eq!(bare.contact(CallToAction::Telegram), None);
        assert_eq!(bare.contact(CallToAction::WhatsApp), None, "not a number a buyer can reach");
        assert_eq!(bare.contact(CallToAction::Call), None);
    }

    #[test]
    fn the_post_puts_headline_and_price_first_and_hashtags_last() {
        let post = Post {
            headline: "Qawın múrabbası".into(),
            body: "Jańa hasıl.".into(),
            price_line: "25 000 swm / banka".into(),
            call_to_action: Some(CallToAction::Telegram),
            hashtags: vec!["qawın".into(), "Shımbay".into()],
            lang: Some(Lang::En),
        };
        let text = post.text(&aral_honey());
        assert!(text.starts_with("Qawın múrabbası\n25 000 swm / banka\n\nJańa hasıl.\n\n"), "{text}");
        assert!(text.contains("https://t.me/aral_bal"), "{text}");
        assert!(text.ends_with("\n\n#qawın #Shımbay"), "{text}");
        let bare = StorefrontFacts { telegram: None, ..aral_honey() };
        assert!(!post.text(&bare).contains("t.me"), "no line for a contact she lacks");
    }
}
