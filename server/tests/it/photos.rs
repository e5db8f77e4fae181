//! Photo uploads over the real router: pieces that resume after a cut, one
//! copy per photo, and every kind of bad file refused with nothing kept.

use crate::support;
use std::io::Cursor;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use image::{DynamicImage, ImageFormat};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

struct Phone {
    router: Router,
    cookie: String,
}

async fn phone() -> Phone {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let aysulu = support::entrepreneur(&db, "+998901000020").await;
    Phone { router, cookie: aysulu.cookie }
}

fn hash_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn photo(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x + y) % 239) as u8])
    }));
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).unwrap();
    out.into_inner()
}

impl Phone {
    async fn call(&self, method: &str, path: &str, content_type: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", &self.cookie)
            .header("content-type", content_type)
            .header("accept-language", "en")
            .body(Body::from(body))
            .unwrap();
        let response = support::send(&self.router, request).await;
        let status = response.status();
        let text = support::body_text(response).await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn missing(&self, hashes: &[&str]) -> Vec<String> {
        let body = json!({ "hashes": hashes }).to_string().into_bytes();
        let (status, answer) = self.call("POST", "/api/v1/photos/missing", "application/json", body).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        serde_json::from_value(answer["missing"].clone()).unwrap()
    }

    async fn piece(&self, hash: &str, offset: u64, total: u64, bytes: &[u8]) -> (StatusCode, Value) {
        let path = format!("/api/v1/photos/{hash}/upload?offset={offset}&total={total}");
        self.call("PUT", &path, "application/octet-stream", bytes.to_vec()).await
    }

    /// Sends the whole file in pieces of `size`, as the phone does.
    async fn upload(&self, hash: &str, bytes: &[u8], size: usize) -> (StatusCode, Value) {
        let mut answer = (StatusCode::OK, Value::Null);
        for (i, piece) in bytes.chunks(size).enumerate() {
            answer = self.piece(hash, (i * size) as u64, bytes.len() as u64, piece).await;
            if answer.0 != StatusCode::OK {
                break;
            }
        }
        answer
    }

    async fn served(&self, hash: &str, file: &str) -> (StatusCode, Vec<u8>) {
        let response = support::get(&self.router, &format!("/photos/{hash}/{file}"), &[]).await;
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20).await.unwrap().to_vec();
        (status, bytes)
    }
}

#[tokio::test]
async fn a_cut_upload_resumes_and_the_photo_is_kept_redrawn() {
    let phone = phone().await;
    let bytes = photo(1600, 1200, ImageFormat::Png);
    let hash = hash_of(&bytes);
    assert_eq!(phone.missing(&[&hash]).await, std::slice::from_ref(&hash));

    // Two pieces arrive, then the connection drops mid-way.
    let piece = 64 * 1024;
    let total = bytes.len() as u64;
    assert_eq!(phone.piece(&hash, 0, total, &bytes[..piece]).await.1, json!({"received": piece, "done": false}));
    assert_eq!(phone.piece(&hash, piece as u64, total, &bytes[piece..2 * piece]).await.0, StatusCode::OK);
    // The phone comes back unsure of what arrived; a piece sent from the wrong place says where.
    let (status, answer) = phone.piece(&hash, 0, total, &bytes[..piece]).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(answer["code"], "upload_offset");
    assert_eq!(answer["received"], 2 * piece);
    let (_, progress) = phone.call("GET", &format!("/api/v1/photos/{hash}/upload"), "application/json", vec![]).await;
    assert_eq!(progress, json!({"received": 2 * piece, "done": false}));
    let (status, done) = phone.upload_from(&hash, &bytes, 2 * piece, piece).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["done"], true);

    assert!(phone.missing(&[&hash]).await.is_empty());
    let (status, large) = phone.served(&hash, "large.jpg").await;
    assert_eq!(status, StatusCode::OK);
    let large = image::load_from_memory_with_format(&large, ImageFormat::Jpeg).unwrap();
    assert_eq!((large.width(), large.height()), (1280, 960));
    let (_, thumb) = phone.served(&hash, "thumb.jpg").await;
    let thumb = image::load_from_memory_with_format(&thumb, ImageFormat::Jpeg).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    // A link preview only once approved (`edges.rs` has the approved one).
    assert_eq!(phone.served(&hash, "preview.jpg").await.0, StatusCode::NOT_FOUND, "not approved, no preview");
    assert_eq!(phone.served(&"d".repeat(64), "preview.jpg").await.0, StatusCode::NOT_FOUND, "no photo, no preview");
}

