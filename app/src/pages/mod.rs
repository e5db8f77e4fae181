mod home;
mod market;
mod not_found;
mod review;
mod studio;

pub use home::HomePage;
pub use market::MarketPage;
pub use not_found::NotFoundPage;
pub use review::ReviewPage;
pub use studio::StudioPage;
