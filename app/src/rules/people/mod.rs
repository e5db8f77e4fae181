//! What the studio and the server agree on about people: roles, districts, and
//! the rules for phone numbers, passwords and invitation codes, and how she
//! describes herself (for the programme's figures). Checked on the
//! device as people type, and again on the server.

mod account;
mod district;
mod invitation_code;
mod phone;
mod self_description;

pub use account::{MAX_NAME_CHARS, MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, Role, check_name, check_password};
pub use district::District;
pub use invitation_code::{INVITATION_CODE_ALPHABET, normalise_invitation_code};
pub use phone::normalise_phone;
pub use self_description::{LedBy, SelfDescription};
