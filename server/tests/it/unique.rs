//! Every UNIQUE index Sawda relies on holds under simultaneous creates, on both
//! embedded engines: a phone number is one account, an invitation code one
//! invitation, a storefront address one storefront. (SurrealDB 3.0.x let two
//! concurrent creates through a unique index on SurrealKV; this shows 3.3.5
//! does not.) Each round races several creates of the same value from tasks on
//! two worker threads; exactly one may win, and exactly one row may exist.

use std::sync::Arc;

use app::rules::people::Role;
use sawda_server::accounts::people::{self, NewAccount};
use sawda_server::config::DatabaseTarget;
use sawda_server::infra::{database, migrations};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

const ROUNDS: usize = 12;
const CONTENDERS: usize = 8;
/// The invitation codes' alphabet (no 0, 1, I, L, O).
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

async fn engines() -> Vec<(&'static str, Surreal<Any>, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let mut out = Vec::new();
    for (name, target, keep) in [
        ("mem", DatabaseTarget::Memory, None),
        ("surrealkv", DatabaseTarget::Embedded(dir.path().join("db")), Some(dir)),
    ] {
        let db = database::connect(&target, "sawda", "unique").await.unwrap();
        migrations::migrate(&db, migrations::MIGRATIONS).await.unwrap();
        out.push((name, db, keep));
    }
    out
}

/// Runs `create(n)` for every contender at once; how many succeeded.
async fn race<F, Fut>(create: F) -> usize
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = bool> + Send + 'static,
{
    let tasks: Vec<_> = (0..CONTENDERS).map(|n| tokio::spawn(create(n))).collect();
    let mut wins = 0;
    for task in tasks {
        wins += usize::from(task.await.unwrap());
    }
    wins
}

async fn count(db: &Surreal<Any>, query: &str, value: String) -> i64 {
    let counts: Vec<i64> = db.query(query).bind(("value", value)).await.unwrap().take(0).unwrap();
    counts.into_iter().sum()
}

/// Whether a statement's answer says it was done.
fn done(answer: surrealdb::Result<surrealdb::IndexedResults>) -> bool {
    answer.is_ok_and(|response| response.check().is_ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_account_per_phone_number() {
    for (engine, db, _dir) in engines().await {
        let hash = Arc::new(crate::support::password_hash().await);
        for round in 0..ROUNDS {
            let phone = format!("+99890{round:07}");
            let wins = race(|n| {
                let (db, phone, hash) = (db.clone(), phone.clone(), hash.clone());
                async move {
                    let new = NewAccount {
                        phone,
                        name: format!("Racer {n}"),
                        role: Role::Coordinator,
                        password_hash: hash.to_string(),
                        districts: vec!["chimbay".into()],
                    };
                    people::create(&db, new).await.is_ok()
                }
            })
            .await;
            let rows = count(&db, "SELECT VALUE count() FROM account WHERE phone = $value GROUP ALL", phone).await;
            assert_eq!((wins, rows), (1, 1), "{engine}, round {round}: winners and accounts");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_invitation_per_code() {
    for (engine, db, _dir) in engines().await {
        for round in 0..ROUNDS {
            let code = format!(
                "AAAA-AA{}{}",
                ALPHABET[round / ALPHABET.len()] as char,
                ALPHABET[round % ALPHABET.len()] as char
            );
            let wins = race(|_| {
                let (db, code) = (db.clone(), code.clone());
                async move {
                    let statement = "CREATE invitation CONTENT { code: $code, workshop: workshop:race, district: 'chimbay', \
                                     expires_at: time::now() + 30d, created_by: account:race }";
                    done(db.query(statement).bind(("code", code)).await)
                }
            })
            .await;
            let rows = count(&db, "SELECT VALUE count() FROM invitation WHERE code = $value GROUP ALL", code).await;
            assert_eq!((wins, rows), (1, 1), "{engine}, round {round}: winners and invitations");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_storefront_per_address() {
    for (engine, db, _dir) in engines().await {
        for round in 0..ROUNDS {
            let slug = format!("aral-honey-{round}");
            let wins = race(|n| {
                let (db, slug) = (db.clone(), slug.clone());
                // Different owners and sequence numbers: only the address is shared.
                let seq = (round * CONTENDERS + n + 1) as i64;
                async move {
                    let statement = "CREATE sync_record CONTENT { owner: $owner, kind: 'storefront', seq: $seq, \
                                     body: '{}', slug: $slug }";
                    let answer = db
                        .query(statement)
                        .bind(("owner", format!("racer{n}")))
                        .bind(("seq", seq))
                        .bind(("slug", slug))
                        .await;
                    done(answer)
                }
            })
            .await;
            let rows = count(&db, "SELECT VALUE count() FROM sync_record WHERE slug = $value GROUP ALL", slug).await;
            assert_eq!((wins, rows), (1, 1), "{engine}, round {round}: winners and storefronts");
        }
    }
}
