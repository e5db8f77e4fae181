//! A pull page: the owner's change log after her cursor, bounded in records and bytes.

use super::may_see;
use crate::ids::Owner;
use crate::limits::{MAX_PULL_BYTES, record_bytes};
use crate::protocol::{Epoch, MAX_PULL_LIMIT, PullRequest, PullResponse, Snapshot};

/// A pull page from a change log read in sequence order: `log` yields
/// `(seq, record)` for the owner's changes after the cursor, at most
/// `limit + 1` of them (one more tells whether more wait).
pub fn pull_page(
    who: &Owner,
    request: &PullRequest,
    epoch: &Epoch,
    log: impl IntoIterator<Item = Snapshot>,
) -> PullResponse {
    let limit = pull_limit(request);
    let mut changes = Vec::new();
    let mut cursor = request.cursor;
    let mut more = false;
    let mut bytes = 0;
    for snapshot in log {
        // The log is the owner's: the protocol's rule has the last word.
        if snapshot.seq <= cursor || !may_see(who, &snapshot.record) {
            continue;
        }
        let size = record_bytes(&snapshot.record);
        if changes.len() == limit || (!changes.is_empty() && bytes + size > MAX_PULL_BYTES) {
            more = true;
            break;
        }
        bytes += size;
        cursor = snapshot.seq;
        changes.push(snapshot);
    }
    PullResponse { epoch: epoch.clone(), after: request.cursor, changes, cursor, more }
}

/// Records per pull page: the request's limit within 1..=[`MAX_PULL_LIMIT`].
pub fn pull_limit(request: &PullRequest) -> usize {
    request.limit.clamp(1, MAX_PULL_LIMIT) as usize
}
