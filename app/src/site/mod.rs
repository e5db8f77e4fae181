//! The site around the journeys: the home page, the page shown offline, and
//! the page for an address that does not exist.

mod home;
mod not_found;
mod offline;

pub use home::HomePage;
pub use not_found::NotFoundPage;
pub use offline::OfflinePage;
