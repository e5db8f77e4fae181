//! The ad studio (`/studio/ads`): her ad posts, made from a product or the
//! whole storefront, edited on the phone with or without a signal, previewed
//! as each platform shows them, and their image cards drawn on the phone.
//! Its own lazily loaded page: the card's code and font come only with it.
//! The rules it shares with the server are `rules::ads` and
//! `rules::records::ad_post`.

mod card;
mod editor;
mod facts;
mod list;
mod page;
mod preview;
mod publish;

pub use page::AdStudioPage;

crate::lazy_page!(AdStudioRoute, AdStudioPage);
