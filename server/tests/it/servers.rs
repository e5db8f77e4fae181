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

#[tokio::test]
async fn of_servers_starting_the_daily_housekeeping_at_once_exactly_one_does_it() {
    let db = support::migrated_memory_db().await;
    let site = std::env::temp_dir();
    // Three servers' states on one database (each with its own handle, as each process has).
    let states: Vec<_> = (0..3).map(|_| support::state(db.clone(), &site)).collect();
    let passes = states
        .iter()
        .enumerate()
        .map(|(n, state)| async move { sawda_server::housekeeping::daily_pass(state, &format!("server-{n}")).await });
    let done = futures_util::future::join_all(passes).await;
    assert_eq!(done.iter().filter(|did| **did).count(), 1, "{done:?}");
    // The next start of the day's job (the same day): nobody does it again.
    for (n, state) in states.iter().enumerate() {
        let did = sawda_server::housekeeping::daily_pass(state, &format!("server-late-{n}")).await;
        assert!(!did, "server {n}");
    }
}

#[tokio::test]
async fn sign_in_guesses_spread_over_servers_count_against_one_allowance() {
    let db = support::migrated_memory_db().await;
    let site = std::env::temp_dir();
    let servers: Vec<Router> = (0..3)
        .map(|_| {
            let state = support::state(db.clone(), &site)
                .with_site(sawda_server::http::site::Site { trust_proxy: true, ..Default::default() });
            sawda_server::router(state, &site)
        })
        .collect();
    support::account(&db, "+998901000497", "Gulnar", Role::Entrepreneur, &[]).await;
    // A stranger's guesses from one address, each to the next server in turn:
    // five wrong passwords in all, then refused on every server.
    for n in 0..5 {
        let request = support::sign_in_request("203.0.113.7", "+998901000497", "wrong-password", None);
        let status = support::send(&servers[n % 3], request).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "guess {n}");
    }
    for server in &servers {
        let request = support::sign_in_request("203.0.113.7", "+998901000497", "wrong-password", None);
        assert_eq!(support::send(server, request).await.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}
