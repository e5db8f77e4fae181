//! The figures for some districts over a range of days, read from the counts
//! ([`super::tally`]): each district's days as one key range, its standings
//! as a few rows, its active entrepreneurs from one index range. A year for
//! every district is some 6,000 small rows, whatever the number of records.

use std::collections::BTreeMap;
use std::ops::Bound;

use app::rules::people::LedBy;
use app::rules::review::ReviewState;
use chrono::{Days, NaiveDate};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{Array, RecordId as DbId, RecordIdKey, RecordIdKeyRange, SurrealValue, Value as DbValue};

use super::tally::Standing;
use crate::infra::database::StoreError;

/// Days from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest range one view reads: ten years.
pub const MAX_DAYS: i64 = 3660;

impl Range {
    /// `None` when `to` is before `from` or the range is longer than [`MAX_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Option<Range> {
        let days = (to - from).num_days();
        (0..MAX_DAYS).contains(&days).then_some(Range { from, to })
    }

    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |day| *day <= self.to)
    }
}

/// What happened, summed over some days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub invited: i64,
    pub signed_up: i64,
    pub decided: i64,
    pub products_approved: i64,
    pub ads_published: i64,
    pub orders_received: i64,
    pub orders_done: i64,
}

impl Counts {
    fn add(&mut self, other: &Counts) {
        self.invited += other.invited;
        self.signed_up += other.signed_up;
        self.decided += other.decided;
        self.products_approved += other.products_approved;
        self.ads_published += other.ads_published;
        self.orders_received += other.orders_received;
        self.orders_done += other.orders_done;
    }
}

/// One district's figures, or the total of several.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DistrictFigures {
    /// The district's id; empty for the total.
    pub district: String,
    pub counts: Counts,
    /// Each decision's minutes from submission, in order.
    pub decision_minutes: Vec<i64>,
    /// Entrepreneurs with an edit synced in the 30 days to today.
    pub active: i64,
    /// Storefronts now, by review state ([`ReviewState::ALL`] order).
    pub storefronts: [i64; 5],
    /// Storefronts now, by who leads them ([`LedBy::ALL`] order).
    pub led_by: [i64; 4],
}

impl DistrictFigures {
    /// The median minutes from submission to decision (the mean of the two middle ones).
    pub fn median_minutes(&self) -> Option<f64> {
        let m = &self.decision_minutes;
        match m.len() {
            0 => None,
            n if n % 2 == 1 => Some(m[n / 2] as f64),
            n => Some((m[n / 2 - 1] + m[n / 2]) as f64 / 2.0),
        }
    }

    pub fn storefronts_total(&self) -> i64 {
        self.storefronts.iter().sum()
    }

    /// The share of storefronts whose owner said she is a woman, of all storefronts.
    pub fn women_led_share(&self) -> Option<f64> {
        let total: i64 = self.led_by.iter().sum();
        (total > 0).then(|| self.led_by[0] as f64 / total as f64)
    }

    fn add(&mut self, other: &DistrictFigures) {
        self.counts.add(&other.counts);
        self.decision_minutes.extend_from_slice(&other.decision_minutes);
        self.active += other.active;
        for (mine, theirs) in self.storefronts.iter_mut().zip(other.storefronts) {
            *mine += theirs;
        }
        for (mine, theirs) in self.led_by.iter_mut().zip(other.led_by) {
            *mine += theirs;
        }
    }
}

/// A workshop held in the range.
#[derive(Clone, Debug, PartialEq, Eq, SurrealValue)]
pub struct Workshop {
    pub name: String,
    pub district: String,
    pub date: String,
    /// Codes made, one per seat.
    pub seats: i64,
    pub signed_up: i64,
}

/// The figures of a view.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    pub range: Range,
    pub today: NaiveDate,
    /// One per district asked for, in the order asked.
    pub districts: Vec<DistrictFigures>,
    pub total: DistrictFigures,
    /// Every day of the range, summed over the districts (for the charts).
    pub days: Vec<(NaiveDate, Counts)>,
    pub workshops: Vec<Workshop>,
}

#[derive(SurrealValue)]
struct DayRow {
    day: String,
    invited: Option<i64>,
    signed_up: Option<i64>,
    decided: Option<i64>,
    decision_minutes: Option<Vec<i64>>,
    products_approved: Option<i64>,
    ads_published: Option<i64>,
    orders_received: Option<i64>,
    orders_done: Option<i64>,
}

impl DayRow {
    fn counts(&self) -> Counts {
        let n = |v: Option<i64>| v.unwrap_or(0);
        Counts {
            invited: n(self.invited),
            signed_up: n(self.signed_up),
            decided: n(self.decided),
            products_approved: n(self.products_approved),
            ads_published: n(self.ads_published),
            orders_received: n(self.orders_received),
            orders_done: n(self.orders_done),
        }
    }
}

