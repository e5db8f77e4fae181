//! The programme's desk for people: admins manage coordinators, coordinators
//! invite workshop participants and look after the entrepreneurs of their
//! districts.

mod invitations;
mod lists;

pub use invitations::InvitationsPage;
pub use lists::{CoordinatorsPage, EntrepreneursPage};

crate::routes::lazy_page!(InvitationsRoute, InvitationsPage);
crate::routes::lazy_page!(EntrepreneursRoute, EntrepreneursPage);
crate::routes::lazy_page!(CoordinatorsRoute, CoordinatorsPage);
