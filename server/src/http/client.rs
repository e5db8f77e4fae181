//! The client a request comes from, as rate limits and view counts key it.

use std::net::SocketAddr;

use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRef};

use super::site::Site;

/// The client's address, for rate limits (see `Site::client_address`).
pub struct Client(pub String);

/// Behind a trusted proxy, an entry that is not an address: refused, not
/// counted as the proxy. Answered as the API's `bad_request` (its response is
/// written in `api/error.rs`, with every other error's).
#[derive(Debug)]
pub struct NotAnAddress;

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Client
where
    Arc<Site>: FromRef<S>,
{
    type Rejection = NotAnAddress;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, NotAnAddress> {
        let socket = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        let site = Arc::<Site>::from_ref(state);
        let address = site.client_address(&parts.headers, socket).map_err(|_| NotAnAddress)?;
        Ok(Client(format!("client:{address}")))
    }
}
