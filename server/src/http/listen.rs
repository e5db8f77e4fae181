//! Serving connections (HTTP/1.1): each gets `header_timeout` to send a
//! request's headers (a slowloris client is cut off), at most `caps.total`
//! are served at once (the rest wait in the kernel's queue), and at most
//! `caps.per_address` of them from one client address (an IPv6 client counts
//! by its /64): one more from that address is closed at once, so one client
//! cannot hold every place. On shutdown every connection finishes the request it is on,
//! then closes; one still open after `DRAIN` is cut off, and `serve` returns
//! only when every connection task (and so every handle it held) is gone.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

/// How long requests in flight may take to finish once shutdown begins.
const DRAIN: Duration = Duration::from_secs(30);

/// Connections served at once.
#[derive(Clone, Copy, Debug)]
pub struct Caps {
    pub total: usize,
    /// `None` behind a proxy: every connection comes from it, and the proxy
    /// limits its clients.
    pub per_address: Option<usize>,
}

/// The default share of one client address (of the default 1,024 in all).
pub const PER_ADDRESS: usize = 64;

/// Open connections per client address.
pub struct PerAddress {
    max: usize,
    open: Mutex<HashMap<IpAddr, usize>>,
}

/// One connection's place in its address's share; given back when dropped.
pub struct AddressPlace {
    of: Arc<PerAddress>,
    address: IpAddr,
}

impl PerAddress {
    pub fn new(max: usize) -> Arc<PerAddress> {
        Arc::new(PerAddress { max, open: Mutex::new(HashMap::new()) })
    }

    /// The key a peer counts under: an IPv4 address (also when it arrives
    /// mapped into IPv6), or an IPv6 address's /64.
    fn key(peer: IpAddr) -> IpAddr {
        match peer.to_canonical() {
            IpAddr::V6(v6) => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
            v4 => v4,
        }
    }

    /// A place for one more connection from `peer`, or `None` when its share is taken.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<AddressPlace> {
        let address = Self::key(peer);
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = open.entry(address).or_insert(0);
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(AddressPlace { of: self.clone(), address })
    }

    /// Addresses with a connection open (the map holds no others).
    pub fn addresses(&self) -> usize {
        self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).len()
    }
}

impl Drop for AddressPlace {
    fn drop(&mut self) {
        let mut open = self.of.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(count) = open.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.address);
            }
        }
    }
}

pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    header_timeout: Duration,
    caps: Caps,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(tokio::sync::Semaphore::new(caps.total));
    let per_address = caps.per_address.map(PerAddress::new);
    let (stopping, _) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Finished connections leave the set as they go.
        while connections.try_join_next().is_some() {}
        // A free slot first: over the cap, new connections wait to be accepted.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait a moment instead of spinning.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Over its address's share: closed at once, and the slot is free again.
        let place = match &per_address {
            Some(per_address) => match per_address.admit(peer.ip()) {
                Some(place) => Some(place),
                None => {
                    drop((stream, slot));
                    continue;
                }
            },
            None => None,
        };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            router.clone().oneshot(request)
        });
        let mut stop = stopping.subscribe();
        connections.spawn(async move {
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            tokio::pin!(connection);
            // A client that goes away or is too slow ends only its own connection.
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = stop.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
            drop((slot, place));
        });
    }
    drop(listener);
    drop(router);
    let _ = stopping.send(true);
    let drained = tokio::time::timeout(DRAIN, async { while connections.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(
            connections = connections.len(),
            "some requests were still running {} s after shutdown began: cut off",
            DRAIN.as_secs()
        );
        // Cut off, and waited for: nothing of theirs outlives `serve`.
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_share_and_gets_it_back() {
        let per_address = PerAddress::new(2);
        let here: IpAddr = "198.51.100.7".parse().unwrap();
        let (a, b) = (per_address.admit(here).unwrap(), per_address.admit(here).unwrap());
        assert!(per_address.admit(here).is_none(), "its share is taken");
        // The same IPv4 client arriving on a dual-stack listener is the same client.
        assert!(per_address.admit("::ffff:198.51.100.7".parse().unwrap()).is_none());
        assert!(per_address.admit("198.51.100.8".parse().unwrap()).is_some(), "others are not held back");
        drop(a);
        let c = per_address.admit(here).expect("a closed connection gives its place back");
        // One IPv6 client holds a /64: it counts as one.
        let v6 =
            (per_address.admit("2001:db8::1".parse().unwrap()), per_address.admit("2001:db8::2:1".parse().unwrap()));
        assert!(v6.0.is_some() && v6.1.is_some());
        assert!(per_address.admit("2001:db8::ffff:1".parse().unwrap()).is_none());
        assert!(per_address.admit("2001:db8:0:1::1".parse().unwrap()).is_some(), "another /64");
        drop((b, c, v6));
        assert_eq!(per_address.addresses(), 0, "nothing kept for addresses gone");
    }
}
