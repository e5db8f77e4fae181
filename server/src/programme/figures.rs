//! The figures for some districts over a range of days, read from the counts
//! ([`super::tally`]): each district's days as one key range, its standings
//! as a few rows, its active entrepreneurs from one index range. A year for
//! every district is some 6,000 small rows, whatever the number of records.

use std::collections::BTreeMap;
use std::ops::Bound;

use app::rules::people::LedBy;
use app::rules::review::ReviewState;
use chrono::{Datelike, Days, Months, NaiveDate};
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
    /// Every day of the range, summed over the districts (for the charts); a
    /// range read by months has each whole month at its first day.
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

fn key_of_shard(district: &str, day: &str, shard: i64) -> RecordIdKey {
    RecordIdKey::from(Array::from(vec![
        DbValue::String(district.to_owned()),
        DbValue::String(day.to_owned()),
        DbValue::Number(shard.into()),
    ]))
}

fn text(day: NaiveDate) -> String {
    day.format("%Y-%m-%d").to_string()
}

/// Ranges up to this many days are read day by day (and charted by day or
/// week); longer ones read the months they cover whole from the month rows.
pub const DAILY_UP_TO: i64 = 190;

/// Which rows a range reads: spans of days, and a span of whole months (by their first days).
#[derive(Debug, PartialEq, Eq)]
pub struct Spans {
    pub days: Vec<(NaiveDate, NaiveDate)>,
    pub months: Option<(NaiveDate, NaiveDate)>,
}

impl Range {
    pub fn spans(self) -> Spans {
        let whole = Spans { days: vec![(self.from, self.to)], months: None };
        if (self.to - self.from).num_days() < DAILY_UP_TO {
            return whole;
        }
        let first_of = |day: NaiveDate| day.with_day(1).expect("day 1");
        let next_month = |day: NaiveDate| first_of(day).checked_add_months(Months::new(1)).expect("a month on");
        // The first whole month, and the first day after the last whole one.
        let first = if self.from.day() == 1 { self.from } else { next_month(self.from) };
        let after = if next_month(self.to) == self.to.succ_opt().unwrap_or(self.to) {
            next_month(self.to)
        } else {
            first_of(self.to)
        };
        if first >= after {
            return whole;
        }
        let mut days = Vec::new();
        if self.from < first {
            days.push((self.from, first.pred_opt().expect("a day before")));
        }
        if after <= self.to {
            days.push((after, self.to));
        }
        let last_month = first_of(after.pred_opt().expect("a day before"));
        Spans { days, months: Some((first, last_month)) }
    }
}

fn month_text(day: NaiveDate) -> String {
    day.format("%Y-%m").to_string()
}

