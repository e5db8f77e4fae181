//! Ad posts through the sync endpoints over a real (in-memory) SurrealDB:
//! her phone makes, edits and deletes them like everything she has, her
//! other phone gets them back, a broken one is refused field by field with a
//! clear code, an ad never reaches the review desk, and only entrepreneurs
//! write them. Published, an ad of her approved listing has a public page
//! (`/a/{id}`) whose link preview is its card; the desk can take it down
//! with a reason she pulls; its results reach her record.

use crate::support;
use crate::sync::post_push;
use app::rules::people::Role;
use app::rules::records::ad_post;
use app::rules::records::storefront::storefront_id;
use axum::http::{Method, StatusCode};
use sawda_sync::protocol::Limits;
use sawda_sync::{Fields, Kind, RecordId, Replica};
use serde_json::{Value, json};

use support::{Person, phone_of, product_fields, storefront_fields, sync_phone};

const T: u64 = 1_760_000_000_000;

/// Her storefront and one product, synced.
async fn shop_with_jam(router: &axum::Router, her: &Person) -> (Replica, RecordId) {
    let mut phone = phone_of(her, 1);
    let shop = storefront_id(&her.owner());
    phone.put(shop, Kind::Storefront, storefront_fields("Aral bal", "aral-bal"), T, [2; 10]).unwrap();
    let jam = RecordId::new(T, [3; 10]);
    phone.put(jam, Kind::Product, product_fields(her, "Qawın múrabbası", 25_000), T + 1, [3; 10]).unwrap();
    sync_phone(router, her, &mut phone).await;
    (phone, jam)
}

fn ad_fields(her: &Person, product: Option<RecordId>) -> Fields {
    serde_json::from_value(json!({
        ad_post::STOREFRONT: storefront_id(&her.owner()).to_string(),
        ad_post::PRODUCT: product.map(|p| p.to_string()),
        ad_post::HEADLINE: "Jańa ónim: Qawın múrabbası 🍈",
        ad_post::BODY: "Qawın múrabbası — Aral bal (Shımbay) dúkanınıń jańa ónimi.",
        ad_post::PRICE_LINE: "25 000 swm / banka",
        ad_post::CALL_TO_ACTION: "telegram",
        ad_post::HASHTAGS: ["qawın", "múrabba", "Shımbay"],
        ad_post::LANGUAGE: "kaa",
        ad_post::TEMPLATE: "new_product",
        ad_post::LAYOUT: "photo_top",
        ad_post::THEME: "melon",
    }))
    .unwrap()
}

/// Pushes what the phone has queued once, and returns the server's answer.
async fn push_once(router: &axum::Router, her: &Person, phone: &mut Replica) -> Value {
    let push = serde_json::to_string(&phone.push_request(Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) = post_push(router, her, push).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    phone.receive_push(&serde_json::from_value(answer.clone()).unwrap());
    answer
}

#[tokio::test]
async fn her_phone_makes_edits_and_deletes_an_ad_and_her_other_phone_gets_each_change() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = support::entrepreneur(&db, "+998901000401").await;
    let (mut phone, jam) = shop_with_jam(&router, &gulnar).await;

    // Made offline from her product, synced when a signal comes.
    let ad = phone.create(Kind::AdPost, ad_fields(&gulnar, Some(jam)), T + 10, [4; 10]).unwrap();
    let answer = push_once(&router, &gulnar, &mut phone).await;
    assert_eq!(answer["results"][0]["result"], "applied", "{answer}");
    let mut second = phone_of(&gulnar, 2);
    sync_phone(&router, &gulnar, &mut second).await;
    let got = second.record(ad).expect("her other phone has the ad");
    assert_eq!(got.kind(), Kind::AdPost);
    assert_eq!(got.get(ad_post::HEADLINE), Some(&json!("Jańa ónim: Qawın múrabbası 🍈")));
    assert_eq!(got.get(ad_post::PRODUCT), Some(&json!(jam.to_string())));
    assert_eq!(got.get(ad_post::HASHTAGS), Some(&json!(["qawın", "múrabba", "Shımbay"])));

    // Edited on one phone (a new headline, published), seen on the other.
    let edit = Fields::from([
        (ad_post::HEADLINE.to_owned(), json!("Arnawlı usınıs: Qawın múrabbası")),
        (ad_post::TEMPLATE.to_owned(), json!("offer")),
        (ad_post::PUBLISHED.to_owned(), json!(true)),
        (ad_post::PRODUCT.to_owned(), Value::Null),
    ]);
    second.edit(ad, edit, T + 20, [5; 10]).unwrap();
    sync_phone(&router, &gulnar, &mut second).await;
    sync_phone(&router, &gulnar, &mut phone).await;
    let got = phone.record(ad).unwrap();
    assert_eq!(got.get(ad_post::HEADLINE), Some(&json!("Arnawlı usınıs: Qawın múrabbası")));
    assert_eq!(got.get(ad_post::PUBLISHED), Some(&json!(true)));
    assert_eq!(got.get(ad_post::PRODUCT), Some(&Value::Null), "cleared: now an ad of the whole storefront");

    // Ads are not reviewed: the desk of her district has nothing waiting.
    let coordinator = support::signed_in(&db, "+998901000402", "Dilnoza", Role::Coordinator, &["chimbay"], None).await;
    let (status, queue) = support::call(&router, Some(&coordinator), Method::GET, "/api/v1/review/queue", None).await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["total"], 0, "{queue}");

    // Deleted on the first phone, gone from the second.
    phone.delete(ad, T + 30, [6; 10]).unwrap();
    sync_phone(&router, &gulnar, &mut phone).await;
    sync_phone(&router, &gulnar, &mut second).await;
    assert!(second.record(ad).is_none_or(|record| record.is_deleted()), "deleted on her other phone too");
}

