//! Workshops and their single-use invitation codes.

use app::wire::{self, InvitationState};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::{RecordId, SurrealValue};

use super::secrets;

/// Invitation codes stay valid this long unless revoked.
pub const VALID_DAYS: i64 = 30;
pub const MAX_SEATS: i64 = 200;

pub struct NewWorkshop {
    pub name: String,
    pub district: String,
    pub date: String,
    pub seats: i64,
}

#[derive(Debug, Clone, SurrealValue)]
pub struct Workshop {
    pub id: String,
    pub name: String,
    pub district: String,
    pub date: String,
    pub seats: i64,
}

#[derive(Debug, Clone, SurrealValue)]
pub struct Invitation {
    pub code: String,
    pub workshop_id: String,
    pub workshop_name: String,
    pub workshop_date: String,
    pub district: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Invitation {
    pub fn state(&self) -> InvitationState {
        if self.revoked_at.is_some() {
            InvitationState::Revoked
        } else if self.used_at.is_some() {
            InvitationState::Used
        } else if self.expires_at <= Utc::now() {
            InvitationState::Expired
        } else {
            InvitationState::Open
        }
    }

    /// As the API lists it.
    pub fn view(&self) -> wire::Invitation {
        let time = |at: &DateTime<Utc>| at.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        wire::Invitation {
            code: self.code.clone(),
            workshop_id: self.workshop_id.clone(),
            workshop_name: self.workshop_name.clone(),
            workshop_date: self.workshop_date.clone(),
            district: self.district.clone(),
            expires_at: time(&self.expires_at),
            used_at: self.used_at.as_ref().map(time),
            revoked_at: self.revoked_at.as_ref().map(time),
            state: self.state(),
        }
    }
}

impl Workshop {
    pub fn view(&self) -> wire::Workshop {
        wire::Workshop {
            id: self.id.clone(),
            name: self.name.clone(),
            district: self.district.clone(),
            date: self.date.clone(),
            seats: self.seats,
        }
    }
}

#[derive(SurrealValue)]
struct NewInvitation {
    code: String,
    workshop: RecordId,
    district: String,
    expires_at: DateTime<Utc>,
    created_by: RecordId,
}

const INVITATION_COLUMNS: &str = "code, record::id(workshop) AS workshop_id, workshop.name AS workshop_name, \
     workshop.date AS workshop_date, district, expires_at, used_at, revoked_at";

/// Creates a workshop with one code per seat, all in one transaction.
pub async fn create_workshop(
    db: &Surreal<Any>,
    created_by: &str,
    new: NewWorkshop,
) -> Result<(Workshop, Vec<Invitation>), surrealdb::Error> {
    let workshop_key = secrets::session_token()[..20].to_string();
    let expires_at = Utc::now() + Duration::days(VALID_DAYS);
    let rows: Vec<NewInvitation> = (0..new.seats)
        .map(|_| NewInvitation {
            code: secrets::short_code(),
            workshop: RecordId::new("workshop", workshop_key.as_str()),
            district: new.district.clone(),
            expires_at,
            created_by: RecordId::new("account", created_by),
        })
        .collect();
    db.query(
        "BEGIN TRANSACTION;
         CREATE type::record('workshop', $key) CONTENT {
             name: $name, district: $district, date: $date, seats: $seats,
             created_by: type::record('account', $by) };
         INSERT INTO invitation $rows;
         -- The programme's figures count the codes made (`programme::tally`).
         -- The programme's day (UTC+5), as `programme::tally::day_of` reads it.
         UPSERT type::record('programme_day', [$district, time::format(time::now() + 5h, '%Y-%m-%d')])
             SET invited += $seats RETURN NONE;
         UPSERT type::record('programme_month', [$district, time::format(time::now() + 5h, '%Y-%m')])
             SET invited += $seats RETURN NONE;
         COMMIT TRANSACTION;",
    )
    .bind(("key", workshop_key.clone()))
    .bind(("name", new.name))
    .bind(("district", new.district))
    .bind(("date", new.date))
    .bind(("seats", new.seats))
    .bind(("by", created_by.to_string()))
    .bind(("rows", rows))
    .await?
    .check()?;
    let workshop = find_workshop(db, &workshop_key).await?.expect("just created");
    let invitations = of_workshop(db, &workshop_key).await?;
    Ok((workshop, invitations))
}

pub async fn find_workshop(db: &Surreal<Any>, id: &str) -> Result<Option<Workshop>, surrealdb::Error> {
    db.query("SELECT record::id(id) AS id, name, district, date, seats FROM type::record('workshop', $id)")
        .bind(("id", id.to_string()))
        .await?
        .check()?
        .take(0)
}

pub async fn of_workshop(db: &Surreal<Any>, workshop_id: &str) -> Result<Vec<Invitation>, surrealdb::Error> {
    db.query(format!(
        "SELECT {INVITATION_COLUMNS}, created_at FROM invitation \
         WHERE workshop = type::record('workshop', $id) ORDER BY code"
    ))
    .bind(("id", workshop_id.to_string()))
    .await?
    .check()?
    .take(0)
}

/// All invitations, or those of some districts, newest first.
pub async fn list(db: &Surreal<Any>, districts: Option<Vec<String>>) -> Result<Vec<Invitation>, surrealdb::Error> {
    let filter = if districts.is_some() { "WHERE district INSIDE $districts" } else { "" };
    db.query(format!("SELECT {INVITATION_COLUMNS}, created_at FROM invitation {filter} ORDER BY created_at DESC, code"))
        .bind(("districts", districts.unwrap_or_default()))
        .await?
        .check()?
        .take(0)
}

pub async fn find(db: &Surreal<Any>, code: &str) -> Result<Option<Invitation>, surrealdb::Error> {
    db.query(format!("SELECT {INVITATION_COLUMNS} FROM invitation WHERE code = $code"))
        .bind(("code", code.to_string()))
        .await?
        .check()?
        .take(0)
}

/// Revokes a code that has not been used; a used one stays as it is.
pub async fn revoke(db: &Surreal<Any>, code: &str) -> Result<(), surrealdb::Error> {
    db.query(
        "UPDATE invitation SET revoked_at = time::now() WHERE code = $code AND used_by = NONE AND revoked_at = NONE",
    )
    .bind(("code", code.to_string()))
    .await?
    .check()?;
    Ok(())
}
