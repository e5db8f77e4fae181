//! What an ad is made from, read from the records on this phone: her
//! storefront's and a product's facts, and an ad post's parts.

use sawda_sync::{Kind, Record, RecordId};
use serde_json::Value;

use crate::device::sync;
use crate::i18n::Lang;
use crate::rules::ads::{Post, ProductFacts, StorefrontFacts};
use crate::rules::records::ad_post::{self, CallToAction};
use crate::rules::records::{product, storefront};

/// Her storefront's public address: the site's origin and its web address.
fn storefront_address(record: &Record) -> String {
    let slug = record.get(storefront::SLUG).and_then(Value::as_str).unwrap_or_default();
    if slug.is_empty() {
        return String::new();
    }
    format!("{}/s/{slug}", site_origin())
}

/// The site's origin (`https://sawda.uz`), as the page was opened; empty
/// where there is no page (server rendering).
pub fn site_origin() -> String {
    // By name: one more web-sys method would add to every first visit (see `card`).
    #[cfg(feature = "hydrate")]
    return js_sys::Reflect::get(&leptos::prelude::window().location(), &"origin".into())
        .ok()
        .and_then(|origin| origin.as_string())
        .unwrap_or_default();
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

pub fn storefront_facts(id: RecordId) -> StorefrontFacts {
    sync::records(Kind::Storefront, |r| (r.id() == id).then(|| StorefrontFacts::of(r, storefront_address(r))))
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_default()
}

pub fn product_facts(id: RecordId) -> Option<ProductFacts> {
    sync::records(Kind::Product, |r| (r.id() == id).then(|| ProductFacts::of(r))).into_iter().flatten().next()
}

/// The first photo of a product, or the storefront's cover photo.
pub fn photo_of(record: RecordId) -> Option<String> {
    let first = |r: &Record| match r.get(product::PHOTOS).or_else(|| r.get(storefront::COVER_PHOTO)) {
        Some(Value::Array(hashes)) => hashes.first().and_then(Value::as_str).map(str::to_owned),
        Some(Value::String(hash)) => Some(hash.clone()),
        _ => None,
    };
    [Kind::Product, Kind::Storefront]
        .into_iter()
        .flat_map(|kind| sync::records(kind, |r| (r.id() == record).then(|| first(r)).flatten()))
        .flatten()
        .next()
}

/// An ad post's parts as its fields hold them.
pub fn post_of(record: &Record) -> Post {
    let text = |name| record.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    Post {
        headline: text(ad_post::HEADLINE),
        body: text(ad_post::BODY),
        price_line: text(ad_post::PRICE_LINE),
        call_to_action: record.get(ad_post::CALL_TO_ACTION).and_then(Value::as_str).and_then(CallToAction::from_id),
        hashtags: match record.get(ad_post::HASHTAGS) {
            Some(Value::Array(tags)) => tags.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        },
        lang: record.get(ad_post::LANGUAGE).and_then(Value::as_str).and_then(ad_post::language),
    }
}

/// An ad on this phone, as the studio reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct Ad {
    pub id: RecordId,
    pub post: Post,
    pub product: Option<RecordId>,
    pub template: String,
    pub layout: String,
    pub theme: String,
    pub photo: Option<String>,
    pub published: bool,
}

impl Ad {
    pub fn lang(&self) -> Lang {
        self.post.lang.unwrap_or(Lang::DEFAULT)
    }
}

fn ad_of(record: &Record) -> Ad {
    let text = |name| record.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
    Ad {
        id: record.id(),
        post: post_of(record),
        product: record.get(ad_post::PRODUCT).and_then(Value::as_str).and_then(|id| id.parse().ok()),
        template: text(ad_post::TEMPLATE),
        layout: text(ad_post::LAYOUT),
        theme: text(ad_post::THEME),
        photo: record.get(ad_post::PHOTO).and_then(Value::as_str).map(str::to_owned),
        published: record.get(ad_post::PUBLISHED).and_then(Value::as_bool).unwrap_or(false),
    }
}

/// Her ads on this phone, the newest first (ids grow with time).
pub fn ads() -> Vec<Ad> {
    let mut ads = sync::records(Kind::AdPost, ad_of);
    ads.sort_by_key(|ad| std::cmp::Reverse(ad.id));
    ads
}

pub fn ad(id: RecordId) -> Option<Ad> {
    sync::records(Kind::AdPost, |r| (r.id() == id).then(|| ad_of(r))).into_iter().flatten().next()
}
