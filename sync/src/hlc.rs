//! A hybrid logical clock: which of two edits is newer.
//!
//! Phone clocks are wrong (reset to 1970 after a flat battery, or minutes off),
//! so a [`Stamp`] is the wall time in milliseconds plus a counter: the clock
//! never goes backwards, and after [`Clock::observe`]-ing a remote stamp every
//! later [`Clock::tick`] is newer than it. Stamps are totally ordered by
//! `(wall_ms, counter, device)`; the device id breaks ties the same way on
//! every device, so every device picks the same winner.
//!
//! On the wire a stamp is one string of 44 characters,
//! `"0190f3a1b2c3-0004-01J8Z3K4M5N6P7Q8R9S0T1V2W3"`: wall time as 12 hex
//! digits, counter as 4, then the device. The fixed widths make the string
//! order equal to the stamp order, so a database can sort by it. Inside a push
//! the pushing device's own stamps leave the device out (`"0190f3a1b2c3-0004"`):
//! the push names it once.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{DeviceId, IdError, MAX_ULID_MS, deserialize_str};

/// The largest wall time a stamp can hold (48 bits, the year 10889).
pub const MAX_WALL_MS: u64 = MAX_ULID_MS;

/// When an edit happened, as far as the devices can agree.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    // Field order is the comparison order (derived `Ord`).
    wall_ms: u64,
    counter: u16,
    device: DeviceId,
}

impl Stamp {
    /// `wall_ms` above [`MAX_WALL_MS`] saturates.
    pub fn new(wall_ms: u64, counter: u16, device: DeviceId) -> Self {
        Stamp { wall_ms: wall_ms.min(MAX_WALL_MS), counter, device }
    }

    pub fn wall_ms(&self) -> u64 {
        self.wall_ms
    }

    pub fn counter(&self) -> u16 {
        self.counter
    }

    /// The device that made the edit.
    pub fn device(&self) -> DeviceId {
        self.device
    }
}

/// Why a string is not a stamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StampError {
    /// Not three parts separated by `-`.
    Shape,
    /// The wall time is not 12 lower-case hex digits.
    Wall,
    /// The counter is not 4 lower-case hex digits.
    Counter,
    Device(IdError),
    /// `WALL-COUNTER` outside a push, where no device is implied.
    NoDevice,
}

impl fmt::Display for StampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHAPE: &str = "a stamp is WALL-COUNTER-DEVICE, e.g. 0190f3a1b2c3-0004-01J8Z3K4M5N6P7Q8R9S0T1V2W3";
        match self {
            StampError::Shape => write!(f, "{SHAPE}"),
            StampError::Wall => write!(f, "the wall time must be 12 lower-case hex digits ({SHAPE})"),
            StampError::Counter => {
                write!(f, "the counter must be 4 lower-case hex digits ({SHAPE})")
            }
            StampError::Device(e) => write!(f, "its device: {e}"),
            StampError::NoDevice => write!(
                f,
                "a stamp without its device is only understood inside a push, which names the device ({SHAPE})"
            ),
        }
    }
}

impl std::error::Error for StampError {}

fn hex(s: &str, len: usize) -> Option<u64> {
    let canonical = s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    canonical.then(|| u64::from_str_radix(s, 16).ok()).flatten()
}

impl Stamp {
    /// Reads a stamp; `WALL-COUNTER` is read too when `pusher` implies the
    /// device. Only the canonical form is read, so equal stamps are equal strings.
    pub(crate) fn parse_in(s: &str, pusher: Option<DeviceId>) -> Result<Stamp, StampError> {
        let mut parts = s.split('-');
        let (Some(wall), Some(counter), device, None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(StampError::Shape);
        };
        let device = match (device, pusher) {
            (Some(device), _) => device.parse().map_err(StampError::Device)?,
            (None, Some(pusher)) => pusher,
            (None, None) => return Err(StampError::NoDevice),
        };
        Ok(Stamp {
            wall_ms: hex(wall, 12).ok_or(StampError::Wall)?,
            counter: hex(counter, 4).ok_or(StampError::Counter)? as u16,
            device,
        })
    }

    /// The stamp as written in a push from `pusher`: without the device when
    /// it is the pusher's.
    pub(crate) fn in_push(self, pusher: DeviceId) -> impl fmt::Display + Serialize {
        InPush { stamp: self, pusher }
    }
}

struct InPush {
    stamp: Stamp,
    pusher: DeviceId,
}