#[tokio::test]
async fn a_broken_ad_is_refused_field_by_field_with_a_clear_code_and_nothing_bad_is_stored() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = support::entrepreneur(&db, "+998901000403").await;
    let aysulu = support::entrepreneur(&db, "+998901000404").await;
    let (mut phone, jam) = shop_with_jam(&router, &gulnar).await;

    // An old or broken app: a tag with its '#', a theme that does not exist, a review field.
    let mut fields = ad_fields(&gulnar, Some(jam));
    fields.insert(ad_post::HASHTAGS.to_owned(), json!(["#sale", "qawın"]));
    fields.insert(ad_post::THEME.to_owned(), json!("pink"));
    fields.insert("submitted".to_owned(), json!("now"));
    let ad = phone.create(Kind::AdPost, fields, T + 10, [4; 10]).unwrap();
    let answer = push_once(&router, &gulnar, &mut phone).await;
    let refused = answer["results"][0]["result"]["fields_refused"].as_array().expect("fields refused").clone();
    let by_field =
        |name: &str| refused.iter().find(|r| r["field"] == name).unwrap_or_else(|| panic!("{name}: {answer}"));
    assert_eq!(by_field("hashtags")["code"], "invalid_value", "{answer}");
    assert!(by_field("hashtags")["message"].as_str().unwrap().contains("hashtag"), "{answer}");
    assert_eq!(by_field("theme")["code"], "invalid_value", "{answer}");
    assert_eq!(by_field("submitted")["code"], "invalid_value", "{answer}");
    let mut second = phone_of(&gulnar, 2);
    sync_phone(&router, &gulnar, &mut second).await;
    let stored = second.record(ad).expect("the good fields are kept");
    assert_eq!(stored.get(ad_post::HEADLINE), Some(&json!("Jańa ónim: Qawın múrabbası 🍈")));
    for field in ["hashtags", "theme", "submitted"] {
        assert_eq!(stored.get(field), None, "{field} is not stored");
    }

    // Another entrepreneur cannot make an ad of Gulnar's storefront.
    let mut hers = phone_of(&aysulu, 3);
    let mut stolen = ad_fields(&aysulu, None);
    stolen.insert(ad_post::STOREFRONT.to_owned(), json!(storefront_id(&gulnar.owner()).to_string()));
    let theft = hers.create(Kind::AdPost, stolen, T + 40, [7; 10]).unwrap();
    let answer = push_once(&router, &aysulu, &mut hers).await;
    assert_eq!(answer["results"][0]["result"]["fields_refused"][0]["field"], "storefront", "{answer}");
    assert_eq!(answer["results"][0]["result"]["fields_refused"][0]["code"], "not_owner", "{answer}");
    let mut check = phone_of(&aysulu, 4);
    sync_phone(&router, &aysulu, &mut check).await;
    assert_eq!(check.record(theft).and_then(|r| r.get(ad_post::STOREFRONT)), None);
}

