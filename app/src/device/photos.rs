//! Photos on the phone. A photo taken or chosen is drawn again at most 1280
//! pixels on its longest side as JPEG (which leaves every bit of metadata
//! behind, the GPS position included), with a 320-pixel thumbnail, named by
//! the SHA-256 of the large one's bytes, and kept in the browser's Cache
//! Storage (local storage is far too small for photos) under the address the
//! server will serve it at: `/photos/<hash>/{large,thumb}.jpg`. Records point
//! at photos by that hash. Runs only in the browser.

use js_sys::{Promise, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, Cache, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap, Response, ResponseInit};

/// Separate from the app's caches (`sawda-<release>`), which a new release replaces.
const CACHE: &str = "photos-v1";
pub const LARGE_SIDE: f64 = 1280.0;
pub const THUMB_SIDE: f64 = 320.0;
const QUALITY: f64 = 0.82;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddProblem {
    NotAnImage,
    NoRoom,
}

const KEPT_AT: &str = "x-sawda-kept-at";
/// How long a kept photo may wait to be put in a record before it may be cleaned.
const CLEAN_AFTER_MS: u64 = 60 * 60 * 1000;

pub fn address(hash: &str, size: &str) -> String {
    format!("/photos/{hash}/{size}.jpg")
}

async fn cache() -> Result<Cache, JsValue> {
    let caches = window().caches()?;
    Ok(JsFuture::from(caches.open(CACHE)).await?.unchecked_into())
}

/// Shrinks, names and keeps a photo the person chose; returns its hash.
pub async fn add(file: Blob) -> Result<String, AddProblem> {
    let bitmap: ImageBitmap =
        JsFuture::from(window().create_image_bitmap_with_blob(&file).map_err(|_| AddProblem::NotAnImage)?)
            .await
            .map_err(|_| AddProblem::NotAnImage)?
            .unchecked_into();
    let large = draw(&bitmap, LARGE_SIDE).await.map_err(|_| AddProblem::NotAnImage)?;
    let thumb = draw(&bitmap, THUMB_SIDE).await.map_err(|_| AddProblem::NotAnImage)?;
    bitmap.close();
    let bytes = blob_bytes(&large).await.map_err(|_| AddProblem::NotAnImage)?;
    let hash = sha256_hex(&bytes).await.map_err(|_| AddProblem::NotAnImage)?;
    let cache = cache().await.map_err(|_| AddProblem::NoRoom)?;
    for (blob, size) in [(&large, "large"), (&thumb, "thumb")] {
        let init = ResponseInit::new();
        let headers = web_sys::Headers::new().map_err(|_| AddProblem::NoRoom)?;
        let _ = headers.set("content-type", "image/jpeg");
        // When it was kept: a photo just added is not yet in a record, and
        // must not be cleaned away meanwhile (`clean`).
        // Whole milliseconds: formatting and parsing floats would put their
        // tables in the wasm everyone downloads first.
        let _ = headers.set(KEPT_AT, &(js_sys::Date::now() as u64).to_string());
        init.set_headers(&headers);
        let response = Response::new_with_opt_blob_and_init(Some(blob), &init).map_err(|_| AddProblem::NoRoom)?;
        // A full phone refuses the put (QuotaExceededError): nothing is referenced then.
        JsFuture::from(cache.put_with_str(&address(&hash, size), &response)).await.map_err(|_| AddProblem::NoRoom)?;
    }
    Ok(hash)
}

/// The picture drawn at most `side` pixels on its longest side, as JPEG.
async fn draw(bitmap: &ImageBitmap, side: f64) -> Result<Blob, JsValue> {
    let (width, height) = (f64::from(bitmap.width()), f64::from(bitmap.height()));
    let scale = (side / width.max(height)).min(1.0);
    let (w, h) = ((width * scale).round().max(1.0), (height * scale).round().max(1.0));
    let canvas: HtmlCanvasElement = document().create_element("canvas")?.unchecked_into();
    canvas.set_width(w as u32);
    canvas.set_height(h as u32);
    let context: CanvasRenderingContext2d =
        canvas.get_context("2d")?.ok_or_else(|| JsValue::from_str("no 2d context"))?.unchecked_into();
    // JPEG has no transparency: what was transparent is white.
    context.set_fill_style_str("#ffffff");
    context.fill_rect(0.0, 0.0, w, h);
    context.draw_image_with_image_bitmap_and_dw_and_dh(bitmap, 0.0, 0.0, w, h)?;
    let made = Promise::new(&mut |resolve, reject| {
        let done = Closure::once_into_js(move |blob: JsValue| {
            if blob.is_null() {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("no blob"));
            } else {
                let _ = resolve.call1(&JsValue::NULL, &blob);
            }
        });
        let _ = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            "image/jpeg",
            &JsValue::from_f64(QUALITY),
        );
    });
    Ok(JsFuture::from(made).await?.unchecked_into())
}

