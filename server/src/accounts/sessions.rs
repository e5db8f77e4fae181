//! Sessions: a random token in an HttpOnly cookie, its hash in SurrealDB.
//! Valid 90 days and renewed on use, because an entrepreneur may be offline for weeks.

use chrono::{DateTime, Duration, Utc};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

use super::{Account, secrets};

pub const COOKIE: &str = "sawda_session";
/// The name over https: the `__Host-` prefix makes the browser refuse it
/// unless it is `Secure`, for this host only and for every path, so a
/// sibling subdomain cannot toss in a cookie of its own to pin her requests
/// to another session.
pub const SECURE_COOKIE: &str = "__Host-sawda_session";

fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_COOKIE } else { COOKIE }
}
pub const LIFETIME_DAYS: i64 = 90;
/// Renewing at most daily spares a database write on every request.
const RENEW_AFTER_HOURS: i64 = 24;

pub struct Session {
    pub id: String,
    pub account: Account,
    /// Set when this request renewed the session: the cookie is sent again.
    pub renewed: bool,
}

#[derive(SurrealValue)]
struct SessionRow {
    id: String,
    account: String,
    renewed_at: DateTime<Utc>,
}

/// Starts a session; returns the token for the cookie.
pub async fn start(db: &Surreal<Any>, account_id: &str) -> Result<String, surrealdb::Error> {
    let token = secrets::session_token();
    db.query(
        "CREATE session CONTENT { token_hash: $hash, account: type::record('account', $account), \
         expires_at: $expires, renewed_at: time::now() }",
    )
    .bind(("hash", secrets::digest(&token)))
    .bind(("account", account_id.to_string()))
    .bind(("expires", Utc::now() + Duration::days(LIFETIME_DAYS)))
    .await?
    .check()?;
    Ok(token)
}

/// The live session for a token, renewed when it is a day or more since the last renewal.
pub async fn find(db: &Surreal<Any>, token: &str) -> Result<Option<Session>, surrealdb::Error> {
    let row: Option<SessionRow> = db
        .query(
            "SELECT record::id(id) AS id, record::id(account) AS account, renewed_at \
             FROM session WHERE token_hash = $hash AND expires_at > time::now()",
        )
        .bind(("hash", secrets::digest(token)))
        .await?
        .check()?
        .take(0)?;
    let Some(row) = row else { return Ok(None) };
    let Some(account) = super::people::find_by_id(db, &row.account).await? else {
        return Ok(None);
    };
    let renewed = Utc::now() - row.renewed_at > Duration::hours(RENEW_AFTER_HOURS);
    // Renewal is best effort: two requests of one page may both try it at once, and
    // the one that loses the write conflict must still be served.
    let renewed = renewed
        && db
            .query("UPDATE type::record('session', $id) SET expires_at = $expires, renewed_at = time::now()")
            .bind(("id", row.id.clone()))
            .bind(("expires", Utc::now() + Duration::days(LIFETIME_DAYS)))
            .await
            .and_then(|response| response.check())
            .inspect_err(|error| tracing::warn!(%error, "session renewal skipped"))
            .is_ok();
    Ok(Some(Session { id: row.id, account, renewed }))
}

pub async fn end(db: &Surreal<Any>, session_id: &str) -> Result<(), surrealdb::Error> {
    db.query("DELETE type::record('session', $id)").bind(("id", session_id.to_string())).await?.check()?;
    Ok(())
}

/// Ends every session of an account (a lost phone, a password reset, a removed coordinator).
/// Her devices are forgotten too: a lost phone keeps no easier way to guess.
pub async fn end_all(db: &Surreal<Any>, account_id: &str) -> Result<(), surrealdb::Error> {
    db.query(
        "DELETE session WHERE account = type::record('account', $account);
         DELETE known_device WHERE account = type::record('account', $account);",
    )
    .bind(("account", account_id.to_string()))
    .await?
    .check()?;
    Ok(())
}

