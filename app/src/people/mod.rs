//! The programme's desk for people: admins manage coordinators, coordinators
//! invite workshop participants and look after the entrepreneurs of their
//! districts.

mod invitations;
mod lists;

pub use invitations::InvitationsPage;
pub use lists::{CoordinatorsPage, EntrepreneursPage};

crate::lazy_page!(InvitationsRoute, InvitationsPage);
crate::lazy_page!(EntrepreneursRoute, EntrepreneursPage);
crate::lazy_page!(CoordinatorsRoute, CoordinatorsPage);
