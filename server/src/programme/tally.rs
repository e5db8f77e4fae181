//! The counts behind the figures (per district and day, and per month
//! beside it), added in the transaction of what they
//! count (a sign-up, a decision, an order request…), so a figure never
//! disagrees with what happened and a view never scans the records.

use std::collections::BTreeMap;

use app::rules::people::LedBy;
use app::rules::review::ReviewState;
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use surrealdb::engine::any::Any;
use surrealdb::method::Transaction;
use surrealdb::types::SurrealValue;

use crate::infra::database::StoreError;

/// Karakalpakstan's clock, UTC+5 all year (Uzbekistan keeps no summer
/// time): an order request sent at 21:00 there counts on that day, not the next.
pub fn programme_offset() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600).expect("UTC+5 is an offset")
}

/// The programme's day of a moment.
pub fn day_of(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&programme_offset()).date_naive()
}

pub fn today() -> NaiveDate {
    day_of(Utc::now())
}

/// What happened on one day in one district.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Invitation codes made (a workshop's seats).
    Invited(i64),
    SignedUp,
    /// A coordinator approved or asked for changes, this many minutes after her submission.
    Decided {
        minutes: i64,
    },
    ProductApproved,
    /// An ad's public page went live.
    AdPublished,
    OrderReceived,
    OrderDone,
}

/// A figure kept as it stands now, per district.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    Storefront(ReviewState),
    LedBy(LedBy),
}

impl Standing {
    pub fn key(self) -> String {
        match self {
            Standing::Storefront(state) => format!("state:{}", state.id()),
            Standing::LedBy(led) => format!("led:{}", led.id()),
        }
    }
}

#[derive(Default, SurrealValue)]
struct DayRow {
    district: String,
    day: String,
    month: String,
    invited: i64,
    signed_up: i64,
    decided: i64,
    decision_minutes: Vec<i64>,
    products_approved: i64,
    ads_published: i64,
    orders_received: i64,
    orders_done: i64,
}

/// Rows per district and day (and month) that counts are spread over. Rows
/// written before (`[district, day]`, and by migration 22) are read with them.
pub const SHARDS: u8 = 4;

#[derive(SurrealValue)]
struct NowRow {
    district: String,
    figure: String,
    by: i64,
}

/// Counts gathered from one transaction's work, written at its end by [`Tally::write`].
#[derive(Default)]
pub struct Tally {
    days: BTreeMap<(String, NaiveDate), DayRow>,
    now: BTreeMap<(String, String), i64>,
}

impl Tally {
    pub fn is_empty(&self) -> bool {
        self.days.is_empty() && self.now.values().all(|n| *n == 0)
    }

    pub fn add(&mut self, district: &str, day: NaiveDate, event: Event) {
        let row = self.days.entry((district.to_owned(), day)).or_insert_with(|| DayRow {
            district: district.to_owned(),
            day: day.format("%Y-%m-%d").to_string(),
            month: day.format("%Y-%m").to_string(),
            ..DayRow::default()
        });
        match event {
            Event::Invited(n) => row.invited += n,
            Event::SignedUp => row.signed_up += 1,
            Event::Decided { minutes } => {
                row.decided += 1;
                row.decision_minutes.push(minutes.max(0));
            }
            Event::ProductApproved => row.products_approved += 1,
            Event::AdPublished => row.ads_published += 1,
            Event::OrderReceived => row.orders_received += 1,
            Event::OrderDone => row.orders_done += 1,
        }
    }

    /// A storefront moved from one standing to another (`None`: none yet, or deleted).
    pub fn moved(&mut self, district: &str, from: Option<Standing>, to: Option<Standing>) {
        if from == to {
            return;
        }
        if let Some(from) = from {
            *self.now.entry((district.to_owned(), from.key())).or_default() -= 1;
        }
        if let Some(to) = to {
            *self.now.entry((district.to_owned(), to.key())).or_default() += 1;
        }
    }

