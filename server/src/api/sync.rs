//! `POST /api/v1/sync/push` and `GET /api/v1/sync/pull`: the sync protocol
//! (`docs/sync.md`) for the signed-in person. Protocol errors answer in the
//! protocol's own shape (`{"error": …}`), everything else as an `ApiError`.

use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sawda_sync::protocol::check_version;
use sawda_sync::{Owner, PullRequest, PullResponse, PushRequest, PushResponse, SyncError};

use super::error::ApiError;
use super::signed_in::SignedIn;
use crate::AppState;
use crate::infra::database::StoreError;
use crate::sync::store;

/// A push may carry up to 256 KiB (the protocol's own limit; the API default is 16 KiB).
pub const MAX_PUSH_BODY: usize = 256 * 1024;

/// Pushes one account may make in a minute, from all her phones together:
/// a phone pushes at most once per pause in her typing.
pub const PUSHES_A_MINUTE: usize = 60;
/// Mutations one account may push in a day: twice her whole scope
/// (`sawda_sync::limits`, 10,000 records, sent once each by a phone coming
/// online after weeks away). Each one leaves an applied mark, kept 180 days.
pub const MUTATIONS_A_DAY: usize = 20_000;

/// What each account has pushed lately (kept in this process: with several
/// servers each counts its own share, as the sign-in limits do).
#[derive(Default)]
pub struct PushLimits {
    accounts: std::sync::Mutex<std::collections::HashMap<String, Pushed>>,
}

/// One account's pushes: those of the last minute, and its day's mutations.
struct Pushed {
    minute: std::collections::VecDeque<Instant>,
    day_began: Instant,
    mutations: usize,
}

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

impl PushLimits {
    /// Counts a push of `mutations` by `who`; `Err(wait)` when it is over
    /// either allowance (and then nothing is counted).
    pub fn admit(&self, who: &Owner, mutations: usize) -> Result<(), Duration> {
        self.admit_at(who.as_str(), mutations, Instant::now())
    }

    fn admit_at(&self, who: &str, mutations: usize, now: Instant) -> Result<(), Duration> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let pushed = accounts.entry(who.to_owned()).or_insert_with(|| Pushed {
            minute: Default::default(),
            day_began: now,
            mutations: 0,
        });
        if now.duration_since(pushed.day_began) >= DAY {
            (pushed.day_began, pushed.mutations) = (now, 0);
        }
        while pushed.minute.front().is_some_and(|at| now.duration_since(*at) >= MINUTE) {
            pushed.minute.pop_front();
        }
        if pushed.mutations + mutations > MUTATIONS_A_DAY {
            return Err(DAY.saturating_sub(now.duration_since(pushed.day_began)));
        }
        if let Some(oldest) = pushed.minute.front().filter(|_| pushed.minute.len() >= PUSHES_A_MINUTE) {
            return Err(MINUTE.saturating_sub(now.duration_since(*oldest)));
        }
        pushed.minute.push_back(now);
        pushed.mutations += mutations;
        Ok(())
    }

    /// Forgets accounts whose day has passed; how many.
    pub fn prune(&self) -> usize {
        let now = Instant::now();
        let mut accounts = self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = accounts.len();
        accounts.retain(|_, pushed| now.duration_since(pushed.day_began) < DAY);
        before - accounts.len()
    }
}

/// Why a sync request got no answer of its kind.
pub enum SyncFailure {
    Protocol(SyncError),
    Api(ApiError),
}

impl From<ApiError> for SyncFailure {
    fn from(error: ApiError) -> Self {
        SyncFailure::Api(error)
    }
}

impl From<StoreError> for SyncFailure {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Protocol(error) => SyncFailure::Protocol(error),
            StoreError::Database(error) => SyncFailure::Api(error.into()),
            StoreError::Corrupt(message) => {
                tracing::error!(%message, "a stored synced record does not read back");
                SyncFailure::Api(ApiError::INTERNAL)
            }
        }
    }
}

/// A store error outside the sync endpoints (no protocol answer to give).
pub fn store_error(error: StoreError) -> ApiError {
    match SyncFailure::from(error) {
        SyncFailure::Api(error) => error,
        SyncFailure::Protocol(_) => ApiError::BAD_REQUEST,
    }
}

impl IntoResponse for SyncFailure {
    fn into_response(self) -> Response {
        match self {
            SyncFailure::Protocol(error) => {
                let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                (status, Json(error)).into_response()
            }
            SyncFailure::Api(error) => error.into_response(),
        }
    }
}

fn owner(signed_in: &SignedIn) -> Result<Owner, ApiError> {
    signed_in.account.id.parse().map_err(|_| {
        tracing::error!(id = %signed_in.account.id, "an account id is not a valid sync owner");
        ApiError::INTERNAL
    })
}

pub async fn push(
    State(state): State<AppState>,
    signed_in: SignedIn,
    body: Bytes,
) -> Result<Json<PushResponse>, SyncFailure> {
    let who = owner(&signed_in)?;
    let role = signed_in.account.role().ok_or(ApiError::FORBIDDEN)?;
    let request = PushRequest::from_json(&body).map_err(SyncFailure::Protocol)?;
    // Over her allowance: the phone keeps her edits queued and tries again later.
    state.push_limits.admit(&who, request.mutations.len()).map_err(ApiError::rate_limited)?;
    let answer = store::push(&state.db, &who, role, &request, crate::after_push::AfterPush).await?;
    // Her public pages may show what she just changed (a price, a deletion).
    if request.mutations.iter().any(|m| app::rules::review::is_reviewed_kind(m.kind)) {
        state.pages.forget(who.as_str());
    }
    Ok(Json(answer))
}

pub async fn pull(
    State(state): State<AppState>,
    signed_in: SignedIn,
    uri: axum::http::Uri,
) -> Result<Json<PullResponse>, SyncFailure> {
    #[derive(serde::Deserialize)]
    struct VersionOnly {
        version: u32,
    }
    let who = owner(&signed_in)?;
    let bad =
        |rejection: QueryRejection| SyncFailure::Protocol(SyncError::BadRequest { message: rejection.body_text() });
    // The version first: an older app is told to reload even when the rest
    // of its query (no account before protocol 3) would not parse.
    let Query(VersionOnly { version }) = Query::try_from_uri(&uri).map_err(bad)?;
    check_version(version).map_err(SyncFailure::Protocol)?;
    let Query(request) = Query::<PullRequest>::try_from_uri(&uri).map_err(bad)?;
    Ok(Json(store::pull(&state.db, &who, &request).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_pushes_so_many_times_a_minute_and_so_many_mutations_a_day() {
        let limits = PushLimits::default();
        let start = Instant::now();
        for _ in 0..PUSHES_A_MINUTE {
            limits.admit_at("her", 1, start).unwrap();
        }
        assert!(limits.admit_at("her", 1, start).is_err(), "the minute's pushes are used");
        assert!(limits.admit_at("another", 1, start).is_ok(), "accounts count apart");
        let later = start + Duration::from_secs(61);
        // The day's mutations: a push that would go over is refused whole, and says until when.
        limits.admit_at("her", MUTATIONS_A_DAY - PUSHES_A_MINUTE - 10, later).unwrap();
        let wait = limits.admit_at("her", 500, later).unwrap_err();
        assert_eq!(wait, DAY - Duration::from_secs(61));
        limits.admit_at("her", 10, later).expect("what fits still goes");
        assert!(limits.admit_at("her", 1, later).is_err());
        assert!(limits.admit_at("her", 500, start + DAY).is_ok(), "a new day");
    }
}
