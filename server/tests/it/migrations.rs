//! Migrations against a real SurrealDB: in memory and on disk.

use crate::support;
use std::sync::atomic::{AtomicUsize, Ordering};

use sawda_server::config::DatabaseTarget;
use sawda_server::infra::database;
use sawda_server::infra::migrations::{
    Chunked, MIGRATIONS, Migration, MigrationError, StepFuture, migrate, schema_version,
};
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
    let mut all = MIGRATIONS.to_vec();
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
    assert!(database::close(db, &target).await, "the store lets go of its files");

    // Closed means closed: the files open again at once, no waiting for a background close.
    let db = database::connect(&target, "sawda", "main").await.expect("the database reopens at once");
    assert!(migrate(&db, MIGRATIONS).await.unwrap().is_empty(), "already applied before the restart");
    assert_eq!(schema_version(&db).await.unwrap(), MIGRATIONS.last().unwrap().version);
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
        ..Migration::PLAIN
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
        .map(|m| Migration { script: "DEFINE TABLE something_else;", released_as: &[], ..*m })
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
            ..Migration::PLAIN
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

/// Crates of melons, `count` of them, weighing 1 to 97 kg.
async fn melon_crates(db: &Surreal<Any>, count: usize) {
    db.query(
        "DEFINE TABLE melon_crate SCHEMAFULL;
         DEFINE FIELD weight ON melon_crate TYPE int;
         FOR $n IN array::range(0, $count) { CREATE type::record('melon_crate', $n) SET weight = $n % 97 + 1 RETURN NONE; };",
    )
    .bind(("count", count as i64))
    .await
    .unwrap()
    .check()
    .unwrap();
}

async fn crates(db: &Surreal<Any>) -> Vec<serde_json::Value> {
    let rows: Vec<surrealdb::types::Value> = db
        .query("SELECT VALUE [record::id(id), weight, kilos_in_pounds] FROM melon_crate ORDER BY id")
        .await
        .unwrap()
        .check()
        .unwrap()
        .take(0)
        .unwrap();
    rows.into_iter().map(|v| v.into_json_value()).collect()
}

async fn progress_rows(db: &Surreal<Any>) -> usize {
    let info = db.query("INFO FOR DB").await.unwrap().take::<surrealdb::types::Value>(0).unwrap().into_json_value();
    if info["tables"].get("schema_migration_progress").is_none() {
        return 0;
    }
    let count: Option<i64> =
        db.query("count(SELECT * FROM schema_migration_progress)").await.unwrap().check().unwrap().take(0).unwrap();
    count.unwrap_or(0) as usize
}

/// The weight in pounds beside the weight: a new field filled for every row.
fn in_pounds(transaction: surrealdb::method::Transaction<Any>, ids: Vec<surrealdb::types::RecordId>) -> StepFuture {
    Box::pin(async move {
        transaction
            .query("UPDATE $ids SET kilos_in_pounds = math::round(weight * 2.20462) RETURN NONE")
            .bind(("ids", ids))
            .await?
            .check()?;
        Ok(transaction)
    })
}

/// Chunks `in_pounds_until_stopped` does before it fails, while not `usize::MAX`.
static CHUNKS_BEFORE_THE_STOP: AtomicUsize = AtomicUsize::new(usize::MAX);

/// `in_pounds`, failing once `CHUNKS_BEFORE_THE_STOP` chunks are done: a start stopped half-way.
fn in_pounds_until_stopped(
    transaction: surrealdb::method::Transaction<Any>,
    ids: Vec<surrealdb::types::RecordId>,
) -> StepFuture {
    let left = CHUNKS_BEFORE_THE_STOP.load(Ordering::SeqCst);
    if left == 0 {
        return Box::pin(async { Err(surrealdb::Error::internal("stopped half-way".to_string())) });
    }
    if left != usize::MAX {
        CHUNKS_BEFORE_THE_STOP.store(left - 1, Ordering::SeqCst);
    }
    in_pounds(transaction, ids)
}

type Step = fn(surrealdb::method::Transaction<Any>, Vec<surrealdb::types::RecordId>) -> StepFuture;

