//! How this server is reached from outside: its public address and whether a
//! reverse proxy in front of it may be trusted to say who the client is.

use axum::http::{HeaderMap, header};

use crate::config::Config;

#[derive(Debug, Clone, Default)]
pub struct Site {
    /// `https://sawda.example` when configured; printed on invitation slips.
    pub public_url: Option<String>,
    /// Take the client's address from `X-Forwarded-For` (set by our own proxy).
    pub trust_proxy: bool,
}

impl Site {
    pub fn from_config(config: &Config) -> Site {
        Site {
            public_url: config.public_url.as_deref().map(|url| url.trim_end_matches('/').to_string()),
            trust_proxy: config.trust_proxy,
        }
    }

    /// Cookies are `Secure` when the public address is https, or a trusted
    /// proxy says the request was (anyone else could say so too).
    pub fn secure_cookies(&self, headers: &HeaderMap) -> bool {
        match &self.public_url {
            Some(url) => url.starts_with("https://"),
            None => {
                self.trust_proxy
                    && headers
                        .get_all("x-forwarded-proto")
                        .iter()
                        .next_back()
                        .and_then(|v| v.to_str().ok())
                        .and_then(|list| list.rsplit(',').next())
                        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
            }
        }
    }

    /// `Strict-Transport-Security` for every answer when the public address is
    /// https: browsers then never try plain http, where a café's network
    /// could read the session.
    pub fn strict_transport(&self) -> Option<axum::http::HeaderValue> {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.starts_with("https://"))
            .then(|| axum::http::HeaderValue::from_static("max-age=31536000"))
    }

    /// The address people reach: the configured one, else the one this request used.
    pub fn origin(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("localhost");
        let scheme = if self.secure_cookies(headers) { "https" } else { "http" };
        format!("{scheme}://{host}")
    }

    /// The client's address for rate limits: the socket's, or behind a trusted proxy
    /// the last address the proxy appended to `X-Forwarded-For`: the last entry
    /// of the last header line (a proxy may add a line of its own after the
    /// client's, which the client chose).
    pub fn client_address(&self, headers: &HeaderMap, socket: Option<std::net::IpAddr>) -> String {
        let forwarded = self
            .trust_proxy
            .then(|| headers.get_all("x-forwarded-for").iter().next_back().and_then(|v| v.to_str().ok()))
            .flatten()
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse::<std::net::IpAddr>().ok());
        if !self.trust_proxy && socket.is_some_and(is_private) && headers.contains_key("x-forwarded-for") {
            warn_once_about_the_proxy();
        }
        match forwarded.or(socket) {
            // One IPv6 client usually holds a whole /64.
            Some(std::net::IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        }
    }
}

/// A loopback or private peer that forwards addresses is a proxy: with
/// `SAWDA_TRUST_PROXY` off, everyone behind it shares one rate-limit key.
fn is_private(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        std::net::IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local(),
    }
}

fn warn_once_about_the_proxy() {
    static WARNED: std::sync::Once = std::sync::Once::new();
    WARNED.call_once(|| {
        tracing::warn!(
            "requests come through a proxy (a private address sending X-Forwarded-For) but \
             SAWDA_TRUST_PROXY is off: everyone behind it shares one sign-in limit; set SAWDA_TRUST_PROXY=true"
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn the_public_url_decides_links_and_cookies() {
        let site = Site { public_url: Some("https://sawda.example".into()), trust_proxy: false };
        let plain = headers(&[("host", "127.0.0.1:3000")]);
        assert_eq!(site.origin(&plain), "https://sawda.example");
        assert!(site.secure_cookies(&plain));
        let local = Site::default();
        assert_eq!(local.origin(&plain), "http://127.0.0.1:3000");
        assert!(!local.secure_cookies(&plain));
        assert_eq!(site.strict_transport().unwrap(), "max-age=31536000");
        assert_eq!(local.strict_transport(), None);
        // Only a trusted proxy says whether the request came over https.
        let says_https = headers(&[("x-forwarded-proto", "https")]);
        assert!(!local.secure_cookies(&says_https));
        let proxied = Site { public_url: None, trust_proxy: true };
        assert!(proxied.secure_cookies(&says_https));
        assert!(!proxied.secure_cookies(&headers(&[("x-forwarded-proto", "https"), ("x-forwarded-proto", "http")])));
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let socket = Some("10.0.0.1".parse().unwrap());
        let forwarded = headers(&[("x-forwarded-for", "1.2.3.4, 5.6.7.8")]);
        assert_eq!(Site::default().client_address(&forwarded, socket), "10.0.0.1");
        let proxied = Site { public_url: None, trust_proxy: true };
        assert_eq!(proxied.client_address(&forwarded, socket), "5.6.7.8");
        assert_eq!(proxied.client_address(&headers(&[]), socket), "10.0.0.1");
        // The client's own line first, the proxy's after it: the proxy's counts.
        let two_lines = headers(&[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "5.6.7.8")]);
        assert_eq!(proxied.client_address(&two_lines, socket), "5.6.7.8");
        let v6 = headers(&[("x-forwarded-for", "2001:db8:1:2:3:4:5:6")]);
        assert_eq!(proxied.client_address(&v6, None), "2001:db8:1:2::/64");
    }
}