/// A row's day (`YYYY-MM-DD`) or month (`YYYY-MM`, as its first day).
fn row_date(key: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(key, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d"))
        .ok()
}

/// Reads the figures of `districts` over `range`; "active" counts the 30 days to `today`.
pub async fn read(
    db: &Surreal<Any>,
    districts: &[String],
    range: Range,
    today: NaiveDate,
) -> Result<Figures, StoreError> {
    let since = text(today.checked_sub_days(Days::new(29)).unwrap_or(today));
    let spans = range.spans();
    // Per district: its spans of rows, its active count and its workshops; one round trip in all.
    let per_district = spans.days.len() + usize::from(spans.months.is_some()) + 2;
    let mut query =
        String::from("SELECT record::id(id)[0] AS district, record::id(id)[1] AS figure, n FROM programme_now;");
    const COUNTS: &str = "SELECT record::id(id)[1] AS day, invited, signed_up, decided, decision_minutes,
        products_approved, ads_published, orders_received, orders_done FROM";
    for i in 0..districts.len() {
        for k in 0..spans.days.len() {
            query.push_str(&format!("{COUNTS} $days_{i}_{k};"));
        }
        if spans.months.is_some() {
            query.push_str(&format!("{COUNTS} $months_{i};"));
        }
        query.push_str(&format!(
            "(SELECT count() AS n FROM programme_active WHERE district = $district_{i} AND day >= $since GROUP ALL)[0].n;
             SELECT name, district, date, seats, signed_up ?? 0 AS signed_up FROM workshop
                 WHERE district = $district_{i} AND date >= $from AND date <= $to ORDER BY date, name;"
        ));
    }
    let mut call = db.query(query).bind(("since", since)).bind(("from", text(range.from))).bind(("to", text(range.to)));
    let span = |table: &str, district: &str, from: String, to: String| {
        // Every shard of the last day too: `[district, to, shard]` sorts after `[district, to]`.
        let end = key_of_shard(district, &to, i64::from(super::tally::SHARDS));
        let keys = RecordIdKeyRange { start: Bound::Included(key(district, &from)), end: Bound::Included(end) };
        DbId::new(table, RecordIdKey::from(keys))
    };
    for (i, district) in districts.iter().enumerate() {
        for (k, (from, to)) in spans.days.iter().enumerate() {
            call = call.bind((format!("days_{i}_{k}"), span("programme_day", district, text(*from), text(*to))));
        }
        if let Some((first, last)) = spans.months {
            call = call
                .bind((format!("months_{i}"), span("programme_month", district, month_text(first), month_text(last))));
        }
        call = call.bind((format!("district_{i}"), district.clone()));
    }
    let mut answer = call.await?.check()?;
    let now: Vec<NowRow> = answer.take(0)?;
    // The charts' points: each day read, and each whole month read at its first day.
    let mut per_day: BTreeMap<NaiveDate, Counts> = BTreeMap::new();
    for (from, to) in &spans.days {
        per_day.extend(Range { from: *from, to: *to }.days().map(|day| (day, Counts::default())));
    }
    if let Some((first, last)) = spans.months {
        let mut month = first;
        while month <= last {
            per_day.insert(month, Counts::default());
            month = month.checked_add_months(Months::new(1)).expect("a month on");
        }
    }
    let mut figures = Vec::with_capacity(districts.len());
    let mut workshops = Vec::new();
    for (i, district) in districts.iter().enumerate() {
        let at = 1 + per_district * i;
        let mut rows: Vec<DayRow> = Vec::new();
        for k in 0..per_district - 2 {
            rows.extend(answer.take::<Vec<DayRow>>(at + k)?);
        }
        let active: Option<i64> = answer.take(at + per_district - 2)?;
        let held: Vec<Workshop> = answer.take(at + per_district - 1)?;
        let mut mine =
            DistrictFigures { district: district.clone(), active: active.unwrap_or(0), ..Default::default() };
        for row in rows {
            let counts = row.counts();
            mine.counts.add(&counts);
            mine.decision_minutes.extend(row.decision_minutes.unwrap_or_default());
            if let Some(day) = row_date(&row.day)
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

    #[test]
    fn a_long_range_reads_its_whole_months_from_month_rows_and_its_edges_day_by_day() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let spans = |from: &str, to: &str| Range::new(day(from), day(to)).unwrap().spans();
        // Short: every day.
        assert_eq!(spans("2026-01-10", "2026-03-10").days, [(day("2026-01-10"), day("2026-03-10"))]);
        assert_eq!(spans("2026-01-10", "2026-03-10").months, None);
        // Long, with ragged ends.
        let long = spans("2025-01-10", "2026-12-06");
        assert_eq!(long.days, [(day("2025-01-10"), day("2025-01-31")), (day("2026-12-01"), day("2026-12-06"))]);
        assert_eq!(long.months, Some((day("2025-02-01"), day("2026-11-01"))));
        // Long, on whole months: no days at all.
        let whole = spans("2025-01-01", "2025-12-31");
        assert_eq!((whole.days.len(), whole.months), (0, Some((day("2025-01-01"), day("2025-12-01")))));
        // Every day is read once, from a day row or its month's row.
        for (from, to) in [("2024-02-15", "2026-03-01"), ("2025-06-30", "2026-01-01"), ("2025-01-01", "2025-12-31")] {
            let s = spans(from, to);
            let mut covered: Vec<NaiveDate> =
                s.days.iter().flat_map(|(a, b)| Range { from: *a, to: *b }.days()).collect();
            if let Some((first, last)) = s.months {
                let (mut m, end) = (first, last.checked_add_months(Months::new(1)).unwrap());
                while m < end {
                    covered.push(m);
                    m = m.succ_opt().unwrap();
                }
            }
            covered.sort();
            assert_eq!(covered, Range::new(day(from), day(to)).unwrap().days().collect::<Vec<_>>(), "{from}..{to}");
        }
    }
}