/// Crates in pounds as migration 1002, 100 rows a chunk (so 2,345 rows are 24 chunks).
fn pounds_migration(step: Step) -> Migration {
    let chunked: &'static [Chunked] = Box::leak(Box::new([Chunked { table: "melon_crate", rows: 100, step }]));
    Migration {
        version: 1002,
        name: "melon crates in pounds",
        script: "DEFINE FIELD kilos_in_pounds ON melon_crate TYPE option<int>;",
        chunked,
        released_as: &[],
    }
}

#[tokio::test]
async fn a_chunked_migration_over_more_rows_than_a_chunk_completes() {
    let db = support::migrated_memory_db().await;
    melon_crates(&db, 2_345).await;
    let applied = migrate(&db, &with_extra(pounds_migration(in_pounds))).await.unwrap();
    assert_eq!(applied, vec![1002]);
    let rows = crates(&db).await;
    assert_eq!(rows.len(), 2_345);
    for row in &rows {
        let kilos = row[1].as_f64().unwrap();
        assert_eq!(row[2].as_f64(), Some((kilos * 2.20462).round()), "every row, past the first chunk too: {row}");
    }
    assert_eq!(ledger_rows(&db).await.last(), Some(&1002));
    assert_eq!(progress_rows(&db).await, 0, "the progress row goes with the ledger row");
    assert!(migrate(&db, &with_extra(pounds_migration(in_pounds))).await.unwrap().is_empty(), "once");
}

#[tokio::test]
async fn a_chunked_migration_stopped_half_way_resumes_and_ends_the_same() {
    let whole = support::migrated_memory_db().await;
    melon_crates(&whole, 2_345).await;
    migrate(&whole, &with_extra(pounds_migration(in_pounds))).await.unwrap();

    let stopped = support::migrated_memory_db().await;
    melon_crates(&stopped, 2_345).await;
    CHUNKS_BEFORE_THE_STOP.store(7, Ordering::SeqCst);
    let error = migrate(&stopped, &with_extra(pounds_migration(in_pounds_until_stopped))).await.unwrap_err();
    assert!(matches!(error, MigrationError::Failed { version: 1002, .. }), "{error:?}");
    // Stopped half-way: the script and 7 chunks are kept, the ledger does not say it is done.
    assert!(!ledger_rows(&stopped).await.contains(&1002));
    assert_eq!(progress_rows(&stopped).await, 1);
    let half = crates(&stopped).await;
    let done = half.iter().filter(|row| !row[2].is_null()).count();
    assert_eq!(done, 700, "seven chunks of 100 rows, each committed once");

    // The next start goes on from there.
    CHUNKS_BEFORE_THE_STOP.store(usize::MAX, Ordering::SeqCst);
    let applied = migrate(&stopped, &with_extra(pounds_migration(in_pounds_until_stopped))).await.unwrap();
    assert_eq!(applied, vec![1002]);
    assert_eq!(crates(&stopped).await, crates(&whole).await, "the same rows as a migration never stopped");
    assert_eq!(ledger_rows(&stopped).await, ledger_rows(&whole).await);
    assert_eq!(progress_rows(&stopped).await, 0);
}

/// Migration 14 as it was released: its UPDATE over every approved product in the script.
const MIGRATION_14_AS_RELEASED: &str = include_str!("fixtures/0014_market_order_as_released.surql");

/// `count` approved products at schema 13, a third of them of a seller whose
/// storefront is not public, approved a second apart.
async fn approved_products_at_schema_13(db: &Surreal<Any>, count: usize) {
    db.query(
        "FOR $n IN array::range(0, $count) {
             LET $public = $n % 3 != 0;
             LET $owner = IF $public { 'account:amina' } ELSE { 'account:bahadir' };
             CREATE type::record('approved_product', [$owner, string::concat('p', <string> $n)]) CONTENT {
                 owner: $owner, storefront: 's', revision: 1, approved_by: 'account:desk',
                 name: string::concat('Jar ', <string> $n), slug: string::concat('jar-', <string> $n), unit: 'jar',
                 handmade: false, price_som: 1000, availability: 'in_stock', position: 1.0,
                 approved_at: time::from_millis(1767225600000 + $n * 1000),
                 search_text: string::concat('jar ', <string> $n), name_search: string::concat('jar ', <string> $n),
                 storefront_slug: IF $public { 'aral-honey' } ELSE { NONE },
                 storefront_name: IF $public { 'Aral honey' } ELSE { NONE },
                 district: IF $public { 'moynaq' } ELSE { NONE },
                 category: IF $public { 'food' } ELSE { NONE },
             } RETURN NONE;
         };",
    )
    .bind(("count", count as i64))
    .await
    .unwrap()
    .check()
    .unwrap();
}

