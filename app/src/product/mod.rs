//! A product on a storefront, as a synced record.

pub mod rules;
