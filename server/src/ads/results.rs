//! Results per ad, for her studio: how often its page was opened, how many
//! visits of her listing came through it (`?ad={id}`) and how many order
//! requests were sent from there. Nothing about a buyer is kept: opens and
//! visits count once a day per client and page, told apart in memory only
//! (`approved::views::ViewCounter::first_today`, which also leaves bots
//! out with `public::views`); no cookie. Counts gather in memory and are
//! added to her ad record's server fields every `views::FLUSH_EVERY`, one
//! change per ad, so her phones pull them (and show them offline) like any
//! other server field.

use std::collections::HashMap;
use std::sync::Mutex;

use sawda_sync::{Fields, Owner, RecordId};
use serde_json::{Value, json};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::infra::database::StoreError;
use crate::sync::store;

/// The server fields the results are added to.
pub const VIEW_COUNT: &str = "view_count";
pub const PRODUCT_VISITS: &str = "product_visits";
pub const ORDER_REQUESTS: &str = "order_requests";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub opened: u64,
    pub visits: u64,
    pub orders: u64,
}

#[derive(Default)]
pub struct AdResults {
    /// By (owner, ad record id).
    pending: Mutex<HashMap<(String, String), Counts>>,
}

impl AdResults {
    fn add(&self, owner: &str, ad: &str, add: impl FnOnce(&mut Counts)) {
        let mut pending = self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        add(pending.entry((owner.to_owned(), ad.to_owned())).or_default());
    }

    /// Its page was opened (by a person, counted once a day per client).
    pub fn opened(&self, owner: &str, ad: &str) {
        self.add(owner, ad, |c| c.opened += 1);
    }

    /// A page of her listing was reached through it (once a day per client and page).
    pub fn visited(&self, owner: &str, ad: &str) {
        self.add(owner, ad, |c| c.visits += 1);
    }

    /// An order request was sent from a page reached through it.
    pub fn ordered(&self, owner: &str, ad: &str) {
        self.add(owner, ad, |c| c.orders += 1);
    }

    /// Adds the counts gathered so far to the ads' records; those that could
    /// not be written are kept for the next time. An ad no longer stored (or
    /// deleted) drops its counts. Returns the ads written.
    pub async fn flush(&self, db: &Surreal<Any>) -> Result<usize, StoreError> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
        let mut written = 0;
        let mut failed = None;
        for ((owner, ad), counts) in taken {
            let outcome = match (owner.parse::<Owner>(), ad.parse::<RecordId>()) {
                (Ok(who), Ok(id)) => add_to_record(db, &who, id, counts).await,
                _ => Ok(()),
            };
            match outcome {
                Ok(()) => written += 1,
                Err(error) => {
                    self.add(&owner, &ad, |c| {
                        c.opened += counts.opened;
                        c.visits += counts.visits;
                        c.orders += counts.orders;
                    });
                    failed = Some(error);
                }
            }
        }
        failed.map_or(Ok(written), Err)
    }
}

fn number(record: &sawda_sync::Record, name: &str) -> u64 {
    record.get(name).and_then(Value::as_u64).unwrap_or(0)
}

/// One ad's counts added to its server fields, as a change her phones pull.
async fn add_to_record(db: &Surreal<Any>, who: &Owner, id: RecordId, counts: Counts) -> Result<(), StoreError> {
    store::retrying(crate::infra::database::is_conflict, || async {
        let transaction = crate::infra::database::begin(db).await?;
        store::change_by_server(&transaction, who, id, move |record, clock, now_ms| {
            if record.is_deleted() {
                return;
            }
            let fields = Fields::from([
                (VIEW_COUNT.to_owned(), json!(number(record, VIEW_COUNT) + counts.opened)),
                (PRODUCT_VISITS.to_owned(), json!(number(record, PRODUCT_VISITS) + counts.visits)),
                (ORDER_REQUESTS.to_owned(), json!(number(record, ORDER_REQUESTS) + counts.orders)),
            ]);
            sawda_sync::server::set_server_fields(clock, record, &fields, now_ms);
        })
        .await?;
        crate::infra::database::commit(db, transaction).await?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_gather_per_ad() {
        let results = AdResults::default();
        results.opened("gulnar", "ad1");
        results.opened("gulnar", "ad1");
        results.visited("gulnar", "ad1");
        results.ordered("gulnar", "ad2");
        let pending = results.pending.lock().unwrap();
        assert_eq!(pending[&("gulnar".into(), "ad1".into())], Counts { opened: 2, visits: 1, orders: 0 });
        assert_eq!(pending[&("gulnar".into(), "ad2".into())], Counts { opened: 0, visits: 0, orders: 1 });
    }
}