async fn market_orders(db: &Surreal<Any>) -> Vec<serde_json::Value> {
    let rows: Vec<surrealdb::types::Value> = db
        .query("SELECT VALUE [record::id(id), market_all, market_d, market_c, market_dc] FROM approved_product ORDER BY id")
        .await
        .unwrap()
        .check()
        .unwrap()
        .take(0)
        .unwrap();
    rows.into_iter().map(|v| v.into_json_value()).collect()
}

async fn table_info(db: &Surreal<Any>, table: &str) -> serde_json::Value {
    db.query(format!("INFO FOR TABLE {table}"))
        .await
        .unwrap()
        .take::<surrealdb::types::Value>(0)
        .unwrap()
        .into_json_value()
}

#[tokio::test]
async fn migration_14_in_chunks_leaves_what_it_left_in_one_transaction() {
    // 1,234 products: three chunks.
    let chunked = support::memory_db().await;
    migrate(&chunked, &MIGRATIONS[..13]).await.unwrap();
    approved_products_at_schema_13(&chunked, 1_234).await;
    migrate(&chunked, &MIGRATIONS[..14]).await.unwrap();

    let released = support::memory_db().await;
    migrate(&released, &MIGRATIONS[..13]).await.unwrap();
    approved_products_at_schema_13(&released, 1_234).await;
    let as_released = Migration { script: MIGRATION_14_AS_RELEASED, chunked: &[], released_as: &[], ..MIGRATIONS[13] };
    let mut then: Vec<Migration> = MIGRATIONS[..13].to_vec();
    then.push(as_released);
    migrate(&released, &then).await.unwrap();

    let orders = market_orders(&chunked).await;
    assert_eq!(orders.len(), 1_234);
    assert!(orders.iter().filter(|row| row[1].is_string()).count() > 800, "public products have their places");
    assert_eq!(orders, market_orders(&released).await);
    assert_eq!(table_info(&chunked, "approved_product").await, table_info(&released, "approved_product").await);
    assert_eq!(table_info(&chunked, "approved_storefront").await, table_info(&released, "approved_storefront").await);

    // A database that applied migration 14 as released is up to date with it.
    let later = migrate(&released, MIGRATIONS).await.unwrap();
    assert!(!later.contains(&14), "{later:?}");
    assert_eq!(schema_version(&released).await.unwrap(), MIGRATIONS.last().unwrap().version);
}

