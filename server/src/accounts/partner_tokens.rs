//! Partners' tokens for the export feed (`export`): made by an admin and shown once,
//! kept only as a digest, revocable at once, each use logged
//! (`export_token`, `export_use`, migration 0021).

use chrono::{DateTime, Utc};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;
use surrealdb::types::SurrealValue;

use super::secrets;

/// What partners' tokens start with, so a leaked one is recognised as Sawda's.
const PREFIX: &str = "sawda_export_";
const NAME_CHARS: std::ops::RangeInclusive<usize> = 1..=80;

/// A token just made: the only time its text is seen.
#[derive(Debug)]
pub struct Created {
    pub id: String,
    pub name: String,
    pub token: String,
    pub created_at: DateTime<Utc>,
}

/// A token as the admin's list shows it (never its text).
#[derive(Debug, SurrealValue)]
pub struct Listed {
    pub id: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub uses: i64,
}

/// The name she gives it, trimmed: 1–80 characters, no control characters.
pub fn checked_name(name: &str) -> Option<String> {
    let name = name.trim();
    (NAME_CHARS.contains(&name.chars().count()) && !name.chars().any(char::is_control)).then(|| name.to_owned())
}

pub async fn create(db: &Surreal<Any>, name: &str, by: &str) -> Result<Created, surrealdb::Error> {
    let token = format!("{PREFIX}{}", secrets::session_token());
    let id = uuid::Uuid::now_v7().simple().to_string();
    let created_at: Option<DateTime<Utc>> = db
        .query(
            "(CREATE type::record('export_token', $id) CONTENT { name: $name, token_hash: $hash, created_by: $by }
                 RETURN VALUE created_at)[0]",
        )
        .bind(("id", id.clone()))
        .bind(("name", name.to_owned()))
        .bind(("hash", secrets::digest(&token)))
        .bind(("by", by.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(Created { id, name: name.to_owned(), token, created_at: created_at.unwrap_or_else(Utc::now) })
}

pub async fn list(db: &Surreal<Any>) -> Result<Vec<Listed>, surrealdb::Error> {
    db.query(
        "SELECT record::id(id) AS id, name, created_at, created_by, revoked_at, last_used_at, uses
         FROM export_token ORDER BY created_at DESC",
    )
    .await?
    .check()?
    .take(0)
}

/// Revokes the token `id`; false when there is none. Revoking twice keeps the first time.
pub async fn revoke(db: &Surreal<Any>, id: &str) -> Result<bool, surrealdb::Error> {
    let found: Option<String> = db
        .query(
            "(UPDATE type::record('export_token', $id) SET revoked_at = revoked_at ?? time::now()
                 RETURN VALUE record::id(id))[0]",
        )
        .bind(("id", id.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(found.is_some())
}

/// The id of the live token `token`, if it is one.
pub async fn find(db: &Surreal<Any>, token: &str) -> Result<Option<String>, surrealdb::Error> {
    if !token.starts_with(PREFIX) || token.len() > 128 {
        return Ok(None);
    }
    db.query("(SELECT VALUE record::id(id) FROM export_token WHERE token_hash = $hash AND revoked_at = NONE)[0]")
        .bind(("hash", secrets::digest(token)))
        .await?
        .check()?
        .take(0)
}

/// One use of a token, as the answer went.
pub struct Use<'a> {
    pub token: &'a str,
    pub path: &'a str,
    pub since: Option<&'a str>,
    pub items: usize,
    pub status: u16,
}

pub async fn log_use(db: &Surreal<Any>, used: Use<'_>) -> Result<(), surrealdb::Error> {
    db.query(
        "CREATE export_use CONTENT { token: $id, path: $path, since: $since, items: $items, status: $status }
             RETURN NONE;
         UPDATE type::record('export_token', $id) SET last_used_at = time::now(), uses += 1 RETURN NONE;",
    )
    // (`$token` is SurrealDB's own.)
    .bind(("id", used.token.to_owned()))
    .bind(("path", used.path.to_owned()))
    .bind(("since", used.since.map(|s| s.chars().take(200).collect::<String>())))
    .bind(("items", used.items as i64))
    .bind(("status", i64::from(used.status)))
    .await?
    .check()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::checked_name;

    #[test]
    fn a_token_is_named_in_a_line_of_text() {
        assert_eq!(checked_name("  JETRO OVOP market "), Some("JETRO OVOP market".into()));
        assert_eq!(checked_name(&"ы".repeat(80)), Some("ы".repeat(80)));
        for wrong in ["", "   ", "a\nb", &"x".repeat(81)] {
            assert_eq!(checked_name(wrong), None, "{wrong:?}");
        }
    }
}
