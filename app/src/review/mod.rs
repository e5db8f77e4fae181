//! The coordinators' review desk: the queue of submitted storefronts and
//! products of her districts (`queue.rs`), and one item with the OVOP
//! checklist, what changed since the last approval and its history
//! (`item.rs`). Decisions go to the server at once: the desk needs a signal.

mod item;
mod queue;

pub use item::ReviewItemPage;
pub use queue::ReviewQueuePage;

crate::lazy_page!(ReviewQueueRoute, ReviewQueuePage);
crate::lazy_page!(ReviewItemRoute, ReviewItemPage);

use crate::i18n::{Key, Lang, text};

/// "3 days", "5 hours": how long an item has waited, from an RFC 3339 time.
pub(crate) fn waited(lang: Lang, since: &str, now_ms: f64) -> String {
    let Some(then) = rfc3339_ms(since) else { return String::new() };
    let hours = ((now_ms - then) / 3_600_000.0).max(0.0) as u64;
    if hours >= 48 {
        crate::i18n::fill(text(lang, Key::DeskWaitedDays), &[("n", &(hours / 24).to_string())])
    } else {
        crate::i18n::fill(text(lang, Key::DeskWaitedHours), &[("n", &hours.to_string())])
    }
}

/// Milliseconds since 1970 of `2026-12-03T07:51:01.5+00:00` (UTC offsets only, as the server writes).
fn rfc3339_ms(at: &str) -> Option<f64> {
    let (date, time) = at.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.trim_end_matches('Z');
    let time = time.split(['+']).next()?;
    let mut t = time.split(':');
    let (h, min) = (t.next()?.parse::<i64>().ok()?, t.next()?.parse::<i64>().ok()?);
    // Seconds read as whole and thousandths: parsing an f64 would bring its tables into the wasm.
    let seconds = t.next()?;
    let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
    let sec = whole.parse::<i64>().ok()?;
    let millis = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .try_fold(0i64, |n, b| b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0')))?;
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + h * 3_600 + min * 60 + sec) * 1_000 + millis) as f64)
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_servers_times() {
        assert_eq!(super::rfc3339_ms("1970-01-01T00:00:00+00:00"), Some(0.0));
        assert_eq!(super::rfc3339_ms("2026-12-03T07:51:01.5+00:00"), Some(1_796_284_261_500.0));
        assert_eq!(super::rfc3339_ms("2026-12-03T07:51:01+00:00"), Some(1_796_284_261_000.0));
        assert_eq!(super::rfc3339_ms("2026-12-03T07:51:01.123456Z"), Some(1_796_284_261_123.0));
        assert_eq!(super::rfc3339_ms("2026-12-03T07:51:0x+00:00"), None);
        assert_eq!(super::rfc3339_ms("not a time"), None);
    }
}
