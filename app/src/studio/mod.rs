//! The entrepreneur's studio: her storefront, edited on the phone whether or
//! not there is a signal, with the state of her changes always in view.

mod inputs;
mod page;
mod photo_picker;
mod product_editor;
mod product_list;
mod storefront_editor;
mod storefront_preview;
mod studio_state;
mod sync_status_bar;

pub use page::StudioPage;
pub use studio_state::{Phase, PhotoState, ProductLine, Refusal, Studio, Target};
