mod form_field;
mod language_switcher;
mod listing;
mod new_version_notice;
mod page_title;
mod site_footer;
mod site_header;
mod url;

pub use form_field::FormField;
pub use language_switcher::{LanguageLinks, LanguageSwitcher};
pub use listing::{FieldMap, Photo, PhotoView, ProductListing, Shown, StorefrontListing, contact_links, served_photo};
pub use new_version_notice::NewVersionNotice;
pub use page_title::{PageTitle, page_title};
pub use site_footer::SiteFooter;
pub use site_header::{PlainSiteHeader, SiteHeader, menu_for};
pub use url::{encode_component, encode_path};