    /// A storefront of `led` made (`+1`) or deleted (`-1`) with its state: both standings move.
    pub fn storefront(&mut self, district: &str, led: LedBy, from: Option<ReviewState>, to: Option<ReviewState>) {
        self.moved(district, from.map(Standing::Storefront), to.map(Standing::Storefront));
        match (from, to) {
            (None, Some(_)) => self.moved(district, None, Some(Standing::LedBy(led))),
            (Some(_), None) => self.moved(district, Some(Standing::LedBy(led)), None),
            _ => {}
        }
    }

    /// Adds the counts to the rows, in `transaction`: to one of `SHARDS` rows
    /// of each day and month, picked at random, so that transactions counting
    /// in one district at once (order requests at its storefronts) seldom write
    /// the same row and conflict. The figures add the shards up.
    pub async fn write(self, transaction: &Transaction<Any>) -> Result<(), StoreError> {
        if self.is_empty() {
            return Ok(());
        }
        let days: Vec<DayRow> = self.days.into_values().collect();
        let now: Vec<NowRow> = self
            .now
            .into_iter()
            .filter(|(_, by)| *by != 0)
            .map(|((district, figure), by)| NowRow { district, figure, by })
            .collect();
        transaction
            .query(
                "FOR $d IN $days {
                     FOR $row IN [type::record('programme_day', [$d.district, $d.day, $shard]),
                                  type::record('programme_month', [$d.district, $d.month, $shard])] {
                         UPSERT $row SET
                             invited += $d.invited, signed_up += $d.signed_up, decided += $d.decided,
                             decision_minutes += $d.decision_minutes, products_approved += $d.products_approved,
                             ads_published += $d.ads_published, orders_received += $d.orders_received,
                             orders_done += $d.orders_done
                             RETURN NONE;
                     };
                 };
                 FOR $n IN $now {
                     UPSERT type::record('programme_now', [$n.district, $n.figure]) SET n += $n.by RETURN NONE;
                 };",
            )
            .bind(("days", days))
            .bind(("now", now))
            .bind(("shard", (uuid::Uuid::new_v4().as_u128() % u128::from(SHARDS)) as i64))
            .await?
            .check()?;
        Ok(())
    }
}

#[derive(SurrealValue)]
struct Her {
    district: Option<String>,
    gender: Option<String>,
    active: Option<String>,
}

/// What the programme knows of an entrepreneur, read in `transaction`: her
/// district (none for an account that is not an entrepreneur's), how she
/// described herself, and the last day she synced an edit.
pub struct Entrepreneur {
    pub id: String,
    pub district: Option<String>,
    pub led_by: LedBy,
    pub last_active: Option<String>,
}

impl Entrepreneur {
    pub async fn read(transaction: &Transaction<Any>, id: &str) -> Result<Entrepreneur, StoreError> {
        let her: Option<Her> = transaction
            .query(
                "(SELECT district, gender, (SELECT VALUE day FROM ONLY type::record('programme_active', $id)) AS active
                     FROM ONLY type::record('account', $id))",
            )
            .bind(("id", id.to_owned()))
            .await?
            .check()?
            .take(0)?;
        let her = her.unwrap_or(Her { district: None, gender: None, active: None });
        Ok(Entrepreneur {
            id: id.to_owned(),
            district: her.district,
            led_by: LedBy::of(her.gender.as_deref()),
            last_active: her.active,
        })
    }

    /// She synced an edit today: her last active day moves (one write a day at most).
    pub async fn edited(&self, transaction: &Transaction<Any>, today: NaiveDate) -> Result<(), StoreError> {
        let (Some(district), today) = (&self.district, today.format("%Y-%m-%d").to_string()) else {
            return Ok(());
        };
        if self.last_active.as_deref() == Some(today.as_str()) {
            return Ok(());
        }
        transaction
            .query("UPSERT type::record('programme_active', $id) SET district = $district, day = $day RETURN NONE")
            .bind(("id", self.id.clone()))
            .bind(("district", district.clone()))
            .bind(("day", today))
            .await?
            .check()?;
        Ok(())
    }
}
