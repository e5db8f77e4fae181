//! The site's router: the app's pages, the JSON API (`api`), buyers' pages
//! (`public`), photos and the static files, and the layers around them all.

use std::path::Path;
use std::time::Duration;

use app::App;
use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Request, StatusCode, header};
use axum::routing::{get, post};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower::ServiceBuilder;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::AppState;
use crate::api::{self, account_forms};
use crate::http::{app_pages, health, language_choice, release, security_headers};

/// Requests carry small JSON; photos will have their own, chunked route.
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// A request not answered by then (its database gone for longer than a
/// restart takes) is answered 503: the server, not the client, was slow.
const REQUEST_DEADLINE: Duration = Duration::from_secs(30);

pub fn router(state: AppState, site: &Path) -> Router {
    let routes = generate_route_list(App);
    let not_found = {
        let options = state.leptos_options.clone();
        move |request: axum::extract::Request| app_pages::draw(options.clone(), request, || {})
    };
    // This release's bundle, named by its content hash: cached for good.
    let bundle = ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=31536000, immutable"),
        ))
        .service(ServeDir::new(site.join("pkg")).precompressed_br().precompressed_gzip());
    let bundle_path = format!("/{}", state.leptos_options.site_pkg_dir);
    let static_files = ServiceBuilder::new()
        // Icons and the manifest keep their names between releases: always revalidate.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-cache")))
        .service(
            ServeDir::new(site)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(axum::handler::HandlerWithoutStateExt::into_service(not_found)),
        );

    let request_id = HeaderName::from_static("x-request-id");
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    let id = request.headers().get("x-request-id").and_then(|value| value.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id, method = %request.method(), path = %request.uri().path())
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Millis)),
        )
        .layer(PropagateRequestIdLayer::new(request_id))
        .layer(CatchPanicLayer::new())
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(5)))
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BODY))
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, REQUEST_DEADLINE));

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/language/{code}", get(language_choice::choose))
        .route("/sw.js", get(release::service_worker))
        .route("/texts/{file}", get(release::texts))
        .route("/photos/{hash}/{file}", get(api::photos::serve))
        .route("/a/{id}", get(crate::public::ad::page))
        .route("/s/{address}", get(crate::public::storefront))
        .route("/s/{address}/{product}", get(crate::public::product))
        .route(
            "/s/{address}/{product}/order",
            get(crate::public::order::back_to_product)
                .post(crate::public::order::order)
                .layer(axum::extract::DefaultBodyLimit::max(crate::public::order::MAX_FORM_BYTES)),
        )
        .route("/sitemap.xml", get(crate::public::sitemap::index))
        .route("/sitemap/{file}", get(crate::public::sitemap::page))
        .route("/market", get(crate::public::market::market))
        .route("/robots.txt", get(crate::public::robots))
        // The programme's figures: before the app's routes (`/review/{owner}/{record}` needs two segments).
        .route("/review/dashboard", get(api::dashboard::dashboard))
        .route("/review/dashboard.csv", get(api::dashboard::dashboard_csv))
        .nest_service(&bundle_path, bundle)
        .nest("/api/v1", api::router(state.clone()))
        // The pages' forms, posted before their script is here (or without it).
        .route("/sign-in", post(account_forms::sign_in).layer(DefaultBodyLimit::max(account_forms::MAX_FORM_BYTES)))
        .route("/sign-up", post(account_forms::sign_up).layer(DefaultBodyLimit::max(account_forms::MAX_FORM_BYTES)))
        .route(
            "/reset-password",
            post(account_forms::reset).layer(DefaultBodyLimit::max(account_forms::MAX_FORM_BYTES)),
        )
        .leptos_routes_with_handler(routes, api::pages::page)
        .fallback_service(static_files)
        .layer(axum::middleware::map_response(security_headers::add))
        .layer(tower::util::option_layer(
            state
                .site
                .strict_transport()
                .map(|hsts| SetResponseHeaderLayer::overriding(header::STRICT_TRANSPORT_SECURITY, hsts)),
        ))
        .layer(layers)
        .with_state(state)
}
