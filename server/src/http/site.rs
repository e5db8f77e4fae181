//! How this server is reached from outside: its public address, the names
//! it answers to, and whether a reverse proxy in front of it may be trusted
//! to say who the client is.

use std::net::{IpAddr, SocketAddr};

use axum::http::{HeaderMap, header};

use crate::config::Config;

#[derive(Debug, Clone, Default)]
pub struct Site {
    /// `https://sawda.example` when configured; printed on invitation slips.
    pub public_url: Option<String>,
    /// Take the client's address from `X-Forwarded-For` (set by our own proxy).
    pub trust_proxy: bool,
    /// Names this server answers to (`SAWDA_HOSTS`), lower-case, with a port if not the usual one.
    pub hosts: Vec<String>,
    /// Where it listens: links name it when nothing above is configured,
    /// which `Config::check_reach` allows on loopback only.
    pub listening: Option<SocketAddr>,
}

/// `X-Forwarded-For` from a trusted proxy whose last entry is not an address:
/// the proxy is not the one configured, and guessing would make every client
/// share the proxy's own address.
#[derive(Debug, thiserror::Error)]
#[error("the last X-Forwarded-For entry is not an address")]
pub struct UnreadableForward;

impl Site {
    pub fn from_config(config: &Config, listening: SocketAddr) -> Site {
        Site {
            public_url: config.public_url.as_deref().map(|url| url.trim_end_matches('/').to_string()),
            trust_proxy: config.trust_proxy,
            hosts: config.hosts.clone(),
            listening: Some(listening),
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

    /// The address people reach, for the absolute links of pages (canonical,
    /// previews, the WhatsApp message, the sitemap): the request's `Host`
    /// only when it is one of the configured names, else the public address,
    /// else the first name. With nothing configured (only allowed on
    /// loopback) the listening address, or a loopback name on its port. So a
    /// made-up `Host` never writes a link, and pages come in a few versions
    /// at most (the page cache keys on this).
    pub fn origin(&self, headers: &HeaderMap) -> String {
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).map(|h| h.trim().to_ascii_lowercase());
        let scheme = if self.secure_cookies(headers) { "https" } else { "http" };
        if let Some(host) = host.as_deref().filter(|host| self.hosts.iter().any(|name| name == host)) {
            return format!("{scheme}://{host}");
        }
        if let Some(url) = &self.public_url {
            return url.clone();
        }
        if let Some(first) = self.hosts.first() {
            return format!("{scheme}://{first}");
        }
        let Some(listening) = self.listening else {
            return "http://localhost".into();
        };
        match host.filter(|host| is_this_machine(host, listening.port())) {
            Some(host) => format!("{scheme}://{host}"),
            None => format!("{scheme}://{listening}"),
        }
    }

    /// The client's address for rate limits and view counts: the socket's,
    /// or behind a trusted proxy the last address the proxy appended to
    /// `X-Forwarded-For`: the last entry of the last header line (a proxy may
    /// add a line of its own after the client's, which the client chose).
    /// IPv4 clients of a dual-stack listener (`::ffff:a.b.c.d`) are
    /// themselves; an IPv6 client counts by its /64.
    pub fn client_address(&self, headers: &HeaderMap, socket: Option<IpAddr>) -> Result<String, UnreadableForward> {
        let forwarded = match self.trust_proxy {
            true => headers.get_all("x-forwarded-for").iter().next_back().map(forwarded_address).transpose()?,
            false => None,
        };
        if !self.trust_proxy && socket.is_some_and(is_private) && headers.contains_key("x-forwarded-for") {
            warn_once_about_the_proxy();
        }
        Ok(match forwarded.or(socket).map(|ip| ip.to_canonical()) {
            // One IPv6 client usually holds a whole /64.
            Some(IpAddr::V6(v6)) => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
            Some(ip) => ip.to_string(),
            None => "unknown".into(),
        })
    }
}

/// The last entry of an `X-Forwarded-For` line: an address, or one with a
/// port as some proxies write it (`203.0.113.9:4711`, `[2001:db8::1]:443`).
fn forwarded_address(line: &axum::http::HeaderValue) -> Result<IpAddr, UnreadableForward> {
    let last = line.to_str().ok().and_then(|list| list.rsplit(',').next()).map(str::trim).unwrap_or_default();
    last.parse::<IpAddr>().or_else(|_| last.parse::<SocketAddr>().map(|s| s.ip())).map_err(|_| UnreadableForward)
}

/// `localhost`, `127.0.0.1` or `[::1]` on the listening port: someone on
/// this machine (or a proxy on it that passes `Host` on).
fn is_this_machine(host: &str, port: u16) -> bool {
    let (name, given_port) = match host.rsplit_once(':') {
        Some((name, given)) if !name.ends_with(':') => (name, given.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    ["localhost", "127.0.0.1", "[::1]"].contains(&name) && given_port == Some(port)
}

/// A loopback or private peer that forwards addresses is a proxy: with
/// `SAWDA_TRUST_PROXY` off, everyone behind it shares one rate-limit key.
fn is_private(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.is_unique_local() || v6.is_unicast_link_local(),
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

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    fn proxied() -> Site {
        Site { trust_proxy: true, ..Default::default() }
    }

    #[test]
    fn the_public_url_decides_links_and_cookies() {
        let site = Site { public_url: Some("https://sawda.example".into()), ..Default::default() };
        let plain = headers(&[("host", "127.0.0.1:3000")]);
        assert_eq!(site.origin(&plain), "https://sawda.example");
        assert!(site.secure_cookies(&plain));
        let local = Site { listening: Some("127.0.0.1:3000".parse().unwrap()), ..Default::default() };
        assert_eq!(local.origin(&plain), "http://127.0.0.1:3000");
        assert!(!local.secure_cookies(&plain));
        assert_eq!(site.strict_transport().unwrap(), "max-age=31536000");
        assert_eq!(local.strict_transport(), None);
        // Only a trusted proxy says whether the request came over https.
        let says_https = headers(&[("x-forwarded-proto", "https")]);
        assert!(!local.secure_cookies(&says_https));
        assert!(proxied().secure_cookies(&says_https));
        assert!(!proxied().secure_cookies(&headers(&[("x-forwarded-proto", "https"), ("x-forwarded-proto", "http")])));
    }

    #[test]
    fn links_name_a_configured_host_and_never_a_made_up_one() {
        let evil = headers(&[("host", "evil.example")]);
        let site = Site { public_url: Some("https://sawda.uz".into()), ..Default::default() };
        assert_eq!(site.origin(&evil), "https://sawda.uz");
        let named = Site { hosts: vec!["sawda.uz".into(), "www.sawda.uz".into()], ..site };
        assert_eq!(named.origin(&headers(&[("host", "WWW.sawda.uz")])), "https://www.sawda.uz");
        assert_eq!(named.origin(&evil), "https://sawda.uz");
        let names_only = Site { hosts: vec!["sawda.uz".into(), "sawda.local:8080".into()], ..Default::default() };
        assert_eq!(names_only.origin(&headers(&[("host", "sawda.local:8080")])), "http://sawda.local:8080");
        assert_eq!(names_only.origin(&evil), "http://sawda.uz");
        assert_eq!(names_only.origin(&headers(&[("host", "sawda.local:8081")])), "http://sawda.uz");

        // Nothing configured (loopback only): this machine's names on its port, else the listening address.
        let local = Site { listening: Some("127.0.0.1:3000".parse().unwrap()), ..Default::default() };
        assert_eq!(local.origin(&evil), "http://127.0.0.1:3000");
        assert_eq!(local.origin(&headers(&[])), "http://127.0.0.1:3000");
        assert_eq!(local.origin(&headers(&[("host", "localhost:3000")])), "http://localhost:3000");
        assert_eq!(local.origin(&headers(&[("host", "[::1]:3000")])), "http://[::1]:3000");
        for other in ["localhost:3001", "127.0.0.2:3000", "localhost", "evil.example:3000", "[::1]"] {
            assert_eq!(local.origin(&headers(&[("host", other)])), "http://127.0.0.1:3000", "{other}");
        }
        let on_80 = Site { listening: Some("127.0.0.1:80".parse().unwrap()), ..Default::default() };
        assert_eq!(on_80.origin(&headers(&[("host", "localhost")])), "http://localhost");
        assert_eq!(Site::default().origin(&evil), "http://localhost");
    }

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let socket = Some("10.0.0.1".parse().unwrap());
        let forwarded = headers(&[("x-forwarded-for", "1.2.3.4, 5.6.7.8")]);
        assert_eq!(Site::default().client_address(&forwarded, socket).unwrap(), "10.0.0.1");
        assert_eq!(proxied().client_address(&forwarded, socket).unwrap(), "5.6.7.8");
        assert_eq!(proxied().client_address(&headers(&[]), socket).unwrap(), "10.0.0.1");
        // The client's own line first, the proxy's after it: the proxy's counts.
        let two_lines = headers(&[("x-forwarded-for", "6.6.6.6"), ("x-forwarded-for", "5.6.7.8")]);
        assert_eq!(proxied().client_address(&two_lines, socket).unwrap(), "5.6.7.8");
        let v6 = headers(&[("x-forwarded-for", "2001:db8:1:2:3:4:5:6")]);
        assert_eq!(proxied().client_address(&v6, None).unwrap(), "2001:db8:1:2::/64");
        let with_ports = headers(&[("x-forwarded-for", "1.1.1.1, [2001:db8:1:2::9]:443")]);
        assert_eq!(proxied().client_address(&with_ports, socket).unwrap(), "2001:db8:1:2::/64");
    }

    #[test]
    fn an_unreadable_forwarded_address_is_an_error_not_the_proxy_s_own() {
        let socket = Some("10.0.0.1".parse().unwrap());
        for line in ["not-an-address", "1.2.3.4, ", "1.2.3.4, unknown", ""] {
            let forwarded = headers(&[("x-forwarded-for", line)]);
            assert!(proxied().client_address(&forwarded, socket).is_err(), "{line:?}");
            // Without a trusted proxy the header means nothing.
            assert_eq!(Site::default().client_address(&forwarded, socket).unwrap(), "10.0.0.1");
        }
    }

    #[test]
    fn ipv4_clients_of_a_dual_stack_listener_each_count_as_themselves() {
        let one = Some("::ffff:198.51.100.7".parse().unwrap());
        let two = Some("::ffff:198.51.100.8".parse().unwrap());
        let site = Site::default();
        assert_eq!(site.client_address(&headers(&[]), one).unwrap(), "198.51.100.7");
        assert_eq!(site.client_address(&headers(&[]), two).unwrap(), "198.51.100.8");
        let mapped = headers(&[("x-forwarded-for", "::ffff:203.0.113.9")]);
        assert_eq!(proxied().client_address(&mapped, None).unwrap(), "203.0.113.9");
    }
}
