//! A person's own account: sign-in, sign-up with an invitation code, a
//! password reset with a code from a coordinator, and the account page.

mod form;
mod page;
mod reset_password;
mod sign_in;
mod sign_up;

pub use form::{Posted, safe_next};
pub use page::AccountPage;
pub use reset_password::{RESET_DONE, ResetPasswordPage};
pub use sign_in::SignInPage;
pub use sign_up::SignUpPage;

crate::lazy_page!(SignInRoute, SignInPage);
crate::lazy_page!(SignUpRoute, SignUpPage);
crate::lazy_page!(ResetPasswordRoute, ResetPasswordPage);
crate::lazy_page!(AccountRoute, AccountPage);
