//! `make bench`: printed figures against their targets, one binary (SurrealDB
//! is linked once, as for the integration tests). Each part is a module; name
//! the parts to run, or none to run them all:
//! `cargo bench -p sawda-server --bench bench -- review limits`.
//!
//! - `sync`: what syncing costs on the wire, a phone coming online with 1,000
//!   queued mutations, a village's phones pushing at once;
//! - `limits`: the worst record the bounds allow, and a normal pull during attacks;
//! - `review`: the review desk's queue with thousands of items waiting, and a
//!   decision in a storefront of 1 to 1,000 approved products (four coordinators at once too);
//! - `programme`: the programme's figures for 10,000 storefronts over two years;
//! - `handle`: requests a second through the router, for what the database handle costs a request;
//! - `public`: the market over 200,000 products and a product page against
//!   nginx (the seeded database is kept in `~/.cache/sawda`; minutes of both cores).

mod handle;
mod limits;
mod programme;
mod public;
mod review;
mod support;
mod sync;

/// The parts, in the order `make bench` runs them.
const PARTS: [&str; 6] = ["sync", "limits", "review", "programme", "handle", "public"];

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench` (and a filter would follow it); the parts are the words.
    let asked: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    if let Some(unknown) = asked.iter().find(|a| !PARTS.contains(&a.as_str())) {
        eprintln!("no bench part {unknown:?}: the parts are {}", PARTS.join(", "));
        std::process::exit(2);
    }
    let wanted = |part: &str| asked.is_empty() || asked.iter().any(|a| a == part);
    if wanted("sync") {
        sync::run().await;
    }
    if wanted("limits") {
        limits::run().await;
    }
    if wanted("review") {
        review::run().await;
    }
    if wanted("programme") {
        programme::run().await;
    }
    if wanted("handle") {
        handle::run().await;
    }
    if wanted("public") {
        public::run().await;
    }
}