#[derive(SurrealValue)]
struct NowRow {
    district: String,
    figure: String,
    n: i64,
}

fn key(district: &str, day: &str) -> RecordIdKey {
    RecordIdKey::from(Array::from(vec![DbValue::String(district.to_owned()), DbValue::String(day.to_owned())]))
}

fn text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Reads the figures of `districts` over `range`; "active" counts the 30 days to `today`.
pub async fn read(
    db: &Surreal<Any>,
    districts: &[String],
    range: Range,
    today: NaiveDate,
) -> Result<Figures, StoreError> {
    let since = text(today.checked_sub_days(Days::new(29)).unwrap_or(today));
    // Three statements per district, one round trip in all.
    let mut query =
        String::from("SELECT record::id(id)[0] AS district, record::id(id)[1] AS figure, n FROM programme_now;");
    for i in 0..districts.len() {
        query.push_str(&format!(
            "SELECT record::id(id)[1] AS day, invited, signed_up, decided, decision_minutes, products_approved,
                 ads_published, orders_received, orders_done FROM $days_{i};
             (SELECT count() AS n FROM programme_active WHERE district = $district_{i} AND day >= $since GROUP ALL)[0].n;
             SELECT name, district, date, seats, signed_up ?? 0 AS signed_up FROM workshop
                 WHERE district = $district_{i} AND date >= $from AND date <= $to ORDER BY date, name;"
        ));
    }
    let mut call = db.query(query).bind(("since", since)).bind(("from", text(range.from))).bind(("to", text(range.to)));
    for (i, district) in districts.iter().enumerate() {
        let span = RecordIdKeyRange {
            start: Bound::Included(key(district, &text(range.from))),
            end: Bound::Included(key(district, &text(range.to))),
        };
        call = call
            .bind((format!("days_{i}"), DbId::new("programme_day", RecordIdKey::from(span))))
            .bind((format!("district_{i}"), district.clone()));
    }
    let mut answer = call.await?.check()?;
    let now: Vec<NowRow> = answer.take(0)?;
    let mut per_day: BTreeMap<NaiveDate, Counts> = range.days().map(|day| (day, Counts::default())).collect();
    let mut figures = Vec::with_capacity(districts.len());
    let mut workshops = Vec::new();
    for (i, district) in districts.iter().enumerate() {
        let rows: Vec<DayRow> = answer.take(1 + 3 * i)?;
        let active: Option<i64> = answer.take(2 + 3 * i)?;
        let held: Vec<Workshop> = answer.take(3 + 3 * i)?;
        let mut mine =
            DistrictFigures { district: district.clone(), active: active.unwrap_or(0), ..Default::default() };
        for row in rows {
            let counts = row.counts();
            mine.counts.add(&counts);
            mine.decision_minutes.extend(row.decision_minutes.unwrap_or_default());
            if let Ok(day) = NaiveDate::parse_from_str(&row.day, "%Y-%m-%d")
                && let Some(sum) = per_day.get_mut(&day)
            {
                sum.add(&counts);
            }
        }
        for row in now.iter().filter(|row| row.district == *district) {
            for (place, state) in ReviewState::ALL.iter().enumerate() {
                if row.figure == Standing::Storefront(*state).key() {
                    mine.storefronts[place] += row.n;
                }
            }
            for (place, led) in LedBy::ALL.iter().enumerate() {
                if row.figure == Standing::LedBy(*led).key() {
                    mine.led_by[place] += row.n;
                }
            }
        }
        mine.decision_minutes.sort_unstable();
        workshops.extend(held);
        figures.push(mine);
    }
    let mut total = DistrictFigures::default();
    for district in &figures {
        total.add(district);
    }
    total.decision_minutes.sort_unstable();
    workshops.sort_by(|a, b| (&a.date, &a.name).cmp(&(&b.date, &b.name)));
    Ok(Figures { range, today, districts: figures, total, days: per_day.into_iter().collect(), workshops })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_decision_or_the_mean_of_the_two_middle_ones() {
        let with = |m: &[i64]| DistrictFigures { decision_minutes: m.to_vec(), ..Default::default() };
        assert_eq!(with(&[]).median_minutes(), None);
        assert_eq!(with(&[5]).median_minutes(), Some(5.0));
        assert_eq!(with(&[1, 2, 10]).median_minutes(), Some(2.0));
        assert_eq!(with(&[1, 2, 10, 11]).median_minutes(), Some(6.0));
    }

    #[test]
    fn a_range_ends_on_or_after_its_start_and_spans_at_most_ten_years() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(Range::new(day("2026-01-02"), day("2026-01-01")).is_none());
        assert_eq!(Range::new(day("2026-01-01"), day("2026-01-01")).unwrap().days().count(), 1);
        assert_eq!(Range::new(day("2024-01-01"), day("2024-12-31")).unwrap().days().count(), 366);
        assert!(Range::new(day("2010-01-01"), day("2026-01-01")).is_none());
    }
}
