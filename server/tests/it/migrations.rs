//! Migrations against a real SurrealDB: in memory and on disk.

use crate::support;
use std::time::Duration;

use sawda_server::config::DatabaseTarget;
use sawda_server::infra::database;
use sawda_server::infra::migrations::{MIGRATIONS, Migration, MigrationError, migrate, schema_version};
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

async fn ledger_rows(db: &Surreal<Any>) -> Vec<i64> {
    db.query("SELECT VALUE version FROM schema_migration ORDER BY version")
        .await
        .unwrap()
        .check()
        .unwrap()
        .take(0)
        .unwrap()
}

fn with_extra(extra: Migration) -> Vec<Migration> {
    let mut all: Vec<Migration> =
        MIGRATIONS.iter().map(|m| Migration { version: m.version, name: m.name, script: m.script }).collect();
    all.push(extra);
    all
}

#[tokio::test]
async fn an_empty_database_gets_every_migration_once() {
    let db = support::memory_db().await;
    assert_eq!(schema_version(&db).await.unwrap(), 0);

    let applied = migrate(&db, MIGRATIONS).await.unwrap();
    let all: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    assert_eq!(applied, all);
    assert_eq!(ledger_rows(&db).await, all);

    let again = migrate(&db, MIGRATIONS).await.unwrap();
    assert!(again.is_empty(), "nothing is applied twice: {again:?}");
    assert_eq!(ledger_rows(&db).await, all);
}

#[tokio::test]
async fn migrations_survive_a_restart_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::Embedded(dir.path().join("db"));

    let db = database::connect(&target, "sawda", "main").await.unwrap();
    assert!(!migrate(&db, MIGRATIONS).await.unwrap().is_empty());
    database::close(db).await;

    let db = reopen(&target).await;
    assert!(migrate(&db, MIGRATIONS).await.unwrap().is_empty(), "already applied before the restart");
    assert_eq!(schema_version(&db).await.unwrap(), MIGRATIONS.last().unwrap().version);
}

