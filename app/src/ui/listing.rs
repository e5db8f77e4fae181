//! A storefront and its products as buyers see them, drawn from plain field
//! maps (a record's fields, a submitted revision, an approved one), so the
//! studio's preview, the review desk and the public pages show one thing.
//! Photos are drawn by the caller: from the phone's cache in the studio,
//! from the server elsewhere.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde_json::Value;

use crate::i18n::{Key, Lang, fill, text, use_language};
use crate::rules::money::format_som;
use crate::rules::people::District;
use crate::rules::records::{product, storefront};

pub type FieldMap = BTreeMap<String, Value>;
/// Draws a photo as the listing asks.
pub type PhotoView = fn(Photo) -> AnyView;

/// One photo in a listing: which, what it shows (for those who cannot see
/// it) and how it is shown.
pub struct Photo {
    pub hash: String,
    pub alt: String,
    pub shown: Shown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// A storefront's cover, across the page: the first thing a buyer sees.
    Cover,
    /// A product's photos on its own page, across the page, the first at
    /// `place` 0 (loaded at once, the others as she scrolls to them).
    Large { place: usize },
    /// A product's main photo in a list of products, or a photo in a table.
    Small,
}

/// A photo known by its hash alone is small, with no words: the table
/// around it says what it is.
impl From<String> for Photo {
    fn from(hash: String) -> Photo {
        Photo { hash, alt: String::new(), shown: Shown::Small }
    }
}

/// The width a photo across the page takes: the screen less its margins,
/// up to the buyers' pages' column (28rem). The desk's wider column lands
/// on the same size: anything over 320 px takes the 1,280 px one.
const ACROSS_THE_PAGE: &str = "(max-width: 30rem) 100vw, 28rem";

/// A photo as the server serves it, in the size the screen needs: the 320 px
/// one for a small photo, the 1,280 px one for a cover or a product's own
/// photos on a phone with dense pixels or a laptop. Its box is set so nothing
/// moves while it loads. A product's own photos open in their largest size
/// with a plain link, no script needed.
pub fn served_photo(photo: impl Into<Photo>) -> AnyView {
    let Photo { hash, alt, shown } = photo.into();
    let src = format!("/photos/{hash}/thumb.jpg");
    let srcset = format!("/photos/{hash}/thumb.jpg 320w, /photos/{hash}/large.jpg 1280w");
    match shown {
        Shown::Small => view! {
            <img class="photo-thumb" src=src srcset=srcset sizes="96px" alt=alt width="96" height="96"
                loading="lazy" decoding="async"/>
        }
        .into_any(),
        Shown::Cover => view! {
            <img class="photo-cover" src=src srcset=srcset sizes=ACROSS_THE_PAGE alt=alt width="1280" height="720"
                decoding="async"/>
        }
        .into_any(),
        Shown::Large { place } => view! {
            <a class="gallery-photo" href=format!("/photos/{hash}/large.jpg")>
                <img src=src srcset=srcset sizes=ACROSS_THE_PAGE alt=alt width="1280" height="1280"
                    loading=(place > 0).then_some("lazy") decoding="async"/>
            </a>
        }
        .into_any(),
    }
}

fn text_of(fields: &FieldMap, name: &str) -> String {
    fields.get(name).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn texts_of(fields: &FieldMap, name: &str) -> Vec<String> {
    match fields.get(name) {
        Some(Value::Array(items)) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
        Some(Value::String(one)) => vec![one.clone()],
        _ => Vec::new(),
    }
}

/// Links buyers can open on a phone: Telegram, WhatsApp and Instagram.
pub fn contact_links(telegram: &str, whatsapp: &str, instagram: &str) -> Vec<(&'static str, String)> {
    let mut links = Vec::new();
    if !telegram.is_empty() {
        links.push(("Telegram", format!("https://t.me/{telegram}")));
    }
    let digits: String = whatsapp.chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        links.push(("WhatsApp", format!("https://wa.me/{digits}")));
    }
    if !instagram.is_empty() {
        links.push(("Instagram", format!("https://instagram.com/{instagram}")));
    }
    links
}

