//! Accounts, sessions, invitations and reset codes, stored in SurrealDB.

pub mod admin_command;
pub mod invitations;
pub mod passwords;
pub mod people;
pub mod rate_limit;
pub mod reset_codes;
pub mod secrets;
pub mod sessions;

use app::rules::people::{District, Role};
use app::wire::AccountView;
use surrealdb::types::SurrealValue;

/// A person's account as stored (the schema holds the role to the three names).
#[derive(Debug, Clone, PartialEq, Eq, SurrealValue)]
pub struct Account {
    pub id: String,
    pub phone: String,
    pub name: String,
    pub role: String,
    pub district: Option<String>,
    pub districts: Vec<String>,
}

impl Account {
    pub fn role(&self) -> Option<Role> {
        Role::parse(&self.role)
    }

    /// As the API shows it.
    pub fn view(&self) -> AccountView {
        AccountView {
            id: self.id.clone(),
            phone: self.phone.clone(),
            name: self.name.clone(),
            // The schema allows only the three roles; the least one is the safe reading.
            role: self.role().unwrap_or(Role::Entrepreneur),
            district: self.district.clone(),
            districts: self.districts.clone(),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }

    /// Coordinators act only in their districts; admins everywhere.
    pub fn manages_district(&self, district: &str) -> bool {
        match self.role() {
            Some(Role::Admin) => District::from_id(district).is_some(),
            Some(Role::Coordinator) => self.districts.iter().any(|d| d == district),
            _ => false,
        }
    }

    /// May this person manage (reset, sign out) that one?
    pub fn manages(&self, other: &Account) -> bool {
        if self.is_admin() {
            return true;
        }
        other.role() == Some(Role::Entrepreneur)
            && other.district.as_deref().is_some_and(|district| self.manages_district(district))
    }
}

/// The columns every account query selects, in `Account`'s shape.
pub const ACCOUNT_COLUMNS: &str = "record::id(id) AS id, phone, name, role, district, districts";
