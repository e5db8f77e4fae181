//! The HTTP surface: routes, static files and the layers around them.

use std::net::SocketAddr;

use leptos::config::LeptosOptions;

use crate::config::Config;

pub mod app_pages;
pub mod client;
pub mod health;
pub mod language_choice;
pub mod listen;
pub mod page_cache;
pub mod plain_html;
pub mod public_changes;
pub mod release;
pub mod security_headers;
pub mod site;

pub fn leptos_options(config: &Config, addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("sawda")
        .site_root(config.site.to_string_lossy().into_owned())
        .site_pkg_dir(release::pkg_dir(&config.site))
        .site_addr(addr)
        .build()
}
