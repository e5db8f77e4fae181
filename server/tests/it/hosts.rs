//! Who a public page says it is, and what caches may keep of it: links come
//! from the configured address, never from the `Host` a stranger sends; the
//! page cache cannot be flushed or refilled with a withdrawn page; views are
//! counted once per client and page; `Vary` says everything a page depends on.

use std::net::SocketAddr;

use crate::public::{Shop, shop};
use crate::support;
use app::rules::people::Role;
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode};
use sawda_server::AppState;
use sawda_server::http::site::Site;
use serde_json::json;

const PERSON: &str =
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36";

/// The shop's state and router with `site` as the server's settings.
fn served(shop: &Shop, site: Site) -> (AppState, Router) {
    let files = std::env::temp_dir();
    let state = support::state(shop.db.clone(), &files).with_site(site);
    (state.clone(), sawda_server::router(state, &files))
}

/// `GET path` from the client at `from`, a person's browser in English, with `headers` too.
async fn get_from(router: &Router, path: &str, from: &str, headers: &[(&str, &str)]) -> (StatusCode, String) {
    let mut request = Request::get(path).header("user-agent", PERSON).header("accept-language", "en");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let socket: SocketAddr = format!("{from}:50000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(socket));
    let response = support::send(router, request).await;
    let status = response.status();
    (status, support::body_text(response).await)
}

async fn product_path(shop: &Shop) -> String {
    let slugs: Vec<String> = shop.db.query("SELECT VALUE slug FROM approved_product").await.unwrap().take(0).unwrap();
    format!("/s/gulnars-biscuits/{}", slugs[0])
}

#[tokio::test]
async fn a_made_up_host_never_writes_the_links_of_a_public_page() {
    let shop = shop(true).await;
    let (_, router) = served(&shop, Site::default());
    let product = product_path(&shop).await;
    for path in ["/s/gulnars-biscuits", product.as_str()] {
        let (status, body) = get_from(&router, path, "192.0.2.1", &[("host", "evil.example")]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(!body.contains("evil.example"), "{path}: {}", &body[body.find("evil.example").unwrap_or(0)..][..200]);
        assert!(body.contains(r#"<link rel="canonical" href="http://localhost/s/gulnars-biscuits"#), "{body}");
    }
}

#[tokio::test]
async fn six_thousand_made_up_hosts_neither_grow_the_page_cache_nor_drop_a_hot_page() {
    let shop = shop(true).await;
    let (_, router) = served(&shop, Site::default());
    let (status, first) = get_from(&router, "/s/gulnars-biscuits", "192.0.2.1", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first.contains("Gulnar&#39;s biscuits") || first.contains("Gulnar's biscuits"));
    for n in 0..6_000 {
        let host = format!("h{n}.example");
        get_from(&router, "/s/gulnars-biscuits", "192.0.2.2", &[("host", &host)]).await;
    }
    // Changed in the database behind the cache's back: a page served from the
    // cache still has the old name, a page rendered afresh the new one.
    shop.db
        .query("UPDATE approved_storefront SET name = 'Renamed behind the cache' WHERE slug = 'gulnars-biscuits'")
        .await
        .unwrap()
        .check()
        .unwrap();
    let (_, again) = get_from(&router, "/s/gulnars-biscuits", "192.0.2.1", &[]).await;
    assert!(!again.contains("Renamed behind the cache"), "the hot page was dropped and rendered again");
}

/// The `Vary` values of an answer, lower-cased, in order.
fn vary(response: &axum::http::Response<Body>) -> Vec<String> {
    response
        .headers()
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(',').map(|name| name.trim().to_ascii_lowercase()).collect::<Vec<_>>())
        .collect()
}

#[tokio::test]
async fn a_gzipped_page_from_the_cache_varies_on_its_encoding_language_and_cookie() {
    let shop = shop(true).await;
    let (_, router) = served(&shop, Site::default());
    for round in ["rendered", "from the cache"] {
        let headers = [("accept-encoding", "gzip"), ("accept-language", "en")];
        let response = support::get(&router, "/s/gulnars-biscuits", &headers).await;
        assert_eq!(support::header(&response, "content-encoding"), "gzip", "{round}");
        let vary = vary(&response);
        for wanted in ["accept-encoding", "accept-language", "cookie"] {
            assert!(vary.iter().any(|name| name == wanted), "{round}: {vary:?}");
        }
        let mut once = vary.clone();
        once.sort();
        once.dedup();
        assert_eq!(once.len(), vary.len(), "each name once: {vary:?}");
    }
}

#[tokio::test]
async fn a_page_read_before_a_withdrawal_is_never_put_back_after_it() {
    let shop = shop(true).await;
    let (state, router) = served(&shop, Site::default());
    let product = product_path(&shop).await;
    let key = sawda_server::http::page_cache::key(app::i18n::Lang::En, "http://localhost", &product);
    // A buyer's request misses the cache and reads the approved product …
    assert!(state.pages.get(&key).is_none());
    let since = state.pages.stamp();
    let read = sawda_server::approved::storefront(&shop.db, "gulnars-biscuits").await.unwrap().unwrap();
    // … a coordinator withdraws it meanwhile …
    let coordinator = support::signed_in(&shop.db, "+998901000408", "Desk", Role::Admin, &[], None).await;
    let path = format!("/api/v1/review/items/{}/{}/withdraw", shop.her.id, shop.product);
    let reason = json!({"reason": "The photos are of another producer's biscuits"});
    let (status, answer) = support::call(&router, Some(&coordinator), Method::POST, &path, Some(reason)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // … and only then is the page made from that read put in the cache.
    let item = &read.products[0];
    state.pages.put(key, since, &read.owner, &item.record, "<p>the withdrawn product</p>".into());
    let (status, body) = get_from(&router, &product, "192.0.2.1", &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(!body.contains("the withdrawn product"));
}

#[tokio::test]
async fn one_script_s_five_thousand_views_count_once_and_two_clients_count_two() {
    let shop = shop(true).await;
    let (state, router) = served(&shop, Site::default());
    for _ in 0..5_000 {
        get_from(&router, "/s/gulnars-biscuits", "198.51.100.7", &[]).await;
    }
    get_from(&router, "/s/gulnars-biscuits", "198.51.100.8", &[]).await;
    state.views.flush(&shop.db).await.unwrap();
    let (status, views) = support::call(&router, Some(&shop.her), Method::GET, "/api/v1/studio/views", None).await;
    assert_eq!(status, StatusCode::OK, "{views}");
    assert_eq!(views["pages"], json!([["storefront", 2]]), "{views}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_an_unreadable_forwarded_address_is_refused() {
    let shop = shop(true).await;
    let (_, router) = served(&shop, Site { public_url: None, trust_proxy: true, ..Default::default() });
    let (status, _) =
        get_from(&router, "/s/gulnars-biscuits", "10.0.0.1", &[("x-forwarded-for", "198.51.100.7")]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) =
        get_from(&router, "/s/gulnars-biscuits", "10.0.0.1", &[("x-forwarded-for", "not-an-address")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not the proxy's own address: {body}");
}
