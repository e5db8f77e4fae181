//! This release's app bundle and the service worker that keeps it on phones.
//!
//! cargo-leptos writes the bundle (`sawda.js`, `sawda.wasm`, the split-off
//! chunks, `sawda.css`) under fixed names. Served under those names, a phone
//! could pair a cached old wasm with new HTML and hydration would break. So the
//! server names the bundle by a hash of its content, `/pkg/<release>/…`: pages
//! of one release only ever load that release's files, which never change
//! and are cached for good, and the service worker keeps each release in a
//! cache of its own name.

use std::path::{Path, PathBuf};

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// Pages a phone keeps from its first visit, so they open with no network.
pub const OFFLINE_PAGES: [&str; 4] = ["/", "/studio", "/studio/ads", "/offline"];
/// Public files the pages use, and each language's texts (for switching offline).
const SHELL_FILES: [&str; 9] = [
    "/favicon.svg",
    "/manifest.webmanifest",
    // The ad studio's styles and its cards' font (2 × 15 KB), so it works offline too.
    "/ads.css",
    "/fonts/noto-sans-400.woff2",
    "/fonts/noto-sans-700.woff2",
    "/texts/kaa.json",
    "/texts/uz.json",
    "/texts/ru.json",
    "/texts/en.json",
];

/// The content hash naming this release: 16 hex digits of the SHA-256 of the
/// bundle's file names and bytes, the texts (served apart from it), the
/// service worker's script and the public files it keeps.
pub fn release_id(site: &Path) -> String {
    let mut hash = Sha256::new();
    for lang in app::i18n::Lang::ALL {
        hash.update(app::i18n::page_texts::json(lang).as_bytes());
    }
    // The service worker and the public files it keeps belong to the release too
    // (a file that is not on disk, as the texts, hashes as empty).
    for path in SHELL_FILES.iter().chain(&["/sw.js"]) {
        hash.update(path.as_bytes());
        hash.update(std::fs::read(site.join(path.trim_start_matches('/'))).unwrap_or_default());
    }
    for name in bundle_files(site) {
        let bytes = std::fs::read(site.join("pkg").join(&name)).unwrap_or_default();
        hash.update(name.as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(&bytes);
    }
    hash.finalize().iter().take(8).map(|byte| format!("{byte:02x}")).collect()
}

/// The bundle's files under `pkg/`, sorted; precompressed copies and type
/// declarations are not part of it. Empty when nothing was built.
pub fn bundle_files(site: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(site.join("pkg")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| !name.ends_with(".br") && !name.ends_with(".gz") && !name.ends_with(".d.ts"))
        .collect();
    names.sort();
    names
}

/// `pkg/<release>`: where pages load the bundle from (Leptos's `site_pkg_dir`).
pub fn pkg_dir(site: &Path) -> String {
    format!("pkg/{}", release_id(site))
}

/// `GET /sw.js`: the service worker of `public/sw.js`, told this release's
/// name and files. Its bytes change with every release, which is how the
/// browser notices an update.
pub async fn service_worker(State(options): State<leptos::config::LeptosOptions>) -> Response {
    let site = PathBuf::from(&*options.site_root);
    let Ok(script) = std::fs::read_to_string(site.join("sw.js")) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let pkg = format!("/{}", options.site_pkg_dir);
    let release = pkg.rsplit('/').next().unwrap_or_default().to_owned();
    let files: Vec<String> = bundle_files(&site)
        .into_iter()
        .map(|name| format!("{pkg}/{name}"))
        .chain(SHELL_FILES.iter().map(|path| path.to_string()))
        .collect();
    let preamble = serde_json::json!({ "release": release, "files": files, "pages": OFFLINE_PAGES });
    let body = format!("const SAWDA = {preamble};\n{script}");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /texts/{code}.json`: a language's texts, in the app's key order.
pub async fn texts(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    let lang = file.strip_suffix(".json").and_then(app::i18n::Lang::from_code);
    let Some(lang) = lang.filter(|lang| file == format!("{}.json", lang.code())) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut response = app::i18n::page_texts::json(lang).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_id_follows_the_bundle_and_what_the_worker_keeps() {
        let site = tempfile::tempdir().unwrap();
        let pkg = site.path().join("pkg");
        std::fs::create_dir_all(&pkg).unwrap();
        std::fs::write(pkg.join("sawda.js"), "one").unwrap();
        std::fs::write(pkg.join("sawda.wasm"), [0, 97, 115, 109]).unwrap();
        let first = release_id(site.path());
        assert_eq!(first.len(), 16);
        // Compressed copies and declarations are not the bundle.
        std::fs::write(pkg.join("sawda.js.br"), "zzz").unwrap();
        std::fs::write(pkg.join("sawda.d.ts"), "declare").unwrap();
        assert_eq!(release_id(site.path()), first);
        assert_eq!(bundle_files(site.path()), ["sawda.js", "sawda.wasm"]);
        std::fs::write(pkg.join("sawda.js"), "two").unwrap();
        assert_ne!(release_id(site.path()), first);
        // The worker and the public files it keeps belong to the release too.
        let bundle_only = release_id(site.path());
        std::fs::write(site.path().join("sw.js"), "worker").unwrap();
        let with_worker = release_id(site.path());
        assert_ne!(with_worker, bundle_only);
        std::fs::write(site.path().join("ads.css"), "a {}").unwrap();
        assert_ne!(release_id(site.path()), with_worker);
        // Nothing built: still a name, and no files.
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(release_id(empty.path()).len(), 16);
        assert!(bundle_files(empty.path()).is_empty());
    }
}