/// A product map may carry `href`, its own page, which its name then links to.
/// `hide_contacts` leaves out her links (a page with buttons of its own).
#[component]
pub fn StorefrontListing(
    storefront: FieldMap,
    products: Vec<FieldMap>,
    photo: PhotoView,
    #[prop(optional)] hide_contacts: bool,
) -> impl IntoView {
    let language = use_language();
    let s = storefront;
    let cover = s
        .get(storefront::COVER_PHOTO)
        .and_then(Value::as_str)
        .map(|hash| photo(Photo { hash: hash.to_owned(), alt: text_of(&s, storefront::NAME), shown: Shown::Cover }));
    let (district, category) = (text_of(&s, storefront::DISTRICT), text_of(&s, storefront::CATEGORY));
    let food = category == "food";
    let links = contact_links(
        &text_of(&s, storefront::TELEGRAM),
        &text_of(&s, storefront::WHATSAPP),
        &text_of(&s, storefront::INSTAGRAM),
    );
    let payment: Vec<(String, String)> = s
        .get(storefront::PAYMENT)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let method = i.get("method")?.as_str()?.to_owned();
                    Some((method, i.get("note").and_then(Value::as_str).unwrap_or_default().to_owned()))
                })
                .collect()
        })
        .unwrap_or_default();
    let delivery = texts_of(&s, storefront::DELIVERY);
    view! {
        <article class="listing">
            {cover}
            <h2>{text_of(&s, storefront::NAME)}</h2>
            <p class="listing-where">
                {move || {
                    let lang = language.get();
                    let district = District::from_id(&district).map(|d| text(lang, d.name_key()));
                    let category = storefront::Category::from_id(&category).map(|c| text(lang, c.name_key()));
                    [district, category].into_iter().flatten().collect::<Vec<_>>().join(" · ")
                }}
            </p>
            <p class="listing-story">{text_of(&s, storefront::STORY)}</p>
            <ul class="listing-products">
                {products.into_iter().filter(|p| !text_of(p, product::NAME).is_empty())
                    .map(|p| view! { <li><ProductListing product=p photo food in_list=true/></li> }).collect_view()}
            </ul>
            {(!hide_contacts && !links.is_empty()).then(|| view! {
                <h3>{language.t(Key::PreviewContact)}</h3>
                <p class="actions">
                    {links.into_iter().map(|(name, href)| view! {
                        <a class="button small secondary" href=href rel="noopener" target="_blank">{name}</a>
                    }).collect_view()}
                </p>
            })}
            {(!payment.is_empty()).then(|| view! {
                <h3>{language.t(Key::StorefrontPayment)}</h3>
                <ul>
                    {payment.into_iter().map(|(method, note)| view! {
                        <li>{move || storefront::PaymentMethod::from_id(&method).map(|m| text(language.get(), m.name_key())).unwrap_or_default()}
                            {(!note.is_empty()).then(|| format!(": {note}"))}</li>
                    }).collect_view()}
                </ul>
            })}
            {(!delivery.is_empty()).then(|| view! {
                <h3>{language.t(Key::StorefrontDelivery)}</h3>
                <ul>
                    {delivery.into_iter().map(|option| view! {
                        <li>{move || storefront::Delivery::from_id(&option).map(|d| text(language.get(), d.name_key())).unwrap_or_default()}</li>
                    }).collect_view()}
                </ul>
            })}
        </article>
    }
    .into_any()
}

