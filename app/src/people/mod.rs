//! The programme's desk for people: admins manage coordinators and partner
//! systems' access to the export feed, coordinators
//! invite workshop participants and look after the entrepreneurs of their
//! districts.

mod invitations;
mod lists;
mod partner_access;

pub use invitations::InvitationsPage;
pub use lists::{CoordinatorsPage, EntrepreneursPage};
pub use partner_access::PartnerAccessPage;

crate::lazy_page!(InvitationsRoute, InvitationsPage);
crate::lazy_page!(EntrepreneursRoute, EntrepreneursPage);
crate::lazy_page!(CoordinatorsRoute, CoordinatorsPage);
crate::lazy_page!(PartnerAccessRoute, PartnerAccessPage);
