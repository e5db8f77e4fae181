//! `sawda admin create --phone … --name …`: the first admin, from the command line.

use std::io::{BufRead, IsTerminal};

use app::rules::people::{MIN_PASSWORD_CHARS, Role, check_name, check_password, normalise_phone};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use super::passwords;
use super::people::{self, AccountError, NewAccount};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("`{0}` is not an Uzbek phone number (for example +998 90 123 45 67)")]
    Phone(String),
    #[error("the name must be 1 to 100 characters")]
    Name,
    #[error("the password needs at least {MIN_PASSWORD_CHARS} characters (at most 256 bytes)")]
    Password,
    #[error("the two passwords differ")]
    Mismatch,
    #[error("cannot read the password: {0}")]
    Read(#[from] std::io::Error),
    #[error("an account with phone {0} already exists")]
    PhoneTaken(String),
    #[error("database: {0}")]
    Database(#[from] surrealdb::Error),
}

/// Asks twice on a terminal; reads one line from standard input otherwise (scripts).
pub fn read_password() -> Result<String, AdminError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password for the new admin: ")?;
        let second = rpassword::prompt_password("The same password again: ")?;
        if first != second {
            return Err(AdminError::Mismatch);
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

pub async fn create_admin(db: &Surreal<Any>, phone: &str, name: &str, password: String) -> Result<String, AdminError> {
    let phone = normalise_phone(phone).ok_or_else(|| AdminError::Phone(phone.to_string()))?;
    let name = check_name(name).ok_or(AdminError::Name)?;
    if !check_password(&password) {
        return Err(AdminError::Password);
    }
    let new = NewAccount {
        phone: phone.clone(),
        name,
        role: Role::Admin,
        password_hash: passwords::hash(password).await,
        districts: Vec::new(),
    };
    match people::create(db, new).await {
        Ok(account) => Ok(account.phone),
        Err(AccountError::PhoneTaken) => Err(AdminError::PhoneTaken(phone)),
        Err(AccountError::Database(error)) => Err(AdminError::Database(error)),
        Err(AccountError::InvitationInvalid) => unreachable!("no invitation is involved"),
    }
}