/// The `Set-Cookie` value that carries a session (or clears it with `None`).
fn cookie(token: Option<&str>, secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    match token {
        Some(token) => {
            let max_age = LIFETIME_DAYS * 24 * 60 * 60;
            format!("{name}={token}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}")
        }
        None => format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
    }
}

/// Who the session is for, readable by the page's scripts (the account id
/// only, which the phone keeps anyway): a form posted without the script
/// signs someone in without the phone's code seeing it, and this is how the
/// phone learns not to show the person it remembers instead. Set and cleared
/// with the session cookie, for as long.
fn who_cookie(account_id: Option<&str>, secure: bool) -> String {
    let name = app::wire::SIGNED_IN_COOKIE;
    let secure = if secure { "; Secure" } else { "" };
    // Account ids are cookie-safe (letters, digits, `_:.-`); another would read as nobody.
    match account_id.filter(|id| id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_:.-".contains(&b))) {
        Some(id) => {
            let max_age = LIFETIME_DAYS * 24 * 60 * 60;
            format!("{name}={id}; Path=/; Max-Age={max_age}; SameSite=Lax{secure}")
        }
        None => format!("{name}=; Path=/; Max-Age=0; SameSite=Lax{secure}"),
    }
}

/// The two cookies of a session (`Some((token, account id))`), or the two
/// that clear them (`None`): always set and cleared together.
pub fn cookies(session: Option<(&str, &str)>, secure: bool) -> [String; 2] {
    [cookie(session.map(|(token, _)| token), secure), who_cookie(session.map(|(_, id)| id), secure)]
}

/// The session a request's cookie names, and its token. Every `Cookie:` line
/// is read (HTTP/2 may send one per cookie); `secure`: the request came over https.
pub async fn of_request(
    db: &Surreal<Any>,
    headers: &axum::http::HeaderMap,
    secure: bool,
) -> Result<Option<(Session, String)>, surrealdb::Error> {
    let token = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|line| token_from_cookies(line, secure))
        .map(str::to_owned);
    let Some(token) = token else { return Ok(None) };
    Ok(find(db, &token).await?.map(|session| (session, token)))
}

/// The session token in a `Cookie:` header: over https only the `__Host-`
/// cookie counts (a plain one there may come from a sibling subdomain).
pub fn token_from_cookies(header: &str, secure: bool) -> Option<&str> {
    cookie_value(header, cookie_name(secure))
}

/// The value of cookie `wanted` in a `Cookie:` header, if it is not empty.
pub fn cookie_value<'h>(header: &'h str, wanted: &str) -> Option<&'h str> {
    header.split(';').find_map(|pair| {
        let (name, value) = pair.split_once('=')?;
        (name.trim() == wanted && !value.trim().is_empty()).then(|| value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_http_only_and_lax() {
        let set = cookie(Some("abc"), true);
        assert!(set.starts_with("__Host-sawda_session=abc; Path=/;"), "{set}");
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.ends_with("; Secure"));
        assert!(set.contains("Max-Age=7776000"));
        assert!(!cookie(Some("abc"), false).contains("Secure"));
        assert!(cookie(Some("abc"), false).starts_with("sawda_session=abc;"));
        assert!(cookie(None, false).contains("Max-Age=0"));
    }

    #[test]
    fn finds_the_token_among_other_cookies() {
        assert_eq!(token_from_cookies("sawda_lang=ru; sawda_session=t0k", false), Some("t0k"));
        assert_eq!(token_from_cookies("sawda_session=", false), None);
        assert_eq!(token_from_cookies("other=1", false), None);
    }

    #[test]
    fn over_https_only_the_host_only_cookie_counts() {
        // A sibling subdomain's tossed-in cookie comes first: it is not read.
        let header = "sawda_session=theirs; __Host-sawda_session=hers";
        assert_eq!(token_from_cookies(header, true), Some("hers"));
        assert_eq!(token_from_cookies("sawda_session=theirs", true), None);
    }
}
