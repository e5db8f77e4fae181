//! Accounts in the database: create, find, list, change, remove.

use app::rules::people::Role;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::{ACCOUNT_COLUMNS, Account, sessions};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this phone number exists")]
    PhoneTaken,
    #[error("the invitation code is not valid")]
    InvitationInvalid,
    #[error(transparent)]
    Database(#[from] surrealdb::Error),
}

pub struct NewAccount {
    pub phone: String,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub districts: Vec<String>,
}

/// How many times a sign-up retries when another one touched the same invitation at once.
const CONFLICT_RETRIES: usize = 3;

pub async fn find_by_id(db: &Surreal<Any>, id: &str) -> Result<Option<Account>, surrealdb::Error> {
    db.query(format!("SELECT {ACCOUNT_COLUMNS} FROM type::record('account', $id)"))
        .bind(("id", id.to_string()))
        .await?
        .check()?
        .take(0)
}

/// The account and its password hash, for signing in.
pub async fn find_for_sign_in(db: &Surreal<Any>, phone: &str) -> Result<Option<(Account, String)>, surrealdb::Error> {
    let mut response = db
        .query(format!(
            "SELECT {ACCOUNT_COLUMNS} FROM account WHERE phone = $phone; \
             SELECT VALUE password_hash FROM account WHERE phone = $phone;"
        ))
        .bind(("phone", phone.to_string()))
        .await?
        .check()?;
    let account: Option<Account> = response.take(0)?;
    let hash: Option<String> = response.take(1)?;
    Ok(account.zip(hash))
}

/// The invitation code an account signed up with, if any.
pub async fn invitation_code_of(db: &Surreal<Any>, phone: &str) -> Result<Option<String>, surrealdb::Error> {
    let codes: Vec<Option<String>> = db
        .query("SELECT VALUE invitation.code FROM account WHERE phone = $phone")
        .bind(("phone", phone.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(codes.into_iter().flatten().next())
}

/// Whether an invitation code can still be used: checked before any
/// password is hashed, so a made-up code costs the server nothing.
pub async fn invitation_open(db: &Surreal<Any>, code: &str) -> Result<bool, surrealdb::Error> {
    let found: Vec<surrealdb::types::RecordId> = db
        .query(
            "SELECT VALUE id FROM invitation
             WHERE code = $code AND used_by = NONE AND revoked_at = NONE AND expires_at > time::now() LIMIT 1",
        )
        .bind(("code", code.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(!found.is_empty())
}

pub async fn find_by_phone(db: &Surreal<Any>, phone: &str) -> Result<Option<Account>, surrealdb::Error> {
    db.query(format!("SELECT {ACCOUNT_COLUMNS} FROM account WHERE phone = $phone"))
        .bind(("phone", phone.to_string()))
        .await?
        .check()?
        .take(0)
}

pub async fn create(db: &Surreal<Any>, new: NewAccount) -> Result<Account, AccountError> {
    let created: Option<Account> = db
        .query(format!(
            "CREATE account CONTENT {{ phone: $phone, name: $name, role: $role, password_hash: $hash, districts: $districts }} \
             RETURN {ACCOUNT_COLUMNS}"
        ))
        .bind(("phone", new.phone))
        .bind(("name", new.name))
        .bind(("role", new.role.id()))
        .bind(("hash", new.password_hash))
        .bind(("districts", new.districts))
        .await?
        .check()
        .map_err(classify)?
        .take(0)?;
    created.ok_or_else(|| AccountError::Database(surrealdb::Error::internal("CREATE returned nothing".into())))
}

/// Redeems an invitation and creates the entrepreneur's account, in one transaction:
/// of two sign-ups with the same code at the same moment, exactly one succeeds.
pub async fn sign_up(
    db: &Surreal<Any>,
    code: &str,
    phone: &str,
    name: &str,
    password_hash: &str,
    gender: Option<String>,
) -> Result<Account, AccountError> {
    let query = "BEGIN TRANSACTION;
        LET $invitation = (SELECT id, district, workshop FROM invitation
            WHERE code = $code AND used_by = NONE AND revoked_at = NONE AND expires_at > time::now())[0];
        IF $invitation = NONE { THROW 'invitation_invalid' };
        LET $account = CREATE ONLY account CONTENT {
            phone: $phone, name: $name, role: 'entrepreneur', password_hash: $hash,
            district: $invitation.district, gender: $gender, invitation: $invitation.id };
        UPDATE $invitation.id SET used_by = $account.id, used_at = time::now();
        -- The programme's figures (`programme::tally`): the district's day and the workshop.
        -- The programme's day (UTC+5), as `programme::tally::day_of` reads it.
        UPSERT type::record('programme_day', [$invitation.district, time::format(time::now() + 5h, '%Y-%m-%d')])
            SET signed_up += 1 RETURN NONE;
        UPSERT type::record('programme_month', [$invitation.district, time::format(time::now() + 5h, '%Y-%m')])
            SET signed_up += 1 RETURN NONE;
        UPDATE $invitation.workshop SET signed_up += 1 RETURN NONE;
        COMMIT TRANSACTION;";
    let mut attempt = 0;
    loop {
        let mut response = db
            .query(query)
            .bind(("code", code.to_string()))
            .bind(("phone", phone.to_string()))
            .bind(("name", name.to_string()))
            .bind(("hash", password_hash.to_string()))
            .bind(("gender", gender.clone()))
            .await?;
        match crate::infra::database::transaction_failure(&mut response) {
            None => break,
            Some(failure) if failure.retryable && attempt < CONFLICT_RETRIES => attempt += 1,
            Some(failure) => return Err(classify(failure.cause)),
        }
    }
    find_by_phone(db, phone)
        .await?
        .ok_or_else(|| AccountError::Database(surrealdb::Error::internal("the new account is missing".into())))
}

/// Everyone of a role, optionally only in some districts (an entrepreneur's own, a coordinator's any).
pub async fn list(
    db: &Surreal<Any>,
    role: Role,
    districts: Option<Vec<String>>,
) -> Result<Vec<Account>, surrealdb::Error> {
    let filter = match districts {
        None => "",
        Some(_) if role == Role::Coordinator => " AND districts ANYINSIDE $districts",
        Some(_) => " AND district INSIDE $districts",
    };
    db.query(format!(
        "SELECT {ACCOUNT_COLUMNS}, created_at FROM account WHERE role = $role{filter} ORDER BY created_at DESC"
    ))
    .bind(("role", role.id()))
    .bind(("districts", districts.unwrap_or_default()))
    .await?
    .check()?
    .take(0)
}

pub async fn set_districts(db: &Surreal<Any>, id: &str, districts: Vec<String>) -> Result<(), surrealdb::Error> {
    db.query("UPDATE type::record('account', $id) SET districts = $districts")
        .bind(("id", id.to_string()))
        .bind(("districts", districts))
        .await?
        .check()?;
    Ok(())
}

/// Removes an account and ends its sessions.
pub async fn remove(db: &Surreal<Any>, id: &str) -> Result<(), surrealdb::Error> {
    sessions::end_all(db, id).await?;
    db.query("DELETE type::record('account', $id)").bind(("id", id.to_string())).await?.check()?;
    Ok(())
}

fn classify(error: surrealdb::Error) -> AccountError {
    let message = error.to_string();
    if message.contains("account_phone") {
        AccountError::PhoneTaken
    } else if message.contains("invitation_invalid") {
        AccountError::InvitationInvalid
    } else {
        AccountError::Database(error)
    }
}
