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
    let site = tempfile::tempdir().unwrap();
    let router = sawda_server::router(support::state(db.clone(), site.path()), site.path());
    let her = support::signed_in(&db, "+998901000555", "Gulnar", Role::Entrepreneur, &[], Some("chimbay")).await;
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
            "the database handle, {name} ({path}), embedded, {TASKS} at a time: {:.0} requests/s, {} failed",
            done.load(Ordering::Relaxed) as f64 / seconds,
            failed.load(Ordering::Relaxed)
        );
    }
    Embedded { db, dir }.close().await;
}
