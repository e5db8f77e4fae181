//! The market and the sitemap under hostile use, over the real router and
//! database: a search is cut as the index cuts it and bounded, a slow one
//! gives up with a clear page, market pages are kept like storefront pages,
//! and the sitemap is an index of bounded pages, kept.

use std::collections::BTreeSet;

use app::rules::records::storefront::storefront_id;
use axum::http::StatusCode;
use sawda_sync::{Kind, RecordId};
use serde_json::json;

use crate::public::{Shop, approve, approved_shop, names_in, page, shop};
use crate::support::{self, phone_of, product_fields, storefront_fields, submit, sync_phone};

const T: u64 = 1_760_000_000_000;

/// `q` as a browser's form sends it.
fn encoded(q: &str) -> String {
    q.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Gulnar's shop, and a pantry in the same district and category whose names
/// mix letters and digits.
async fn pantry() -> Shop {
    let shop = shop(true).await;
    approved_shop(
        &shop,
        "+998901000511",
        "aral-pantry",
        "chimbay",
        "food",
        &[
            ("Sa7x tea", "Herbal tea"),
            ("Salt of Aral", "Coarse salt, 1 kg bag"),
            ("Dried melon 5kg", "Sweet slices"),
            ("Tugai honey", "Dark honey in jars"),
        ],
    )
    .await;
    shop
}

async fn found(shop: &Shop, path: &str) -> (String, Vec<String>) {
    let (status, body) = page(&shop.router, path).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    let mut names = names_in(&body);
    names.sort();
    (body, names)
}

const FILTERS: [&str; 3] = ["", "&district=chimbay", "&district=chimbay&category=food"];

#[tokio::test]
async fn a_long_query_with_a_district_and_a_category_answers_a_page_not_a_500() {
    let shop = pantry().await;
    let q = format!("{}zz9", "s ".repeat(300));
    let path = format!("/market?district=chimbay&category=food&q={}", encoded(&q));
    let (body, names) = found(&shop, &path).await;
    assert!(names.is_empty(), "no word of two letters is left within the bound: {names:?}");
    assert!(body.contains(r#"class="market-note""#), "she is told why: {body}");
    assert!(body.contains("Only the first 100 characters and 6 words"), "{body}");
    assert!(body.contains("Type a word of two letters or more"), "{body}");
}

#[tokio::test]
async fn words_are_cut_as_the_index_cuts_them_with_filters_or_without() {
    let shop = pantry().await;
    let cases: [(&str, &[&str]); 5] = [
        ("sa7x", &["Sa7x tea", "Salt of Aral"]),
        ("SA 7x", &["Sa7x tea", "Salt of Aral"]),
        ("kg 5", &["Dried melon 5kg", "Salt of Aral"]),
        ("5 kg", &["Dried melon 5kg", "Salt of Aral"]),
        ("melon 5", &["Dried melon 5kg"]),
    ];
    for (q, expected) in cases {
        for filters in FILTERS {
            let (body, names) = found(&shop, &format!("/market?q={}{filters}", encoded(q))).await;
            assert_eq!(names, expected, "q={q}{filters}");
            assert!(body.contains("Single letters and digits on their own are not searched"), "q={q}{filters}");
        }
    }
}

#[tokio::test]
async fn a_search_beyond_its_bounds_is_cut_and_she_is_told() {
    let shop = pantry().await;
    for filters in FILTERS {
        // Seven words: the first six are searched, and all of them match.
        let (body, names) = found(&shop, &format!("/market?q=ho+hon+hone+honey+tug+tugai+nomatch{filters}")).await;
        assert_eq!(names, ["Tugai honey"], "{filters}");
        assert!(body.contains("Only the first 100 characters and 6 words"), "{filters}: {body}");
        // What comes after 100 characters is not searched.
        let q = format!("honey{}nomatch", " ".repeat(200));
        let (body, names) = found(&shop, &format!("/market?q={}{filters}", encoded(&q))).await;
        assert_eq!(names, ["Tugai honey"], "{filters}");
        assert!(body.contains("Only the first 100 characters and 6 words"), "{filters}");
        // Within the bounds, no note.
        let (body, names) = found(&shop, &format!("/market?q=tugai+honey{filters}")).await;
        assert_eq!(names, ["Tugai honey"], "{filters}");
        assert!(!body.contains("market-note"), "{filters}: {body}");
    }
}

#[tokio::test]
async fn karakalpak_letters_still_meet_their_latin_spellings() {
    let shop = shop(true).await;
    approved_shop(
        &shop,
        "+998901000512",
        "onir-shop",
        "chimbay",
        "food",
        &[("Өңир ҳүнери", "Әжемниң ғарбызы, шийрин")],
    )
    .await;
    for q in ["Өңир", "onir", "ҳүнери", "huneri", "ajemnin", "ғарбыз", "ǵárbız", "shıyrın", "шийрин", "ӘЖЕМ"]
    {
        for filters in FILTERS {
            let (_, names) = found(&shop, &format!("/market?q={}{filters}", encoded(q))).await;
            assert_eq!(names, ["Өңир ҳүнери"], "q={q}{filters}");
        }
    }
}

#[tokio::test]
async fn market_pages_are_kept_by_the_words_searched_and_dropped_when_listings_change() {
    let mut shop = pantry().await;
    // Her storefront approved; her product submitted, not yet approved.
    let saffron = support::entrepreneur(&shop.db, "+998901000513").await;
    let mut device = phone_of(&saffron, 50);
    let id = storefront_id(&saffron.owner());
    device.put(id, Kind::Storefront, storefront_fields("Saffron house", "saffron-house"), T, [51; 10]).unwrap();
    submit(&mut device, id, T + 1, 52);
    let product = RecordId::new(T + 2, [53; 10]);
    device.put(product, Kind::Product, product_fields(&saffron, "Saffron threads", 90_000), T + 2, [54; 10]).unwrap();
    submit(&mut device, product, T + 3, 55);
    sync_phone(&shop.router, &saffron, &mut device).await;
    approve(&shop.db, &saffron, id, 1).await;

    let (first, names) = found(&shop, "/market?q=sa7x").await;
    assert_eq!(names, ["Sa7x tea", "Salt of Aral"]);
    assert!(first.contains(r#"name="q" value="sa""#), "the box shows the words searched: {first}");
    // Approved at the desk without telling the page cache: the kept page is
    // served to the same words, however they were typed.
    approve(&shop.db, &saffron, product, 1).await;
    for q in ["sa7x", "SA 7x", "sa 7 x "] {
        let (_, names) = found(&shop, &format!("/market?q={}", encoded(q))).await;
        assert_eq!(names, ["Sa7x tea", "Salt of Aral"], "{q}: the page kept for the words `sa`");
    }
    // Another language is another page.
    let (russian, names) = found(&shop, "/market?q=sa7x&lang=ru").await;
    assert!(russian.contains(r#"<html lang="ru""#));
    assert_eq!(names, ["Sa7x tea", "Saffron threads", "Salt of Aral"]);
    // What drops her storefront's kept pages drops the market's: a push.
    let edit: sawda_sync::Fields = serde_json::from_value(json!({"price_som": 26_000})).unwrap();
    shop.phone.edit(shop.product, edit, T + 20, [9; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    let (_, names) = found(&shop, "/market?q=sa7x").await;
    assert_eq!(names, ["Sa7x tea", "Saffron threads", "Salt of Aral"]);
}

/// Every `<loc>` of an XML document.
fn locations(xml: &str) -> Vec<String> {
    xml.split("<loc>").skip(1).filter_map(|l| l.split("</loc>").next().map(str::to_owned)).collect()
}

/// The sitemap index and every address of its pages, with the answers' Cache-Control.
pub async fn sitemap(router: &axum::Router) -> Vec<String> {
    let response = support::get(router, "/sitemap.xml", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "cache-control"), "public, max-age=3600");
    let index = support::body_text(response).await;
    assert!(index.contains("<sitemapindex"), "an index of pages: {}", &index[..index.len().min(500)]);
    let mut all = Vec::new();
    for page in locations(&index) {
        let path = page.split_once("://").and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_owned())).unwrap();
        let response = support::get(router, &path, &[]).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(support::header(&response, "cache-control"), "public, max-age=3600");
        let xml = support::body_text(response).await;
        assert!(xml.contains("<urlset"), "{path}");
        let addresses = locations(&xml);
        assert!(!addresses.is_empty() && addresses.len() <= 10_000, "{path}: {} addresses", addresses.len());
        all.extend(addresses);
    }
    all
}

#[tokio::test]
async fn the_sitemap_is_an_index_of_pages_of_at_most_ten_thousand_addresses_each_listed_once() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    // More storefronts than are read in one range, and more products than fit a page.
    let (shops, products) = (450usize, 10_050usize);
    let mut storefronts = Vec::new();
    for n in 0..shops {
        let fields = storefront_fields(&format!("Shop {n}"), &format!("shop-{n}"));
        let (_, mut row, _) = sawda_server::approved::write::row_of(Kind::Storefront, &fields).unwrap();
        row.retain(|_, v| !v.is_null());
        row.extend([
            ("owner".into(), json!(format!("account:o{n}"))),
            ("revision".into(), json!(1)),
            ("approved_by".into(), json!("test")),
        ]);
        storefronts.push(json!({"key": [format!("account:o{n}"), format!("s{n}")], "row": row}));
    }
    let mut rows = Vec::new();
    // Every 451st product is of an owner whose storefront is not public
    // (`account:o450`, between others in key order): not listed.
    for n in 0..=products {
        let fields: sawda_sync::Fields = serde_json::from_value(json!({
            "name": format!("Jar {n:05}"), "description": "Tugai honey", "price_som": 1000, "unit": "jar",
            "availability": "in_stock", "position": 1.0,
        }))
        .unwrap();
        let (_, mut row, _) = sawda_server::approved::write::row_of(Kind::Product, &fields).unwrap();
        row.retain(|_, v| !v.is_null());
        let owner = format!("account:o{}", n % (shops + 1));
        row.extend([
            ("owner".into(), json!(owner)),
            ("storefront".into(), json!("s")),
            ("revision".into(), json!(1)),
            ("approved_by".into(), json!("test")),
            ("slug".into(), json!(format!("jar-{n}"))),
            ("district".into(), json!("nukus")),
            ("category".into(), json!("food")),
        ]);
        if n % (shops + 1) < shops {
            row.insert("storefront_slug".into(), json!(format!("shop-{}", n % (shops + 1))));
            row.insert("storefront_name".into(), json!("Shop"));
        }
        rows.push(json!({"key": [owner, format!("p{n:05}")], "row": row}));
    }
    db.query(
        "FOR $s IN $storefronts { CREATE type::record('approved_storefront', $s.key) CONTENT $s.row; };
         FOR $p IN $products { CREATE type::record('approved_product', $p.key) CONTENT $p.row; };",
    )
    .bind(("storefronts", storefronts))
    .bind(("products", rows))
    .await
    .unwrap()
    .check()
    .unwrap();

    let listed = sitemap(&router).await;
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "nothing listed twice");
    let paths: BTreeSet<String> =
        listed.iter().map(|url| url.split_once("://").unwrap().1.split_once('/').unwrap().1.to_owned()).collect();
    let mut expected: BTreeSet<String> = (0..shops).map(|n| format!("s/shop-{n}")).collect();
    expected.insert("market".into());
    expected.extend(
        (0..=products).filter(|n| n % (shops + 1) < shops).map(|n| format!("s/shop-{}/jar-{n}", n % (shops + 1))),
    );
    assert_eq!(paths.len(), expected.len());
    assert!(paths == expected, "every public address once, and no other");
}

#[tokio::test]
async fn a_withdrawn_product_leaves_the_sitemap_when_its_pages_are_next_built() {
    let shop = shop(true).await;
    let slug: String = shop
        .db
        .query("(SELECT VALUE slug FROM approved_product)[0]")
        .await
        .unwrap()
        .take::<Option<String>>(0)
        .unwrap()
        .unwrap();
    let address = format!("/s/gulnars-biscuits/{slug}");
    // Built and kept: one build serves every request until it is due again.
    let kept = support::state(shop.db.clone(), &std::env::temp_dir());
    let kept = sawda_server::router(kept, &std::env::temp_dir());
    // Built for every request: as when the keeping time has passed.
    let mut fresh = support::state(shop.db.clone(), &std::env::temp_dir());
    fresh.sitemap = std::sync::Arc::new(sawda_server::http::page_cache::Rebuilt::kept_for(std::time::Duration::ZERO));
    let fresh = sawda_server::router(fresh, &std::env::temp_dir());
    for router in [&kept, &fresh] {
        let listed = sitemap(router).await;
        assert_eq!(listed.iter().filter(|url| url.ends_with(&address)).count(), 1, "{listed:?}");
        assert_eq!(listed.iter().filter(|url| url.ends_with("/s/gulnars-biscuits")).count(), 1, "{listed:?}");
    }
    let admin = sawda_server::accounts::people::find_for_sign_in(&shop.db, "+998901000409").await.unwrap().unwrap().0;
    sawda_server::review::desk::withdraw(&shop.db, &admin, &shop.her.owner(), shop.product, "Not her photos".into())
        .await
        .unwrap();
    let listed = sitemap(&fresh).await;
    assert!(!listed.iter().any(|url| url.ends_with(&address)), "gone once built again: {listed:?}");
    assert!(listed.iter().any(|url| url.ends_with("/s/gulnars-biscuits")), "her storefront stays");
    let listed = sitemap(&kept).await;
    assert!(listed.iter().any(|url| url.ends_with(&address)), "kept until due: {listed:?}");
}

#[tokio::test]
async fn a_market_search_the_database_gives_up_on_asks_for_a_shorter_one_never_a_500() {
    let shop = pantry().await;
    let mut state = support::state(shop.db.clone(), &std::env::temp_dir());
    // Every query gives up at once, as a slow one does after `market::TIMEOUT`.
    state.market_timeout = std::time::Duration::ZERO;
    let router = sawda_server::router(state, &std::env::temp_dir());
    for filters in FILTERS {
        let (status, body) = page(&router, &format!("/market?q=sa7x{filters}")).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{filters}: {body}");
        assert!(body.contains("This search took too long. Try a shorter search"), "{filters}: {body}");
        assert!(body.contains(r#"name="q" value="sa""#), "her search stays in the box: {body}");
        let response = support::get(&router, &format!("/market?q=sa7x{filters}"), &[]).await;
        assert_eq!(support::header(&response, "cache-control"), "no-store", "nobody keeps it");
    }
}

#[tokio::test]
async fn a_flood_of_searches_holds_its_turns_and_no_more_kept_pages_still_answer() {
    let shop = pantry().await;
    let state = support::state(shop.db.clone(), &std::env::temp_dir());
    let turns = state.market_searches.clone();
    let router = sawda_server::router(state, &std::env::temp_dir());
    let (status, kept) = page(&router, "/market?q=melon").await;
    assert_eq!(status, StatusCode::OK, "{kept}");
    // Every turn held, as by searches still running.
    let held = turns.acquire_many_owned(sawda_server::approved::market::SEARCHES_AT_ONCE as u32).await.unwrap();
    let response = support::get(&router, "/market?q=honey", &[]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(support::header(&response, "retry-after"), "5");
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    let (_, body) = page(&router, "/market?q=honey").await;
    assert!(body.contains("Many people are searching right now"), "{body}");
    assert!(body.contains(r#"name="q" value="honey""#), "her search stays in the box: {body}");
    let (status, again) = page(&router, "/market?q=melon").await;
    assert_eq!((status, again), (StatusCode::OK, kept), "a kept page needs no turn");
    drop(held);
    let (status, body) = page(&router, "/market?q=honey").await;
    assert_eq!(status, StatusCode::OK, "a turn freed: {body}");
}

/// Products of the programme's goods, each written in one language only,
/// and a fish that a search for honey must not find.
async fn goods() -> Shop {
    let shop = shop(true).await;
    approved_shop(
        &shop,
        "+998901000521",
        "gulnar-murabba",
        "chimbay",
        "food",
        &[
            ("Qawın", "Shımbaydıń shıyrın qawını"),
            ("Úy múrabbası", "Órikten, shiyshe ıdısta"),
            ("Kunjut pechenyesi", "Úyde pisirilgen"),
            ("Balıq", "Araldıń qaqlanǵan balıǵı"),
        ],
    )
    .await;
    approved_shop(&shop, "+998901000522", "torpeda", "chimbay", "food", &[("Дыня торпеда", "Сладкая, 3 кг")]).await;
    shop
}

#[tokio::test]
async fn a_goods_word_finds_the_same_good_written_in_the_other_languages() {
    let shop = goods().await;
    let cases: [(&str, &[&str]); 13] = [
        ("қовун", &["Qawın", "Дыня торпеда"]),
        ("qovun", &["Qawın", "Дыня торпеда"]),
        ("ДЫНЯ", &["Qawın", "Дыня торпеда"]),
        ("дыни", &["Qawın", "Дыня торпеда"]),
        ("melons", &["Qawın", "Дыня торпеда"]),
        ("мураббо", &["Úy múrabbası"]),
        ("варенье", &["Úy múrabbası"]),
        ("печенье", &["Kunjut pechenyesi"]),
        ("печенье кунжут", &["Kunjut pechenyesi"]),
        // Her name in English finds her product too (`shop`'s product is "Teatime treats" in English).
        ("teatime", &["&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; \"quoted\""]),
        // Every other word still holds: melons from Chimbay only.
        ("qovun shimbay", &["Qawın"]),
        // Honey is not "bal" here: that starts "balıq", fish.
        ("asal", &[]),
        ("samarqand", &[]),
    ];
    for (q, expected) in cases {
        for filters in FILTERS {
            let (_, names) = found(&shop, &format!("/market?q={}{filters}", encoded(q))).await;
            assert_eq!(names, expected, "q={q}{filters}");
        }
        // Another district has none of them.
        let (_, names) = found(&shop, &format!("/market?q={}&district=moynaq", encoded(q))).await;
        assert!(names.is_empty(), "q={q}: {names:?}");
    }
    // The storefronts that hold a good's word are found by its other words too.
    let (body, _) = found(&shop, &format!("/market?q={}", encoded("мураббо"))).await;
    assert!(body.contains(r#"href="/s/gulnar-murabba""#), "{body}");
    // Her words stay hers in the box.
    assert!(body.contains(r#"name="q" value="murabbo""#), "{body}");
}

/// The plan SurrealDB makes for a statement, as text.
async fn plan(db: &surrealdb::Surreal<surrealdb::engine::any::Any>, statement: &str) -> String {
    let mut response = db.query(format!("EXPLAIN {statement}")).await.unwrap().check().unwrap();
    let plan: surrealdb::types::Value = response.take(0).unwrap();
    format!("{plan:?}")
}

#[tokio::test]
async fn a_widened_search_is_counted_and_read_from_the_full_text_index_never_scanned() {
    use sawda_server::approved::market::{Asked, Filters};
    let shop = goods().await;
    for q in ["qovun", "qovun shimbay", "мураббо печенье", "qovun 3 kg", "kg qovun", "bal", "shimbay", "shimbay kg"]
    {
        for (district, category) in
            [(None, None), (Some("chimbay"), None), (None, Some("food")), (Some("chimbay"), Some("food"))]
        {
            let asked = Asked::from(&Filters {
                q: Some(q.into()),
                district: district.map(str::to_owned),
                category: category.map(str::to_owned),
                ..Filters::default()
            });
            let count = plan(&shop.db, &asked.count_statement("").unwrap()).await;
            assert!(count.contains("IndexCountScan"), "q={q} {district:?} {category:?}: {count}");
            assert!(!count.contains("TableScan"), "q={q} {district:?} {category:?}: {count}");
            let read = plan(&shop.db, &asked.read_statement("").unwrap()).await;
            assert!(!read.contains("TableScan"), "q={q} {district:?} {category:?}: {read}");
            // Each combination of her words is read from the index, all its
            // words at once: no row of one word is read to be tested for another.
            let branches = asked.read_statement("").unwrap().matches(" OR ").count() + 1;
            assert_eq!(read.matches("query: ").count(), branches, "q={q} {district:?} {category:?}: {read}");
        }
    }
}

#[tokio::test]
async fn a_search_that_finds_nothing_offers_a_close_spelling_that_finds_something() {
    let shop = goods().await;
    let (body, names) = found(&shop, "/market?q=qovn").await;
    assert!(names.is_empty());
    assert!(body.contains("Nothing found"), "{body}");
    assert!(body.contains(r#"Did you mean “<a href="/market?q=qovun">qovun</a>”?"#), "{body}");
    let (_, names) = found(&shop, "/market?q=qovun").await;
    assert_eq!(names, ["Qawın", "Дыня торпеда"], "the suggestion finds them");
    // In her language, with her other words and filters kept.
    let (body, _) = found(&shop, "/market?q=qovn+shimbay&district=chimbay&lang=uz").await;
    assert!(
        body.contains(r#"Balki «<a href="/market?q=qovun%20shimbay&amp;district=chimbay">qovun shimbay</a>» deb qidirmoqchi edingiz?"#),
        "{body}"
    );
    // Nothing close, or close but not in the market (soap), or not in her district: nothing offered.
    for path in ["/market?q=zzzzqq", "/market?q=sovn", "/market?q=qovn&district=moynaq", "/market?q=qovun+sovn"] {
        let (body, names) = found(&shop, path).await;
        assert!(names.is_empty(), "{path}");
        assert!(!body.contains("Did you mean"), "{path}: {body}");
    }
}

#[tokio::test]
async fn a_widened_word_matching_many_products_is_read_in_order_a_page_at_a_time() {
    use sawda_server::approved::market::{RANKED_AT_MOST, market_order};
    let shop = shop(true).await;
    // More melons than are ranked, each written in Karakalpak only.
    let mut rows = Vec::new();
    for n in 0..RANKED_AT_MOST + 30 {
        let fields: sawda_sync::Fields = serde_json::from_value(json!({
            "name": format!("Qawın {n:04}"), "description": "Shıyrın", "price_som": 1000, "unit": "kg",
            "availability": "in_stock", "position": 1.0,
        }))
        .unwrap();
        let (_, mut row, _) = sawda_server::approved::write::row_of(Kind::Product, &fields).unwrap();
        row.retain(|_, v| !v.is_null());
        row.extend([
            ("owner".into(), json!("account:melons")),
            ("storefront".into(), json!("s")),
            ("revision".into(), json!(1)),
            ("approved_by".into(), json!("test")),
            ("slug".into(), json!(format!("qawin-{n}"))),
            ("district".into(), json!("chimbay")),
            ("category".into(), json!("food")),
            ("storefront_slug".into(), json!("melons")),
            ("storefront_name".into(), json!("Melons")),
        ]);
        rows.push(json!({"key": ["account:melons", format!("p{n:04}")], "row": row}));
    }
    shop.db
        .query("FOR $p IN $products { CREATE type::record('approved_product', $p.key) CONTENT $p.row; };")
        .query(market_order("owner = 'account:melons'"))
        .bind(("products", rows))
        .await
        .unwrap()
        .check()
        .unwrap();
    for q in ["qovun", "дыня", "melon"] {
        for filters in FILTERS {
            let (body, names) = found(&shop, &format!("/market?q={}{filters}", encoded(q))).await;
            assert_eq!(names.len(), 20, "q={q}{filters}");
            assert!(names.iter().all(|n| n.starts_with("Qawın ")), "q={q}{filters}: {names:?}");
            assert!(body.contains(r#"rel="next""#), "q={q}{filters}");
        }
    }
}