#[tokio::test]
async fn products_approved_before_migration_12_are_listed_in_the_market_after_it() {
    use sawda_server::approved::market::{Filters, page};
    let dir = tempfile::tempdir().unwrap();
    let target = DatabaseTarget::Embedded(dir.path().join("db"));
    let db = database::connect(&target, "sawda", "main").await.unwrap();
    migrate(&db, &MIGRATIONS[..11]).await.unwrap();
    // Approved under migration 11, as `approved::write::publish` wrote them then.
    db.query(
        "CREATE approved_storefront:['account:amina', 's'] CONTENT {
             owner: 'account:amina', revision: 1, approved_by: 'account:desk', slug: 'aral-honey', name: 'Aral honey',
             story: 'Tugai honey from Moynaq', district: 'moynaq', category: 'food',
             payment_methods: ['cash_on_delivery'], payment_notes: [''], delivery: ['pickup'],
         };
         CREATE approved_product:['account:amina', 'p'] CONTENT {
             owner: 'account:amina', storefront: 's', revision: 1, approved_by: 'account:desk', name: 'Tugai honey',
             slug: 'tugai-honey', description: 'Raw, from the Amu Darya delta', unit: 'jar', handmade: false,
             price_som: 90000, availability: 'in_stock', position: 1.0,
         };",
    )
    .await
    .unwrap()
    .check()
    .unwrap();
    migrate(&db, MIGRATIONS).await.unwrap();

    let listed = page(&db, &Filters::default()).await.unwrap();
    let names: Vec<&str> = listed.products.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Tugai honey"], "listed in the market");
    assert_eq!(listed.products[0].href, "/s/aral-honey/tugai-honey");
    assert_eq!(listed.products[0].district, "moynaq");
    for (filters, what) in [
        (Filters { q: Some("delta".into()), ..Default::default() }, "found by a word of its description"),
        (Filters { district: Some("moynaq".into()), category: Some("food".into()), ..Default::default() }, "filtered"),
        (Filters { q: Some("delta".into()), district: Some("moynaq".into()), ..Default::default() }, "searched within"),
    ] {
        let found = page(&db, &filters).await.unwrap();
        assert_eq!(found.products.len(), 1, "{what}");
    }
    let shops = page(&db, &Filters { q: Some("tugai".into()), ..Default::default() }).await.unwrap();
    assert!(shops.storefronts.iter().any(|(slug, _, _)| slug == "aral-honey"), "her storefront is found by its story");
    // Migration 21 put it in the export feed, at the time it was approved.
    use sawda_server::export::feed;
    let exported = feed::page(&db, None, 10, std::time::Duration::ZERO, "https://sawda.test").await.unwrap();
    let [feed::Item::Approved(product)] = exported.items.as_slice() else { panic!("{:?}", exported.items) };
    assert_eq!(
        (product.name.as_str(), product.url.as_str()),
        ("Tugai honey", "https://sawda.test/s/aral-honey/tugai-honey")
    );
    assert_eq!(product.changed_at, product.approved_at);
    assert!(database::close(db, &target).await);
}

/// Migration 17: products approved before it are found with a district or a
/// category, by words whose letters met digits in their old search text.
#[tokio::test]
async fn products_approved_before_migration_17_are_searched_within_a_filter() {
    use sawda_server::approved::market::{Filters, page};
    let db = support::memory_db().await;
    migrate(&db, &MIGRATIONS[..16]).await.unwrap();
    db.query(
        "CREATE approved_storefront:['account:amina', 's'] CONTENT {
             owner: 'account:amina', revision: 1, approved_by: 'account:desk', slug: 'chimbay-melons', name: 'Chimbay melons',
             story: 'Melons', district: 'chimbay', category: 'food', search_text: 'chimbay melons', name_search: 'chimbay melons',
             payment_methods: ['cash_on_delivery'], payment_notes: [''], delivery: ['pickup'],
         };
         CREATE approved_product:['account:amina', 'p'] CONTENT {
             owner: 'account:amina', storefront: 's', revision: 1, approved_by: 'account:desk', name: 'Qovun 5kg',
             slug: 'qovun-5kg', description: 'Sweet', unit: 'box', handmade: false, price_som: 40000,
             availability: 'in_stock', position: 1.0, search_text: 'qovun 5kg sweet', name_search: 'qovun 5kg',
             storefront_slug: 'chimbay-melons', storefront_name: 'Chimbay melons', district: 'chimbay', category: 'food',
             approved_at: time::now(),
         };",
    )
    .await
    .unwrap()
    .check()
    .unwrap();
    // Its places in the market's orders, as migration 14 wrote them.
    db.query(
        "UPDATE approved_product SET market_all = string::concat(<string> (10000000000000 - time::millis(approved_at)), '|', <string> id);
         UPDATE approved_product SET market_d = string::concat(district, '|', market_all), market_c = string::concat(category, '|', market_all),
             market_dc = string::concat(district, '|', category, '|', market_all);",
    )
    .await
    .unwrap()
    .check()
    .unwrap();
    migrate(&db, MIGRATIONS).await.unwrap();
    for (district, category, found) in [
        (Some("chimbay"), None, 1),
        (None, Some("food"), 1),
        (Some("chimbay"), Some("food"), 1),
        (Some("nukus"), None, 0),
        (None, None, 1),
    ] {
        let filters = Filters {
            q: Some("kg".into()),
            district: district.map(str::to_owned),
            category: category.map(str::to_owned),
            ..Default::default()
        };
        assert_eq!(page(&db, &filters).await.unwrap().products.len(), found, "{district:?} {category:?}");
    }
}

