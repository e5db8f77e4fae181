//! The HTTP surface through the real router, over a real (in-memory) SurrealDB.

use crate::support;
use app::i18n::{Key, Lang, text};
use axum::http::StatusCode;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

/// The text as it appears in HTML (`'` is escaped by the renderer).
fn html_text(lang: Lang, key: Key) -> String {
    text(lang, key).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[tokio::test]
async fn healthz_is_ok_when_the_database_answers() {
    let router = support::router().await;
    let response = support::get(&router, "/healthz", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    let body: serde_json::Value = serde_json::from_str(&support::body_text(response).await).unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(
        body["schema_version"],
        sawda_server::infra::migrations::latest_version(sawda_server::infra::migrations::MIGRATIONS)
    );
}

#[tokio::test]
async fn api_answers_are_never_kept_in_a_cache() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let response = support::get(&router, "/api/v1/me", &[]).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    let person = support::entrepreneur(&db, "+998901000071").await;
    let response = support::get(&router, "/api/v1/me", &[("cookie", &person.cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "cache-control"), "no-store");
    // Without an https public address, no HSTS (a plain-http test server must stay reachable).
    assert!(response.headers().get("strict-transport-security").is_none());
}

#[tokio::test]
async fn healthz_is_503_when_the_database_does_not_answer() {
    // A handle that was never connected fails every query, as a lost database does.
    let router = support::router_with(Surreal::<Any>::init(), &std::env::temp_dir()).await;
    let response = support::get(&router, "/healthz", &[]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&support::body_text(response).await).unwrap();
    assert_eq!(body["status"], "unavailable");
}

#[tokio::test]
async fn while_the_database_does_not_answer_the_api_says_try_again_at_once() {
    // The watcher saw the database go (a SurrealDB server restarting).
    let db = support::migrated_memory_db().await;
    let person = support::entrepreneur(&db, "+998901000072").await;
    let site = std::env::temp_dir();
    let state = support::state(db, &site);
    state.database.set(false);
    let router = sawda_server::router(state.clone(), &site);
    let response = support::get(&router, "/api/v1/me", &[("cookie", &person.cookie), ("accept-language", "ru")]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(support::header(&response, "retry-after"), "5");
    let body: serde_json::Value = serde_json::from_str(&support::body_text(response).await).unwrap();
    assert_eq!(body["code"], "try_again", "{body}");
    assert_eq!(body["message"], text(Lang::Ru, Key::ErrorTryAgain), "{body}");
    // Back: served again, with no restart.
    state.database.set(true);
    let response = support::get(&router, "/api/v1/me", &[("cookie", &person.cookie)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    // A query that fails for want of a connection says the same, not "internal".
    let lost = support::router_with(Surreal::<Any>::init(), &site).await;
    let response = support::get(&lost, "/api/v1/me", &[("cookie", &person.cookie)]).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: serde_json::Value = serde_json::from_str(&support::body_text(response).await).unwrap();
    assert_eq!(body["code"], "try_again", "{body}");
}

#[tokio::test]
async fn the_home_page_speaks_karakalpak_unless_told_otherwise() {
    let router = support::router().await;
    let response = support::get(&router, "/", &[("accept-language", "de-DE,de;q=0.9")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = support::body_text(response).await;
    assert!(html.contains(r#"<html lang="kaa""#), "{html}");
    assert!(html.contains(&html_text(Lang::Kaa, Key::HomeTitle)));
}

#[tokio::test]
async fn the_home_page_follows_accept_language_then_the_cookie() {
    let router = support::router().await;
    let html =
        support::body_text(support::get(&router, "/", &[("accept-language", "ru-RU,ru;q=0.9,en;q=0.8")]).await).await;
    assert!(html.contains(r#"<html lang="ru""#));
    assert!(html.contains(&html_text(Lang::Ru, Key::HomeTitle)));

    let html =
        support::body_text(support::get(&router, "/", &[("accept-language", "ru"), ("cookie", "sawda_lang=uz")]).await)
            .await;
    assert!(html.contains(r#"<html lang="uz""#));
    assert!(html.contains(&html_text(Lang::Uz, Key::HomeTitle)));
    assert!(html.contains("35\u{a0}000 soʻm"), "prices are grouped the Uzbek way");
}

#[tokio::test]
async fn every_route_renders_in_every_language() {
    let router = support::router().await;
    for lang in Lang::ALL {
        let cookie = format!("sawda_lang={}", lang.code());
        for (path, key) in [
            ("/", Key::HomeTitle),
            ("/studio", Key::StudioTitle),
            ("/review", Key::ReviewTitle),
            ("/market", Key::MarketTitle),
        ] {
            let response = support::get(&router, path, &[("cookie", &cookie)]).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let html = support::body_text(response).await;
            assert!(html.contains(&html_text(lang, key)), "{path} in {lang:?}");
        }
    }
}

#[tokio::test]
async fn pages_carry_security_headers_and_a_matching_script_nonce() {
    let router = support::router().await;
    let response = support::get(&router, "/", &[]).await;
    assert_eq!(support::header(&response, "x-content-type-options"), "nosniff");
    assert_eq!(support::header(&response, "referrer-policy"), "strict-origin-when-cross-origin");
    assert!(support::header(&response, "vary").contains("Cookie"));
    assert!(!support::header(&response, "x-request-id").is_empty(), "every response has a request id");
    let policy = support::header(&response, "content-security-policy").to_string();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce");
    let html = support::body_text(response).await;
    assert!(html.contains(&format!(r#"nonce="{nonce}""#)), "the page's script carries the nonce");

    let other = support::get(&router, "/", &[]).await;
    assert_ne!(support::header(&other, "content-security-policy"), policy, "a fresh nonce per response");

    let health = support::get(&router, "/healthz", &[]).await;
    let strict = support::header(&health, "content-security-policy");
    assert!(strict.contains("default-src 'self'") && !strict.contains("nonce"), "{strict}");
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let router = support::router().await;
    for encoding in ["br", "gzip"] {
        let response = support::get(&router, "/", &[("accept-encoding", encoding)]).await;
        assert_eq!(support::header(&response, "content-encoding"), encoding);
    }
}

#[tokio::test]
async fn unknown_pages_are_404_in_the_visitors_language() {
    let router = support::router().await;
    let response = support::get(&router, "/no/such/page", &[("cookie", "sawda_lang=ru")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = support::body_text(response).await;
    assert!(html.contains(&html_text(Lang::Ru, Key::NotFoundTitle)), "{html}");
}

#[tokio::test]
async fn the_language_link_sets_the_cookie_and_returns() {
    let router = support::router().await;
    let response = support::get(&router, "/language/en?next=/studio", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(support::header(&response, "location"), "/studio");
    let cookie = support::header(&response, "set-cookie");
    assert!(cookie.starts_with("sawda_lang=en;"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax") && cookie.contains("Path=/"), "{cookie}");
}

#[tokio::test]
async fn the_language_link_never_leaves_the_site() {
    let router = support::router().await;
    for next in ["//evil.example/x", "https://evil.example", "/%5Cevil.example"] {
        let response = support::get(&router, &format!("/language/ru?next={next}"), &[]).await;
        assert_eq!(support::header(&response, "location"), "/", "next={next}");
    }
}

#[tokio::test]
async fn an_unknown_language_is_refused_and_sets_nothing() {
    let router = support::router().await;
    let response = support::get(&router, "/language/de?next=/", &[("accept-language", "ru")]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.headers().get("set-cookie").is_none());
    assert_eq!(support::body_text(response).await, text(Lang::Ru, Key::ErrorUnknownLanguage));
}

#[tokio::test]
async fn the_bundle_is_served_under_its_release_precompressed_and_cached_for_good() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("sawda.js"), "console.log('plain');").unwrap();
    std::fs::write(pkg.join("sawda.js.br"), b"brotli bytes").unwrap();
    std::fs::write(site.path().join("favicon.svg"), "<svg/>").unwrap();
    let router = support::router_with(support::migrated_memory_db().await, site.path()).await;
    let release = sawda_server::http::release::release_id(site.path());

    let page = support::body_text(support::get(&router, "/studio", &[]).await).await;
    assert!(page.contains(&format!("/pkg/{release}/sawda.js")), "{page}");
    assert!(page.contains(&format!("/pkg/{release}/sawda.css")), "{page}");
    // The home page is drawn without the app (`app::PAGES_WITHOUT_THE_APP`): its stylesheet only.
    let home = support::body_text(support::get(&router, "/", &[]).await).await;
    assert!(home.contains(&format!("/pkg/{release}/sawda.css")), "{home}");
    assert!(!home.contains("sawda.js") && !home.contains(".wasm"), "{home}");

    let path = format!("/pkg/{release}/sawda.js");
    let response = support::get(&router, &path, &[("accept-encoding", "br")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "content-encoding"), "br");
    assert_eq!(support::header(&response, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(support::body_text(response).await, "brotli bytes");
    let response = support::get(&router, &path, &[]).await;
    assert_eq!(support::body_text(response).await, "console.log('plain');");

    // Another release's bundle is not this server's to serve.
    let response = support::get(&router, "/pkg/0123456789abcdef/sawda.js", &[]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Files outside the bundle keep their names and are revalidated.
    let response = support::get(&router, "/favicon.svg", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "cache-control"), "no-cache");
}

#[tokio::test]
async fn the_service_worker_names_this_release_and_its_files() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    for name in ["sawda.js", "sawda.wasm", "chunk_1.wasm", "sawda.css", "sawda.d.ts", "sawda.wasm.br"] {
        std::fs::write(pkg.join(name), name).unwrap();
    }
    let router = support::router_with(support::migrated_memory_db().await, site.path()).await;
    // The release is named as the server starts, from the site as it is then.
    let release = sawda_server::http::release::release_id(site.path());
    // No worker script in the site: none is served.
    assert_eq!(support::get(&router, "/sw.js", &[]).await.status(), StatusCode::NOT_FOUND);

    std::fs::write(site.path().join("sw.js"), "self.addEventListener('fetch', () => {});").unwrap();
    let response = support::get(&router, "/sw.js", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(support::header(&response, "content-type"), "text/javascript; charset=utf-8");
    assert_eq!(support::header(&response, "cache-control"), "no-cache");
    let script = support::body_text(response).await;
    let (first, rest) = script.split_once('\n').unwrap();
    assert_eq!(rest, "self.addEventListener('fetch', () => {});");
    let preamble: serde_json::Value =
        serde_json::from_str(first.strip_prefix("const SAWDA = ").unwrap().trim_end_matches(';')).unwrap();
    assert_eq!(preamble["release"], release.as_str());
    let files: Vec<&str> = preamble["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    let bundle = |name: &str| format!("/pkg/{release}/{name}");
    assert_eq!(
        files,
        [
            &bundle("chunk_1.wasm"),
            &bundle("sawda.css"),
            &bundle("sawda.js"),
            &bundle("sawda.wasm"),
            "/favicon.svg",
            "/manifest.webmanifest",
            "/ads.css",
            "/fonts/noto-sans-400.woff2",
            "/fonts/noto-sans-700.woff2",
            "/texts/kaa.json",
            "/texts/uz.json",
            "/texts/ru.json",
            "/texts/en.json"
        ]
    );
    assert_eq!(preamble["pages"], serde_json::json!(["/", "/studio", "/studio/ads", "/offline"]));
}

#[tokio::test]
async fn oversized_request_bodies_are_refused() {
    let router = support::router().await;
    let request = axum::http::Request::post("/healthz")
        .header("content-length", (2 * 1024 * 1024).to_string())
        .body(axum::body::Body::from(vec![b'x'; 2 * 1024 * 1024]))
        .unwrap();
    let response = support::send(&router, request).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn each_language_s_texts_are_served_and_the_page_carries_its_own() {
    let router = support::router().await;
    let response = support::get(&router, "/texts/ru.json", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let texts: Vec<String> = serde_json::from_str(&support::body_text(response).await).unwrap();
    assert_eq!(texts.len(), Key::ALL.len());
    assert_eq!(texts[Key::HomeTitle as usize], text(Lang::Ru, Key::HomeTitle));
    for bad in ["/texts/de.json", "/texts/ru", "/texts/RU.json", "/texts/ru.json.br"] {
        assert_eq!(support::get(&router, bad, &[]).await.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    let page = support::body_text(support::get(&router, "/offline", &[("accept-language", "uz")]).await).await;
    assert!(page.contains(r#"id="sawda-texts" data-lang="uz""#), "{page}");
    assert!(page.contains(&serde_json::to_string(text(Lang::Uz, Key::OfflineTitle)).unwrap()));
    // A page drawn without the app has no use for them.
    let home = support::body_text(support::get(&router, "/", &[("accept-language", "uz")]).await).await;
    assert!(!home.contains("sawda-texts"), "{home}");
}

/// The home page and the account forms are drawn without the app, so the
/// server draws the menu for whoever is signed in: a coordinator is offered
/// her desk, an entrepreneur and anyone else the studio.
#[tokio::test]
async fn pages_without_the_app_draw_the_menu_of_whoever_is_signed_in() {
    use app::rules::people::Role;
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let coordinator = support::signed_in(&db, "+998901000601", "Dilnoza", Role::Coordinator, &["chimbay"], None).await;
    let entrepreneur = support::entrepreneur(&db, "+998901000602").await;
    let menu =
        |html: &str| html.split(r#"class="main-nav">"#).nth(1).unwrap().split("</nav>").next().unwrap().to_owned();
    for path in ["/", "/sign-in", "/sign-up", "/reset-password"] {
        let page = |cookie: Option<String>| {
            let router = router.clone();
            async move {
                let headers: Vec<(&str, &str)> = cookie.as_deref().map(|c| ("cookie", c)).into_iter().collect();
                support::body_text(support::get(&router, path, &headers).await).await
            }
        };
        let desk = menu(&page(Some(coordinator.cookie.clone())).await);
        assert!(desk.contains(r#"href="/review""#) && !desk.contains(r#"href="/studio""#), "{path}: {desk}");
        for someone in [Some(entrepreneur.cookie.clone()), None, Some("sawda_session=not-a-session".into())] {
            let studio = menu(&page(someone.clone()).await);
            assert!(
                studio.contains(r#"href="/studio""#) && !studio.contains(r#"href="/review""#),
                "{path} {someone:?}"
            );
        }
    }
    // An app page is drawn for anyone, whoever asks: phones keep it.
    let studio = support::body_text(support::get(&router, "/studio", &[("cookie", &coordinator.cookie)]).await).await;
    assert!(menu(&studio).contains(r#"href="/studio""#));
}