/// One product: photos, name, price, unit, availability, and what a buyer
/// of food needs to know. On its own (its page, the desk) every photo is
/// shown across the page; `in_list` (a storefront's products) its main one,
/// small.
#[component]
pub fn ProductListing(
    product: FieldMap,
    photo: PhotoView,
    #[prop(optional)] food: bool,
    #[prop(optional)] in_list: bool,
) -> impl IntoView {
    let language = use_language();
    let p = product;
    let photos = texts_of(&p, product::PHOTOS);
    let price = p.get(product::PRICE_SOM).and_then(Value::as_u64);
    let usd =
        p.get(product::PRICE_USD_CENTS).and_then(Value::as_u64).map(|c| format!(" · ${}.{:02}", c / 100, c % 100));
    let unit = text_of(&p, product::UNIT);
    let availability = text_of(&p, product::AVAILABILITY);
    let handmade = p.get(product::HANDMADE).and_then(Value::as_bool) == Some(true);
    let facts: Vec<(Key, String)> = [
        (Key::ProductMaterials, product::MATERIALS),
        (Key::ProductShelfLife, product::SHELF_LIFE),
        (Key::ProductStorage, product::STORAGE),
        (Key::ProductNameEn, product::NAME_EN),
        (Key::ProductDescriptionEn, product::DESCRIPTION_EN),
    ]
    .into_iter()
    .filter(|(_, field)| food || ![product::SHELF_LIFE, product::STORAGE].contains(field))
    .map(|(key, field)| (key, text_of(&p, field)))
    .filter(|(_, value)| !value.is_empty())
    .collect();
    let name = text_of(&p, product::NAME);
    let photos = photo_views(photos, &name, in_list, photo, language.get_untracked());
    let name = match p.get("href").and_then(Value::as_str) {
        Some(href) => view! { <a href=href.to_owned()><strong>{name}</strong></a> }.into_any(),
        None => view! { <strong>{name}</strong> }.into_any(),
    };
    let with_photos = in_list && photos.is_some();
    view! {
        <div class="listing-product" class:with-photos=with_photos>
            {photos}
            <div>
                {name}
                <p class="listing-price">
                    {move || price.map(|som| format_som(som as i64, language.get())).unwrap_or_default()}
                    {usd}
                    {(!unit.is_empty()).then(|| format!(" · {unit}"))}
                </p>
                <p class="hint">
                    {move || product::Availability::from_id(&availability).map(|a| text(language.get(), a.name_key())).unwrap_or_default()}
                    {move || handmade.then(|| format!(" · {}", text(language.get(), Key::ProductHandmade)))}
                </p>
                <p class="listing-description">{text_of(&p, product::DESCRIPTION)}</p>
                {(!facts.is_empty()).then(|| view! {
                    <dl class="listing-facts">
                        {facts.into_iter().map(|(key, value)| view! { <dt>{language.t(key)}</dt><dd>{value}</dd> }).collect_view()}
                    </dl>
                })}
            </div>
        </div>
    }
    .into_any()
}

/// A product's photos: in a list its main one, named by the product; on its
/// own all of them in a strip across the page, each named with its place
/// ("…, photo 2 of 3").
fn photo_views(hashes: Vec<String>, name: &str, in_list: bool, photo: PhotoView, lang: Lang) -> Option<AnyView> {
    if in_list {
        let main = hashes.into_iter().next()?;
        let main = photo(Photo { hash: main, alt: name.to_owned(), shown: Shown::Small });
        return Some(view! { <div class="listing-photos">{main}</div> }.into_any());
    }
    let total = hashes.len();
    let views: Vec<AnyView> = hashes
        .into_iter()
        .enumerate()
        .map(|(place, hash)| {
            let alt = match total {
                1 => name.to_owned(),
                _ => fill(
                    text(lang, Key::PhotosAltNth),
                    &[("name", name), ("n", &(place + 1).to_string()), ("total", &total.to_string())],
                ),
            };
            photo(Photo { hash, alt, shown: Shown::Large { place } })
        })
        .collect();
    (total > 0).then(|| view! { <div class="listing-gallery" data-photos=total>{views}</div> }.into_any())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_become_links_buyers_can_open() {
        assert_eq!(
            contact_links("aral_honey", "+998 90 123-45-67", "aral.honey"),
            [
                ("Telegram", "https://t.me/aral_honey".to_owned()),
                ("WhatsApp", "https://wa.me/998901234567".to_owned()),
                ("Instagram", "https://instagram.com/aral.honey".to_owned()),
            ]
        );
        assert!(contact_links("", "", "").is_empty());
    }
}
