//! Writes buyers' pages in four languages to `SAWDA_PAGES_DIR`, to compare a
//! refactor's output byte for byte and to feed the W3C Nu checker
//! (`scripts/check-html.sh`). Run by hand: `cargo test --release -p
//! sawda-server --test it -- --ignored pages::`.

use axum::body::Body;
use axum::http::Request;

use crate::public::{approved_shop, shop};
use crate::support;

#[tokio::test]
#[ignore = "writes pages for a person or a checker to read"]
async fn write_buyers_pages() {
    let Ok(dir) = std::env::var("SAWDA_PAGES_DIR") else { panic!("set SAWDA_PAGES_DIR") };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let shop = shop(true).await;
    approved_shop(
        &shop,
        "+998901000402",
        "chimbay-melons",
        "chimbay",
        "food",
        &[("Qovun 5kg", "Sweet melons from Chimbay"), ("Qurt", "Dried cheese balls")],
    )
    .await;
    let mut paths = vec![
        ("storefront", "/s/gulnars-biscuits".to_string()),
        ("storefront-2", "/s/chimbay-melons".to_string()),
        ("market", "/market".to_string()),
        ("market-search", "/market?q=qovun&district=chimbay&category=food".to_string()),
        ("market-nothing", "/market?q=zzzz".to_string()),
        ("not-found", "/s/nobody-here".to_string()),
    ];
    // Each product as its storefront's page links to it.
    for address in ["gulnars-biscuits", "chimbay-melons"] {
        let body = support::body_text(support::get(&shop.router, &format!("/s/{address}"), &[]).await).await;
        let prefix = format!(r#"href="/s/{address}/"#);
        let mut links: Vec<String> = body
            .match_indices(&prefix)
            .filter_map(|(at, _)| body[at + 6..].split('"').next().map(str::to_owned))
            .filter(|link| !link.contains("/order"))
            .collect();
        links.dedup();
        paths.extend(links.into_iter().map(|link| ("product", link)));
    }
    for language in ["kaa", "uz", "ru", "en"] {
        for (n, (name, path)) in paths.iter().enumerate() {
            let response = support::get(&shop.router, path, &[("accept-language", language)]).await;
            let status = response.status();
            let body = without_form_token(&support::body_text(response).await);
            let file = dir.join(format!("{language}-{n:02}-{name}.html"));
            std::fs::write(&file, &body).unwrap();
            println!("{status} {path} ({language}) -> {}", file.display());
        }
    }
}

/// The pages around an order request, in four languages: the product page
/// again with what is wrong, the confirmation, and her storefront's preview
/// before approval (signed in as her).
#[tokio::test]
#[ignore = "writes pages for a person or a checker to read"]
async fn write_order_and_preview_pages() {
    let Ok(dir) = std::env::var("SAWDA_PAGES_DIR") else { panic!("set SAWDA_PAGES_DIR") };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let open = shop(true).await;
    // Each language's request from an address of its own: a buyer has only a few waiting at once.
    let site = std::env::temp_dir();
    let state = support::state(open.db.clone(), &site)
        .with_site(sawda_server::http::site::Site { trust_proxy: true, ..Default::default() });
    let router = sawda_server::router(state, &site);
    let slug: Vec<String> = open.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    let action = format!("/s/gulnars-biscuits/{}/order", slug[0]);
    let key = sawda_server::orders::form_token::key(&open.db).await.unwrap();
    // Signed as a page opened a minute ago: not too soon to be a person's.
    let now = chrono::Utc::now().timestamp_millis() as u64;
    let token = app::ui::encode_component(&key.sign(&open.her.id, &open.product.to_string(), now - 60_000));
    let unsaved = shop(false).await;
    for (n, language) in ["kaa", "uz", "ru", "en"].into_iter().enumerate() {
        let forms = [
            ("order-problems", format!("lang={language}&name=G&contact=x&quantity=0&message=&website=&token={token}")),
            (
                "order-sent",
                format!(
                    "lang={language}&name=Gulnara&contact=%2B998912345678&quantity=2&delivery=Nukus&message=&website=&token={token}"
                ),
            ),
        ];
        for (name, form) in forms {
            let request = Request::post(&action)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("sec-fetch-site", "same-origin")
                .header("x-forwarded-for", format!("10.0.0.{n}"))
                .body(Body::from(form))
                .unwrap();
            let response = support::send(&router, request).await;
            let status = response.status();
            let body = without_form_token(&support::body_text(response).await);
            let file = dir.join(format!("{language}-{name}.html"));
            std::fs::write(&file, &body).unwrap();
            println!("{status} POST {action} ({language}) -> {}", file.display());
        }
        let headers = [("accept-language", language), ("cookie", unsaved.her.cookie.as_str())];
        let response = support::get(&unsaved.router, "/s/gulnars-biscuits", &headers).await;
        let status = response.status();
        let file = dir.join(format!("{language}-preview.html"));
        std::fs::write(&file, support::body_text(response).await).unwrap();
        println!("{status} her preview ({language}) -> {}", file.display());
    }
}

/// An ad's page (`/a/{id}`), the 404 of one not shown, and her product's
/// page reached through the ad (its form carries the ad), in four languages.
#[tokio::test]
#[ignore = "writes pages for a person or a checker to read"]
async fn write_ad_pages() {
    let Ok(dir) = std::env::var("SAWDA_PAGES_DIR") else { panic!("set SAWDA_PAGES_DIR") };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut studio = crate::ads::page::studio(true).await;
    let ad = studio.publish(Some(studio.jam), 10).await;
    let whole = studio.publish(None, 11).await;
    let product = studio.product_path().await;
    let paths = [
        ("ad", format!("/a/{ad}")),
        ("ad-storefront", format!("/a/{whole}")),
        ("ad-not-shown", format!("/a/{}", sawda_sync::RecordId::new(1, [1; 10]))),
        ("ad-product", format!("{product}?ad={ad}")),
    ];
    for language in ["kaa", "uz", "ru", "en"] {
        for (name, path) in &paths {
            let response = support::get(&studio.router, path, &[("accept-language", language)]).await;
            let status = response.status();
            let body = without_form_token(&support::body_text(response).await);
            let file = dir.join(format!("{language}-{name}.html"));
            std::fs::write(&file, &body).unwrap();
            println!("{status} {path} ({language}) -> {}", file.display());
        }
    }
}

/// The programme's figures as an admin sees them (every district, a long range
/// read by months too), a coordinator's with one district, and a bad range, in four languages.
#[tokio::test]
#[ignore = "writes pages for a person or a checker to read"]
async fn write_dashboard_pages() {
    let Ok(dir) = std::env::var("SAWDA_PAGES_DIR") else { panic!("set SAWDA_PAGES_DIR") };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (db, router, coordinators) = crate::programme::seeded().await;
    let admin = crate::programme::person(&db, "+998901000409").await;
    let paths = [
        ("dashboard", &admin, "/review/dashboard".to_owned()),
        ("dashboard-years", &admin, "/review/dashboard?from=2025-01-15&to=2026-12-06".to_owned()),
        ("dashboard-coordinator", &coordinators["chimbay"], "/review/dashboard?district=chimbay".to_owned()),
        ("dashboard-bad-range", &admin, "/review/dashboard?from=2026-02-01&to=2026-01-01".to_owned()),
    ];
    for language in ["kaa", "uz", "ru", "en"] {
        for (name, who, path) in &paths {
            let headers = [("accept-language", language), ("cookie", who.cookie.as_str())];
            let response = support::get(&router, path, &headers).await;
            let status = response.status();
            let file = dir.join(format!("{language}-{name}.html"));
            std::fs::write(&file, support::body_text(response).await).unwrap();
            println!("{status} {path} ({language}) -> {}", file.display());
        }
    }
}

/// The order form's token holds the time it was made: written as one word so pages compare.
fn without_form_token(body: &str) -> String {
    const AT: &str = r#"name="token" value=""#;
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(AT) {
        out.push_str(&rest[..at + AT.len()]);
        out.push_str("TOKEN");
        rest = &rest[at + AT.len()..];
        rest = &rest[rest.find('"').unwrap_or(rest.len())..];
    }
    out.push_str(rest);
    out
}