#[tokio::test]
async fn a_coordinators_push_of_an_ad_is_refused() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let coordinator = support::signed_in(&db, "+998901000405", "Oral", Role::Coordinator, &["chimbay"], None).await;
    let mut his = phone_of(&coordinator, 1);
    his.create(Kind::AdPost, ad_fields(&coordinator, None), T, [2; 10]).unwrap();
    let answer = push_once(&router, &coordinator, &mut his).await;
    assert_eq!(answer["results"][0]["result"]["rejected"]["code"], "kind_not_allowed", "{answer}");
    let (status, page) = support::call(
        &router,
        Some(&coordinator),
        Method::GET,
        &format!("/api/v1/sync/pull?version=3&account={}&cursor=0&limit=100", coordinator.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["changes"], json!([]), "nothing of his is stored");
}

// The public ad page -----------------------------------------------------------

pub mod page {
    use super::*;
    use crate::public::approve;
    use axum::body::Body;
    use axum::http::Request;
    use sawda_server::http::site::Site;
    use sha2::{Digest, Sha256};
    use support::Person;
    use surrealdb::Surreal;
    use surrealdb::engine::any::Any;

    const PERSON: &str =
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
    // Plain http: signed-in cookies of an https site would need a secure request.
    const ORIGIN: &str = "http://sawda.example";

    pub struct Studio {
        pub db: Surreal<Any>,
        pub state: sawda_server::AppState,
        pub router: axum::Router,
        pub her: Person,
        pub phone: Replica,
        pub jam: RecordId,
        pub card: String,
        pub coordinator: Person,
    }

