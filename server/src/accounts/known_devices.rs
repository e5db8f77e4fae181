//! Devices that signed in to an account before. A device cookie (random,
//! kept as a hash) lets her own phone's password attempts count apart from
//! everyone else's on her phone number (`RateLimits::for_phone`), so
//! strangers guessing from many addresses never lock her phone out.

use chrono::{Duration, Utc};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::{secrets, sessions};

pub const COOKIE: &str = "sawda_device";
/// Over https, as for the session: this host only, `Secure`.
pub const SECURE_COOKIE: &str = "__Host-sawda_device";
pub const LIFETIME_DAYS: i64 = 365;

fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_COOKIE } else { COOKIE }
}

/// Remembers this device for `account_id`; the token for its cookie.
pub async fn remember(db: &Surreal<Any>, account_id: &str) -> Result<String, surrealdb::Error> {
    let token = secrets::session_token();
    db.query(
        "CREATE known_device CONTENT { token_hash: $hash, account: type::record('account', $account), \
         expires_at: $expires }",
    )
    .bind(("hash", secrets::digest(&token)))
    .bind(("account", account_id.to_owned()))
    .bind(("expires", Utc::now() + Duration::days(LIFETIME_DAYS)))
    .await?
    .check()?;
    Ok(token)
}

/// Whether `token` is a device that signed in to the account of `phone`;
/// `Some(its key)` for the rate limits when it is.
pub async fn known(db: &Surreal<Any>, token: &str, phone: &str) -> Result<Option<String>, surrealdb::Error> {
    let hash = secrets::digest(token);
    let count: Option<i64> = db
        .query(
            "(SELECT count() FROM known_device WHERE token_hash = $hash AND expires_at > time::now() \
             AND account.phone = $phone GROUP ALL)[0].count OR 0",
        )
        .bind(("hash", hash.clone()))
        .bind(("phone", phone.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok((count.unwrap_or(0) > 0).then_some(hash))
}

/// The device token in the request's `Cookie:` lines.
pub fn token_from_cookies<'h>(lines: impl IntoIterator<Item = &'h str>, secure: bool) -> Option<&'h str> {
    lines.into_iter().find_map(|line| sessions::cookie_value(line, cookie_name(secure)))
}

/// The `Set-Cookie` value that keeps this device known for a year.
pub fn cookie(token: &str, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    let max_age = LIFETIME_DAYS * 24 * 60 * 60;
    format!("{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
}
