//! `sawda backup` and `sawda restore` (`server/src/backup.rs`): a backup of a
//! storefront with photos, things changed after it, the backup restored into a
//! new database and photo store and compared with what was backed up; her
//! phone then sends again what only it holds. And every refusal.

use app::rules::people::Role;
use sawda_server::backup::{self, BackupError};
use sawda_server::photos::checks::Sizes;
use sawda_server::photos::store::{DiskPhotoStore, PhotoStore, Size};
use sawda_server::sync::store;
use sawda_sync::{Fields, Record};
use serde_json::json;
use surrealdb::Surreal;
use surrealdb::engine::any::Any;

use crate::public::shop;
use crate::support::{self, sync_phone};

async fn accounts(db: &Surreal<Any>) -> Vec<String> {
    let mut phones: Vec<String> = db.query("SELECT VALUE phone FROM account").await.unwrap().take(0).unwrap();
    phones.sort();
    phones
}

fn sorted(mut records: Vec<Record>) -> Vec<String> {
    let mut all: Vec<String> = records.drain(..).map(|r| serde_json::to_string(&r).unwrap()).collect();
    all.sort();
    all
}

fn photo(n: u8) -> (String, Sizes) {
    (format!("{n:02x}").repeat(32), Sizes { large: vec![n; 3000], thumb: vec![n; 300] })
}

#[tokio::test]
async fn a_backup_restored_into_a_new_database_is_what_was_backed_up_and_her_phone_sends_again_what_came_after() {
    let mut shop = shop(true).await;
    let owner = shop.her.owner();
    let kept = tempfile::tempdir().unwrap();
    let photos = DiskPhotoStore::new(kept.path().join("photos"));
    for n in [1, 2] {
        let (hash, sizes) = photo(n);
        photos.put(&hash, sizes).await.unwrap();
    }
    photos.put_size(&photo(1).0, Size::Preview, vec![9; 100]).await.unwrap();
    let records_then = sorted(store::records_of(&shop.db, &owner).await.unwrap());
    let accounts_then = accounts(&shop.db).await;
    let epoch_then = store::epoch(&shop.db).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("backup");
    let manifest = backup::backup(&shop.db, None, &photos, &target).await.unwrap();
    assert_eq!((manifest.format, manifest.photos), (backup::FORMAT, 2));
    assert!(manifest.schema >= 22, "{manifest:?}");

    // After the backup: her phone renames the product, a coordinator is made, a photo goes.
    let renamed = Fields::from([("name".to_owned(), json!("Teatime biscuits, renamed after the backup"))]);
    shop.phone.edit(shop.product, renamed, 1_760_000_100_000, [77; 10]).unwrap();
    sync_phone(&shop.router, &shop.her, &mut shop.phone).await;
    support::signed_in(&shop.db, "+998901000477", "Later coordinator", Role::Coordinator, &["chimbay"], None).await;
    photos.remove(&photo(2).0).await.unwrap();

    // Restored into a new database and a new photo store.
    let restored = support::memory_db().await;
    let new_data = tempfile::tempdir().unwrap();
    let new_photos = DiskPhotoStore::new(new_data.path().join("photos"));
    let (read, epoch) = backup::restore(&restored, None, &new_photos, &target).await.unwrap();
    assert_eq!(read, manifest);
    assert_eq!(sorted(store::records_of(&restored, &owner).await.unwrap()), records_then);
    assert_eq!(accounts(&restored).await, accounts_then);
    assert_ne!(epoch, epoch_then.to_string(), "a new epoch");
    for n in [1, 2] {
        let (hash, sizes) = photo(n);
        assert_eq!(new_photos.get(&hash, Size::Large).await.unwrap(), Some(sizes.large), "photo {n}");
        assert_eq!(new_photos.get(&hash, Size::Thumb).await.unwrap(), Some(sizes.thumb), "photo {n}");
    }
    assert_eq!(new_photos.get(&photo(1).0, Size::Preview).await.unwrap(), Some(vec![9; 100]));
    // Buyers see what was approved.
    let router = support::router_with(restored.clone(), &std::env::temp_dir()).await;
    let (status, _) = crate::public::page(&router, "/s/gulnars-biscuits").await;
    assert_eq!(status, axum::http::StatusCode::OK);

    // Her phone meets the new epoch: it pulls from the start and sends again
    // what only it holds, so the rename made after the backup is not lost.
    sync_phone(&router, &shop.her, &mut shop.phone).await;
    sync_phone(&router, &shop.her, &mut shop.phone).await;
    let product = store::record(&restored, &owner, shop.product).await.unwrap().unwrap();
    assert_eq!(product.get("name"), Some(&json!("Teatime biscuits, renamed after the backup")));
}

#[tokio::test]
async fn a_backup_goes_only_into_a_new_directory_and_is_restored_only_whole_into_an_empty_database() {
    let shop = shop(false).await;
    let kept = tempfile::tempdir().unwrap();
    let photos = DiskPhotoStore::new(kept.path().join("photos"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("something.txt"), "hers").unwrap();
    assert!(matches!(backup::backup(&shop.db, None, &photos, dir.path()).await, Err(BackupError::NotEmpty(_))));
    assert_eq!(std::fs::read_to_string(dir.path().join("something.txt")).unwrap(), "hers", "nothing of hers touched");

    let target = dir.path().join("backup");
    backup::backup(&shop.db, None, &photos, &target).await.unwrap();
    // Into a database that holds data: refused, and it is unchanged.
    let before = accounts(&shop.db).await;
    assert!(matches!(backup::restore(&shop.db, None, &photos, &target).await, Err(BackupError::DatabaseNotEmpty)));
    assert_eq!(accounts(&shop.db).await, before);
    // An unfinished backup (no manifest) is never restored.
    std::fs::remove_file(target.join("manifest.json")).unwrap();
    let empty = support::memory_db().await;
    assert!(matches!(backup::restore(&empty, None, &photos, &target).await, Err(BackupError::Unfinished(_))));
    let info: Option<serde_json::Value> = empty.query("INFO FOR DB").await.unwrap().take(0).unwrap();
    let tables = info.unwrap()["tables"].as_object().map(|t| t.len()).unwrap_or(0);
    assert_eq!(tables, 0, "nothing imported");
}

#[tokio::test]
async fn the_command_backs_up_the_photos_where_the_server_keeps_them_and_restores_them_there() {
    // A server's data directory: its embedded database and a photo it keeps.
    let data = tempfile::tempdir().unwrap();
    let config = |data: &std::path::Path| {
        let cli: sawda_server::config::Cli = clap::Parser::parse_from(["sawda", "--data", data.to_str().unwrap()]);
        cli.config
    };
    let photos = sawda_server::photos::Photos::open(&config(data.path()).photo_target().unwrap()).unwrap();
    let (hash, sizes) = photo(7);
    let thumb = sizes.thumb.clone();
    photos.store().put(&hash, sizes).await.unwrap();
    let backups = tempfile::tempdir().unwrap();
    let target = backups.path().join("backup");
    let said = sawda_server::backup_or_restore(config(data.path()), &target, false).await.unwrap();
    assert!(said.contains("1 photos"), "{said}");
    // Restored into a new data directory, the server finds it where it looks.
    let restored = tempfile::tempdir().unwrap();
    sawda_server::backup_or_restore(config(restored.path()), &target, true).await.unwrap();
    let photos = sawda_server::photos::Photos::open(&config(restored.path()).photo_target().unwrap()).unwrap();
    assert_eq!(photos.get(&hash, Size::Thumb).await.unwrap(), Some(thumb));
}
