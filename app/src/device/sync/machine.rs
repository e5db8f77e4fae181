//! When the page's engine syncs, waits, stops and goes on: its decisions,
//! apart from the browser (the engine does what they say), so that they are
//! tested natively.

use super::schedule::retry_delay_ms;
use super::status::SyncStatus;
use crate::device::store::StoreProblem;

/// How a sync ended, as the machine needs to know it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Ended {
    Done,
    /// No answer, a server error, or a batch the server could not read: try again later.
    Failed,
    /// 401, or 403 `wrong_account`: stop, keeping the queue and the cursor.
    SignedOut,
    /// The server speaks another protocol: stop until the page reloads.
    NeedsReload,
}

/// What to do after a sync ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Next {
    /// Sync again at once (something changed meanwhile).
    pub again: bool,
    /// Sync again in this many milliseconds (after a failure).
    pub retry_in: Option<u32>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Machine {
    running: bool,
    /// Asked for during a sync: once more when it ends.
    again: bool,
    failures: u32,
    /// Syncing stopped until she signs in again or the page reloads.
    stopped: Option<SyncStatus>,
}

impl Machine {
    /// A sync is asked for (an edit, the network back, a timer): whether to
    /// start one now. While one runs, it runs once more after.
    pub fn request(&mut self) -> bool {
        if self.stopped.is_some() {
            return false;
        }
        if self.running {
            self.again = true;
            return false;
        }
        (self.running, self.again) = (true, false);
        true
    }

    /// A sync ended, with `waiting` edits still queued; `random` in [0, 1)
    /// spreads the retries of many phones.
    pub fn ended(&mut self, ended: Ended, waiting: usize, random: f64) -> Next {
        let mut retry_in = None;
        match ended {
            Ended::Done => self.failures = 0,
            Ended::Failed => {
                self.failures += 1;
                retry_in = Some(retry_delay_ms(self.failures, random));
            }
            Ended::SignedOut => self.stopped = Some(SyncStatus::SignedOut(waiting)),
            Ended::NeedsReload => self.stopped = Some(SyncStatus::NeedsReload(waiting)),
        }
        let again = self.again && retry_in.is_none() && self.stopped.is_none();
        (self.again, self.running) = (false, again);
        Next { again, retry_in }
    }

    /// She signed in again: a stop for a signed-out answer ends; the next
    /// request syncs her queue from its cursor.
    pub fn signed_in_again(&mut self) {
        if matches!(self.stopped, Some(SyncStatus::SignedOut(_))) {
            self.stopped = None;
        }
    }

    /// Another tab signed her out: the store left the device.
    pub fn removed(&mut self) {
        self.stopped = Some(SyncStatus::Store(StoreProblem::Removed));
    }

    pub fn stopped(&self) -> Option<SyncStatus> {
        self.stopped
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// Whether an answer to a push says that Sawda cannot read the batch (so
/// it is halved, and a mutation alone is set aside): only the protocol's own
/// `bad_request` or `batch_too_large`. A proxy's 400 or 413 says nothing
/// about her edits, and is retried like any failure.
pub fn push_unreadable(status: u16, body: &str) -> bool {
    use sawda_sync::SyncError;
    matches!(
        (status, serde_json::from_str::<SyncError>(body)),
        (400, Ok(SyncError::BadRequest { .. })) | (413, Ok(SyncError::BatchTooLarge { .. }))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sawdas_own_refusal_of_a_batch_counts_as_unreadable() {
        let ours = serde_json::to_string(&sawda_sync::SyncError::BadRequest { message: "bad".into() }).unwrap();
        let too_big = serde_json::to_string(&sawda_sync::SyncError::batch_too_large()).unwrap();
        assert!(push_unreadable(400, &ours));
        assert!(push_unreadable(413, &too_big));
        // A proxy's pages, or Sawda's answers to something else, are not about her edits.
        assert!(!push_unreadable(413, "<html><body>413 Request Entity Too Large</body></html>"));
        assert!(!push_unreadable(400, "Bad Request: request header too large"));
        assert!(!push_unreadable(413, "Failed to buffer the request body: length limit exceeded"));
        assert!(!push_unreadable(400, r#"{"error":"bad_request"}"#), "not the protocol's shape");
        assert!(!push_unreadable(502, &ours));
    }

    #[test]
    fn one_sync_at_a_time_and_once_more_if_asked_meanwhile() {
        let mut m = Machine::default();
        assert!(m.request());
        assert!(!m.request(), "one runs: not a second");
        assert!(!m.request());
        assert_eq!(m.ended(Ended::Done, 0, 0.5), Next { again: true, retry_in: None });
        // The run goes on (again) without a new request.
        assert_eq!(m.ended(Ended::Done, 0, 0.5), Next { again: false, retry_in: None });
        assert!(m.request());
    }

    #[test]
    fn a_failure_waits_longer_each_time_and_a_success_starts_over() {
        let mut m = Machine::default();
        let mut waits = Vec::new();
        for _ in 0..4 {
            assert!(m.request());
            waits.push(m.ended(Ended::Failed, 3, 0.0).retry_in.unwrap());
        }
        assert!(waits.windows(2).all(|w| w[0] < w[1]), "{waits:?}");
        // Asked for during a failing sync: the retry timer decides, not "again".
        assert!(m.request());
        assert!(!m.request());
        assert!(!m.ended(Ended::Failed, 3, 0.0).again);
        assert!(m.request());
        m.ended(Ended::Done, 0, 0.0);
        assert_eq!(m.failures(), 0);
    }

    #[test]
    fn signed_out_stops_until_she_signs_in_again() {
        let mut m = Machine::default();
        assert!(m.request());
        assert!(!m.request());
        let next = m.ended(Ended::SignedOut, 2, 0.0);
        assert_eq!(next, Next { again: false, retry_in: None }, "stopped: not again, even when asked");
        assert_eq!(m.stopped(), Some(SyncStatus::SignedOut(2)));
        assert!(!m.request());
        m.signed_in_again();
        assert_eq!(m.stopped(), None);
        assert!(m.request());
    }

    #[test]
    fn a_reload_or_a_removed_store_stops_for_good() {
        let mut m = Machine::default();
        assert!(m.request());
        m.ended(Ended::NeedsReload, 1, 0.0);
        m.signed_in_again();
        assert_eq!(m.stopped(), Some(SyncStatus::NeedsReload(1)), "signing in does not help");
        assert!(!m.request());
        let mut m = Machine::default();
        m.removed();
        m.signed_in_again();
        assert!(!m.request());
    }
}
