//! Password reset without SMS: a coordinator hands a one-time code to an entrepreneur.

use chrono::{Duration, Utc};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

use super::{people, secrets};

pub const VALID_HOURS: i64 = 24;

/// A new code for the account; earlier unused codes of the account stop working.
pub async fn issue(db: &Surreal<Any>, account_id: &str, issued_by: &str) -> Result<String, surrealdb::Error> {
    let code = secrets::short_code();
    db.query(
        "BEGIN TRANSACTION;
         DELETE reset_code WHERE account = type::record('account', $account) AND used_at = NONE;
         CREATE reset_code CONTENT { code_hash: $hash, account: type::record('account', $account),
             created_by: type::record('account', $by), expires_at: $expires };
         COMMIT TRANSACTION;",
    )
    .bind(("hash", secrets::digest(&code)))
    .bind(("account", account_id.to_string()))
    .bind(("by", issued_by.to_string()))
    .bind(("expires", Utc::now() + Duration::hours(VALID_HOURS)))
    .await?
    .check()?;
    Ok(code)
}

#[derive(SurrealValue)]
struct Pending {
    id: String,
    account: String,
}

/// Sets the new password when the code belongs to that phone's account and is live;
/// `false` (and nothing changed) otherwise. Every session of the account ends.
pub async fn redeem(db: &Surreal<Any>, phone: &str, code: &str, password_hash: String) -> Result<bool, surrealdb::Error> {
    let Some(account) = people::find_by_phone(db, phone).await? else {
        return Ok(false);
    };
    let pending: Option<Pending> = db
        .query(
            "SELECT record::id(id) AS id, record::id(account) AS account FROM reset_code \
             WHERE code_hash = $hash AND account = type::record('account', $account) \
             AND used_at = NONE AND expires_at > time::now()",
        )
        .bind(("hash", secrets::digest(code)))
        .bind(("account", account.id.clone()))
        .await?
        .check()?
        .take(0)?;
    let Some(pending) = pending else { return Ok(false) };
    // Marking it used only if still unused makes a second, simultaneous use fail.
    let marked: Option<Pending> = db
        .query(
            "UPDATE type::record('reset_code', $id) SET used_at = time::now() WHERE used_at = NONE \
             RETURN record::id(id) AS id, record::id(account) AS account",
        )
        .bind(("id", pending.id))
        .await?
        .check()?
        .take(0)?;
    let Some(marked) = marked else { return Ok(false) };
    people::set_password(db, &marked.account, password_hash).await?;
    Ok(true)
}
