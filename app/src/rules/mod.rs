//! What the phone and the server agree on: the fields of each kind of record
//! and their rules, the rules about people, prices and photo names. Plain Rust:
//! no Leptos, no browser types, so the server checks every push by the very
//! code the studio checks as she types.

pub mod ads;
pub mod choices;
pub mod goods_words;
pub mod latin;
pub mod money;
pub mod people;
pub mod photos;
pub mod problem;
pub mod records;
pub mod review;
pub mod search;
