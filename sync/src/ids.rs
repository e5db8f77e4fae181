//! Ids made on the phone, without asking the server: ULIDs.
//!
//! A ULID is 128 bits: 48 bits of Unix time in milliseconds, then 80 random
//! bits, written as 26 characters of Crockford base32
//! (`01ARYZ6S41TSV4RRFFQ69G5FAV`). Ids made later sort later, both as numbers
//! and as strings, which keeps database indexes tidy. The library never reads
//! the clock or an OS random source (it also runs in the browser): callers
//! pass the time and the random bytes in.
//!
//! Owners are the one id here that is not a ULID: they come from the accounts
//! side, so [`Owner`] only checks that the string is a sane identifier.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of a ULID in characters.
pub const ULID_LEN: usize = 26;

/// The largest Unix time a ULID can hold (the year 10889); later times saturate.
pub const MAX_ULID_MS: u64 = (1 << 48) - 1;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Why a string is not an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdError {
    /// Not 26 characters long.
    Length(usize),
    /// A character outside Crockford base32.
    Digit { ch: char, at: usize },
    /// 26 characters can spell numbers above 128 bits; a ULID starts with 0–7.
    Overflow,
    /// An owner id that is empty, too long or has characters outside `[A-Za-z0-9_:.-]`.
    Owner(String),
}

/// FNV-1a's 64-bit offset basis, the usual start of [`fnv1a`].
pub const FNV_BASIS: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, 64 bits: stable across builds, platforms and releases (unlike
/// std's hasher), for ids and checksums that are stored or sent.
pub fn fnv1a(basis: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(basis, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

impl fmt::Display for IdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdError::Length(n) => write!(f, "an id is {ULID_LEN} characters of Crockford base32, this one has {n}"),
            IdError::Digit { ch, at } => {
                write!(f, "{ch:?} at position {at} is not a Crockford base32 digit (0-9 and A-Z without I, L, O, U)")
            }
            IdError::Overflow => {
                write!(f, "the id is out of range: its first character must be 0-7")
            }
            IdError::Owner(why) => write!(f, "not an owner id: {why}"),
        }
    }
}

impl std::error::Error for IdError {}

/// A ULID: the common core of [`RecordId`], [`MutationId`] and [`DeviceId`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ulid(u128);

impl Ulid {
    /// The id made at `unix_ms` from 10 random bytes (from `crypto.getRandomValues` in the browser).
    pub fn new(unix_ms: u64, random: [u8; 10]) -> Self {
        let random = random.iter().fold(0u128, |acc, b| (acc << 8) | u128::from(*b));
        Ulid((u128::from(unix_ms.min(MAX_ULID_MS)) << 80) | random)
    }

    /// The Unix time in milliseconds the id was made at.
    pub fn unix_ms(self) -> u64 {
        (self.0 >> 80) as u64
    }
}

impl fmt::Display for Ulid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = [0u8; ULID_LEN];
        for (i, ch) in out.iter_mut().enumerate() {
            // 26 × 5 = 130 bits: the first character carries only the top 3.
            let shift = 125 - 5 * i;
            *ch = ALPHABET[((self.0 >> shift) & 31) as usize];
        }
        f.write_str(std::str::from_utf8(&out).expect("the alphabet is ASCII"))
    }
}

impl fmt::Debug for Ulid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Ulid {
    type Err = IdError;

    /// Reads the canonical form; lower case is accepted too, as Crockford allows.
    fn from_str(s: &str) -> Result<Self, IdError> {
        let n = s.chars().count();
        if n != ULID_LEN {
            return Err(IdError::Length(n));
        }
        let mut value = 0u128;
        for (at, ch) in s.chars().enumerate() {
            let upper = ch.to_ascii_uppercase();
            let digit = ALPHABET.iter().position(|&a| char::from(a) == upper).ok_or(IdError::Digit { ch, at })?;
            if at == 0 && digit > 7 {
                return Err(IdError::Overflow);
            }
            value = (value << 5) | digit as u128;
        }
        Ok(Ulid(value))
    }
}

/// Deserializes any `FromStr` type from a JSON string, naming the type in the error.
struct StrVisitor<T>(&'static str, std::marker::PhantomData<T>);

impl<T> Visitor<'_> for StrVisitor<T>
where
    T: FromStr,
    T::Err: fmt::Display,
{
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} as a string", self.0)
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        s.parse().map_err(|e| E::custom(format_args!("bad {}: {e}", self.0)))
    }
}

pub(crate) fn deserialize_str<'de, D, T>(deserializer: D, what: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    deserializer.deserialize_str(StrVisitor(what, std::marker::PhantomData))
}

macro_rules! ulid_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Ulid);

        impl $name {
            /// The id made at `unix_ms` from 10 random bytes.
            pub fn new(unix_ms: u64, random: [u8; 10]) -> Self {
                Self(Ulid::new(unix_ms, random))
            }

            /// The ULID underneath.
            pub fn ulid(self) -> Ulid {
                self.0
            }
        }

        impl From<Ulid> for $name {
            fn from(ulid: Ulid) -> Self {
                Self(ulid)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, IdError> {
                s.parse().map(Self)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserialize_str(deserializer, $what)
            }
        }
    };
}

ulid_id!(
    /// A synced record: a storefront, a product, an ad post…
    RecordId,
    "record id"
);
ulid_id!(
    /// One edit. The server remembers the ids it applied, so a retried push never applies twice.
    MutationId,
    "mutation id"
);
ulid_id!(
    /// A phone or browser profile, made once and kept in its local store.
    /// It breaks ties between clocks, so two stores must never share one.
    DeviceId,
    "device id"
);