    /// A 1080 × 1080 card as her phone draws it (JPEG), its hash.
    fn card() -> (String, Vec<u8>) {
        let image = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1080, 1080, |x, y| {
            image::Rgb([(x / 5) as u8, (y / 5) as u8, 120])
        }));
        let mut out = std::io::Cursor::new(Vec::new());
        image.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        let bytes = out.into_inner();
        (hex::encode(Sha256::digest(&bytes)), bytes)
    }

    async fn upload(router: &axum::Router, who: &Person, hash: &str, bytes: Vec<u8>) {
        let request = Request::put(format!("/api/v1/photos/{hash}/upload?offset=0&total={}", bytes.len()))
            .header("cookie", &who.cookie)
            .header("content-type", "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap();
        let response = support::send(router, request).await;
        assert_eq!(response.status(), StatusCode::OK, "{}", support::body_text(response).await);
    }

    /// Her storefront (with a Telegram name) and her jam, approved when
    /// `approved`; the card uploaded as her phone does when she publishes.
    pub async fn studio(approved: bool) -> Studio {
        let db = support::migrated_memory_db().await;
        let site = std::env::temp_dir();
        // Behind our proxy (each request's client from X-Forwarded-For), at a public address.
        let state = support::state(db.clone(), &site).with_site(Site {
            public_url: Some(ORIGIN.into()),
            trust_proxy: true,
            ..Default::default()
        });
        let router = sawda_server::router(state.clone(), &site);
        let her = support::entrepreneur(&db, "+998901000411").await;
        support::signed_in(&db, "+998901000409", "Admin", Role::Admin, &[], None).await;
        let coordinator =
            support::signed_in(&db, "+998901000412", "Dilnoza", Role::Coordinator, &["chimbay"], None).await;
        let mut phone = phone_of(&her, 1);
        let shop = storefront_id(&her.owner());
        let mut fields = storefront_fields("Aral bal", "aral-bal");
        fields.insert("telegram".into(), json!("aral_bal"));
        phone.put(shop, Kind::Storefront, fields, T, [2; 10]).unwrap();
        let jam = RecordId::new(T, [3; 10]);
        phone.put(jam, Kind::Product, product_fields(&her, "Qawın múrabbası", 25_000), T + 1, [3; 10]).unwrap();
        support::submit(&mut phone, shop, T + 2, 4);
        support::submit(&mut phone, jam, T + 3, 5);
        sync_phone(&router, &her, &mut phone).await;
        if approved {
            approve(&db, &her, shop, 1).await;
            approve(&db, &her, jam, 1).await;
        }
        let (card, bytes) = card();
        upload(&router, &her, &card, bytes).await;
        Studio { db, state, router, her, phone, jam, card, coordinator }
    }

    impl Studio {
        /// An ad of `product` (none: the whole storefront), published with its card, synced.
        pub async fn publish(&mut self, product: Option<RecordId>, seed: u8) -> RecordId {
            let mut fields = ad_fields(&self.her, product);
            fields.insert(ad_post::CARD_PHOTO.into(), json!(self.card));
            fields.insert(ad_post::PUBLISHED.into(), json!(true));
            let ad = self.phone.create(Kind::AdPost, fields, T + 100 + u64::from(seed), [seed; 10]).unwrap();
            sync_phone(&self.router, &self.her, &mut self.phone).await;
            ad
        }

        pub async fn edit(&mut self, ad: RecordId, fields: Fields, seed: u8) {
            self.phone.edit(ad, fields, T + 200 + u64::from(seed), [seed; 10]).unwrap();
            sync_phone(&self.router, &self.her, &mut self.phone).await;
        }

        pub async fn open(&self, path: &str, client: &str, agent: &str) -> (StatusCode, String) {
            let headers = [("accept-language", "en"), ("x-forwarded-for", client), ("user-agent", agent)];
            let response = support::get(&self.router, path, &headers).await;
            (response.status(), support::body_text(response).await)
        }

        pub async fn product_path(&self) -> String {
            let slug: Vec<String> = self
                .db
                .query("SELECT VALUE slug FROM approved_product WHERE owner = $owner")
                .bind(("owner", self.her.id.clone()))
                .await
                .unwrap()
                .take(0)
                .unwrap();
            format!("/s/aral-bal/{}", slug[0])
        }

        /// Her ad as her phone has it after a pull.
        pub async fn pulled(&mut self, ad: RecordId) -> sawda_sync::Record {
            sync_phone(&self.router, &self.her, &mut self.phone).await;
            self.phone.record(ad).expect("her ad").clone()
        }
    }

    /// The `content` of `<meta property="{property}" …>`.
    fn meta<'a>(page: &'a str, property: &str) -> Option<&'a str> {
        let at = page.find(&format!(r#"<meta property="{property}" content=""#))?;
        let rest = &page[at + property.len() + 27..];
        rest.split('"').next()
    }

    #[tokio::test]
    async fn a_published_ad_of_her_approved_product_has_a_page_whose_preview_is_its_card() {
        let mut studio = studio(true).await;
        let ad = studio.publish(Some(studio.jam), 10).await;
        let (status, page) = studio.open(&format!("/a/{ad}"), "198.51.100.1", PERSON).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let large = format!("{ORIGIN}/photos/{}/large.jpg", studio.card);
        assert_eq!(meta(&page, "og:image"), Some(large.as_str()), "absolute, the card: {page}");
        assert_eq!(meta(&page, "og:image:width"), Some("1080"));
        assert_eq!(meta(&page, "og:image:height"), Some("1080"));
        assert_eq!(meta(&page, "og:type"), Some("website"));
        assert_eq!(meta(&page, "og:title"), Some("Jańa ónim: Qawın múrabbası 🍈"));
        assert_eq!(meta(&page, "og:url"), Some(format!("{ORIGIN}/a/{ad}").as_str()));
        let description = meta(&page, "og:description").unwrap();
        assert!(description.starts_with("25 000 swm / banka Qawın múrabbası"), "{description}");
        assert!(page.contains(r#"<meta name="twitter:card" content="summary_large_image">"#), "{page}");
        assert!(page.contains("<title>Jańa ónim: Qawın múrabbası 🍈</title>"), "{page}");
        // The card on the page, sized, described by the headline.
        let img = format!(
            r#"<img src="/photos/{}/large.jpg" width="1080" height="1080" alt="Jańa ónim: Qawın múrabbası 🍈" class="ad-card">"#,
            studio.card
        );
        assert!(page.contains(&img), "{page}");
        assert!(page.contains("<h2>How to order</h2>"), "{page}");
        assert!(page.contains("https://t.me/aral_bal"), "her Telegram to order: {page}");
        // The link to her product carries the ad.
        let product = studio.product_path().await;
        assert!(page.contains(&format!(r#"href="{product}?ad={ad}""#)), "{page}");
        // No script but the structured data; no wasm.
        assert_eq!(page.matches("<script").count(), 1, "{page}");
        assert!(page.contains(r#"<script type="application/ld+json">"#));
        assert!(!page.contains(".wasm") && !page.contains("sawda.js"), "{page}");

        // The card the preview names is there for anyone, as a 1080 × 1080 JPEG.
        let response = support::get(&studio.router, &large[ORIGIN.len()..], &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(support::header(&response, "content-type"), "image/jpeg");
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20).await.unwrap();
        let shown = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
        assert_eq!((shown.width(), shown.height()), (1080, 1080));

        // The daily photo sweep keeps the card her ad names.
        let swept = sawda_server::housekeeping::clean_up_photos(&studio.state).await.unwrap();
        assert_eq!(swept.marked_unused, 0, "{swept:?}");
        let in_use = sawda_server::sync::store::photos_in_use(&studio.db).await.unwrap();
        assert!(in_use.contains(&studio.card));

        // An ad of the whole storefront links to the storefront, with the ad.
        let whole = studio.publish(None, 11).await;
        let (status, page) = studio.open(&format!("/a/{whole}"), "198.51.100.2", PERSON).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert!(page.contains(&format!(r#"href="/s/aral-bal?ad={whole}""#)), "{page}");
        // Her storefront's page reached through it passes the ad on to her products.
        let (_, storefront) = studio.open(&format!("/s/aral-bal?ad={whole}"), "198.51.100.2", PERSON).await;
        assert!(storefront.contains(&format!(r#"href="{product}?ad={whole}""#)), "{storefront}");
    }

    #[tokio::test]
    async fn an_ad_page_exists_only_for_her_own_approved_listing_while_published() {
        // Her product not approved (yet): no page, however published.
        let mut waiting = studio(false).await;
        let ad = waiting.publish(Some(waiting.jam), 10).await;
        let (status, page) = waiting.open(&format!("/a/{ad}"), "198.51.100.1", PERSON).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(page.contains("This ad is not shown"), "a clear page: {page}");
        assert!(!page.contains("Qawın"), "nothing of the ad: {page}");

        let mut studio = studio(true).await;
        let ad = studio.publish(Some(studio.jam), 10).await;
        let path = format!("/a/{ad}");
        assert_eq!(studio.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::OK);

        // Withdrawn by the desk after: the page goes at once (it was kept rendered).
        let (status, answer) = support::call(
            &studio.router,
            Some(&studio.coordinator),
            Method::POST,
            &format!("/api/v1/review/items/{}/{}/withdraw", studio.her.id, studio.jam),
            Some(json!({"reason": "Not her jam"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(studio.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);

        // Another person's approved product named in hers: no page.
        let mut other = super::page::studio(true).await;
        let aysulu = support::entrepreneur(&other.db, "+998901000413").await;
        let mut hers = phone_of(&aysulu, 7);
        let mut fields = storefront_fields("Aysulu", "aysulu");
        fields.insert("telegram".into(), json!("aysulu"));
        hers.put(storefront_id(&aysulu.owner()), Kind::Storefront, fields, T, [8; 10]).unwrap();
        support::submit(&mut hers, storefront_id(&aysulu.owner()), T + 1, 9);
        sync_phone(&other.router, &aysulu, &mut hers).await;
        approve(&other.db, &aysulu, storefront_id(&aysulu.owner()), 1).await;
        let mut fields = ad_fields(&aysulu, Some(other.jam));
        fields.insert(ad_post::CARD_PHOTO.into(), json!(other.card));
        fields.insert(ad_post::PUBLISHED.into(), json!(true));
        let theirs = hers.create(Kind::AdPost, fields, T + 50, [10; 10]).unwrap();
        sync_phone(&other.router, &aysulu, &mut hers).await;
        assert_eq!(other.open(&format!("/a/{theirs}"), "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
        // Gulnar's own ad of it is shown: the difference is whose product it is.
        let ad = other.publish(Some(other.jam), 11).await;
        let path = format!("/a/{ad}");
        assert_eq!(other.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::OK);

        // Unpublished: gone; published again: back. Deleted: gone.
        other.edit(ad, Fields::from([(ad_post::PUBLISHED.to_owned(), json!(false))]), 12).await;
        assert_eq!(other.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
        other.edit(ad, Fields::from([(ad_post::PUBLISHED.to_owned(), json!(true))]), 13).await;
        assert_eq!(other.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::OK);
        other.phone.delete(ad, T + 300, [14; 10]).unwrap();
        sync_phone(&other.router, &other.her, &mut other.phone).await;
        assert_eq!(other.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
        // No card, or a card not uploaded: no page.
        let mut fields = ad_fields(&other.her, Some(other.jam));
        fields.insert(ad_post::PUBLISHED.into(), json!(true));
        let bare = other.phone.create(Kind::AdPost, fields, T + 400, [15; 10]).unwrap();
        sync_phone(&other.router, &other.her, &mut other.phone).await;
        assert_eq!(other.open(&format!("/a/{bare}"), "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
        other.edit(bare, Fields::from([(ad_post::CARD_PHOTO.to_owned(), json!("e".repeat(64)))]), 16).await;
        assert_eq!(other.open(&format!("/a/{bare}"), "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
        assert_eq!(other.open("/a/not-an-id", "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_desk_takes_an_ad_page_down_with_a_reason_she_reads_after_her_pull() {
        let mut studio = studio(true).await;
        let ad = studio.publish(Some(studio.jam), 10).await;
        let path = format!("/a/{ad}");
        assert_eq!(studio.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::OK);
        let take_down = format!("/api/v1/ads/{ad}/take-down");
        let reason = json!({"reason": "The photo is of another producer's jam"});

        // A coordinator of another district, or she herself: refused, nothing changes.
        let elsewhere =
            support::signed_in(&studio.db, "+998901000414", "Oral", Role::Coordinator, &["bozatau"], None).await;
        for who in [&elsewhere, &studio.her] {
            let (status, answer) =
                support::call(&studio.router, Some(who), Method::POST, &take_down, Some(reason.clone())).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        }
        assert_eq!(studio.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::OK);
        // No reason: refused.
        let (status, answer) = support::call(
            &studio.router,
            Some(&studio.coordinator),
            Method::POST,
            &take_down,
            Some(json!({"reason": "  "})),
        )
        .await;
        assert_eq!(
            (status, answer["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_reason")),
            "{answer}"
        );

        // The coordinator of her district: the page goes at once.
        let (status, answer) =
            support::call(&studio.router, Some(&studio.coordinator), Method::POST, &take_down, Some(reason)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(studio.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
        // Her phone reads why, and who decided.
        let record = studio.pulled(ad).await;
        assert_eq!(record.get("review_state"), Some(&json!("taken_down")));
        assert_eq!(record.get("review"), Some(&json!("The photo is of another producer's jam")));
        assert_eq!(record.get("reviewed_by"), Some(&json!("Dilnoza")));
        // Logged like the desk's other decisions.
        let logged: Vec<String> = studio
            .db
            .query("SELECT VALUE by_name FROM review_event WHERE action = 'taken_down' AND record = $ad")
            .bind(("ad", ad.to_string()))
            .await
            .unwrap()
            .take(0)
            .unwrap();
        assert_eq!(logged, ["Dilnoza"]);

        // Her edit does not bring the page back: the take-down stands.
        let edit = Fields::from([(ad_post::HEADLINE.to_owned(), json!("Arnawlı usınıs: Qawın múrabbası"))]);
        studio.edit(ad, edit, 20).await;
        assert_eq!(studio.open(&path, "198.51.100.1", PERSON).await.0, StatusCode::NOT_FOUND);
        // Gone from the desk's reach too: nothing left to take down.
        let (status, _) = support::call(
            &studio.router,
            Some(&studio.coordinator),
            Method::POST,
            &take_down,
            Some(json!({"reason": "again"})),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn the_desk_lists_her_ad_pages_on_her_storefront_and_on_each_product_until_one_is_taken_down() {
        let mut studio = studio(true).await;
        let whole = studio.publish(None, 10).await;
        let jam = studio.publish(Some(studio.jam), 11).await;
        let shop = storefront_id(&studio.her.owner());
        let listed = |item: RecordId| {
            let path = format!("/api/v1/review/items/{}/{item}", studio.her.id);
            let router = studio.router.clone();
            let coordinator = &studio.coordinator;
            async move {
                let (status, answer) = support::call(&router, Some(coordinator), Method::GET, &path, None).await;
                assert_eq!(status, StatusCode::OK, "{answer}");
                let ads = answer["ads"].as_array().cloned().unwrap_or_default();
                ads.iter().map(|ad| ad["record"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
            }
        };
        // Her storefront lists both, first published first; her jam only its own.
        assert_eq!(listed(shop).await, [whole.to_string(), jam.to_string()]);
        assert_eq!(listed(studio.jam).await, [jam.to_string()]);

        let take_down = format!("/api/v1/ads/{jam}/take-down");
        let reason = Some(json!({"reason": "Not her jam"}));
        let (status, answer) =
            support::call(&studio.router, Some(&studio.coordinator), Method::POST, &take_down, reason).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(listed(shop).await, [whole.to_string()]);
        assert!(listed(studio.jam).await.is_empty());
    }

    /// The hidden `token` of the order form on `page`.
    fn form_value<'a>(page: &'a str, name: &str) -> Option<&'a str> {
        let marker = format!(r#"<input type="hidden" name="{name}" value=""#);
        let at = page.find(&marker)?;
        page[at + marker.len()..].split('"').next()
    }

    #[tokio::test]
    async fn its_results_count_page_opens_visits_and_order_requests_through_it_and_reach_her_record() {
        let mut studio = studio(true).await;
        let ad = studio.publish(Some(studio.jam), 10).await;
        let page = format!("/a/{ad}");
        // Three people open it, one of them twice; a chat's preview fetcher is not a person.
        for client in ["198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.3"] {
            assert_eq!(studio.open(&page, client, PERSON).await.0, StatusCode::OK);
        }
        studio.open(&page, "198.51.100.4", "TelegramBot (like TwitterBot)").await;
        // Two come on to the product through it; a forged ad and no ad count nothing.
        let product = studio.product_path().await;
        let through = format!("{product}?ad={ad}");
        let (status, from_ad) = studio.open(&through, "198.51.100.1", PERSON).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(form_value(&from_ad, "ad"), Some(ad.to_string().as_str()), "the form carries the ad");
        studio.open(&through, "198.51.100.1", PERSON).await;
        studio.open(&through, "198.51.100.2", PERSON).await;
        let forged = RecordId::new(T, [99; 10]);
        let (_, plain) = studio.open(&format!("{product}?ad={forged}"), "198.51.100.5", PERSON).await;
        assert_eq!(form_value(&plain, "ad"), None, "an unknown ad is no ad");
        studio.open(&product, "198.51.100.6", PERSON).await;
        // An order request from the page reached through it, and one with a forged ad.
        let key = sawda_server::orders::form_token::key(&studio.db).await.unwrap();
        let now = chrono::Utc::now().timestamp_millis() as u64;
        let token = key.sign(&studio.her.id, &studio.jam.to_string(), now - 60_000);
        for (n, ad) in [ad.to_string(), forged.to_string()].iter().enumerate() {
            let body = [
                ("lang", "en"),
                ("name", "Gulnara"),
                ("contact", "+998 91 234 56 78"),
                ("quantity", "2"),
                ("website", ""),
                ("token", token.as_str()),
                ("ad", ad.as_str()),
            ]
            .iter()
            .map(|(k, v)| format!("{k}={}", app::ui::encode_component(v)))
            .collect::<Vec<_>>()
            .join("&");
            let request = Request::post(format!("{product}/order"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-forwarded-for", format!("198.51.100.{}", 20 + n))
                .header("sec-fetch-site", "same-origin")
                .header("user-agent", PERSON)
                .body(Body::from(body))
                .unwrap();
            let response = support::send(&studio.router, request).await;
            assert_eq!(response.status(), StatusCode::OK, "{}", support::body_text(response).await);
        }

        studio.state.ad_results.flush(&studio.db).await.unwrap();
        let record = studio.pulled(ad).await;
        assert_eq!(record.get("view_count"), Some(&json!(3)), "{record:?}");
        assert_eq!(record.get("product_visits"), Some(&json!(2)), "{record:?}");
        assert_eq!(record.get("order_requests"), Some(&json!(1)), "{record:?}");
        // Counted on: a later open adds to what she has.
        studio.open(&page, "198.51.100.7", PERSON).await;
        studio.state.ad_results.flush(&studio.db).await.unwrap();
        assert_eq!(studio.pulled(ad).await.get("view_count"), Some(&json!(4)));
        // Her own edit keeps them (server fields are the server's).
        let edit = Fields::from([(ad_post::HEADLINE.to_owned(), json!("Arnawlı usınıs"))]);
        studio.edit(ad, edit, 30).await;
        assert_eq!(studio.pulled(ad).await.get("order_requests"), Some(&json!(1)));
    }
}
