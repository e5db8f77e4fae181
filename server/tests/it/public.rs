//! Buyers' pages over the real router and database: only approved revisions
//! are public, everything a buyer reads is escaped wherever it appears, and
//! the pages carry their previews' tags and no script.

use crate::support::{self, Person, phone_of, product_fields, storefront_fields, submit, sync_phone};
use app::rules::people::Role;
use app::rules::records::storefront::storefront_id;
use app::rules::review::{Check, CheckPoint, Decision};
use axum::Router;
use axum::http::StatusCode;
use sawda_sync::{Fields, Kind, RecordId, Replica};
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

const T: u64 = 1_760_000_000_000;
const HOSTILE: &str = r#"</script><script>alert(1)</script> "quoted""#;

pub struct Shop {
    pub db: Surreal<Any>,
    pub router: Router,
    pub her: Person,
    pub phone: Replica,
    pub shop: RecordId,
    pub product: RecordId,
}

pub async fn approve(db: &Surreal<Any>, her: &Person, record: RecordId, revision: u32) {
    let admin = sawda_server::accounts::people::find_for_sign_in(db, "+998901000409").await.unwrap().unwrap().0;
    let checklist =
        CheckPoint::ALL.iter().map(|p| Check { point: p.id().into(), pass: true, comment: String::new() }).collect();
    let request =
        app::wire::DecisionRequest { revision, decision: Decision::Approve, checklist, comments: Default::default() };
    sawda_server::review::desk::decide(db, &admin, &her.owner(), record, request).await.unwrap();
}

/// Her storefront and a product with a hostile name, submitted; approved when `approved`.
pub async fn shop(approved: bool) -> Shop {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let her = support::entrepreneur(&db, "+998901000401").await;
    support::signed_in(&db, "+998901000409", "Admin", Role::Admin, &[], None).await;
    let mut phone = phone_of(&her, 1);
    let shop = storefront_id(&her.owner());
    let mut fields = storefront_fields("Gulnar's biscuits", "gulnars-biscuits");
    fields.insert("whatsapp".into(), json!("+998 90 123 45 67"));
    fields.insert("telegram".into(), json!("gulnar_bakes"));
    phone.put(shop, Kind::Storefront, fields, T, [2; 10]).unwrap();
    let product = RecordId::new(T, [3; 10]);
    let mut fields = product_fields(&her, HOSTILE, 25_000);
    fields.insert("photos".into(), json!(["a".repeat(64)]));
    fields.insert("name_en".into(), json!("Teatime <b>treats</b>"));
    fields.insert("description_en".into(), json!("Baked in Chimbay, the old family way."));
    phone.put(product, Kind::Product, fields, T + 1, [3; 10]).unwrap();
    submit(&mut phone, shop, T + 2, 4);
    submit(&mut phone, product, T + 3, 5);
    sync_phone(&router, &her, &mut phone).await;
    if approved {
        approve(&db, &her, shop, 1).await;
        approve(&db, &her, product, 1).await;
    }
    Shop { db, router, her, phone, shop, product }
}

pub async fn page(router: &Router, path: &str) -> (StatusCode, String) {
    let response = support::get(router, path, &[("accept-language", "en")]).await;
    let status = response.status();
    (status, support::body_text(response).await)
}

fn json_ld(page: &str) -> Value {
    let start = page.find(r#"<script type="application/ld+json">"#).expect("JSON-LD") + 35;
    let end = start + page[start..].find("</script>").unwrap();
    serde_json::from_str(&page[start..end]).unwrap()
}

#[tokio::test]
async fn nothing_is_public_before_approval_and_unknown_addresses_answer_a_friendly_404() {
    let shop = shop(false).await;
    let (status, body) = page(&shop.router, "/s/gulnars-biscuits").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("This page is not here"), "{body}");
    assert!(!body.contains("Gulnar"), "nothing of hers before approval");
    let (status, body) = page(&shop.router, "/s/no-such-shop?lang=ru").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("Такой страницы нет"), "in the buyer's language");
}

