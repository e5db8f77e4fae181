//! Structured logs through `tracing`; `RUST_LOG` narrows or widens them.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,surrealdb=warn,surrealkv=warn,tower_http=info"));
    // Logs go to stderr; stdout carries only what a person starting Sawda needs to see.
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_writer(std::io::stderr);
    // A second init (tests) keeps the first subscriber; that is fine.
    let _ = match format {
        LogFormat::Text => builder.finish().with(NotTheClose).try_init(),
        LogFormat::Json => builder.json().flatten_event(true).finish().with(NotTheClose).try_init(),
    };
}

/// What SurrealKV 0.21 logs on every close of a store that syncs every
/// commit: its commit thread drops its handle to the store outside the async
/// runtime (`surrealdb-kvs-surrealkv`, `CommitBatcher`), and that handle's
/// `Drop` cannot close the store from there. The datastore's own shutdown
/// closes it right after; `database::close` waits for that and logs an
/// error of its own when the store did not close.
const SURREALKV_THREAD_DROP: &str = "No runtime available for closing the store correctly";

/// Leaves out `SURREALKV_THREAD_DROP`, which would claim an unclean close on every stop.
struct NotTheClose;

impl<S: Subscriber> Layer<S> for NotTheClose {
    fn event_enabled(&self, event: &Event<'_>, _: Context<'_, S>) -> bool {
        let mut message = Message(false);
        event.record(&mut message);
        !message.0
    }
}

struct Message(bool);

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0 |= field.name() == "message" && value == SURREALKV_THREAD_DROP;
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0 |= field.name() == "message" && format!("{value:?}") == SURREALKV_THREAD_DROP;
    }
}
