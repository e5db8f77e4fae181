mod form_field;
mod language_switcher;
mod site_footer;
mod site_header;

pub use language_switcher::LanguageSwitcher;
pub use site_footer::SiteFooter;
pub use site_header::SiteHeader;
pub use form_field::FormField;
