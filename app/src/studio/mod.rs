//! The entrepreneur's studio: her storefront, edited on the phone whether or
//! not there is a signal, with the state of her changes always in view.

mod inputs;
mod page;
mod photo_picker;
mod preview;
mod product_editor;
mod product_list;
mod review_panel;
mod state;
mod storefront_editor;
mod sync_bar;

pub use page::StudioPage;
pub use state::{Phase, ProductLine, Section, Studio, Target};

crate::routes::lazy_page!(StudioRoute, StudioPage);
