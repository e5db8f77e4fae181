//! Turns `locales/*.json` into a typed table of texts.
//!
//! Every language must carry exactly the same keys and, for each key, the same
//! `{placeholders}`: a missing or stray translation fails the build instead of
//! showing a blank or a raw key to someone on a phone.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// In the order of `Lang` in `src/i18n/lang.rs`.
const LANGS: [&str; 4] = ["kaa", "uz", "ru", "en"];

fn main() {
    let dir = Path::new("locales");
    println!("cargo:rerun-if-changed=locales");
    println!("cargo:rerun-if-env-changed=CARGO_FEATURE_HYDRATE");
    let tables: Vec<serde_json::Map<String, serde_json::Value>> = LANGS
        .iter()
        .map(|lang| {
            let path = dir.join(format!("{lang}.json"));
            println!("cargo:rerun-if-changed={}", path.display());
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            match serde_json::from_str(&text) {
                Ok(serde_json::Value::Object(map)) => map,
                Ok(_) => panic!("{}: must be one JSON object of \"key\": \"text\"", path.display()),
                Err(e) => panic!("{}: {e}", path.display()),
            }
        })
        .collect();

    let keys: Vec<&String> = tables[0].keys().collect();
    let mut problems = Vec::new();
    for (lang, table) in LANGS.iter().zip(&tables) {
        for key in table.keys() {
            if !tables[0].contains_key(key) {
                problems.push(format!("{lang}.json has `{key}`, which {}.json lacks", LANGS[0]));
            }
        }
        for key in &keys {
            match table.get(*key) {
                None => problems.push(format!("{lang}.json lacks `{key}`")),
                Some(serde_json::Value::String(text)) => {
                    let base = tables[0][*key].as_str().unwrap_or_default();
                    if placeholders(text) != placeholders(base) {
                        problems.push(format!(
                            "{lang}.json `{key}`: placeholders {:?} differ from {:?} in {}.json",
                            placeholders(text),
                            placeholders(base),
                            LANGS[0]
                        ));
                    }
                    if text.trim().is_empty() {
                        problems.push(format!("{lang}.json `{key}` is empty"));
                    }
                }
                Some(_) => problems.push(format!("{lang}.json `{key}` is not a string")),
            }
        }
    }
    if !problems.is_empty() {
        panic!("translation files disagree:\n  {}", problems.join("\n  "));
    }

    let mut out = String::new();
    out.push_str("/// A user-facing text, one per entry of `locales/*.json`.\n");
    out.push_str("#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]\npub enum Key {\n");
    for key in &keys {
        writeln!(out, "    /// `{key}`\n    {},", variant(key)).unwrap();
    }
    out.push_str("}\n\n");
    writeln!(out, "pub const KEY_COUNT: usize = {};\n", keys.len()).unwrap();
    out.push_str("impl Key {\n    pub const ALL: [Key; KEY_COUNT] = [");
    for key in &keys {
        write!(out, "Key::{}, ", variant(key)).unwrap();
    }
    out.push_str("];\n\n    /// The key as written in the translation files.\n");
    out.push_str("    pub fn name(self) -> &'static str {\n        match self {\n");
    for key in &keys {
        writeln!(out, "            Key::{} => {key:?},", variant(key)).unwrap();
    }
    out.push_str("        }\n    }\n}\n\n");
    // In the browser's wasm every string stays in the first download (code
    // splitting moves code, not data), so the wasm carries no texts: each page
    // brings its language's (see `i18n::page_texts`). Only the language names,
    // which the switcher shows in every language, are built in.
    let browser_only =
        std::env::var_os("CARGO_FEATURE_HYDRATE").is_some() && std::env::var_os("CARGO_FEATURE_SSR").is_none();
    if browser_only {
        out.push_str("/// Each language's name and short name, in `Lang` order.\n");
        out.push_str("pub static LANGUAGE_LABELS: [[&str; 2]; 4] = [\n");
        for table in &tables {
            writeln!(
                out,
                "    [{:?}, {:?}],",
                table["language.name"].as_str().unwrap(),
                table["language.short"].as_str().unwrap()
            )
            .unwrap();
        }
        out.push_str("];\n");
    } else {
        // The keys the first module's views name (the site's frame and the
        // pages outside lazy routes): the home page carries only these, and
        // a lazy page fetches the rest before it is drawn.
        out.push_str("/// Keys named by the views outside lazy routes (see `i18n::page_texts`).\n");
        out.push_str("pub static SHELL_KEYS: &[Key] = &[");
        for key in shell_keys(&keys) {
            write!(out, "Key::{key}, ").unwrap();
        }
        out.push_str("];\n\n");
        out.push_str("/// Texts by language (in `Lang` order), then by `Key as usize`.\n");
        out.push_str("pub static TEXTS: [[&str; KEY_COUNT]; 4] = [\n");
        for table in &tables {
            out.push_str("    [\n");
            for key in &keys {
                writeln!(out, "        {:?},", table[*key].as_str().unwrap()).unwrap();
            }
            out.push_str("    ],\n");
        }
        out.push_str("];\n");
    }

    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("texts.rs");
    std::fs::write(dest, out).unwrap();
}

/// Where the views outside lazy routes live: the site's frame and pages, the
/// route table, the document and what they fetch with.
const SHELL_SOURCES: [&str; 6] =
    ["src/ui", "src/site", "src/routes.rs", "src/shell.rs", "src/i18n", "src/device/http.rs"];

/// The `Key::…` variants named in `SHELL_SOURCES`, each once, in `keys` order.
fn shell_keys(keys: &[&String]) -> Vec<String> {
    let mut named = BTreeSet::new();
    let mut files = Vec::new();
    for source in SHELL_SOURCES {
        println!("cargo:rerun-if-changed={source}");
        collect_rust_files(Path::new(source), &mut files);
    }
    for file in files {
        let code = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        for (at, _) in code.match_indices("Key::") {
            let name: String = code[at + "Key::".len()..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
            named.insert(name);
        }
    }
    keys.iter().map(|key| variant(key)).filter(|name| named.contains(name)).collect()
}

fn collect_rust_files(path: &Path, files: &mut Vec<std::path::PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for entry in entries {
            collect_rust_files(&entry, files);
        }
    } else if path.extension().is_some_and(|e| e == "rs") {
        files.push(path.to_path_buf());
    }
}

/// `home.buyers.title` -> `HomeBuyersTitle`
fn variant(key: &str) -> String {
    let name: String = key
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            let first = chars.next().unwrap().to_ascii_uppercase();
            std::iter::once(first).chain(chars).collect::<String>()
        })
        .collect();
    assert!(
        name.chars().next().is_some_and(|c| c.is_ascii_alphabetic()),
        "translation key `{key}` must start with a letter"
    );
    name
}

/// The `{name}` placeholders of a text, in a set.
fn placeholders(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        found.insert(rest[start + 1..start + len].to_string());
        rest = &rest[start + len + 1..];
    }
    found
}