/// Who a record belongs to: a user id from the accounts side (`user:01J…`, or a ULID).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Owner(String);

impl Owner {
    /// Longest owner id accepted.
    pub const MAX_LEN: usize = 64;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Owner {
    type Err = IdError;

    fn from_str(s: &str) -> Result<Self, IdError> {
        if s.is_empty() {
            return Err(IdError::Owner("it is empty".into()));
        }
        if s.len() > Self::MAX_LEN {
            return Err(IdError::Owner(format!("it is {} bytes long, at most {} are allowed", s.len(), Self::MAX_LEN)));
        }
        if let Some(ch) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | ':' | '.' | '-'))) {
            return Err(IdError::Owner(format!("{ch:?} is not allowed (only A-Z, a-z, 0-9 and _ : . -)")));
        }
        Ok(Owner(s.to_owned()))
    }
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Owner({})", self.0)
    }
}

impl Serialize for Owner {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Owner {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_str(deserializer, "owner")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_is_the_published_function() {
        // Stored ids and checksums depend on it never changing.
        assert_eq!(fnv1a(FNV_BASIS, b""), FNV_BASIS);
        assert_eq!(fnv1a(FNV_BASIS, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(FNV_BASIS, b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn matches_the_reference_encoding() {
        // The example of the ULID specification's reference implementation.
        let id: Ulid = "01ARYZ6S41TSV4RRFFQ69G5FAV".parse().unwrap();
        assert_eq!(id.unix_ms(), 1_469_918_176_385);
        assert_eq!(id.to_string(), "01ARYZ6S41TSV4RRFFQ69G5FAV");
        let made = Ulid::new(1_469_918_176_385, id.0.to_be_bytes()[6..].try_into().unwrap());
        assert_eq!(made, id);
    }

    #[test]
    fn extremes_round_trip() {
        for id in [Ulid::new(0, [0; 10]), Ulid::new(u64::MAX, [0xff; 10])] {
            assert_eq!(id.to_string().parse::<Ulid>().unwrap(), id);
        }
        assert_eq!(Ulid::new(u64::MAX, [0; 10]).unix_ms(), MAX_ULID_MS);
        assert_eq!(Ulid::new(u64::MAX, [0xff; 10]).to_string(), "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    }

    #[test]
    fn string_order_is_id_order() {
        let a = Ulid::new(1_000, [0xff; 10]);
        let b = Ulid::new(1_001, [0; 10]);
        assert!(a < b);
        assert!(a.to_string() < b.to_string());
    }

    #[test]
    fn lower_case_is_read() {
        let id: RecordId = "01aryz6s41tsv4rrffq69g5fav".parse().unwrap();
        assert_eq!(id.to_string(), "01ARYZ6S41TSV4RRFFQ69G5FAV");
    }

    #[test]
    fn bad_ids_are_refused_with_a_reason() {
        assert_eq!("01ARYZ6S41".parse::<Ulid>(), Err(IdError::Length(10)));
        assert_eq!("".parse::<Ulid>(), Err(IdError::Length(0)));
        assert_eq!("01ARYZ6S41TSV4RRFFQ69G5FAVX".parse::<Ulid>(), Err(IdError::Length(27)));
        assert_eq!("01ARYZ6S41TSV4RRFFQ69G5FAU".parse::<Ulid>(), Err(IdError::Digit { ch: 'U', at: 25 }));
        assert_eq!("0IARYZ6S41TSV4RRFFQ69G5FAV".parse::<Ulid>(), Err(IdError::Digit { ch: 'I', at: 1 }));
        assert_eq!("81ARYZ6S41TSV4RRFFQ69G5FAV".parse::<Ulid>(), Err(IdError::Overflow));
        // 26 characters, but not 26 bytes: counted as characters.
        assert_eq!("01ARYZ6S41TSV4RRFFQ69G5FAé".parse::<Ulid>(), Err(IdError::Digit { ch: 'é', at: 25 }));
    }

    #[test]
    fn serde_names_the_id_in_errors() {
        let id = RecordId::new(1_469_918_176_385, [7; 10]);
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json.len(), ULID_LEN + 2);
        assert_eq!(serde_json::from_str::<RecordId>(&json).unwrap(), id);

        let err = serde_json::from_str::<MutationId>("\"01ARYZ\"").unwrap_err().to_string();
        assert!(err.contains("bad mutation id: an id is 26 characters"), "{err}");
        let err = serde_json::from_str::<DeviceId>("42").unwrap_err().to_string();
        assert!(err.contains("device id as a string"), "{err}");
        let err = serde_json::from_str::<RecordId>("null").unwrap_err().to_string();
        assert!(err.contains("record id as a string"), "{err}");
    }

    #[test]
    fn owners_are_checked() {
        let owner: Owner = serde_json::from_str("\"user:01J8Z3K4M5\"").unwrap();
        assert_eq!(owner.as_str(), "user:01J8Z3K4M5");
        assert_eq!(serde_json::to_string(&owner).unwrap(), "\"user:01J8Z3K4M5\"");
        for bad in ["\"\"", "\"a b\"", "\"<script>\"", "\"ñ\"", "7", "null"] {
            let err = serde_json::from_str::<Owner>(bad).unwrap_err().to_string();
            assert!(err.contains("owner"), "{bad}: {err}");
        }
        let long = format!("\"{}\"", "a".repeat(Owner::MAX_LEN + 1));
        let err = serde_json::from_str::<Owner>(&long).unwrap_err().to_string();
        assert!(err.contains("at most 64"), "{err}");
        assert!("a".repeat(Owner::MAX_LEN).parse::<Owner>().is_ok());
    }
}