/// Migration 16: what each owner held counted buyers' order requests in her
/// room; after it they are counted apart, and the waiting ones counted.
#[tokio::test]
async fn migration_16_counts_buyers_requests_apart_from_her_room() {
    use sawda_sync::{DeviceId, Kind, Owner, Record, RecordId};
    let db = support::memory_db().await;
    let version_15 = MIGRATIONS.iter().position(|m| m.version == 15).unwrap() + 1;
    migrate(&db, &MIGRATIONS[..version_15]).await.unwrap();
    let mut clock = sawda_sync::Clock::new(DeviceId::new(0, *b"sawda-desk"));
    let mut rows = Vec::new();
    let owners: Vec<Owner> = (0..45).map(|n| format!("account:a{n:02}").parse().unwrap()).collect();
    for (n, owner) in owners.iter().enumerate() {
        let make = |kind, k: u8, fields: serde_json::Value, clock: &mut sawda_sync::Clock| {
            let fields = serde_json::from_value(fields).unwrap();
            sawda_sync::server::server_record(
                clock,
                RecordId::new(1_000 + n as u64, [k; 10]),
                kind,
                owner.clone(),
                &fields,
                5,
            )
        };
        let product = make(Kind::Product, 1, serde_json::json!({"name": "Melon jam"}), &mut clock);
        let waiting =
            make(Kind::OrderRequest, 2, serde_json::json!({"status": "new", "buyer_name": "Gulnara"}), &mut clock);
        let done =
            make(Kind::OrderRequest, 3, serde_json::json!({"status": "done", "buyer_name": "Aybek"}), &mut clock);
        let all: Vec<Record> = vec![product.clone(), waiting, done];
        let bytes: usize = all.iter().map(|r| serde_json::to_string(r).unwrap().len()).sum();
        for (seq, record) in all.iter().enumerate() {
            rows.push(serde_json::json!({
                "key": record.id().to_string(), "owner": owner.to_string(), "kind": record.kind().name(),
                "seq": seq + 1, "body": serde_json::to_string(record).unwrap(),
            }));
        }
        // As the push core counted before: every record in her room.
        db.query("UPSERT type::record('sync_scope', $owner) SET seq = 3, records = 3, bytes = $bytes")
            .bind(("owner", owner.to_string()))
            .bind(("bytes", bytes as i64))
            .await
            .unwrap()
            .check()
            .unwrap();
        assert!(sawda_sync::limits::record_bytes(&product) < bytes);
    }
    db.query("FOR $r IN $rows { CREATE type::record('sync_record', [$r.owner, $r.key]) CONTENT { owner: $r.owner, kind: $r.kind, seq: $r.seq, body: $r.body }; };")
        .bind(("rows", rows))
        .await
        .unwrap()
        .check()
        .unwrap();
    migrate(&db, MIGRATIONS).await.unwrap();
    let product_bytes = {
        let body: String = db
            .query("(SELECT VALUE body FROM sync_record WHERE kind = 'product' LIMIT 1)[0]")
            .await
            .unwrap()
            .take::<Option<String>>(0)
            .unwrap()
            .unwrap();
        body.len() as i64
    };
    let scopes: Vec<serde_json::Value> = db
        .query("SELECT VALUE [records, bytes, open_requests] FROM sync_scope")
        .await
        .unwrap()
        .check()
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(scopes.len(), owners.len(), "every owner, over several chunks");
    for scope in scopes {
        assert_eq!(scope, serde_json::json!([1, product_bytes, 1]), "her product in her room, one request waiting");
    }
}