impl fmt::Display for InPush {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Stamp { wall_ms, counter, device } = self.stamp;
        if device == self.pusher {
            write!(f, "{wall_ms:012x}-{counter:04x}")
        } else {
            fmt::Display::fmt(&self.stamp, f)
        }
    }
}

impl Serialize for InPush {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl FromStr for Stamp {
    type Err = StampError;

    fn from_str(s: &str) -> Result<Self, StampError> {
        Stamp::parse_in(s, None)
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012x}-{:04x}-{}", self.wall_ms, self.counter, self.device)
    }
}

impl fmt::Debug for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Stamp({self})")
    }
}

impl Serialize for Stamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Stamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_str(deserializer, "stamp")
    }
}

/// One device's clock. Stored with the device's data: it is the last stamp
/// the device issued or saw, with the device's own id.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Clock {
    last: Stamp,
}

impl Clock {
    /// A clock that has seen nothing yet.
    pub fn new(device: DeviceId) -> Self {
        Clock { last: Stamp::new(0, 0, device) }
    }

    pub fn device(&self) -> DeviceId {
        self.last.device
    }

    /// The last stamp this clock issued or observed.
    pub fn last(&self) -> Stamp {
        self.last
    }

    /// The stamp for a local edit at `now_ms` (the device's wall clock):
    /// newer than every stamp this clock issued or observed, even when the
    /// wall clock went backwards.
    pub fn tick(&mut self, now_ms: u64) -> Stamp {
        let now_ms = now_ms.min(MAX_WALL_MS);
        let last = &mut self.last;
        if now_ms > last.wall_ms {
            last.wall_ms = now_ms;
            last.counter = 0;
        } else if last.counter < u16::MAX {
            last.counter += 1;
        } else if last.wall_ms < MAX_WALL_MS {
            // 65 536 edits in one millisecond: borrow the next millisecond.
            last.wall_ms += 1;
            last.counter = 0;
        }
        // (At MAX_WALL_MS with a full counter the clock stops: the year 10889.)
        self.last
    }

    /// For a clock read back from storage that may be older than stamps it
    /// already issued: unless the wall clock `now_ms` is `by_ms` past the
    /// stored stamp, the clock moves `by_ms` past it, so the next ticks are
    /// newer than anything issued after the copy was written (within `by_ms`).
    pub fn advance_past_stored(&mut self, now_ms: u64, by_ms: u64) {
        let past = self.last.wall_ms.saturating_add(by_ms).min(MAX_WALL_MS);
        if now_ms < past {
            self.last.wall_ms = past;
            self.last.counter = 0;
        }
    }