/// The previous handle's store closes in the background; the lock may take a moment.
async fn reopen(target: &DatabaseTarget) -> Surreal<Any> {
    for _ in 0..50 {
        match database::connect(target, "sawda", "main").await {
            Ok(db) => return db,
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    database::connect(target, "sawda", "main").await.expect("the database reopens")
}

#[tokio::test]
async fn a_newer_schema_is_refused_with_a_clear_message() {
    let db = support::migrated_memory_db().await;
    db.query("CREATE schema_migration CONTENT { version: 999, name: 'from the future', checksum: '0000000000000000', applied_by: 'sawda 9' }")
        .await
        .unwrap()
        .check()
        .unwrap();

    let error = migrate(&db, MIGRATIONS).await.unwrap_err();
    assert!(matches!(error, MigrationError::NewerSchema { database: 999, .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("schema version 999"), "{message}");
    assert!(message.contains("newer"), "{message}");
}

#[tokio::test]
async fn a_failing_migration_changes_nothing() {
    let db = support::migrated_memory_db().await;
    let broken = with_extra(Migration {
        version: 1000,
        name: "broken on purpose",
        script: "DEFINE TABLE crate_of_melons SCHEMAFULL;\n\
                 DEFINE FIELD weight ON crate_of_melons TYPE int;\n\
                 CREATE crate_of_melons SET weight = 'heavy';",
    });

    let error = migrate(&db, &broken).await.unwrap_err();
    let MigrationError::Failed { version: 1000, cause, .. } = &error else {
        panic!("expected a failed migration, got {error:?}");
    };
    assert!(!cause.contains("failed transaction"), "the real cause is reported: {cause}");

    let info = db.query("INFO FOR DB").await.unwrap().take::<surrealdb::types::Value>(0).unwrap().into_json_value();
    assert!(info["tables"].get("crate_of_melons").is_none(), "the table was rolled back: {info}");
    assert_eq!(schema_version(&db).await.unwrap(), MIGRATIONS.last().unwrap().version);
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let db = support::migrated_memory_db().await;
    let edited: Vec<Migration> = MIGRATIONS
        .iter()
        .map(|m| Migration { version: m.version, name: m.name, script: "DEFINE TABLE something_else;" })
        .collect();
    let error = migrate(&db, &edited).await.unwrap_err();
    assert!(matches!(error, MigrationError::Edited { version: 1, .. }), "{error:?}");
}

#[tokio::test]
async fn two_servers_starting_together_apply_each_migration_once() {
    let db = support::memory_db().await;
    let other = db.clone();
    let extra = || {
        with_extra(Migration {
            version: 1001,
            name: "a table",
            script: "DEFINE TABLE storefront_probe SCHEMAFULL; DEFINE FIELD name ON storefront_probe TYPE string;",
        })
    };
    let (first, second) =
        tokio::join!(async { migrate(&db, &extra()).await }, async { migrate(&other, &extra()).await });
    let (first, second) = (first.unwrap(), second.unwrap());
    let mut applied: Vec<i64> = first.iter().chain(&second).copied().collect();
    applied.sort();
    let mut expected: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
    expected.push(1001);
    assert_eq!(ledger_rows(&db).await, expected, "one ledger row per migration");
    assert!(applied.len() <= expected.len(), "no migration reported applied twice: {applied:?}");
}

#[tokio::test]
async fn protocol_2_records_keep_their_numbers_as_each_owners_sequence() {
    // A database at migration 5, with records numbered by the one sequence
    // for all, as protocol 2 left it.
    let db = support::memory_db().await;
    migrate(&db, &MIGRATIONS[..5]).await.unwrap();
    db.query(
        "CREATE sync_record:a SET owner = 'user:amina', kind = 'product', seq = 1, body = '{}';
         CREATE sync_record:b SET owner = 'user:bahadir', kind = 'product', seq = 2, body = '{}';
         CREATE sync_record:c SET owner = 'user:amina', kind = 'product', seq = 4, body = '{}';
         UPSERT sync_counter:main SET seq = 4;
         CREATE sync_applied:x;",
    )
    .await
    .unwrap()
    .check()
    .unwrap();
    migrate(&db, MIGRATIONS).await.unwrap();
    let mut read = db
        .query(
            "SELECT VALUE [record::id(id), seq] FROM sync_scope ORDER BY id;
             SELECT VALUE [record::id(id), record] FROM sync_change ORDER BY id;
             count(SELECT * FROM sync_applied);
             (SELECT VALUE name FROM sync_epoch:main)[0];",
        )
        .await
        .unwrap()
        .check()
        .unwrap();
    let scopes: Vec<serde_json::Value> = read.take(0).unwrap();
    assert_eq!(serde_json::json!(scopes), serde_json::json!([["user:amina", 4], ["user:bahadir", 2]]));
    let changes: Vec<serde_json::Value> = read.take(1).unwrap();
    assert_eq!(
        serde_json::json!(changes),
        serde_json::json!([[["user:amina", 1], "a"], [["user:amina", 4], "c"], [["user:bahadir", 2], "b"]])
    );
    assert_eq!(read.take::<Option<i64>>(2).unwrap(), Some(0), "old applied ids are forgotten");
    let epoch: Option<String> = read.take(3).unwrap();
    assert_eq!(epoch.map(|e| e.len()), Some(26), "a ULID epoch");
}

#[tokio::test]
async fn records_are_keyed_by_their_owner_and_keep_everything() {
    let db = support::memory_db().await;
    migrate(&db, &MIGRATIONS[..7]).await.unwrap();
    db.query(
        "CREATE sync_record:a SET owner = 'user:amina', kind = 'storefront', seq = 1, body = '{\"x\":1}', slug = 'aral-honey';
         CREATE sync_record:b SET owner = 'user:bahadir', kind = 'product', seq = 1, body = '{\"y\":2}';",
    )
    .await
    .unwrap()
    .check()
    .unwrap();
    migrate(&db, MIGRATIONS).await.unwrap();
    let rows: Vec<serde_json::Value> = db
        .query("SELECT VALUE [record::id(id), owner, kind, seq, body, slug] FROM sync_record ORDER BY id")
        .await
        .unwrap()
        .check()
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(
        serde_json::json!(rows),
        serde_json::json!([
            [["user:amina", "a"], "user:amina", "storefront", 1, "{\"x\":1}", "aral-honey"],
            [["user:bahadir", "b"], "user:bahadir", "product", 1, "{\"y\":2}", null]
        ])
    );
    // The address is still held: a second claim is refused.
    let second = db
        .query(
            "CREATE sync_record SET owner = 'user:c', kind = 'storefront', seq = 1, body = '{}', slug = 'aral-honey'",
        )
        .await
        .unwrap()
        .check();
    assert!(second.is_err(), "the address stays unique");
}
