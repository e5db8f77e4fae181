//! Several Sawda servers on one database, as behind a load balancer: what one
//! server changes, the others show within seconds.

use std::time::{Duration, Instant};

use app::rules::people::Role;
use axum::Router;
use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::public::{page, shop};
use crate::support;

/// Another server on the same database: its own state and page cache.
fn another_server(shop: &crate::public::Shop, following: bool) -> Router {
    let site = std::env::temp_dir();
    let state = support::state(shop.db.clone(), &site);
    if following {
        tokio::spawn(sawda_server::http::public_changes::follow(state.db.clone(), state.pages.clone()));
    }
    sawda_server::router(state, &site)
}

#[tokio::test]
async fn a_product_withdrawn_on_one_server_is_off_the_others_pages_within_seconds() {
    let shop = shop(true).await;
    let other = another_server(&shop, true);
    // A server without the follower: only the cache's minute lets the page go.
    let unaware = another_server(&shop, false);
    let admin = support::signed_in(&shop.db, "+998901000498", "Admin", Role::Admin, &[], None).await;
    let (_, listing) = page(&shop.router, "/s/gulnars-biscuits").await;
    let path =
        listing.split(r#"href="/s/gulnars-biscuits/"#).nth(1).map(|rest| rest.split('"').next().unwrap()).unwrap();
    let product = format!("/s/gulnars-biscuits/{path}");
    // Each server has drawn the product page and keeps it.
    for server in [&other, &unaware] {
        for _ in 0..2 {
            assert_eq!(page(server, &product).await.0, StatusCode::OK);
        }
    }
    let withdraw = format!("/api/v1/review/items/{}/{}/withdraw", shop.her.id, shop.product);
    let (status, answer) =
        support::call(&shop.router, Some(&admin), Method::POST, &withdraw, Some(json!({"reason": "Not local"}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(page(&shop.router, &product).await.0, StatusCode::NOT_FOUND, "gone at once where it was withdrawn");
    let started = Instant::now();
    while page(&other, &product).await.0 == StatusCode::OK {
        assert!(started.elapsed() < Duration::from_secs(6), "still on the other server's page after 6 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = started.elapsed();
    assert!(took <= sawda_server::http::public_changes::FOLLOW_EVERY * 2, "{took:?}");
    // Without following, it stays for the cache's minute: what this fixes.
    assert_eq!(page(&unaware, &product).await.0, StatusCode::OK);
}
