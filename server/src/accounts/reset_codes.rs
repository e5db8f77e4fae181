//! Password reset without SMS: a coordinator hands a one-time code to an entrepreneur.

use chrono::{Duration, Utc};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::secrets;

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

/// How many times a reset retries when another request touched the same rows at once.
const CONFLICT_RETRIES: usize = 3;

/// Sets the new password when the code belongs to that phone's account and is live;
/// `false` (and nothing changed) otherwise. All in one transaction: the code is
/// spent, the password set and every session of the account ended, or none of it.
/// Whether `code` is a reset code of `phone` that can still be used:
/// checked before the new password is hashed.
pub async fn valid(db: &Surreal<Any>, phone: &str, code: &str) -> Result<bool, surrealdb::Error> {
    let found: Vec<surrealdb::types::RecordId> = db
        .query(
            "LET $account = (SELECT VALUE id FROM account WHERE phone = $phone)[0];
             SELECT VALUE id FROM reset_code WHERE code_hash = $hash AND account = $account
                 AND used_at = NONE AND expires_at > time::now() LIMIT 1;",
        )
        .bind(("phone", phone.to_string()))
        .bind(("hash", secrets::digest(code)))
        .await?
        .check()?
        .take(1)?;
    Ok(!found.is_empty())
}

pub async fn redeem(
    db: &Surreal<Any>,
    phone: &str,
    code: &str,
    password_hash: String,
) -> Result<bool, surrealdb::Error> {
    let query = "BEGIN TRANSACTION;
        LET $account = (SELECT VALUE id FROM account WHERE phone = $phone)[0];
        LET $code = (SELECT VALUE id FROM reset_code WHERE code_hash = $hash AND account = $account
            AND used_at = NONE AND expires_at > time::now())[0];
        IF $account = NONE OR $code = NONE { THROW 'reset_code_invalid' };
        UPDATE $code SET used_at = time::now();
        UPDATE $account SET password_hash = $password;
        DELETE session WHERE account = $account;
        COMMIT TRANSACTION;";
    let mut attempt = 0;
    loop {
        let mut response = db
            .query(query)
            .bind(("phone", phone.to_string()))
            .bind(("hash", secrets::digest(code)))
            .bind(("password", password_hash.clone()))
            .await?;
        match crate::infra::database::transaction_failure(&mut response) {
            None => return Ok(true),
            Some(failure) if failure.cause.to_string().contains("reset_code_invalid") => return Ok(false),
            Some(failure) if failure.retryable && attempt < CONFLICT_RETRIES => attempt += 1,
            Some(failure) => return Err(failure.cause),
        }
    }
}
