//! argon2id password hashes, computed off the async threads (they are slow on purpose).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

/// Each hash takes about 19 MiB for a moment: a burst of sign-ins waits its turn
/// instead of exhausting memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

pub async fn hash(password: String) -> String {
    let _turn = HASHING.acquire().await.expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any input").to_string()
    })
    .await
    .expect("the hashing task does not panic")
}

pub async fn verify(password: String, stored: String) -> bool {
    let _turn = HASHING.acquire().await.expect("the semaphore is never closed");
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
    })
    .await
    .unwrap_or(false)
}

/// Spent on an unknown phone number, so that it answers as slowly as a wrong password.
pub async fn verify_nothing(password: String) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(b"not a real password", &salt).expect("argon2").to_string()
    });
    verify(password, dummy.clone()).await;
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let stored = super::hash("qawın-jam-2026".into()).await;
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("qawın-jam-2026".into(), stored.clone()).await);
        assert!(!super::verify("qawin-jam-2026".into(), stored).await);
        assert!(!super::verify("x".into(), "not a hash".into()).await);
    }
}