async fn blob_bytes(blob: &Blob) -> Result<Vec<u8>, JsValue> {
    let buffer = JsFuture::from(blob.array_buffer()).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

async fn sha256_hex(bytes: &[u8]) -> Result<String, JsValue> {
    let subtle = window().crypto()?.subtle();
    let digest = JsFuture::from(subtle.digest_with_str_and_u8_array("SHA-256", bytes)?).await?;
    Ok(Uint8Array::new(&digest).to_vec().iter().map(|b| format!("{b:02x}")).collect())
}

/// The bytes of a photo kept on this phone (the large one, which is what is uploaded).
pub async fn kept_bytes(hash: &str) -> Option<Vec<u8>> {
    let cache = cache().await.ok()?;
    let found = JsFuture::from(cache.match_with_str(&address(hash, "large"))).await.ok()?;
    let response: Response = found.dyn_into().ok()?;
    let blob: Blob = JsFuture::from(response.blob().ok()?).await.ok()?.unchecked_into();
    blob_bytes(&blob).await.ok()
}

/// Whether a photo is kept on this phone (without reading it).
pub async fn is_kept(hash: &str) -> bool {
    let Ok(cache) = cache().await else { return false };
    match JsFuture::from(cache.match_with_str(&address(hash, "large"))).await {
        Ok(found) => found.is_instance_of::<Response>(),
        Err(_) => false,
    }
}

/// Where this phone notes that the server has a photo it keeps (an empty
/// entry beside its sizes, so removed and cleaned with them).
fn sent_address(hash: &str) -> String {
    format!("/photos/{hash}/sent")
}

/// Notes that the server has this photo, if it is kept here: after a reload
/// with no signal it is not called "only on this phone".
pub async fn mark_sent(hash: &str) {
    if !is_kept(hash).await {
        return;
    }
    let Ok(cache) = cache().await else { return };
    let Ok(empty) = Response::new() else { return };
    let _ = JsFuture::from(cache.put_with_str(&sent_address(hash), &empty)).await;
}

/// Whether the server was seen to have this photo (see [`mark_sent`]).
pub async fn was_sent(hash: &str) -> bool {
    let Ok(cache) = cache().await else { return false };
    match JsFuture::from(cache.match_with_str(&sent_address(hash))).await {
        Ok(found) => found.is_instance_of::<Response>(),
        Err(_) => false,
    }
}

/// An address for an `<img>` of a photo kept on this phone (a `blob:` URL), if it is.
pub async fn kept_url(hash: &str, size: &str) -> Option<String> {
    let cache = cache().await.ok()?;
    let found = JsFuture::from(cache.match_with_str(&address(hash, size))).await.ok()?;
    let response: Response = found.dyn_into().ok()?;
    let blob: Blob = JsFuture::from(response.blob().ok()?).await.ok()?.unchecked_into();
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Removes these photos from the phone, every size (hers, when she signs
/// out of a shared phone). Returns how many photos went.
pub async fn remove(hashes: &std::collections::BTreeSet<String>) -> Result<usize, JsValue> {
    if hashes.is_empty() {
        return Ok(0);
    }
    let cache = cache().await?;
    let requests: js_sys::Array = JsFuture::from(cache.keys()).await?.unchecked_into();
    let mut removed = std::collections::BTreeSet::new();
    for request in requests.iter() {
        let request: web_sys::Request = request.unchecked_into();
        let path = web_sys::Url::new(&request.url())?.pathname();
        let Some(hash) = path.strip_prefix("/photos/").and_then(|rest| rest.split('/').next()) else { continue };
        if hashes.contains(hash) {
            JsFuture::from(cache.delete_with_request(&request)).await?;
            removed.insert(hash.to_owned());
        }
    }
    Ok(removed.len())
}

/// Removes from the phone the photos no stored row names any more (deleted
/// from every record and every queued or refused edit, of every person on
/// this phone), once an hour has passed since they were kept. Returns how
/// many photos went.
pub async fn clean(named: &std::collections::BTreeSet<String>) -> Result<usize, JsValue> {
    let cache = cache().await?;
    let requests: js_sys::Array = JsFuture::from(cache.keys()).await?.unchecked_into();
    let now = js_sys::Date::now() as u64;
    let mut removed = std::collections::BTreeSet::new();
    for request in requests.iter() {
        let request: web_sys::Request = request.unchecked_into();
        let path = web_sys::Url::new(&request.url())?.pathname();
        let Some(hash) = path.strip_prefix("/photos/").and_then(|rest| rest.split('/').next()) else { continue };
        if named.contains(hash) {
            continue;
        }
        let found = JsFuture::from(cache.match_with_request(&request)).await?;
        let kept_at = found
            .dyn_into::<Response>()
            .ok()
            .and_then(|r| r.headers().get(KEPT_AT).ok().flatten())
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(0);
        if now.saturating_sub(kept_at) >= CLEAN_AFTER_MS {
            JsFuture::from(cache.delete_with_request(&request)).await?;
            removed.insert(hash.to_owned());
        }
    }
    Ok(removed.len())
}
