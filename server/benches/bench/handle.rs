//! `make bench`: requests a second through the whole router on the embedded
//! database, 16 at a time for a few seconds per route: the health check (one
//! query) and a signed-in person's account (her session, then her account).
//! What each request costs
//! the database handle is what this part watches: every clone of a `Surreal`
//! handle opens a session of its own (surrealdb#7526), so a handle cloned per
//! request costs a session per request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use app::rules::people::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use crate::support::{self, Embedded};

const TASKS: usize = 16;
const FOR: Duration = Duration::from_secs(4);

pub async fn run() {
    let Embedded { db, dir } = Embedded::new().await;
    through_the_router(&db, "embedded").await;
    clone_or_share(&db, "embedded").await;
    Embedded { db, dir }.close().await;
    // Over ws to a SurrealDB server, when one is named (`make cluster-check` starts one).
    if let Ok(url) = std::env::var("SAWDA_BENCH_WS") {
        assert!(url.starts_with("ws://127.0.0.1:"), "loopback only: {url}");
        let user = std::env::var("SAWDA_DB_USER").unwrap_or_else(|_| "root".into());
        let pass = std::env::var("SAWDA_DB_PASS").expect("SAWDA_DB_PASS with SAWDA_BENCH_WS");
        let target = sawda_server::config::DatabaseTarget::Remote { url, credentials: Some((user, pass)) };
        let name = format!("bench_{}", std::process::id());
        let db = sawda_server::infra::database::connect(&target, "sawda", &name).await.unwrap();
        sawda_server::infra::migrations::migrate(&db, sawda_server::infra::migrations::MIGRATIONS).await.unwrap();
        through_the_router(&db, "over ws").await;
        clone_or_share(&db, "over ws").await;
        db.query(format!("REMOVE DATABASE {name}")).await.unwrap();
    }
}

/// What a handle cloned per request costs against one shared (surrealdb#7526):
/// one query each, 16 at a time.
async fn clone_or_share(db: &surrealdb::Surreal<surrealdb::engine::any::Any>, engine: &str) {
    for cloned in [true, false] {
        let done = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let shared = Arc::new(db.clone());
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (shared, done) = (shared.clone(), done.clone());
                tokio::spawn(async move {
                    while started.elapsed() < FOR {
                        let answer = if cloned {
                            let own = (*shared).clone();
                            own.query("RETURN 1").await
                        } else {
                            shared.query("RETURN 1").await
                        };
                        if answer.is_ok() {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        println!(
            "the database handle, one query, {engine}, {TASKS} at a time, {}: {:.0} queries/s",
            if cloned { "a handle cloned per query" } else { "one shared handle" },
            done.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64()
        );
    }
}

async fn through_the_router(db: &surrealdb::Surreal<surrealdb::engine::any::Any>, engine: &str) {
    let site = tempfile::tempdir().unwrap();
    let router = sawda_server::router(support::state(db.clone(), site.path()), site.path());
    let her = support::signed_in(db, "+998901000555", "Gulnar", Role::Entrepreneur, &[], Some("chimbay")).await;
    let routes: [(&str, &str, Option<String>); 2] =
        [("health check", "/healthz", None), ("her account", "/api/v1/me", Some(her.cookie.clone()))];
    for (name, path, cookie) in routes {
        let done = Arc::new(AtomicUsize::new(0));
        let failed = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (router, done, failed, cookie) = (router.clone(), done.clone(), failed.clone(), cookie.clone());
                tokio::spawn(async move {
                    while started.elapsed() < FOR {
                        let mut request = Request::get(path);
                        if let Some(cookie) = &cookie {
                            request = request.header("cookie", cookie);
                        }
                        let answer = router.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
                        if answer.status() == StatusCode::OK {
                            done.fetch_add(1, Ordering::Relaxed);
                        } else {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "the database handle, {name} ({path}), {engine}, {TASKS} at a time: {:.0} requests/s, {} failed",
            done.load(Ordering::Relaxed) as f64 / seconds,
            failed.load(Ordering::Relaxed)
        );
    }
}
