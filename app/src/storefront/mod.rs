//! A person's storefront as a synced record: its id, its fields and their
//! rules, and its web address.

pub mod rules;
pub mod slug;

use sawda_sync::{Owner, RecordId};

pub use rules::{NAME, STORY};

/// The id of `owner`'s storefront, the same on every device: two phones that
/// start the storefront offline start one record, whose fields then merge.
/// (A second storefront, when there is one, gets an ordinary new id.)
pub fn storefront_id(owner: &Owner) -> RecordId {
    let text = owner.to_string();
    let mut bytes = [0u8; 10];
    let (a, b) = (fnv1a(0xcbf2_9ce4_8422_2325, &text), fnv1a(0x6c62_272e_07bb_0142, &text));
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes()[..2]);
    // Time 0 marks an id derived rather than made at a moment.
    RecordId::new(0, bytes)
}

/// FNV-1a, 64 bits: stable across platforms and releases, unlike std's hasher.
fn fnv1a(basis: u64, text: &str) -> u64 {
    text.bytes().fold(basis, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_person_has_one_stable_storefront_id() {
        let amina: Owner = "amina01".parse().unwrap();
        let bahadir: Owner = "bahadir02".parse().unwrap();
        assert_eq!(storefront_id(&amina), storefront_id(&amina));
        assert_ne!(storefront_id(&amina), storefront_id(&bahadir));
        // Fixed for good: stored records and other phones depend on it.
        assert_eq!(storefront_id(&amina).to_string(), storefront_id(&"amina01".parse().unwrap()).to_string());
        assert_eq!(storefront_id(&amina).ulid().unix_ms(), 0);
    }
}
