//! The entrepreneur's studio: her storefront, edited on the phone whether or
//! not there is a signal, with the state of her changes always in view;
//! buyers' order requests, and the views of her public pages.

pub(crate) mod inputs;
mod orders;
mod page;
mod photo_picker;
mod preview;
mod product_editor;
mod product_list;
mod public_edit_warning;
mod review_panel;
mod state;
mod storefront_editor;
mod sync_bar;
mod views;

pub use inputs::RefusedTyping;
pub use page::{StudioPage, open_store};
pub use state::{Phase, ProductLine, Section, Studio, Target};
pub use sync_bar::SyncStatusBar;

crate::lazy_page!(StudioRoute, StudioPage);