impl Phone {
    async fn upload_from(&self, hash: &str, bytes: &[u8], from: usize, size: usize) -> (StatusCode, Value) {
        let mut answer = (StatusCode::OK, Value::Null);
        let mut offset = from;
        while offset < bytes.len() {
            let end = (offset + size).min(bytes.len());
            answer = self.piece(hash, offset as u64, bytes.len() as u64, &bytes[offset..end]).await;
            if answer.0 != StatusCode::OK {
                break;
            }
            offset = end;
        }
        answer
    }
}

#[tokio::test]
async fn the_same_photo_is_kept_once() {
    let phone = phone().await;
    let bytes = photo(400, 300, ImageFormat::Jpeg);
    let hash = hash_of(&bytes);
    assert_eq!(phone.upload(&hash, &bytes, 100_000).await.1["done"], true);
    // Sent again (another product, another phone): taken as done at the first piece.
    let (status, again) = phone.piece(&hash, 0, bytes.len() as u64, &bytes[..10]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again, json!({"received": bytes.len(), "done": true}));
    assert!(phone.missing(&[&hash, &hash]).await.is_empty());
}

#[tokio::test]
async fn bad_files_are_refused_with_a_reason_and_nothing_is_kept() {
    let phone = phone().await;
    let whole = photo(300, 300, ImageFormat::Png);
    let cases: Vec<(&str, Vec<u8>, StatusCode, &str)> = vec![
        (
            "a web page named .jpg",
            b"<!doctype html><html><script>alert(1)</script></html>".to_vec(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_not_image",
        ),
        ("a GIF", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;".to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "photo_not_image"),
        ("a cut-off photo", whole[..whole.len() / 2].to_vec(), StatusCode::UNPROCESSABLE_ENTITY, "photo_damaged"),
        (
            "a decompression bomb",
            support::decompression_bomb(0),
            StatusCode::UNPROCESSABLE_ENTITY,
            "photo_too_many_pixels",
        ),
    ];
    for (what, bytes, status, code) in cases {
        let hash = hash_of(&bytes);
        let (got, answer) = phone.upload(&hash, &bytes, 64 * 1024).await;
        assert_eq!((got, answer["code"].as_str()), (status, Some(code)), "{what}: {answer}");
        assert!(!answer["message"].as_str().unwrap().is_empty(), "{what}");
        assert_eq!(phone.missing(&[&hash]).await, std::slice::from_ref(&hash), "{what}: nothing kept");
        let (_, progress) =
            phone.call("GET", &format!("/api/v1/photos/{hash}/upload"), "application/json", vec![]).await;
        assert_eq!(progress["received"], 0, "{what}: no pieces left behind");
        assert_eq!(phone.served(&hash, "large.jpg").await.0, StatusCode::NOT_FOUND);
    }

    // A 30 MB file is refused at its first piece, before anything is written.
    let hash = "a".repeat(64);
    let (status, answer) = phone.piece(&hash, 0, 30 * 1024 * 1024, &[0u8; 1024]).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("photo_too_large")));
    // Bytes that are not what their name says.
    let bytes = photo(100, 100, ImageFormat::Png);
    let (status, answer) = phone.upload(&"b".repeat(64), &bytes, 64 * 1024).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("photo_mismatch")));
    // A piece larger than the pieces allowed, a bad name, more bytes than announced.
    let (status, _) = phone.piece(&hash_of(&bytes), 0, 2 << 20, &vec![0u8; 600 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = phone.piece("../../etc/passwd", 0, 10, b"x").await;
    assert_ne!(status, StatusCode::OK);
    let (status, answer) = phone.piece(&hash_of(&bytes), 0, 5, b"too many bytes").await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")));
    assert_eq!(phone.served("not-a-hash", "large.jpg").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn twenty_uploads_finishing_at_once_take_turns_to_decode_and_all_finish() {
    // Four people, five uploads each (within each one's bound of uploads under way).
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let mut people = Vec::new();
    for n in 0..4 {
        let cookie = support::entrepreneur(&db, &format!("+99890100004{n}")).await.cookie;
        people.push(std::sync::Arc::new(Phone { router: router.clone(), cookie }));
    }
    let uploads = (0..20u32).map(|n| {
        let phone = people[n as usize % 4].clone();
        tokio::spawn(async move {
            // Each its own photo; every third one a picture wider than any phone sends.
            let bytes =
                if n % 3 == 0 { photo(5_000 + n, 4, ImageFormat::Png) } else { photo(300 + n, 200, ImageFormat::Png) };
            let hash = hash_of(&bytes);
            let (status, answer) = phone.piece(&hash, 0, bytes.len() as u64, &bytes).await;
            (n, status, answer)
        })
    });
    for upload in uploads.collect::<Vec<_>>() {
        let (n, status, answer) = upload.await.unwrap();
        if n % 3 == 0 {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
            assert_eq!(answer["code"], "photo_too_many_pixels");
        } else {
            assert_eq!(status, StatusCode::OK, "{answer}");
            assert_eq!(answer["done"], true);
        }
    }
}

#[tokio::test]
async fn nobody_can_cut_off_an_upload_under_way_by_announcing_a_huge_file() {
    let phone = phone().await;
    let bytes = photo(900, 700, ImageFormat::Png);
    let hash = hash_of(&bytes);
    let total = bytes.len() as u64;
    let first = 64 * 1024;
    let (status, _) = phone.piece(&hash, 0, total, &bytes[..first]).await;
    assert_eq!(status, StatusCode::OK);
    // Someone who learnt the hash announces 30 MB under it.
    let (status, answer) = phone.piece(&hash, 0, 30 * 1024 * 1024, &[0u8; 16]).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("photo_too_large")));
    // Her upload goes on where it was.
    let mut answer = Value::Null;
    for (i, piece) in bytes[first..].chunks(64 * 1024).enumerate() {
        let (status, got) = phone.piece(&hash, (first + i * 64 * 1024) as u64, total, piece).await;
        assert_eq!(status, StatusCode::OK, "{got}");
        answer = got;
    }
    assert_eq!(answer["done"], true);
}

/// Review finding M2: nothing bounded what one account could keep or start.
#[tokio::test]
async fn each_person_has_a_bounded_number_of_uploads_under_way() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let mallory = Phone { router: router.clone(), cookie: support::entrepreneur(&db, "+998901000031").await.cookie };
    let aysulu = Phone { router, cookie: support::entrepreneur(&db, "+998901000032").await.cookie };
    let fresh = |n: u64| format!("{n:064x}");
    for n in 0..sawda_server::photos::ledger::MAX_OPEN_UPLOADS as u64 {
        let (status, answer) = mallory.piece(&fresh(n), 0, 4, b"ab").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    let (status, answer) = mallory.piece(&fresh(100), 0, 4, b"ab").await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("photo_uploads_waiting")));
    assert!(answer["message"].as_str().unwrap().contains("when they are done"), "{answer}");
    assert!(mallory.piece(&fresh(100), 0, 4, b"ab").await.0 == StatusCode::TOO_MANY_REQUESTS, "nothing was started");
    // A piece of an upload already started goes on; another person is not held up.
    assert_eq!(mallory.piece(&fresh(0), 0, 4, b"ab").await.1["code"], "upload_offset");
    let bytes = photo(300, 200, ImageFormat::Png);
    assert_eq!(aysulu.upload(&hash_of(&bytes), &bytes, 64 * 1024).await.1["done"], true);
    // An upload refused at its end gives its place back.
    let (status, answer) = mallory.piece(&fresh(0), 2, 4, b"cd").await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("photo_mismatch")));
    assert_eq!(mallory.piece(&fresh(100), 0, 4, b"ab").await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_person_who_keeps_as_many_photos_as_allowed_is_told_what_to_do() {
    let db = support::migrated_memory_db().await;
    let router = support::router_with(db.clone(), &std::env::temp_dir()).await;
    let gulnar = support::entrepreneur(&db, "+998901000033").await;
    let her = Phone { router: router.clone(), cookie: gulnar.cookie.clone() };
    let other = Phone { router, cookie: support::entrepreneur(&db, "+998901000034").await.cookie };
    let first = photo(300, 200, ImageFormat::Png);
    assert_eq!(her.upload(&hash_of(&first), &first, 64 * 1024).await.1["done"], true);
    let holding: Vec<Value> = db
        .query("SELECT uploads, photos, bytes FROM type::record('photo_holding', $owner)")
        .bind(("owner", gulnar.owner().to_string()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(holding[0]["uploads"], 0);
    assert_eq!(holding[0]["photos"], 1);
    assert!(holding[0]["bytes"].as_i64().unwrap() > 0, "{holding:?}");
    // She has reached the bound.
    db.query("UPDATE type::record('photo_holding', $owner) SET photos = $max")
        .bind(("owner", gulnar.owner().to_string()))
        .bind(("max", sawda_server::photos::ledger::MAX_PHOTOS))
        .await
        .unwrap()
        .check()
        .unwrap();
    let next = photo(320, 200, ImageFormat::Png);
    let (status, answer) = her.upload(&hash_of(&next), &next, 64 * 1024).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::INSUFFICIENT_STORAGE, Some("photos_full")));
    assert!(answer["message"].as_str().unwrap().contains("Remove photos you no longer use"), "{answer}");
    assert_eq!(her.missing(&[&hash_of(&next)]).await, [hash_of(&next)], "nothing of it is kept");
    // A photo already kept is still "done" for her, and others upload as before.
    assert_eq!(her.upload(&hash_of(&first), &first, 64 * 1024).await.1["done"], true);
    assert_eq!(other.upload(&hash_of(&next), &next, 64 * 1024).await.1["done"], true);
}

#[tokio::test]
async fn photos_no_record_points_at_are_removed_a_week_later_and_the_others_stay() {
    use sawda_sync::{DeviceId, Kind, Replica};
    let db = support::migrated_memory_db().await;
    let site = std::env::temp_dir();
    let state = support::state(db.clone(), &site);
    let router = sawda_server::router(state.clone(), &site);
    let gulnar = support::entrepreneur(&db, "+998901000035").await;
    let her = Phone { router: router.clone(), cookie: gulnar.cookie.clone() };
    let (used, unused) = (photo(300, 200, ImageFormat::Png), photo(310, 200, ImageFormat::Png));
    for bytes in [&used, &unused] {
        assert_eq!(her.upload(&hash_of(bytes), bytes, 64 * 1024).await.1["done"], true);
    }
    // Her product points at one of them.
    let mut phone = Replica::new(DeviceId::new(1_760_000_000_000, [1; 10]), gulnar.owner());
    let fields = [("name", json!("Melon jam")), ("photos", json!([hash_of(&used)]))]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    phone.create(Kind::Product, fields, 1_760_000_000_100, [2; 10]).unwrap();
    let push = phone.push_request(sawda_sync::protocol::Limits::DEFAULT).unwrap();
    let (status, answer) = crate::sync::post_push(&router, &gulnar, serde_json::to_string(&push).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["results"][0]["result"], "applied", "{answer}");

    let first = sawda_server::housekeeping::clean_up_photos(&state).await.unwrap();
    assert_eq!((first.marked_unused, first.removed), (1, 0), "{first:?}");
    assert_eq!(her.served(&hash_of(&unused), "large.jpg").await.0, StatusCode::OK, "kept during the grace period");
    // A week and a day later.
    db.query("UPDATE photo SET unused_since = time::now() - 8d WHERE unused_since != NONE")
        .await
        .unwrap()
        .check()
        .unwrap();
    let later = sawda_server::housekeeping::clean_up_photos(&state).await.unwrap();
    assert_eq!(later.removed, 1, "{later:?}");
    assert_eq!(her.served(&hash_of(&unused), "large.jpg").await.0, StatusCode::NOT_FOUND);
    assert_eq!(her.served(&hash_of(&used), "large.jpg").await.0, StatusCode::OK, "the photo her product shows stays");
    assert_eq!(her.missing(&[&hash_of(&used), &hash_of(&unused)]).await, [hash_of(&unused)]);
    let photos: Option<i64> = db
        .query("(SELECT VALUE photos FROM type::record('photo_holding', $owner))[0]")
        .bind(("owner", gulnar.owner().to_string()))
        .await
        .unwrap()
        .take(0)
        .unwrap();
    assert_eq!(photos, Some(1), "her room is given back");
    // She may send it again: it is kept anew.
    assert_eq!(her.upload(&hash_of(&unused), &unused, 64 * 1024).await.1["done"], true);
}