    /// Takes in a stamp made elsewhere, so that the next tick is newer than it.
    pub fn observe(&mut self, remote: &Stamp) {
        if (remote.wall_ms, remote.counter) > (self.last.wall_ms, self.last.counter) {
            self.last.wall_ms = remote.wall_ms;
            self.last.counter = remote.counter;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn device(n: u8) -> DeviceId {
        DeviceId::new(1_700_000_000_000, [n; 10])
    }

    #[test]
    fn wire_form_is_fixed_width_and_round_trips() {
        let stamp = Stamp::new(0x0190_f3a1_b2c3, 4, device(1));
        let text = stamp.to_string();
        assert_eq!(text.len(), 44);
        assert!(text.starts_with("0190f3a1b2c3-0004-"), "{text}");
        assert_eq!(text.parse::<Stamp>().unwrap(), stamp);
        let json = serde_json::to_string(&stamp).unwrap();
        assert_eq!(serde_json::from_str::<Stamp>(&json).unwrap(), stamp);
    }

    #[test]
    fn bad_stamps_are_refused_with_a_reason() {
        let d = device(1).to_string();
        let cases = [
            (String::new(), StampError::Shape),
            ("0190f3a1b2c3".to_string(), StampError::Shape),
            ("0190f3a1b2c3-0004".to_string(), StampError::NoDevice),
            (format!("0190f3a1b2c3-0004-{d}-x"), StampError::Shape),
            (format!("190f3a1b2c3-0004-{d}"), StampError::Wall),
            (format!("0190F3A1B2C3-0004-{d}"), StampError::Wall),
            (format!("+190f3a1b2c3-0004-{d}"), StampError::Wall),
            (format!("0190f3a1b2c3-04-{d}"), StampError::Counter),
            (format!("0190f3a1b2c3-000g-{d}"), StampError::Counter),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Stamp>(), Err(expected), "{text}");
        }
        assert!(matches!("0190f3a1b2c3-0004-01J8".parse::<Stamp>(), Err(StampError::Device(IdError::Length(4)))));
        let err = serde_json::from_str::<Stamp>("\"0190f3a1b2c3\"").unwrap_err().to_string();
        assert!(err.contains("bad stamp: a stamp is WALL-COUNTER-DEVICE"), "{err}");
        let err = serde_json::from_str::<Stamp>("[1, 2]").unwrap_err().to_string();
        assert!(err.contains("stamp as a string"), "{err}");
    }

    #[test]
    fn in_a_push_the_pushers_device_is_left_out() {
        let mine = Stamp::new(0x0190_f3a1_b2c3, 4, device(1));
        assert_eq!(mine.in_push(device(1)).to_string(), "0190f3a1b2c3-0004");
        assert_eq!(Stamp::parse_in("0190f3a1b2c3-0004", Some(device(1))), Ok(mine));
        // Another device's stamp is written whole, and read whole.
        assert_eq!(mine.in_push(device(2)).to_string(), mine.to_string());
        assert_eq!(Stamp::parse_in(&mine.to_string(), Some(device(2))), Ok(mine));
        assert_eq!(Stamp::parse_in("0190f3a1b2c3-04", Some(device(1))), Err(StampError::Counter));
    }

    #[test]
    fn device_breaks_ties() {
        let a = Stamp::new(5, 0, device(1));
        let b = Stamp::new(5, 0, device(2));
        assert!(a < b);
        assert!(Stamp::new(5, 1, device(1)) > b);
        assert!(Stamp::new(6, 0, device(0)) > Stamp::new(5, 9, device(9)));
    }

    #[test]
    fn tick_survives_a_clock_that_goes_back() {
        let mut clock = Clock::new(device(1));
        let first = clock.tick(10_000);
        let second = clock.tick(3); // the phone lost its date
        assert!(second > first);
        assert_eq!((second.wall_ms(), second.counter()), (10_000, 1));
        let third = clock.tick(20_000);
        assert_eq!((third.wall_ms(), third.counter()), (20_000, 0));
    }

    #[test]
    fn a_full_counter_borrows_the_next_millisecond() {
        let mut clock = Clock::new(device(1));
        clock.observe(&Stamp::new(7, u16::MAX, device(2)));
        let next = clock.tick(7);
        assert_eq!((next.wall_ms(), next.counter()), (8, 0));
    }

    #[test]
    fn clock_is_stored_as_its_last_stamp() {
        let mut clock = Clock::new(device(3));
        clock.tick(0x42);
        let json = serde_json::to_string(&clock).unwrap();
        assert_eq!(json, format!("\"000000000042-0000-{}\"", device(3)));
        assert_eq!(serde_json::from_str::<Clock>(&json).unwrap(), clock);
        assert!(serde_json::from_str::<Clock>("\"soon\"").is_err());
    }

    #[derive(Clone, Debug)]
    enum Event {
        Tick(u64),
        Observe(u64, u16, u8),
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (0u64..50).prop_map(Event::Tick),
            (0u64..50, prop_oneof![0u16..4, Just(u16::MAX - 1), Just(u16::MAX)], 0u8..4)
                .prop_map(|(w, c, d)| Event::Observe(w, c, d)),
        ]
    }

    proptest! {
        #![proptest_config(crate::tests::config(1_000))]

        #[test]
        fn ticks_are_strictly_newer_than_all_seen(events in proptest::collection::vec(event(), 1..60)) {
            let mut clock = Clock::new(device(0));
            let mut newest: Option<Stamp> = None;
            for e in events {
                match e {
                    Event::Tick(now) => {
                        let stamp = clock.tick(now);
                        prop_assert!(newest.is_none_or(|n| stamp > n), "{stamp:?} after {newest:?}");
                        prop_assert!(stamp.wall_ms() >= now);
                        prop_assert_eq!(stamp.device(), device(0));
                        newest = Some(stamp);
                    }
                    Event::Observe(w, c, d) => {
                        let remote = Stamp::new(w, c, device(d));
                        clock.observe(&remote);
                        newest = newest.max(Some(remote));
                    }
                }
            }
        }

        #[test]
        fn string_order_is_stamp_order(a in (0u64..=MAX_WALL_MS, any::<u16>(), 0u8..3), b in (0u64..=MAX_WALL_MS, any::<u16>(), 0u8..3)) {
            let a = Stamp::new(a.0, a.1, device(a.2));
            let b = Stamp::new(b.0, b.1, device(b.2));
            prop_assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()));
            prop_assert_eq!(a.to_string().parse::<Stamp>().unwrap(), a);
        }
    }
}
