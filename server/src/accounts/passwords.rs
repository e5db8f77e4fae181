//! argon2id password hashes, computed off the async threads (they are slow on purpose).

use std::sync::atomic::{AtomicUsize, Ordering};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

/// Each hash takes about 19 MiB for a moment: a burst of sign-ins waits its turn
/// instead of exhausting memory.
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Requests from sign-in, sign-up and reset waiting for a turn. Past
/// [`MAX_WAITING`] they are answered "busy" at once: a flood of strangers'
/// attempts then cannot make every sign-in wait past its timeout.
static WAITING: AtomicUsize = AtomicUsize::new(0);
pub const MAX_WAITING: usize = 32;
/// Sign-ins from devices that signed in to that account before wait in a
/// line of their own, so a flood that fills the strangers' line never
/// answers her own phone "busy". Nobody without her password gets into it.
static WAITING_KNOWN: AtomicUsize = AtomicUsize::new(0);
const MAX_WAITING_KNOWN: usize = 32;

/// The queue for hashing is full: try again in a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy;

/// Which line a request waits in (`None`: as long as it takes).
type Line = Option<(&'static AtomicUsize, usize)>;
const STRANGERS: Line = Some((&WAITING, MAX_WAITING));

async fn turn(line: Line) -> Result<tokio::sync::SemaphorePermit<'static>, Busy> {
    if let Ok(permit) = HASHING.try_acquire() {
        return Ok(permit);
    }
    if let Some((waiting, max)) = line
        && waiting.fetch_add(1, Ordering::SeqCst) >= max
    {
        waiting.fetch_sub(1, Ordering::SeqCst);
        return Err(Busy);
    }
    let permit = HASHING.acquire().await.expect("the semaphore is never closed");
    if let Some((waiting, _)) = line {
        waiting.fetch_sub(1, Ordering::SeqCst);
    }
    Ok(permit)
}

fn hash_now(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).expect("argon2 hashes any input").to_string()
}

fn verify_now(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A hash, waiting as long as it takes (accounts made by an admin or a coordinator).
pub async fn hash(password: String) -> String {
    let _turn = turn(None).await.expect("an unbounded turn always comes");
    tokio::task::spawn_blocking(move || hash_now(&password)).await.expect("the hashing task does not panic")
}

/// A hash for a request anyone may send: `Busy` when too many wait already.
pub async fn try_hash(password: String) -> Result<String, Busy> {
    let _turn = turn(STRANGERS).await?;
    Ok(tokio::task::spawn_blocking(move || hash_now(&password)).await.expect("the hashing task does not panic"))
}

/// Whether `password` is the one `stored` was made from; `Busy` when too many wait already.
pub async fn try_verify(password: String, stored: String) -> Result<bool, Busy> {
    verify_in(STRANGERS, password, stored).await
}

/// As [`try_verify`], for a device known to that account: in its own line.
pub async fn try_verify_known(password: String, stored: String) -> Result<bool, Busy> {
    verify_in(Some((&WAITING_KNOWN, MAX_WAITING_KNOWN)), password, stored).await
}

async fn verify_in(line: Line, password: String, stored: String) -> Result<bool, Busy> {
    let _turn = turn(line).await?;
    Ok(tokio::task::spawn_blocking(move || verify_now(&password, &stored)).await.unwrap_or(false))
}

/// Spent on an unknown phone number, so that it answers as slowly as a wrong password.
pub async fn try_verify_nothing(password: String) -> Result<(), Busy> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_now("not a real password"));
    try_verify(password, dummy.clone()).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    /// The queue is shared: these tests take turns.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let _turn = ONE_AT_A_TIME.lock().await;
        let stored = super::hash("qawın-jam-2026".into()).await;
        assert!(stored.starts_with("$argon2id$"));
        assert_eq!(super::try_verify("qawın-jam-2026".into(), stored.clone()).await, Ok(true));
        assert_eq!(super::try_verify("qawin-jam-2026".into(), stored).await, Ok(false));
        assert_eq!(super::try_verify("x".into(), "not a hash".into()).await, Ok(false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_answers_busy_at_once_instead_of_waiting() {
        let _turn = ONE_AT_A_TIME.lock().await;
        let attempts: Vec<_> =
            (0..super::MAX_WAITING + 40).map(|i| tokio::spawn(super::try_hash(format!("password-{i}")))).collect();
        let mut busy = 0;
        for attempt in attempts {
            if attempt.await.unwrap() == Err(super::Busy) {
                busy += 1;
            }
        }
        assert!(busy > 0, "some were answered busy");
        // Those let in were all hashed; the rest were not made to wait.
        assert!(busy <= 40 + 4, "{busy}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn her_known_device_is_not_told_busy_when_strangers_fill_their_line() {
        let _turn = ONE_AT_A_TIME.lock().await;
        let stored = super::hash("qawın-jam-2026".into()).await;
        let strangers: Vec<_> = (0..super::MAX_WAITING + 40)
            .map(|i| tokio::spawn(super::try_verify(format!("guess-{i}"), stored.clone())))
            .collect();
        // Once the strangers' line is full ...
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while super::WAITING.load(std::sync::atomic::Ordering::SeqCst) < super::MAX_WAITING {
            assert!(std::time::Instant::now() < deadline, "the strangers' line never filled");
            tokio::task::yield_now().await;
        }
        assert_eq!(super::try_verify("qawın-jam-2026".into(), stored.clone()).await, Err(super::Busy));
        // ... her phone still waits its turn and gets in.
        assert_eq!(super::try_verify_known("qawın-jam-2026".into(), stored).await, Ok(true));
        for stranger in strangers {
            let _ = stranger.await.unwrap();
        }
    }
}
