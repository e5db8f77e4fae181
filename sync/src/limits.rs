//! What one person may store through sync, so that no one can freeze the
//! server or fill its disk: bounds per record and per owner, checked by the
//! push core ([`crate::server::plan_push`]) on every mutation, and a bound in
//! bytes on every pull page. Each mutation and each push have their own
//! bounds (`mutation`, `protocol`); a field keeps at most
//! [`crate::record::HISTORY_PER_FIELD`] lost values.
//!
//! The record and owner bounds are far above what an honest person stores
//! (a product is a few KB; a storefront with a hundred products well under
//! 1 MB) and far below what would slow a load or a merge (see the
//! `worst_record` benchmark).

use crate::record::Record;

/// A stored record, as JSON with its history: a push that would make it
/// larger is refused (`record_too_large`).
pub const MAX_RECORD_BYTES: usize = 128 * 1024;

/// Records one owner may hold (deleted ones count: their tombstones stay).
pub const MAX_RECORDS_PER_OWNER: u64 = 10_000;

/// Bytes of records one owner may hold.
pub const MAX_BYTES_PER_OWNER: u64 = 32 * 1024 * 1024;

/// A pull page holds records up to this many bytes (and always at least
/// one), so that taking a page in fits a phone's room kept for sync.
pub const MAX_PULL_BYTES: usize = 384 * 1024;

/// The bytes a record takes as stored and sent: its compact JSON.
pub fn record_bytes(record: &Record) -> usize {
    crate::json_len(record)
}

/// What an owner holds, as the push core counts it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Holdings {
    pub records: u64,
    pub bytes: u64,
}

impl Holdings {
    /// After a record of `old` bytes (`None`: new) becomes `new` bytes; or
    /// `None` when that passes an owner's bound (a shrinking record always passes).
    pub fn after(self, old: Option<usize>, new: usize) -> Option<Holdings> {
        let records = self.records + u64::from(old.is_none());
        let bytes = (self.bytes + new as u64).saturating_sub(old.unwrap_or(0) as u64);
        let grows = old.is_none_or(|old| new > old);
        let fits = records <= MAX_RECORDS_PER_OWNER && bytes <= MAX_BYTES_PER_OWNER;
        (fits || !grows).then_some(Holdings { records, bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_at_her_bounds_may_shrink_but_not_grow() {
        let full = Holdings { records: MAX_RECORDS_PER_OWNER, bytes: 1_000 };
        assert_eq!(full.after(None, 10), None, "no new record");
        assert_eq!(full.after(Some(100), 200), Some(Holdings { records: MAX_RECORDS_PER_OWNER, bytes: 1_100 }));
        let heavy = Holdings { records: 3, bytes: MAX_BYTES_PER_OWNER };
        assert_eq!(heavy.after(Some(100), 101), None);
        assert_eq!(heavy.after(Some(100), 50), Some(Holdings { records: 3, bytes: MAX_BYTES_PER_OWNER - 50 }));
        assert_eq!(Holdings::default().after(None, 10), Some(Holdings { records: 1, bytes: 10 }));
    }
}
