//! The jobs that run beside the server: every minute, rate-limit keys whose
//! window passed are forgotten; every half minute, the page views gathered
//! in memory (and ads' results) are written; and daily, the housekeeping (old applied mutation
//! ids, photo uploads and photos nothing points at, order requests, expired
//! sessions, reset codes and invitations).

use tokio::task::JoinSet;

use crate::state::AppState;
use crate::{photos, sync};

/// Starts every job in `background`, which the server stops before it closes
/// the database. `migrated`: this start applied migrations, so the first
/// daily run waits a day.
pub fn start(background: &mut JoinSet<()>, state: &AppState, migrated: bool) {
    background.spawn(daily_housekeeping(state.clone(), migrated));
    background.spawn(prune_rate_limits(state.clone()));
    background.spawn(write_view_counts(state.clone()));
}

/// Every minute: rate-limit counts whose window passed (a flood of made-up
/// phone numbers leaves one row each). Several servers may do it at once:
/// deleting what another deleted is nothing.
async fn prune_rate_limits(state: AppState) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        if let Err(error) = crate::infra::rate_limit::prune(&state.db).await {
            tracing::warn!(%error, "could not forget rate-limit counts whose window passed");
        }
    }
}

/// Page views gathered in memory go to the database every half minute.
async fn write_view_counts(state: AppState) {
    let mut every = tokio::time::interval(crate::approved::views::FLUSH_EVERY);
    loop {
        every.tick().await;
        if let Err(error) = state.views.flush(&state.db).await {
            tracing::warn!(%error, "could not write view counts; kept for the next time");
        }
        if let Err(error) = state.ad_results.flush(&state.db).await {
            tracing::warn!(%error, "could not write ads' results; kept for the next time");
        }
    }
}

/// What one photo clean-up did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PhotoCleanUp {
    pub abandoned_uploads: usize,
    pub adopted: usize,
    pub marked_unused: usize,
    pub used_again: usize,
    pub removed: usize,
}

/// Why a photo clean-up stopped: what it did before stays done, and the
/// next day's run goes on from there.
#[derive(Debug, thiserror::Error)]
pub enum CleanUpError {
    #[error(transparent)]
    Database(#[from] surrealdb::Error),
    #[error("the photo files: {0}")]
    Files(#[from] std::io::Error),
    #[error(transparent)]
    Records(#[from] crate::infra::database::StoreError),
}

/// Uploads nobody finished give back their place and their pieces go; kept
/// photos no synced record points at are marked, and removed once marked
/// for longer than `photos::ledger::UNUSED_KEPT_FOR_DAYS`.
pub async fn clean_up_photos(state: &AppState) -> Result<PhotoCleanUp, CleanUpError> {
    let mut done = PhotoCleanUp::default();
    for (who, hash) in photos::ledger::forget_abandoned(&state.db).await? {
        state.photos.forget_upload(&who, &hash).await?;
        done.abandoned_uploads += 1;
    }
    done.adopted = photos::ledger::adopt(&state.db, &state.photos.kept().await?).await?;
    let in_use = sync::store::photos_in_use(&state.db).await?;
    let sweep = photos::ledger::sweep(&state.db, &in_use).await?;
    (done.marked_unused, done.used_again) = (sweep.marked, sweep.unmarked);
    for hash in sweep.expired {
        // Files first: a photo the ledger counts is never missing from the store.
        state.photos.remove(&hash).await?;
        photos::ledger::removed(&state.db, &hash).await?;
        done.removed += 1;
    }
    Ok(done)
}

/// How long after start-up the daily job first runs: not at once, so a start
/// right after migrations (or a crash loop) is not also the job's busiest moment.
const FIRST_DAILY_RUN_AFTER: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Daily, from `FIRST_DAILY_RUN_AFTER` after the start (a day after it when
/// this start applied migrations): applied mutation ids older than the sync
/// store keeps them, the pieces of photo uploads nobody continued, photos
/// nothing points at any more, buyers' details of orders finished 180 days
/// ago, and expired sessions, reset codes and invitations.
async fn daily_housekeeping(state: AppState, migrated: bool) {
    let day = std::time::Duration::from_secs(24 * 60 * 60);
    let first = tokio::time::Instant::now() + if migrated { day } else { FIRST_DAILY_RUN_AFTER };
    let mut daily = tokio::time::interval_at(first, day);
    let this_server = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4());
    loop {
        daily.tick().await;
        daily_pass(&state, &this_server).await;
    }
}

/// How long the server that takes the day's housekeeping holds it: less
/// than a day, so tomorrow's is free whoever took today's.
const DAILY_LEASE: std::time::Duration = std::time::Duration::from_secs(20 * 60 * 60);

/// The day's housekeeping, by the one server of a cluster that takes its
/// lease (`infra::lease`); whether this one did it. Each step is harmless
/// twice too (a lease that lapsed mid-run, a server that stalled past it).
pub async fn daily_pass(state: &AppState, this_server: &str) -> bool {
    match crate::infra::lease::take(&state.db, "daily_housekeeping", this_server, DAILY_LEASE).await {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!("another server does today's housekeeping");
            return false;
        }
        Err(error) => {
            tracing::warn!(%error, "could not take today's housekeeping; tried again tomorrow");
            return false;
        }
    }
    match sync::store::forget_applied(&state.db, sync::store::APPLIED_KEPT_DAYS).await {
        Ok(0) => {}
        Ok(forgotten) => tracing::info!(forgotten, "forgot old applied mutation ids"),
        // Several servers may run it at once; a conflict is tried again tomorrow.
        Err(error) => tracing::warn!(%error, "could not forget old applied mutation ids"),
    }
    match state.photos.forget_abandoned(photos::ABANDONED_AFTER).await {
        Ok(0) => {}
        Ok(forgotten) => tracing::info!(forgotten, "forgot abandoned photo uploads"),
        Err(error) => tracing::warn!(%error, "could not forget abandoned photo uploads"),
    }
    match clean_up_photos(state).await {
        Ok(done) => tracing::info!(?done, "cleaned up photos"),
        Err(error) => tracing::warn!(%error, "could not clean up photos"),
    }
    let now_ms = chrono::Utc::now().timestamp_millis().max(0) as u64;
    match crate::orders::expire_unanswered(&state.db, now_ms).await {
        Ok(0) => {}
        Ok(expired) => tracing::info!(expired, "let go of order requests never answered"),
        Err(error) => tracing::warn!(%error, "could not let go of order requests never answered"),
    }
    match crate::orders::forget_finished(&state.db, now_ms).await {
        Ok(0) => {}
        Ok(forgotten) => tracing::info!(forgotten, "forgot the buyers of order requests that arrived long ago"),
        Err(error) => tracing::warn!(%error, "could not forget the buyers of order requests that arrived long ago"),
    }
    if let Err(error) = crate::orders::forget_senders(&state.db).await {
        tracing::warn!(%error, "could not forget who sent old order requests");
    }
    match crate::accounts::purge_expired(&state.db).await {
        Ok(purged) => tracing::info!(?purged, "purged expired sessions, reset codes and invitations"),
        Err(error) => tracing::warn!(%error, "could not purge expired sessions, reset codes and invitations"),
    }
    true
}