#[tokio::test]
async fn an_approved_storefront_and_product_render_with_previews_and_no_script() {
    let shop = shop(true).await;
    let (status, body) = page(&shop.router, "/s/gulnars-biscuits").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("<h2>Gulnar&#39;s biscuits</h2>") || body.contains("<h2>Gulnar's biscuits</h2>"), "{body}");
    assert!(body.contains(r#"<meta property="og:title" content="Gulnar&#39;s biscuits · Sawda">"#), "{body}");
    assert!(body.contains(r#"<link rel="canonical" href="http://"#));
    assert!(body.contains(r#"hreflang="kaa""#) && body.contains(r#"hreflang="x-default""#));
    assert_eq!(json_ld(&body)["@type"], "Store");
    // The product's own address, made from its name.
    let products: Vec<String> =
        shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    assert_eq!(products.len(), 1);
    let path = format!("/s/gulnars-biscuits/{}", products[0]);
    assert!(body.contains(&format!(r#"href="{path}""#)), "the storefront links its products");

    let (status, body) = page(&shop.router, &path).await;
    assert_eq!(status, StatusCode::OK);
    if let Ok(file) = std::env::var("SAWDA_DUMP_PUBLIC_PAGE") {
        std::fs::write(file, &body).unwrap();
    }
    // The hostile name is text everywhere: title, tags, body and JSON-LD.
    assert!(!body.contains("<script>alert"), "{body}");
    assert_eq!(body.matches("<script").count(), 1, "only the JSON-LD block, no script to run");
    assert!(!body.contains(".wasm") && !body.contains(".js\""), "no wasm, no script file");
    assert!(body.contains("&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot;"));
    let ld = json_ld(&body);
    assert_eq!(ld["@type"], "Product");
    assert_eq!(ld["name"], HOSTILE);
    assert_eq!(ld["offers"]["price"], 25_000);
    assert_eq!(ld["offers"]["priceCurrency"], "UZS");
    assert_eq!(ld["offers"]["availability"], "https://schema.org/InStock");
    assert!(body.contains(r#"<meta property="og:image" content="http://"#) && body.contains("/preview.jpg"));
    // Photos in the size for the screen, in a box that does not move.
    let photo = "a".repeat(64);
    assert!(
        body.contains(&format!(r#"srcset="/photos/{photo}/thumb.jpg 320w, /photos/{photo}/large.jpg 1280w""#)),
        "{body}"
    );
    // Its only photo, the first thing seen: loaded at once, named by the product alone.
    assert!(body.contains(r#"width="1280" height="1280" decoding="async""#), "{body}");
    assert!(body.contains(r#"alt="&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; &quot;quoted&quot;""#));
    assert!(body.contains(r#"<meta property="product:price:amount" content="25000">"#));
    // Contact buttons with a message naming the product and its address.
    assert!(body.contains("https://wa.me/998901234567?text=Hello%21%20I%20would%20like%20to%20order%20"), "{body}");
    assert!(body.contains("https://t.me/gulnar_bakes") && body.contains("tel:+998901234567"));
    // Her words in English, reviewed with the rest, for buyers abroad.
    assert!(body.contains("<dt>Name in English</dt><dd>Teatime &lt;b&gt;treats&lt;/b&gt;</dd>"), "{body}");
    assert!(body.contains("<dd>Baked in Chimbay, the old family way.</dd>"));
    assert!(body.len() < 30_000, "well under 30 KB before compression: {}", body.len());
}

#[tokio::test]
async fn the_public_side_shows_the_last_approved_revision_and_prices_at_once() {
    let mut shop = shop(true).await;
    let edit: Fields = serde_json::from_value(json!({"name": "UNREVIEWED words", "price_som": 31_000})).unwrap();
    shop.phone.edit(shop.product, edit, T + 10, [6; 10]).unwrap();
    let story: Fields = serde_json::from_value(json!({"story": "UNREVIEWED story"})).unwrap();
    shop.phone.edit(shop.shop, story, T + 11, [7; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let (_, body) = page(&shop.router, "/s/gulnars-biscuits").await;
    assert!(!body.contains("UNREVIEWED"), "{body}");
    assert!(body.contains("31") && body.contains("000"), "the new price is public at once");
    // Withdrawn: gone at once (the sitemap's pages go when next built: `market::the_sitemap_…`).
    let slugs: Vec<String> = shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    let sitemap = crate::market::sitemap(&shop.router).await;
    assert!(sitemap.iter().any(|url| url.ends_with(&format!("/s/gulnars-biscuits/{}", slugs[0]))), "{sitemap:?}");
    let admin = sawda_server::accounts::people::find_for_sign_in(&shop.db, "+998901000409").await.unwrap().unwrap().0;
    sawda_server::review::desk::withdraw(&shop.db, &admin, &shop.her.owner(), shop.product, "Not her photos".into())
        .await
        .unwrap();
    let (status, _) = page(&shop.router, &format!("/s/gulnars-biscuits/{}", slugs[0])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, robots) = page(&shop.router, "/robots.txt").await;
    assert!(robots.contains("Disallow: /api/") && robots.contains("Sitemap: http://"));
}

/// Another entrepreneur's approved storefront `slug` with `products` (name, description), all approved.
pub async fn approved_shop(
    shop: &Shop,
    phone: &str,
    slug: &str,
    district: &str,
    category: &str,
    products: &[(&str, &str)],
) {
    let person = support::entrepreneur(&shop.db, phone).await;
    let mut device = phone_of(&person, 40);
    let id = storefront_id(&person.owner());
    let mut fields = storefront_fields(&format!("Shop {slug}"), slug);
    fields.insert("district".into(), json!(district));
    fields.insert("category".into(), json!(category));
    device.put(id, Kind::Storefront, fields, T, [41; 10]).unwrap();
    submit(&mut device, id, T + 1, 42);
    let mut ids = Vec::new();
    for (n, (name, description)) in products.iter().enumerate() {
        let record = RecordId::new(T + 10 + n as u64, [50 + n as u8; 10]);
        let mut fields = product_fields(&person, name, 10_000 + n as u64);
        fields.insert("description".into(), json!(description));
        device.put(record, Kind::Product, fields, T + 10 + n as u64, [60 + n as u8; 10]).unwrap();
        submit(&mut device, record, T + 20 + n as u64, 70 + n as u8);
        ids.push(record);
    }
    sync_phone(&shop.router, &person, &mut device).await;
    approve(&shop.db, &person, id, 1).await;
    for record in ids {
        approve(&shop.db, &person, record, 1).await;
    }
}

pub fn names_in(body: &str) -> Vec<String> {
    body.split(r#"<li class="market-item">"#)
        .skip(1)
        .filter_map(|item| item.split("<strong>").nth(1)?.split("</strong>").next().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_market_finds_across_scripts_spellings_and_prefixes_with_filters_in_the_address() {
    let shop = shop(true).await;
    approved_shop(
        &shop,
        "+998901000411",
        "qaraqalpaq-cheese",
        "nukus",
        "food",
        &[("Qaraqalpaq suzbe", "Soft cheese of Nukus"), ("Oʻzbek non", "Bread from the tandyr")],
    )
    .await;
    approved_shop(
        &shop,
        "+998901000412",
        "samsa-house",
        "chimbay",
        "food",
        &[("Samsa", "Горячая самса с тыквой"), ("Qovun 5kg", "Melon of Chimbay")],
    )
    .await;
    approved_shop(&shop, "+998901000413", "felt-work", "moynaq", "textiles", &[("Felt slippers", "Ўзбек нақшлари")])
        .await;
    let search = |q: &str| {
        let router = shop.router.clone();
        let path = format!("/market?q={}", q.bytes().map(|b| format!("%{b:02X}")).collect::<String>());
        async move { names_in(&page(&router, &path).await.1) }
    };
    assert_eq!(search("Қарақалпақ").await, ["Qaraqalpaq suzbe"], "Cyrillic finds Latin");
    assert_eq!(search("qaraqalpaq").await, ["Qaraqalpaq suzbe"]);
    for spelling in ["o'zbek", "oʻzbek", "ozbek", "O‘ZBEK"] {
        let found = search(spelling).await;
        assert!(found.contains(&"Oʻzbek non".to_owned()), "{spelling}: {found:?}");
        assert!(found.contains(&"Felt slippers".to_owned()), "{spelling} finds Cyrillic ўзбек: {found:?}");
        assert_eq!(found[0], "Oʻzbek non", "a name match ranks first: {found:?}");
    }
    assert_eq!(search("sam").await, ["Samsa"], "a prefix finds the word");
    assert_eq!(search("самса").await, ["Samsa"]);
    assert_eq!(search("nothing-like-it").await, Vec::<String>::new());
    // Filters in the address, with and without words.
    let (_, body) = page(&shop.router, "/market?category=textiles").await;
    assert_eq!(names_in(&body), ["Felt slippers"]);
    let (_, body) = page(&shop.router, "/market?district=chimbay&q=sams").await;
    assert_eq!(names_in(&body), ["Samsa"]);
    assert!(body.contains(r#"<option value="chimbay" selected>"#), "the form keeps the filters");
    let (_, body) = page(&shop.router, "/market?district=nukus&q=samsa").await;
    assert!(names_in(&body).is_empty());
    // Each filter, alone and together, counts and reads its own products' words.
    for (filters, found) in [
        ("category=food", vec!["Samsa"]),
        ("category=textiles", vec![]),
        ("district=chimbay&category=food", vec!["Samsa"]),
        ("district=moynaq&category=food", vec![]),
    ] {
        let (_, body) = page(&shop.router, &format!("/market?{filters}&q=samsa")).await;
        assert_eq!(names_in(&body), found, "{filters}");
    }
    // Digits joined to letters are words apart, with a filter too.
    for filters in ["", "&district=chimbay", "&category=food"] {
        let (_, body) = page(&shop.router, &format!("/market?q=kg{filters}")).await;
        assert_eq!(names_in(&body), ["Qovun 5kg"], "{filters}");
    }
    // Hostile words are text, and bad filters are ignored rather than failing.
    let (status, body) = page(&shop.router, "/market?q=%3C%2Fscript%3E%22&district=atlantis&after=garbage").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("</script>\""), "{body}");
}

#[tokio::test]
async fn the_bound_full_text_query_returns_rows() {
    // SurrealDB 3.0.x returned no rows for `@@ $q` with a bound parameter: ours binds it.
    let shop = shop(true).await;
    approved_shop(&shop, "+998901000421", "honey-of-aral", "moynaq", "food", &[("Tugai honey", "Dark honey")]).await;
    let page = sawda_server::approved::market::page(
        &shop.db,
        &sawda_server::approved::market::Filters { q: Some("honey".into()), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(page.products.len(), 1);
    assert_eq!(page.storefronts.len(), 1, "the storefront named for it too");
}

#[tokio::test]
async fn market_pages_hold_while_products_are_added() {
    let shop = shop(true).await;
    let many: Vec<(String, String)> = (0..25).map(|n| (format!("Honey jar {n:02}"), "Honey".to_owned())).collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    approved_shop(&shop, "+998901000431", "honey-jars", "moynaq", "food", &refs).await;
    let first = sawda_server::approved::market::page(&shop.db, &Default::default()).await.unwrap();
    assert_eq!(first.products.len(), 20);
    let next = first.next.clone().expect("a second page");
    // New products arrive between the pages.
    approved_shop(&shop, "+998901000432", "late-honey", "moynaq", "food", &[("Late honey", "New")]).await;
    let second = sawda_server::approved::market::page(
        &shop.db,
        &sawda_server::approved::market::Filters { after: Some(next), ..Default::default() },
    )
    .await
    .unwrap();
    let mut seen: Vec<String> = first.products.iter().chain(second.products.iter()).map(|p| p.name.clone()).collect();
    assert_eq!(seen.len(), 26, "25 jars and the first shop's product, nothing skipped: {seen:?}");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 26, "nothing shown twice");
    assert!(
        !seen.contains(&"Late honey".to_owned()),
        "a newer product belongs before the cursor, on page one next time"
    );
}

#[tokio::test]
async fn views_are_counted_by_day_for_people_and_not_for_bots_and_shown_to_her_alone() {
    let shop = shop(true).await;
    let site = std::env::temp_dir();
    // Each request from another address: one address counts once a day a page (tests/it/hosts.rs).
    let state = support::state(shop.db.clone(), &site)
        .with_site(sawda_server::http::site::Site { trust_proxy: true, ..Default::default() });
    let router = sawda_server::router(state.clone(), &site);
    let products: Vec<String> =
        shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    let product = format!("/s/gulnars-biscuits/{}", products[0]);
    let person =
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";
    let mut client = 0;
    let mut next_client = move || {
        client += 1;
        format!("198.51.100.{client}")
    };
    for (path, agent, times) in [
        ("/s/gulnars-biscuits", person, 3),
        (product.as_str(), person, 2),
        ("/s/gulnars-biscuits", "TelegramBot (like TwitterBot)", 5),
        (product.as_str(), "facebookexternalhit/1.1", 5),
        ("/s/no-such-shop", person, 2),
    ] {
        for _ in 0..times {
            support::get(&router, path, &[("user-agent", agent), ("x-forwarded-for", &next_client())]).await;
        }
    }
    state.views.flush(&shop.db).await.unwrap();
    support::get(&router, "/s/gulnars-biscuits", &[("user-agent", person), ("x-forwarded-for", &next_client())]).await;
    state.views.flush(&shop.db).await.unwrap();

    let (status, views) =
        support::call(&router, Some(&shop.her), axum::http::Method::GET, "/api/v1/studio/views", None).await;
    assert_eq!(status, StatusCode::OK, "{views}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert_eq!(views["days"], json!([{"day": today, "storefront": 4, "products": 2}]), "{views}");
    assert_eq!(views["pages"], json!([[shop.product.to_string(), 2], ["storefront", 4]]));
    let rows: Vec<Value> = shop
        .db
        .query("SELECT * OMIT id FROM page_view")
        .await
        .unwrap()
        .take::<Vec<surrealdb::types::Value>>(0)
        .unwrap()
        .into_iter()
        .map(|v| v.into_json_value())
        .collect();
    for row in &rows {
        let keys: Vec<&String> = row.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["count", "day", "owner", "page"], "nothing about who looked");
    }
    // Another entrepreneur sees her own (none), not Gulnar's.
    let other = support::entrepreneur(&shop.db, "+998901000402").await;
    let (_, theirs) = support::call(&router, Some(&other), axum::http::Method::GET, "/api/v1/studio/views", None).await;
    assert_eq!(theirs["days"], json!([]));
}

#[tokio::test]
async fn before_approval_she_alone_sees_a_preview_of_her_storefront() {
    let shop = shop(false).await;
    let mine =
        support::get(&shop.router, "/s/gulnars-biscuits", &[("cookie", &shop.her.cookie), ("accept-language", "en")])
            .await;
    assert_eq!(mine.status(), StatusCode::OK);
    assert_eq!(support::header(&mine, "cache-control"), "private, no-store");
    assert_eq!(support::header(&mine, "x-robots-tag"), "noindex");
    let body = support::body_text(mine).await;
    assert!(body.contains("Preview: only you see this page."), "{body}");
    assert!(body.contains("Gulnar") && body.contains("&lt;/script&gt;"), "her storefront and product, as text");
    assert!(!body.contains("<script>alert"));

    let other = support::entrepreneur(&shop.db, "+998901000402").await;
    for cookie in [other.cookie.as_str(), ""] {
        let (status, body) = {
            let response =
                support::get(&shop.router, "/s/gulnars-biscuits", &[("cookie", cookie), ("accept-language", "en")])
                    .await;
            (response.status(), support::body_text(response).await)
        };
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!body.contains("Gulnar"), "nobody else sees it");
    }
}

#[tokio::test]
async fn a_word_on_more_products_than_are_ranked_still_pages_newest_first() {
    use sawda_server::approved::market::{self, Filters, RANKED_AT_MOST};
    let db = support::migrated_memory_db().await;
    // One storefront of each of two districts, and more honey than is ranked in full.
    let count = RANKED_AT_MOST + 60;
    let mut products = Vec::new();
    for n in 0..count {
        let fields: sawda_sync::Fields = serde_json::from_value(json!({
            "name": format!("Jar {n:04}"), "description": "Tugai honey", "price_som": 1000, "unit": "jar",
            "availability": "in_stock", "position": 1.0,
        }))
        .unwrap();
        let (_, mut row, _) = sawda_server::approved::write::row_of(Kind::Product, &fields).unwrap();
        row.retain(|_, v| !v.is_null());
        let district = if n % 2 == 0 { "nukus" } else { "moynaq" };
        row.extend([
            ("owner".into(), json!(format!("account:o{}", n % 2))),
            ("storefront".into(), json!("s")),
            ("revision".into(), json!(1)),
            ("approved_by".into(), json!("test")),
            ("slug".into(), json!(format!("jar-{n}"))),
            ("storefront_slug".into(), json!(format!("shop-{}", n % 2))),
            ("storefront_name".into(), json!("Shop")),
            ("district".into(), json!(district)),
            ("category".into(), json!("food")),
        ]);
        let at = chrono::DateTime::from_timestamp(1_700_000_000 + n as i64, 0).unwrap().to_rfc3339();
        products.push(json!({"key": [format!("account:o{}", n % 2), format!("p{n:04}")], "row": row, "at": at}));
    }
    db.query(
        "FOR $p IN $products {
             CREATE type::record('approved_product', $p.key)
                 CONTENT object::from_entries(array::concat(object::entries($p.row), [['approved_at', <datetime> $p.at]]));
         };",
    )
    .bind(("products", products))
    .await
    .unwrap()
    .check()
    .unwrap();
    db.query(market::market_order("true")).await.unwrap().check().unwrap();

    for (district, expected) in [(None, count), (Some("moynaq"), count / 2)] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let filters = Filters {
                q: Some("hone".into()),
                district: district.map(str::to_owned),
                after: after.clone(),
                ..Default::default()
            };
            let page = market::page(&db, &filters).await.unwrap();
            seen.extend(page.products.iter().map(|p| p.name.clone()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected, "{district:?}: every match once");
        let newest_first: Vec<String> = {
            let mut names = seen.clone();
            names.sort_by(|a, b| b.cmp(a));
            names
        };
        assert_eq!(seen, newest_first, "{district:?}: the newest approval first");
    }
}

/// Her storefront's address changed on her phone and synced (a draft until approved).
async fn change_address(shop: &mut Shop, slug: &str, at: u64, nonce: u8) {
    let fields: Fields = serde_json::from_value(json!({"slug": slug})).unwrap();
    shop.phone.edit(shop.shop, fields, at, [nonce; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    assert!(shop.phone.outbox().refused().is_empty(), "{:?}", shop.phone.outbox().refused());
}

/// Another entrepreneur pushes her new storefront at `slug` and submits it; her phone and the push's answer.
async fn another_storefront_at(shop: &Shop, phone: &str, slug: &str) -> (Person, Replica, Value) {
    let other = support::entrepreneur(&shop.db, phone).await;
    let mut device = phone_of(&other, 30);
    let id = storefront_id(&other.owner());
    device.put(id, Kind::Storefront, storefront_fields("Aral honey", slug), T, [31; 10]).unwrap();
    submit(&mut device, id, T + 1, 32);
    let push = serde_json::to_value(device.push_request(sawda_sync::protocol::Limits::DEFAULT).unwrap()).unwrap();
    let (status, answer) =
        support::call(&shop.router, Some(&other), axum::http::Method::POST, "/api/v1/sync/push", Some(push)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    device.receive_push(&serde_json::from_value(answer.clone()).unwrap());
    (other, device, answer)
}

fn taken(answer: &Value) -> bool {
    answer["results"][0]["result"]["fields_refused"]
        .as_array()
        .is_some_and(|refused| refused.iter().any(|r| r["field"] == "slug" && r["code"] == "taken"))
}

/// A decision on `record` of `owner` at the desk's endpoint, by the admin.
async fn approve_by_http(shop: &Shop, owner: &Person, record: RecordId, revision: u32) -> (StatusCode, Value) {
    let admin = Person {
        id: String::new(),
        cookie: {
            let account = sawda_server::accounts::people::find_for_sign_in(&shop.db, "+998901000409").await;
            let token = sawda_server::accounts::sessions::start(&shop.db, &account.unwrap().unwrap().0.id).await;
            format!("sawda_session={}", token.unwrap())
        },
    };
    let checklist: Vec<Value> = CheckPoint::ALL.iter().map(|p| json!({"point": p.id(), "pass": true})).collect();
    let body = json!({"revision": revision, "decision": "approve", "checklist": checklist});
    let path = format!("/api/v1/review/items/{}/{record}/decision", owner.id);
    support::call(&shop.router, Some(&admin), axum::http::Method::POST, &path, Some(body)).await
}

#[tokio::test]
async fn an_address_once_approved_is_refused_to_another_storefront_while_hers_is_a_draft() {
    let mut shop = shop(true).await;
    change_address(&mut shop, "gulnars-bakery", T + 10, 20).await;
    // Her approved page is still at the old address; nobody else may take it.
    let (other, _, answer) = another_storefront_at(&shop, "+998901000402", "gulnars-biscuits").await;
    assert!(taken(&answer), "refused as taken: {answer}");
    let (status, decided) = approve_by_http(&shop, &other, storefront_id(&other.owner()), 1).await;
    assert!(status.is_client_error(), "a clear answer, never a 500: {status} {decided}");
    let (status, body) = page(&shop.router, "/s/gulnars-biscuits").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Gulnar"), "still her shop");
}

#[tokio::test]
async fn her_old_address_sends_buyers_on_to_her_new_one_and_she_can_take_it_back() {
    let mut shop = shop(true).await;
    let slugs: Vec<String> = shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    let product = slugs[0].clone();
    change_address(&mut shop, "gulnars-bakery", T + 10, 20).await;
    submit(&mut shop.phone, shop.shop, T + 11, 21);
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    approve(&shop.db, &shop.her, shop.shop, 2).await;

    let old = support::get(&shop.router, "/s/gulnars-biscuits?lang=ru", &[]).await;
    assert_eq!(old.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(support::header(&old, "location"), "/s/gulnars-bakery?lang=ru");
    let old = support::get(&shop.router, &format!("/s/gulnars-biscuits/{product}"), &[]).await;
    assert_eq!(old.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(support::header(&old, "location"), format!("/s/gulnars-bakery/{product}"));
    // An order posted from a page opened before the move goes on as a post (308 keeps the method).
    let request = axum::http::Request::post(format!("/s/gulnars-biscuits/{product}/order"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(axum::body::Body::from("lang=en&name=Aziza&contact=%2B998901234567&quantity=1&website="))
        .unwrap();
    let posted = support::send(&shop.router, request).await;
    assert_eq!(posted.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(support::header(&posted, "location"), format!("/s/gulnars-bakery/{product}/order"));
    assert_eq!(page(&shop.router, "/s/gulnars-bakery").await.0, StatusCode::OK);
    assert_eq!(page(&shop.router, &format!("/s/gulnars-bakery/{product}")).await.0, StatusCode::OK);
    assert_eq!(page(&shop.router, "/s/no-such-shop").await.0, StatusCode::NOT_FOUND, "only addresses she had");

    // Still hers, although no storefront holds it now.
    let (_, _, answer) = another_storefront_at(&shop, "+998901000402", "gulnars-biscuits").await;
    assert!(taken(&answer), "refused as taken: {answer}");
    // She takes it back; then the newer address leads to it.
    change_address(&mut shop, "gulnars-biscuits", T + 20, 22).await;
    submit(&mut shop.phone, shop.shop, T + 21, 23);
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    approve(&shop.db, &shop.her, shop.shop, 3).await;
    assert_eq!(page(&shop.router, "/s/gulnars-biscuits").await.0, StatusCode::OK);
    let newer = support::get(&shop.router, "/s/gulnars-bakery", &[]).await;
    assert_eq!(newer.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(support::header(&newer, "location"), "/s/gulnars-biscuits");
}

#[tokio::test]
async fn a_storefront_that_took_an_approved_address_before_the_rule_is_refused_approval_clearly() {
    let mut shop = shop(true).await;
    change_address(&mut shop, "gulnars-bakery", T + 10, 20).await;
    // As before migration 0015: nothing kept her approved address from another storefront.
    shop.db.query("DELETE approved_address").await.unwrap();
    let (other, mut device, answer) = another_storefront_at(&shop, "+998901000402", "gulnars-biscuits").await;
    assert!(!taken(&answer), "{answer}");
    // What migration 0015 keeps of her approved storefront.
    shop.db
        .query("CREATE type::record('approved_address', 'gulnars-biscuits') CONTENT { owner: $owner, storefront: $shop, address: 'gulnars-biscuits' }")
        .bind(("owner", shop.her.id.clone()))
        .bind(("shop", shop.shop.to_string()))
        .await
        .unwrap();
    let (status, answer) = approve_by_http(&shop, &other, storefront_id(&other.owner()), 1).await;
    assert_eq!((status, answer["code"].clone()), (StatusCode::CONFLICT, json!("address_taken")), "{answer}");
    assert!(answer["message"].as_str().is_some_and(|m| m.contains("mánzil")), "in her language: {answer}");
    // Her own edits of that storefront are not refused meanwhile.
    let story: Fields = serde_json::from_value(json!({"story": "Honey from the Aral shore"})).unwrap();
    device.edit(storefront_id(&other.owner()), story, T + 30, [33; 10]).unwrap();
    sync_phone(&shop.router, &other, &mut device).await;
    assert!(device.outbox().refused().is_empty(), "{:?}", device.outbox().refused());
    assert!(page(&shop.router, "/s/gulnars-biscuits").await.1.contains("Gulnar"), "buyers still reach her");
}

#[tokio::test]
async fn addresses_approved_before_migration_0015_stay_their_owners() {
    use sawda_server::infra::migrations::{self, MIGRATIONS};
    let db = support::memory_db().await;
    migrations::migrate(&db, &MIGRATIONS[..14]).await.unwrap();
    db.query(
        "CREATE approved_storefront:['gulnar01', '01J1W7EGG0248H248H248H248H'] CONTENT {
             owner: 'gulnar01', revision: 1, approved_by: 'Admin', slug: 'aral-honey', name: 'Aral honey',
             district: 'chimbay', category: 'food', payment_methods: [], payment_notes: [], delivery: []
         }",
    )
    .await
    .unwrap()
    .check()
    .unwrap();
    migrations::migrate(&db, MIGRATIONS).await.unwrap();
    let rows: Vec<surrealdb::types::Value> =
        db.query("SELECT owner, storefront, address FROM approved_address").await.unwrap().take(0).unwrap();
    let rows: Vec<Value> = rows.into_iter().map(|r| r.into_json_value()).collect();
    assert_eq!(
        rows,
        [json!({"owner": "gulnar01", "storefront": "01J1W7EGG0248H248H248H248H", "address": "aral-honey"})]
    );
}

/// A storefront with a cover and a product with three photos, approved.
async fn shop_with_photos() -> (Shop, [String; 3], String) {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let her = support::entrepreneur(&db, "+998901000431").await;
    support::signed_in(&db, "+998901000409", "Admin", Role::Admin, &[], None).await;
    let mut phone = phone_of(&her, 1);
    let shop = storefront_id(&her.owner());
    let cover = "c".repeat(64);
    let mut fields = storefront_fields("Gulnar's biscuits", "gulnars-biscuits");
    fields.insert("cover_photo".into(), json!(cover));
    phone.put(shop, Kind::Storefront, fields, T, [2; 10]).unwrap();
    let photos = ["d".repeat(64), "e".repeat(64), "f".repeat(64)];
    let product = RecordId::new(T, [3; 10]);
    let mut fields = product_fields(&her, "Sesame biscuits", 25_000);
    fields.insert("photos".into(), json!(photos));
    phone.put(product, Kind::Product, fields, T + 1, [3; 10]).unwrap();
    submit(&mut phone, shop, T + 2, 4);
    submit(&mut phone, product, T + 3, 5);
    sync_phone(&router, &her, &mut phone).await;
    approve(&db, &her, shop, 1).await;
    approve(&db, &her, product, 1).await;
    (Shop { db, router, her, phone, shop, product }, photos, cover)
}

/// The `<img …>` tag showing `hash` in the size `size` at its first place in `body`.
fn img_of<'a>(body: &'a str, hash: &str) -> &'a str {
    let at = body.find(&format!(r#"src="/photos/{hash}/"#)).unwrap_or_else(|| panic!("no photo {hash}: {body}"));
    let start = body[..at].rfind("<img").unwrap();
    &body[start..at + body[at..].find('>').unwrap()]
}

#[tokio::test]
async fn a_product_page_shows_every_photo_large_named_and_openable_without_script() {
    let (shop, photos, _) = shop_with_photos().await;
    let slug: Vec<String> = shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    let (status, body) = page(&shop.router, &format!("/s/gulnars-biscuits/{}", slug[0])).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (n, hash) in photos.iter().enumerate() {
        let img = img_of(&body, hash);
        // As wide as the screen up to the page's column, so a 2x phone takes the 1,280 px size.
        assert!(img.contains(r#"sizes="(max-width: 30rem) 100vw, 28rem""#), "photo {n} shown large: {img}");
        assert!(img.contains(&format!(r#"alt="Sesame biscuits, photo {} of 3""#, n + 1)), "photo {n} named: {img}");
        // The first is what the buyer sees at once; the others load as she scrolls to them.
        assert_eq!(img.contains(r#"loading="lazy""#), n > 0, "{img}");
        // Each opens in its largest size with a plain link.
        let link = body.find(&format!(r#"href="/photos/{hash}/large.jpg""#)).expect("opens larger");
        let inside = &body[link + body[link..].find('>').unwrap() + 1..];
        assert!(inside.starts_with(&format!(r#"<img src="/photos/{hash}/"#)), "photo {n} is the link: {inside}");
    }
}

#[tokio::test]
async fn the_cover_is_drawn_for_the_width_of_the_page_and_photos_are_named() {
    let (shop, photos, cover) = shop_with_photos().await;
    let (status, body) = page(&shop.router, "/s/gulnars-biscuits").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let img = img_of(&body, &cover);
    assert!(img.contains(r#"sizes="(max-width: 30rem) 100vw, 28rem""#), "the cover is as wide as the page: {img}");
    assert!(img.contains(r#"alt="Gulnar&#39;s biscuits""#) || img.contains(r#"alt="Gulnar's biscuits""#), "{img}");
    assert!(!img.contains(r#"loading="lazy""#), "the cover is the first thing seen: {img}");
    // A product in the storefront's list: a small photo, named by the product.
    let img = img_of(&body, &photos[0]);
    assert!(img.contains(r#"alt="Sesame biscuits""#), "{img}");
    assert!(img.contains(r#"sizes="96px""#) && img.contains(r#"loading="lazy""#), "{img}");
    // Only its main photo there; the others are on its own page.
    assert!(!body.contains(&photos[1]), "{body}");
}
