//! Accounts, sessions, invitations and reset codes, stored in SurrealDB.

pub mod admin_command;
pub mod invitations;
pub mod known_devices;
pub mod partner_tokens;
pub mod passwords;
pub mod people;
pub mod rate_limit;
pub mod reset_codes;
pub mod secrets;
pub mod sessions;

use app::rules::people::{District, Role};
use app::wire::AccountView;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
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
        Role::from_id(&self.role)
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

    /// Whether an item of `district` is one she may review (and an ad's page
    /// she may take down): an admin all, a coordinator those of her districts.
    pub fn may_review(&self, district: Option<&str>) -> bool {
        match self.role() {
            Some(Role::Admin) => true,
            Some(Role::Coordinator) => district.is_some_and(|d| self.districts.iter().any(|mine| mine == d)),
            _ => false,
        }
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

/// What the daily job removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub sessions: i64,
    pub known_devices: i64,
    pub reset_codes: i64,
    pub invitations: i64,
}

/// Removes expired sessions and known devices, reset codes that expired or were used, and
/// invitations that expired unused (a used one stays: it says how its
/// account came to be), a chunk per transaction (`database::delete_in_chunks`).
pub async fn purge_expired(db: &Surreal<Any>) -> Result<Purged, surrealdb::Error> {
    use crate::infra::database::delete_in_chunks;
    let expired = "expires_at < time::now()";
    Ok(Purged {
        sessions: delete_in_chunks(db, "session", expired, "", &[]).await? as i64,
        known_devices: delete_in_chunks(db, "known_device", expired, "expires_at", &[]).await? as i64,
        reset_codes: delete_in_chunks(db, "reset_code", "expires_at < time::now() OR used_at != NONE", "", &[]).await?
            as i64,
        invitations: delete_in_chunks(db, "invitation", "expires_at < time::now() AND used_by = NONE", "", &[]).await?
            as i64,
    })
}
